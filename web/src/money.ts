/**
 * Formats wire money (`{"amountMinor":"12345","currency":"CNY"}`) for people. Money never becomes
 * a float here: the minor-unit string is parsed into a bigint, split into whole and fraction with
 * integer arithmetic, and Intl.NumberFormat only lays out the whole part (bigints are formatted
 * exactly) and supplies the locale's symbol, grouping and decimal separator.
 */

export interface WireMoney {
  readonly amountMinor: string;
  readonly currency: string;
}

/** ISO 4217 minor-unit exponents for the currencies Rampart books (the server's table). Another
 *  currency falls back to the exponent in the browser's CLDR data. */
const CURRENCY_EXPONENTS: Readonly<Record<string, number>> = Object.freeze({
  CNY: 2,
  HKD: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  JPY: 0,
});

/** A decimal integer as the API sends it: optional minus, no leading zeros, no exponent. Twenty
 *  digits bounds the input well above int8 (19 digits) so a corrupt value cannot be huge. */
const MINOR_PATTERN = /^-?(0|[1-9][0-9]{0,19})$/;
const CURRENCY_PATTERN = /^[A-Z]{3}$/;

export function parseAmountMinor(text: string): bigint | null {
  return MINOR_PATTERN.test(text) ? BigInt(text) : null;
}

export function currencyExponent(currency: string): number {
  const known = CURRENCY_EXPONENTS[currency];
  if (known !== undefined) return known;
  return (
    new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2
  );
}

export interface SplitAmount {
  readonly negative: boolean;
  /** Whole major units, without sign. */
  readonly whole: bigint;
  /** Exactly `exponent` digits of the minor part, zero-padded (`"05"`), empty when exponent is 0. */
  readonly fraction: string;
}

/** whole = |amount| / 10^exponent, fraction = |amount| mod 10^exponent: integer arithmetic only. */
export function splitAmountMinor(amountMinor: bigint, exponent: number): SplitAmount {
  if (!Number.isInteger(exponent) || exponent < 0 || exponent > 6)
    throw new RangeError(`bad exponent ${exponent}`);
  const negative = amountMinor < 0n;
  const magnitude = negative ? -amountMinor : amountMinor;
  const scale = 10n ** BigInt(exponent);
  const fraction = exponent === 0 ? '' : (magnitude % scale).toString().padStart(exponent, '0');
  return { negative, whole: magnitude / scale, fraction };
}

export type SignStyle =
  /** A minus sign for negative amounts only. */
  | 'auto'
  /** Money coming in: always `+`. */
  | 'plus'
  /** Money going out: always `-` (the amount on the wire is a positive magnitude). */
  | 'minus';

export interface FormatMoneyOptions {
  readonly locale: string;
  readonly sign?: SignStyle;
}

/**
 * `formatMoney({ amountMinor: '1000000', currency: 'CNY' }, { locale: 'en' })` → `"CN¥10,000.00"`;
 * in zh-CN → `"¥10,000.00"`. Throws a RangeError for a malformed amount: that is a server bug.
 */
export function formatMoney(money: WireMoney, { locale, sign = 'auto' }: FormatMoneyOptions): string {
  const amountMinor = parseAmountMinor(money.amountMinor);
  if (amountMinor === null)
    throw new RangeError(`malformed amountMinor ${JSON.stringify(money.amountMinor)}`);
  if (!CURRENCY_PATTERN.test(money.currency)) throw new RangeError(`malformed currency ${money.currency}`);
  const exponent = currencyExponent(money.currency);
  const { negative, whole, fraction } = splitAmountMinor(amountMinor, exponent);
  const showMinus = sign === 'minus' || (sign === 'auto' && negative);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency: money.currency,
    // Latin digits, because the fraction digits spliced in below are ASCII.
    numberingSystem: 'latn',
    minimumFractionDigits: exponent,
    maximumFractionDigits: exponent,
    signDisplay: sign === 'plus' ? 'always' : 'auto',
  });
  // The template only carries the sign and layout; the digits that matter come from `whole` and
  // `fraction`. A negative zero whole part (-0.50) needs the number -0 to keep its sign, and zero
  // is exact in any numeric type.
  const template: bigint | number = showMinus ? (whole === 0n ? -0 : -whole) : whole;
  let fractionSpliced = exponent === 0;
  const text = format
    .formatToParts(template)
    .map((part) => {
      if (part.type !== 'fraction') return part.value;
      fractionSpliced = true;
      return fraction;
    })
    .join('');
  if (!fractionSpliced) throw new Error(`Intl gave no fraction part for ${money.currency} in ${locale}`);
  return text;
}

/** Up to 13 whole digits keeps any amount under the server's 10^15 minor-unit ceiling. */
const MAJOR_PATTERN = /^([0-9]{1,13})(?:\.([0-9]*))?$/;

/**
 * What a person typed ("12.34", "12", "0.5", " 1,000.00 ") as minor units, with string and bigint
 * arithmetic only: "12.34" → 1234n. Null for anything that is not a plain non-negative decimal
 * with at most `exponent` fraction digits (so "12.345" is refused, never rounded).
 */
export function parseMajorToMinor(text: string, exponent: number): bigint | null {
  const match = MAJOR_PATTERN.exec(text.trim().replaceAll(',', ''));
  if (!match) return null;
  const whole = match[1] ?? '0';
  const fraction = match[2] ?? '';
  if (fraction.length > exponent) return null;
  return BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
}

/** Minor units back to the plain decimal a person would type: 1234n, 2 → "12.34". */
export function minorToMajorText(amountMinor: bigint, exponent: number): string {
  const { negative, whole, fraction } = splitAmountMinor(amountMinor, exponent);
  return `${negative ? '-' : ''}${whole}${exponent === 0 ? '' : `.${fraction}`}`;
}
