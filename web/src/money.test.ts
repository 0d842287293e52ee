// Proves money formatting is exact: amounts beyond 2^53 keep every digit, the fraction comes from
// integer arithmetic, and malformed wire amounts are refused. Runs in Node (same ICU as browsers).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { LOCALES, pickLocale, translate } from './i18n.ts';
import {
  formatMoney,
  minorToMajorText,
  parseAmountMinor,
  parseMajorToMinor,
  splitAmountMinor,
} from './money.ts';

test('formats CNY in English and Chinese with grouping and two decimals', () => {
  const money = { amountMinor: '1000000', currency: 'CNY' };
  assert.equal(formatMoney(money, { locale: 'en' }), 'CN¥10,000.00');
  assert.equal(formatMoney(money, { locale: 'zh-CN' }), '¥10,000.00');
});

test('keeps every digit of amounts no float can hold', () => {
  const money = { amountMinor: '9223372036854775807', currency: 'CNY' };
  assert.equal(formatMoney(money, { locale: 'en' }), 'CN¥92,233,720,368,547,758.07');
});

test('signs: negative amounts, forced plus for money in, forced minus for money out', () => {
  assert.equal(formatMoney({ amountMinor: '-50', currency: 'CNY' }, { locale: 'en' }), '-CN¥0.50');
  assert.equal(
    formatMoney({ amountMinor: '5', currency: 'CNY' }, { locale: 'en', sign: 'minus' }),
    '-CN¥0.05',
  );
  assert.equal(
    formatMoney({ amountMinor: '0', currency: 'CNY' }, { locale: 'en', sign: 'plus' }),
    '+CN¥0.00',
  );
});

test('a currency without minor units has no fraction', () => {
  assert.equal(formatMoney({ amountMinor: '1234', currency: 'JPY' }, { locale: 'en' }), '¥1,234');
});

test('refuses malformed wire amounts instead of guessing', () => {
  for (const bad of ['1.5', '1e3', '', ' 1', '01', '+1', '0x10', '123456789012345678901']) {
    assert.equal(parseAmountMinor(bad), null, bad);
    assert.throws(() => formatMoney({ amountMinor: bad, currency: 'CNY' }, { locale: 'en' }), RangeError);
  }
});

test('whole and fraction always recombine to the amount (property)', () => {
  fc.assert(
    fc.property(
      fc.bigInt({ min: -(10n ** 19n), max: 10n ** 19n }),
      fc.integer({ min: 0, max: 4 }),
      (amount, exp) => {
        const { negative, whole, fraction } = splitAmountMinor(amount, exp);
        const magnitude = BigInt(`${whole}${fraction}`);
        assert.equal(negative ? -magnitude : magnitude, amount);
        assert.equal(fraction.length, exp);
      },
    ),
  );
});

test('the formatted digits are exactly the amount digits (property)', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 19n }), fc.constantFrom(...LOCALES), (amount, locale) => {
      const text = formatMoney({ amountMinor: String(amount), currency: 'CNY' }, { locale });
      assert.equal(text.replace(/\D/g, ''), amount.toString().padStart(3, '0'));
    }),
  );
});

test('picks zh-CN for any Chinese preference and English otherwise; fills placeholders', () => {
  assert.equal(pickLocale(['zh-TW', 'en']), 'zh-CN');
  assert.equal(pickLocale(['fr-FR', 'en-GB']), 'en');
  assert.equal(pickLocale(['de']), 'en');
  assert.equal(translate('en', 'wallet.greeting', { name: 'Alice Chen' }), 'Hello, Alice Chen');
  assert.equal(translate('zh-CN', 'wallet.greeting', { name: 'Alice Chen' }), '你好，Alice Chen');
});

test('typed yuan become exact minor units, with no float anywhere; bad input is refused', () => {
  assert.equal(parseMajorToMinor('12.34', 2), 1234n);
  assert.equal(parseMajorToMinor('0.1', 2), 10n);
  assert.equal(parseMajorToMinor(' 1,000 ', 2), 100000n);
  assert.equal(parseMajorToMinor('9999999999999.99', 2), 999999999999999n);
  for (const bad of ['', '.5', '12.345', '-1', '1e3', 'abc', '1.2.3'])
    assert.equal(parseMajorToMinor(bad, 2), null);
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 10n ** 15n - 1n }), (amount) => {
      assert.equal(parseMajorToMinor(minorToMajorText(amount, 2), 2), amount);
    }),
  );
});
