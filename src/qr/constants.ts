/** Limits of signed QR codes (issue 4 point 3), each with its unit and reason. */

/** The only code format this server reads; another version is refused as `qr_invalid`. */
export const QR_CODE_VERSION = '1';
export const QR_CODE_PREFIX = `rampart:${QR_CODE_VERSION}:`;

/** A merchant's static code is printed and stuck on a counter: long-lived, re-issued yearly. */
export const QR_MERCHANT_STATIC_TTL_MS = 365 * 24 * 60 * 60 * 1000;
/** A dynamic per-order code carries a fixed amount: it lives as long as a checkout, 2 h. */
export const QR_MERCHANT_ORDER_TTL_MS = 2 * 60 * 60 * 1000;
/** A personal collect-money code: 24 h, so a screenshot shared once stops working tomorrow. */
export const QR_COLLECT_TTL_MS = 24 * 60 * 60 * 1000;

/** Longer input is refused before any decoding: real codes are ~200 characters. */
export const QR_CODE_LENGTH_MAX = 512;
/** HMAC-SHA-256 output. */
export const QR_MAC_BYTES = 32;

/** Issue 9 point 3: a merchant registered less than this long ago is shown as new to payers. */
export const MERCHANT_NEW_MS = 30 * 24 * 60 * 60_000;
