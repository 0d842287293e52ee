/**
 * Limits of the security lock (issue 4 point 8) and the check-up (point 11), with their reasons.
 * docs/protection.md explains each choice.
 */

const HOUR_MS = 3_600_000;

/** A new payee can first be paid this long after the payer first names them (issue 4: 24 h). */
export const COOLING_OFF_DEFAULT_MS = 24 * HOUR_MS;
/** The user may choose between 1 hour (shorter protects little against a scam call that keeps
 *  the victim on the line) and 7 days (longer and people turn the lock off altogether). */
export const COOLING_OFF_MIN_MS = 1 * HOUR_MS;
export const COOLING_OFF_MAX_MS = 7 * 24 * HOUR_MS;

/** The night window by default: 23:00–06:00 in the user's time zone (Asia/Shanghai unless
 *  chosen), when fraud against sleeping victims peaks and legitimate transfers are rare. */
export const NIGHT_START_DEFAULT_MINUTE = 23 * 60;
export const NIGHT_END_DEFAULT_MINUTE = 6 * 60;
export const TIME_ZONE_DEFAULT = 'Asia/Shanghai';
export const TIME_ZONE_LENGTH_MAX = 64;

/** A second-factor step-up counts for a locked payment this long: the step-up freshness of
 *  issue 3 ("no older than 5 minutes"). */
export const SECOND_FACTOR_FRESH_MS = 5 * 60_000;

/** The second factors the lock accepts beyond the payment password (identity's step-up methods
 *  other than the payment password). */
export const SECOND_FACTOR_METHODS = ['sms', 'totp', 'backup_code', 'passkey'] as const;

/** Agreements count as reviewed when looked at within this many days (issue 4 point 11). */
export const AGREEMENT_REVIEW_MAX_AGE_MS = 90 * 24 * HOUR_MS;
