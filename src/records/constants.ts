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
  'credit_repayment',
  'other',
] as const;
export type RecordType = (typeof RECORD_TYPES)[number];

/** Where a row's money came from or went to: the wallet balance or the credit line. */
export const RECORD_SOURCES = ['wallet', 'credit_line'] as const;
export type RecordSource = (typeof RECORD_SOURCES)[number];

/**
 * Types a month bill lists as a category but leaves out of its in/out totals and net: a credit
 * repayment moves money between the user's own wallet and credit line, and the spending it pays
 * for was already counted as money out when it was made on credit (docs/records.md).
 */
export const TYPES_OUTSIDE_BILL_TOTALS: readonly RecordType[] = ['credit_repayment'];

export function countsInBillTotals(type: RecordType): boolean {
  return !TYPES_OUTSIDE_BILL_TOTALS.includes(type);
}

export const RECORD_STATUSES = ['posted', 'pending', 'released'] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];
