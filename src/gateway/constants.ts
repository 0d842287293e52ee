/** Every limit of the merchant open API, with its unit and reason (docs/gateway.md). */

/** Alipay's notification schedule after the first attempt: 4m,10m,10m,1h,2h,6h,15h (8 attempts, ~25 h). */
export const NOTIFY_RETRY_DELAYS_MS: readonly number[] = Object.freeze([
  4 * 60_000,
  10 * 60_000,
  10 * 60_000,
  60 * 60_000,
  2 * 60 * 60_000,
  6 * 60 * 60_000,
  15 * 60 * 60_000,
]);
export const NOTIFY_ATTEMPTS_MAX = NOTIFY_RETRY_DELAYS_MS.length + 1;
/** A merchant server gets this long to answer; a slow one is a failed attempt, retried later. */
export const NOTIFY_TIMEOUT_MS = 5_000;
/** A claimed notification is retaken by another process after this (its claimer died). */
export const NOTIFY_CLAIM_MS = 30_000;
/**
 * When our side fails before anything is sent (the store or the signing key is unreachable, as
 * in a database restart), the notification is tried again this soon, and the failure is not
 * one of the merchant's attempts: Alipay's schedule is for merchants that do not answer.
 */
export const NOTIFY_LOCAL_RETRY_MS = 5_000;
/** Notifications one runDue pass delivers at most (bounded work per tick). */
export const NOTIFY_BATCH_MAX = 50;
/** Trades one runDue pass closes or settles at most. */
export const DUE_BATCH_MAX = 100;

/** Alipay: total_amount in [0.01, 100000000] yuan. */
export const TRADE_AMOUNT_MAX_MINOR = 10_000_000_000n;
/** timeout_express range: 1m – 15d. */
export const TIMEOUT_MIN_MS = 60_000;
export const TIMEOUT_MAX_MS = 15 * 24 * 60 * 60_000;
/** Default relative timeout: face-to-face (precreate, pay, create) 3h; cashier page 15d (Alipay's defaults). */
export const FACE_TO_FACE_TIMEOUT_MS = 3 * 60 * 60_000;
export const PAGE_PAY_TIMEOUT_MS = 15 * 24 * 60 * 60_000;
/** Beijing time: `1c` closes at the next 00:00 there, and Alipay's timestamps are in it. */
export const BEIJING_OFFSET_MS = 8 * 60 * 60_000;

/**
 * v2 has no nonce; the timestamp is the client's local time with no zone (SDK: YYYY-MM-DD HH:mm:ss).
 * Read as UTC it lies within [-12h, +14h] of now for any zone, plus this much clock skew.
 */
export const V2_CLOCK_SKEW_MS = 15 * 60_000;
/** v3 timestamps are epoch ms: a request older or newer than this is refused; nonces kept this long. */
export const V3_TIMESTAMP_WINDOW_MS = 5 * 60_000;

/** Field lengths (Alipay's documented maxima). */
export const OUT_TRADE_NO_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const OUT_REQUEST_NO_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const SUBJECT_LENGTH_MAX = 256;
export const BODY_LENGTH_MAX = 128;
export const URL_LENGTH_MAX = 256;
export const PASSBACK_LENGTH_MAX = 512;
export const BIZ_CONTENT_LENGTH_MAX = 16_384;
export const APP_ID_PATTERN = /^[0-9]{16}$/;
export const IP_ALLOW_LIST_MAX = 32;

/** Default fee: 0.6 % of the trade amount (Alipay's standard face-to-face rate). */
export const DEFAULT_FEE_RATE_BP = 60;

/** The user's payment barcode: 18 digits starting 28 (Alipay: 25–30 prefix, 16–24 digits), 60 s. */
export const PAY_CODE_TTL_MS = 60_000;
export const PAY_CODE_PREFIX = '28';
export const PAY_CODE_DIGITS = 18;
/** Pay codes a user may ask for an hour (the page refreshes once a minute). */
export const PAY_CODES_PER_HOUR_MAX = 120;

/** Key rotation: the default overlap during which the previous key keeps signing. */
export const KEY_ROTATION_OVERLAP_DEFAULT_MS = 7 * 24 * 60 * 60_000;
export const KEY_ROTATION_OVERLAP_MAX_MS = 90 * 24 * 60 * 60_000;

/** Bill download URLs: valid 30 s (Alipay's). */
export const BILL_URL_TTL_MS = 30_000;
/** Rows one bill carries at most (a bigger merchant needs pagination, not a bigger file). */
export const BILL_ROWS_MAX = 100_000;

/** The trade number: yyyyMMdd + 20 digits (28 chars, like Alipay's). */
export const TRADE_NO_RANDOM_DIGITS = 20;

/** alipay.trade.pay with an agreement: 商家扣款 (GENERAL_WITHHOLDING) and 周期扣款 (CYCLE_PAY_AUTH). */
export const AGREEMENT_PAY_PRODUCT_CODES = ['GENERAL_WITHHOLDING', 'CYCLE_PAY_AUTH'] as const;
/** page.sign without these fields: Alipay's cycle-pay product and a neutral scene. */
export const DEFAULT_PERSONAL_PRODUCT_CODE = 'CYCLE_PAY_AUTH_P';
export const DEFAULT_SIGN_SCENE = 'INDUSTRY|DEFAULT';
/** Alipay's "valid until" of an agreement with no end date (its notifications carry this value). */
export const AGREEMENT_INVALID_TIME = '2115-02-01 00:00:00';
/** An agreement trade still open after this was left by a process that died between the debit
 *  and the settlement (a live call finishes within the debit's 5 s lock timeout): runDue takes it. */
export const AGREEMENT_TRADE_GRACE_MS = 30_000;

/**
 * Refundable period: a paid trade becomes TRADE_FINISHED (no more refunds, notification sent)
 * this many months after payment. Alipay's default contract: three months ("如三个月可退款").
 * Configurable (RAMPART_GATEWAY_REFUNDABLE_MONTHS), 1–36 months.
 */
export const REFUNDABLE_PERIOD_DEFAULT_MONTHS = 3;
export const REFUNDABLE_PERIOD_MAX_MONTHS = 36;
/** Trades one finishing pass moves at most (bounded work per run). */
export const FINISH_BATCH_MAX = 200;
/** How often the finishing job looks for trades past their period (a minute late is harmless). */
export const GATEWAY_FINISH_INTERVAL_MS = 60_000;
