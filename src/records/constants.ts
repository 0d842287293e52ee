/** Limits of the records read side, each with its unit and reason. */

/** Rows per page of `GET /me/records`: the same bound as the wallet's activity page. */
export const RECORDS_PAGE_MAX = 100;
/** Ledger entries read per query while filtering: small enough for one round trip's memory. */
export const RECORDS_SCAN_BATCH = 500;
/** Entries one request may scan while filtering (a page, a CSV or a month's bill). A page that
 *  reaches it returns what it found with a cursor to continue, so no request is unbounded. */
export const RECORDS_SCAN_MAX = 20_000;
/** Rows in one CSV export: spreadsheet-friendly and about 1 MB; narrow the dates for more. */
export const RECORDS_CSV_ROWS_MAX = 10_000;
/** Beijing time (UTC+8, no daylight saving): days and months of filters and bills. */
export const BEIJING_OFFSET_MS = 8 * 60 * 60 * 1000;
/** Longest counterparty filter, in characters (masked names and merchant names are short). */
export const COUNTERPARTY_FILTER_LENGTH_MAX = 64;

export const RECORD_TYPES = [
  'top_up',
  'withdraw',
  'transfer_out',
  'transfer_in',
  'merchant_payment',
  'refund',
  'other',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

export const RECORD_STATUSES = ['posted', 'pending', 'released'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];
