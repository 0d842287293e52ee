/** Limits of agreements, family cards and authorised apps, each with its unit and reason. */

/** A merchant's agreement request waits this long for the user's signature: long enough to
 *  open the wallet later the same day, short enough that a forgotten request does not linger. */
export const AGREEMENT_REQUEST_TTL_MS = 24 * 60 * 60 * 1000;

/** Agreement caps: at most 50,000.00 a debit (the balance channel's per-payment maximum,
 *  docs/payments.md) and 200,000.00 a month (its daily maximum): an agreement can never take
 *  more than a signed-in user could pay by hand. */
export const AGREEMENT_PER_DEBIT_CAP_MAX_MINOR = 5_000_000n;
export const AGREEMENT_MONTHLY_CAP_MAX_MINOR = 20_000_000n;

/** What a merchant may write as the purpose (shown to the user verbatim, escaped). */
export const AGREEMENT_PURPOSE_LENGTH_MAX = 200;

/** Agreements one user may hold, live or pending (a person has a few dozen subscriptions). */
export const AGREEMENTS_PER_USER_MAX = 100;

/** Family cards an owner may give (Alipay allows a handful of family members). */
export const FAMILY_CARDS_PER_OWNER_MAX = 8;

/** A family card's monthly cap: at most 20,000.00 (Alipay's family-card ceiling is of this
 *  order); the owner's money, spent by someone else, deserves a tighter bound than the owner's
 *  own limits. */
export const FAMILY_CARD_MONTHLY_CAP_MAX_MINOR = 2_000_000n;

/** Lists (agreements, cards, apps, a card's payments) return at most this many rows. */
export const LIST_ROWS_MAX = 100;

/** Authorised-app scopes, as Alipay's user-authorisation scopes are named. */
export const APP_SCOPES = ['auth_base', 'auth_user', 'auth_zhima'] as const;
export type AppScope = (typeof APP_SCOPES)[number];

/** Months of caps follow Beijing time (UTC+8, no daylight saving), like payment days. */
export const MONTH_UTC_OFFSET_MS = 8 * 60 * 60 * 1000;

/** A debit or family payment waits at most this long for a row lock before answering 503. */
export const LOCK_TIMEOUT_MS = 5_000;

/** A risk challenge on a family-card payment is met by a second-factor step-up (SMS, TOTP, backup
 *  code, passkey; not the payment password) of the paying member's session this recent: issue 3's
 *  step-up freshness, as for challenged withdrawals and security changes (docs/risk.md). */
export const FAMILY_CARD_STEP_UP_FRESH_MS = 5 * 60_000;

/** The ledger's own expiry of a family-card review hold comes this long after the review
 *  deadline: a backstop should the review sweep not run (the same grace as payments' holds). */
export const FAMILY_CARD_HOLD_LEDGER_GRACE_MS = 60 * 60_000;

/** Overdue family-card reviews voided per sweep: bounded work per tick (as payments'). */
export const FAMILY_CARD_REVIEW_EXPIRY_BATCH_MAX = 100;

/** Only CNY for now, like wallets and limits (docs/payments.md). */
export const AGREEMENTS_CURRENCY = 'CNY';
