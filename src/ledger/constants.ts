/** One database transaction applies at most this many transfers: bounded lock sets and
 *  statement sizes, while amortising the commit (TigerBeetle batches 8,190 per request). */
export const TRANSFERS_PER_BATCH_MAX = 512;
/** A multi-leg posting (payment + fee + cash-back) rarely needs more than a few legs. */
export const LEGS_PER_TRANSFER_MAX = 16;
/** A batch that hit a deadlock or a concurrent duplicate id is retried from scratch this often. */
export const BATCH_ATTEMPTS_MAX = 6;
/** Holds may last up to 30 days (card pre-authorisations last 7–30). */
export const HOLD_TIMEOUT_MAX_MS = 30 * 24 * 3600 * 1000;
export const CODE_PATTERN = /^[a-z][a-z0-9_]{0,39}$/;
export const USER_DATA_LENGTH_MAX = 256;
/** Rows per INSERT statement: keeps parameters far under PostgreSQL's 65,535. */
export const ROWS_PER_INSERT_MAX = 1000;
/** The expiry sweep voids at most this many holds per run; the next run takes the rest. */
export const EXPIRE_HOLDS_PER_RUN_MAX = 512;
/** `ledger verify` tolerates a hold this long past its deadline before calling it a breach: the
 *  expiry sweep runs every second, and a hold past its deadline can no longer be posted anyway. */
export const HOLD_EXPIRY_GRACE_MS = 60_000;
/** Entries per page when a user lists activity. */
export const ACTIVITY_PAGE_MAX = 100;
