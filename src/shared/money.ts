/**
 * Money is an integer count of minor units (fen, cents) with its currency. Never a float.
 * On the wire an amount is a decimal string of minor units: `{"amountMinor":"12345","currency":"CNY"}`,
 * so no JSON number ever carries money.
 */
export interface Money {
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

/** ISO 4217 currencies Rampart books, with their minor-unit exponent. Extend with care: the
 *  exponent fixes how the open API's decimal strings map to minor units. */
export const CURRENCY_EXPONENTS = Object.freeze({
  CNY: 2,
  HKD: 2,
  USD: 2,
  EUR: 2,
  GBP: 2,
  SGD: 2,
  JPY: 0,
} as const);

export type Currency = keyof typeof CURRENCY_EXPONENTS;
export const CURRENCIES = Object.freeze(Object.keys(CURRENCY_EXPONENTS) as Currency[]);

export function isCurrency(value: string): value is Currency {
  return Object.hasOwn(CURRENCY_EXPONENTS, value);
}

/** One transfer leg moves at most 10^15 minor units (10 trillion yuan). The bound keeps every
 *  sum far from int8 overflow and rejects absurd input before it reaches the ledger. */
export const AMOUNT_MAX_MINOR = 1_000_000_000_000_000n;
/** PostgreSQL int8: balances are checked against it before they are written. */
export const INT8_MAX = 9_223_372_036_854_775_807n;

const MINOR_PATTERN = /^(0|[1-9][0-9]{0,18})$/;

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/** Parses a wire amount (decimal string of minor units) into a positive bigint within bounds. */
export function parseAmountMinor(text: string): ParseResult<bigint> {
  if (!MINOR_PATTERN.test(text))
    return { ok: false, reason: 'must be a whole number of minor units, as a string' };
  const value = BigInt(text);
  if (value <= 0n) return { ok: false, reason: 'must be greater than zero' };
  if (value > AMOUNT_MAX_MINOR) return { ok: false, reason: `must be at most ${AMOUNT_MAX_MINOR}` };
  return { ok: true, value };
}

const DECIMAL_PATTERN = /^(0|[1-9][0-9]{0,15})(\.[0-9]+)?$/;

/**
 * Parses a major-unit decimal string (Alipay's `"88.88"`) exactly. More fractional digits than
 * the currency has are refused, never rounded: rounding money silently is a loss for someone.
 */
export function parseDecimalToMinor(text: string, currency: Currency): ParseResult<bigint> {
  const match = DECIMAL_PATTERN.exec(text);
  if (!match) return { ok: false, reason: 'must be a decimal number such as 88.88' };
  const exponent = CURRENCY_EXPONENTS[currency];
  const whole = match[1] ?? '0';
  const fraction = (match[2] ?? '').slice(1);
  if (fraction.length > exponent) return { ok: false, reason: `has more than ${exponent} decimal places` };
  const value = BigInt(whole) * 10n ** BigInt(exponent) + BigInt(fraction.padEnd(exponent, '0') || '0');
  if (value > AMOUNT_MAX_MINOR) return { ok: false, reason: 'is too large' };
  return { ok: true, value };
}

/** Formats minor units as a major-unit decimal string with exactly the currency's places. */
export function formatMinorAsDecimal(amountMinor: bigint, currency: Currency): string {
  const exponent = CURRENCY_EXPONENTS[currency];
  const negative = amountMinor < 0n;
  const digits = (negative ? -amountMinor : amountMinor).toString();
  if (exponent === 0) return `${negative ? '-' : ''}${digits}`;
  const padded = digits.padStart(exponent + 1, '0');
  const whole = padded.slice(0, -exponent);
  const fraction = padded.slice(-exponent);
  return `${negative ? '-' : ''}${whole}.${fraction}`;
}

export function moneyToWire(money: Money): { amountMinor: string; currency: Currency } {
  return { amountMinor: money.amountMinor.toString(), currency: money.currency };
}
