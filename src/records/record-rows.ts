/** Pure pieces of the records: a row's type from its code and direction, filters, CSV text. */
import { type Currency, formatMinorAsDecimal } from '../shared/index.ts';
import type { RecordSource, RecordStatus, RecordType } from './constants.ts';

export interface RecordRow {
  readonly entryId: bigint;
  readonly transferId: string;
  readonly type: RecordType;
  readonly status: RecordStatus;
  /** The wallet, or the credit line for spending on credit. */
  readonly source: RecordSource;
  /** Signed: money in is positive, money out negative. */
  readonly amountMinor: bigint;
  readonly currency: Currency;
  /** Masked payee or payer name, merchant name, or masked card; null when there is none. */
  readonly counterparty: string | null;
  readonly note: string | null;
  readonly createdAt: Date;
}

export interface RecordFilter {
  readonly type?: RecordType | undefined;
  readonly status?: RecordStatus | undefined;
  /** Case-insensitive substring of the shown (masked) counterparty. */
  readonly counterparty?: string | undefined;
  /** Bounds on the absolute amount, in minor units, inclusive. */
  readonly minAmountMinor?: bigint | undefined;
  readonly maxAmountMinor?: bigint | undefined;
}

export function recordTypeOf(code: string, direction: 'in' | 'out'): RecordType {
  switch (code) {
    case 'top_up':
      return 'top_up';
    case 'withdraw':
    case 'withdrawal':
      return 'withdraw';
    case 'p2p':
      return direction === 'out' ? 'transfer_out' : 'transfer_in';
    case 'merchant_pay':
    // An auto-debit agreement's debit and a family card's payment pay a merchant too.
    case 'agreement_debit':
    case 'family_card_pay':
      return direction === 'out' ? 'merchant_payment' : 'other';
    case 'refund':
      return 'refund';
    // The wallet side of a repayment; the credit line's side is not a row of its own.
    case 'credit_repay':
      return direction === 'out' ? 'credit_repayment' : 'other';
    default:
      return 'other';
  }
}

export function matchesFilter(row: RecordRow, filter: RecordFilter): boolean {
  if (filter.type !== undefined && row.type !== filter.type) return false;
  if (filter.status !== undefined && row.status !== filter.status) return false;
  const absMinor = row.amountMinor < 0n ? -row.amountMinor : row.amountMinor;
  if (filter.minAmountMinor !== undefined && absMinor < filter.minAmountMinor) return false;
  if (filter.maxAmountMinor !== undefined && absMinor > filter.maxAmountMinor) return false;
  if (filter.counterparty !== undefined) {
    const shown = (row.counterparty ?? '').toLowerCase();
    if (!shown.includes(filter.counterparty.toLowerCase())) return false;
  }
  return true;
}

export const CSV_HEADER = [
  'time',
  'type',
  'status',
  'counterparty',
  'amount',
  'currency',
  'transfer_id',
  'note',
];

/** RFC 4180: a field with a comma, quote, CR or LF is quoted, and its quotes doubled. Text a
 *  user typed that opens with = + - @ gets a leading ' so spreadsheets do not run it as a
 *  formula (OWASP "CSV Injection"). */
export function csvField(value: string, options: { userText: boolean }): string {
  const safe = options.userText && /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function csvLine(row: RecordRow): string {
  return [
    csvField(row.createdAt.toISOString(), { userText: false }),
    row.type,
    row.status,
    csvField(row.counterparty ?? '', { userText: true }),
    formatMinorAsDecimal(row.amountMinor, row.currency),
    row.currency,
    csvField(row.transferId, { userText: false }),
    csvField(row.note ?? '', { userText: true }),
  ].join(',');
}
