/**
 * Every limit of the payments module, with its unit and where it comes from. Amounts are CNY fen
 * (minor units): 100n is 1.00 CNY. docs/payments.md explains each choice.
 */

/** The channels a payment can be funded from (issue 4 point 6): the balance and the credit line
 *  (point 4); bank cards (point 1) have limits but pay nothing directly yet. */
export const PAYMENT_CHANNELS = ['balance', 'bank_card', 'credit_line'] as const;
export type PaymentChannel = (typeof PAYMENT_CHANNELS)[number];

/** Channels a payment may use today. */
export const AVAILABLE_CHANNELS: readonly PaymentChannel[] = ['balance', 'credit_line'];

/** Limits and caps are amounts in this currency; payments in another currency are refused
 *  (multi-currency payments would need limits per currency). */
export const LIMITS_CURRENCY = 'CNY';

/** Platform maxima per channel: what a user's own limits default to and can never exceed. */
export const PLATFORM_LIMITS_MINOR: Readonly<
  Record<PaymentChannel, { readonly perPaymentMinor: bigint; readonly perDayMinor: bigint }>
> = Object.freeze({
  // Balance: 50,000.00 a payment, 200,000.00 a day. The balance is the customer's own money held
  // by the platform; the ceiling bounds what one hijacked session can take in a day, while
  // covering a month's rent or a used car. Alipay's balance defaults are of the same order.
  balance: { perPaymentMinor: 5_000_000n, perDayMinor: 20_000_000n },
  // Bank card (quick pay): 50,000.00 a payment, 100,000.00 a day. Chinese issuing banks cap quick
  // payments of debit cards at about 50,000 a transaction; the issuer's own limits apply on top.
  bank_card: { perPaymentMinor: 5_000_000n, perDayMinor: 10_000_000n },
  // Credit line: 20,000.00 a payment, 50,000.00 a day. Consumer credit lines (Huabei) are granted
  // in the thousands to tens of thousands; the ledger's floor (the granted limit) applies on top.
  credit_line: { perPaymentMinor: 2_000_000n, perDayMinor: 5_000_000n },
});

/** Password-free payments (issue 4 point 7). The People's Bank of China caps payments verified
 *  with fewer than two factors at 1,000.00 CNY a day (PBoC announcement [2015] No. 43, art. 24);
 *  Rampart applies the same ceiling to each payment too. */
export const PASSWORD_FREE_CEILING_MINOR = 100_000n;
/** Defaults when the user turns password-free payments on without choosing caps (issue 4). */
export const PASSWORD_FREE_DEFAULT_PER_PAYMENT_MINOR = 20_000n;
export const PASSWORD_FREE_DEFAULT_DAILY_MINOR = 100_000n;

/** An intent waits this long for its confirmation (a checkout page's lifetime). */
export const INTENT_TTL_MS = 10 * 60_000;

/** Payment days follow Beijing time (UTC+8, no daylight saving): daily limits reset at 00:00
 *  there, as Alipay's do. */
export const PAYMENT_DAY_UTC_OFFSET_MS = 8 * 3_600_000;

/** Looking a payee up by phone answers a masked name: the documented feature, and also a way to
 *  learn which numbers are registered. Budgets per payer: a person pays a handful of new people
 *  an hour; a harvester is slowed to 100 numbers a day. */
export const PAYEE_LOOKUPS_PER_HOUR_MAX = 30;
export const PAYEE_LOOKUPS_PER_DAY_MAX = 100;

/** A payment note, as on a transfer slip. */
export const NOTE_LENGTH_MAX = 100;

/** A confirmation is retried this often after a deadlock or serialization failure. */
export const CONFIRM_ATTEMPTS_MAX = 3;

/**
 * Issue 9 point 3: a payment to a payee the payer never paid, from this amount up (or whatever
 * the amount when the risk hook says "challenge"), carries an anti-fraud warning the payer must
 * acknowledge before confirming. 200.00 CNY: below it the common scams (fake customer service,
 * "refunds", "safe accounts", job deposits) rarely stop; above it every first payment is worth
 * one deliberate pause. See docs/messages.md.
 */
export const FRAUD_WARNING_FIRST_PAYEE_MIN_MINOR = 20_000n;
