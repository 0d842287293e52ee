// Proves the money parsers are exact with fast-check: format→parse round-trips for every currency exponent, and fractional, negative, over-range or garbage input is refused, never rounded.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  AMOUNT_MAX_MINOR,
  CURRENCIES,
  CURRENCY_EXPONENTS,
  type Currency,
  formatMinorAsDecimal,
  parseAmountMinor,
  parseDecimalToMinor,
} from './money.ts';

const RUNS = 2_000;
const currencyArb = fc.constantFrom(...CURRENCIES);
/** Amounts across the whole range, with the edges (1, the maximum) drawn often. */
const amountArb = fc.oneof(
  fc.bigInt(1n, 1_000_000n),
  fc.bigInt(1n, AMOUNT_MAX_MINOR),
  fc.constantFrom(1n, 9n, 10n, 99n, 100n, 101n, AMOUNT_MAX_MINOR - 1n, AMOUNT_MAX_MINOR),
);
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));

/** The decimal value of `text` as a fraction (numerator, exponent): an oracle that shares no code
 *  with the parser. */
function exactValue(whole: string, fraction: string): { numerator: bigint; scale: number } {
  return { numerator: BigInt(`${whole}${fraction}` || '0'), scale: fraction.length };
}

describe('money', () => {
  test('formatting then parsing returns the same minor units, for every currency exponent', () => {
    fc.assert(
      fc.property(currencyArb, fc.oneof(amountArb, fc.constant(0n)), (currency, amountMinor) => {
        const text = formatMinorAsDecimal(amountMinor, currency);
        const exponent = CURRENCY_EXPONENTS[currency];
        const [whole, fraction = ''] = text.split('.');
        assert.equal(fraction.length, exponent, `${text} has exactly ${exponent} decimal places`);
        assert.match(whole ?? '', /^(0|[1-9][0-9]*)$/);
        assert.deepEqual(parseDecimalToMinor(text, currency), { ok: true, value: amountMinor });
      }),
      { numRuns: RUNS },
    );
  });

  test('a negative amount formats as the positive one with a minus sign, and is never parsed', () => {
    fc.assert(
      fc.property(currencyArb, amountArb, (currency, amountMinor) => {
        const text = formatMinorAsDecimal(-amountMinor, currency);
        assert.equal(text, `-${formatMinorAsDecimal(amountMinor, currency)}`);
        assert.equal(parseDecimalToMinor(text, currency).ok, false);
        assert.equal(parseAmountMinor(`-${amountMinor}`).ok, false);
      }),
      { numRuns: RUNS },
    );
  });

  test('wire amounts: every decimal string in 1..10^15 parses to itself; 0 and anything above are refused', () => {
    fc.assert(
      fc.property(amountArb, (amountMinor) => {
        assert.deepEqual(parseAmountMinor(amountMinor.toString()), { ok: true, value: amountMinor });
        assert.equal(parseAmountMinor((amountMinor + AMOUNT_MAX_MINOR).toString()).ok, false);
      }),
      { numRuns: RUNS },
    );
    assert.equal(parseAmountMinor('0').ok, false);
    assert.equal(parseAmountMinor((AMOUNT_MAX_MINOR + 1n).toString()).ok, false);
    assert.equal(parseAmountMinor('9'.repeat(19)).ok, false);
    assert.equal(parseAmountMinor('9'.repeat(40)).ok, false);
  });

  test('wire amounts: fractions, signs, exponents, spaces, leading zeros and garbage are refused', () => {
    const malformed = fc.oneof(
      fc.tuple(digits(1, 6), digits(1, 3)).map(([w, f]) => `${w}.${f}`),
      digits(1, 6).map((d) => `+${d}`),
      digits(1, 6).map((d) => `-${d}`),
      digits(1, 4).map((d) => `${d}e3`),
      digits(1, 6).map((d) => ` ${d}`),
      digits(1, 6).map((d) => `${d}\n`),
      digits(1, 6).map((d) => `0${d}`),
      digits(1, 6).map((d) => `0x${d}`),
      digits(1, 6).map((d) => d.replace(/[0-9]/g, (c) => String.fromCharCode(0xff10 + Number(c)))), // fullwidth digits
      fc.string().filter((s) => !/^[1-9][0-9]*$/.test(s)),
    );
    fc.assert(
      fc.property(malformed, (text) => {
        const parsed = parseAmountMinor(text);
        assert.equal(parsed.ok, false, `${JSON.stringify(text)} refused`);
      }),
      { numRuns: RUNS },
    );
  });

  test('decimals: accepted exactly when well formed, within the currency places and the maximum; never rounded', () => {
    const wholeArb = fc.oneof(
      fc.constant('0'),
      fc.tuple(fc.stringMatching(/^[1-9]$/), digits(0, 17)).map(([a, b]) => a + b),
    );
    fc.assert(
      fc.property(
        currencyArb,
        wholeArb,
        fc.option(digits(0, 4), { nil: null }),
        (currency, whole, fraction) => {
          const text = fraction === null ? whole : `${whole}.${fraction}`;
          const exponent = CURRENCY_EXPONENTS[currency];
          const parsed = parseDecimalToMinor(text, currency);
          const { numerator, scale } = exactValue(whole, fraction ?? '');
          const wellFormed = fraction !== '';
          // Exact: value × 10^exponent must be a whole number of minor units, at most the maximum.
          const fits = scale <= exponent;
          const minor = fits ? numerator * 10n ** BigInt(exponent - scale) : null;
          if (wellFormed && fits && minor !== null && minor <= AMOUNT_MAX_MINOR) {
            assert.deepEqual(parsed, { ok: true, value: minor }, text);
            // Formatting gives the same text back, padded to the currency's places.
            const padded = exponent === 0 ? whole : `${whole}.${(fraction ?? '').padEnd(exponent, '0')}`;
            assert.equal(formatMinorAsDecimal(minor, currency), padded);
          } else {
            assert.equal(parsed.ok, false, `${text} in ${currency} refused`);
          }
        },
      ),
      { numRuns: RUNS },
    );
  });

  test('decimals: one place too many is refused even when it is a zero', () => {
    fc.assert(
      fc.property(currencyArb, digits(1, 8), (currency, whole) => {
        const exponent = CURRENCY_EXPONENTS[currency];
        const value = whole.replace(/^0+(?=.)/, '');
        for (const last of ['0', '1', '5', '9']) {
          const text = `${value}.${'0'.repeat(exponent)}${last}`;
          assert.equal(parseDecimalToMinor(text, currency).ok, false, `${text} in ${currency}`);
        }
      }),
      { numRuns: RUNS },
    );
  });

  test('decimals: the largest amount parses, one minor unit more does not', () => {
    for (const currency of CURRENCIES) {
      const max = formatMinorAsDecimal(AMOUNT_MAX_MINOR, currency);
      const over = formatMinorAsDecimal(AMOUNT_MAX_MINOR + 1n, currency);
      assert.deepEqual(parseDecimalToMinor(max, currency), { ok: true, value: AMOUNT_MAX_MINOR }, currency);
      assert.equal(parseDecimalToMinor(over, currency).ok, false, currency);
    }
  });

  test('decimals: garbage is refused', () => {
    const garbage = fc.oneof(
      fc.string(),
      digits(1, 6).map((d) => `${d}.`),
      digits(1, 6).map((d) => `.${d}`),
      digits(1, 6).map((d) => `-${d}`),
      digits(1, 6).map((d) => `+${d}`),
      digits(1, 6).map((d) => `0${d}`),
      digits(1, 6).map((d) => `${d},00`),
      digits(1, 6).map((d) => `${d} `),
      digits(1, 3).map((d) => `${d}e2`),
      fc.constantFrom('', '.', 'NaN', 'Infinity', '1..2', '1.2.3', '１.00'),
    );
    fc.assert(
      fc.property(currencyArb, garbage, (currency: Currency, text) => {
        fc.pre(!/^(0|[1-9][0-9]*)(\.[0-9]+)?$/.test(text));
        assert.equal(parseDecimalToMinor(text, currency).ok, false, JSON.stringify(text));
      }),
      { numRuns: RUNS },
    );
  });
});
