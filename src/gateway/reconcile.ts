/**
 * The merchant-side check (issue 6 point 5), pure: the merchant's own order list against the
 * platform's `trade` bill, every mismatch listed: missing on either side, amount differs,
 * status differs. Both inputs are CSV text; the merchant's needs out_trade_no, amount, status.
 */
import { formatYuan } from './amounts.ts';

export interface ReconcileMismatch {
  readonly outTradeNo: string;
  readonly kind: 'missing_in_bill' | 'missing_in_orders' | 'amount_differs' | 'status_differs';
  readonly orders: string | null;
  readonly bill: string | null;
}

export interface ReconcileReport {
  readonly matched: number;
  readonly mismatches: readonly ReconcileMismatch[];
}

/** Minimal RFC 4180 reader: quoted cells, doubled quotes, CRLF or LF. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      row.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
    } else cell += ch;
  }
  if (cell !== '' || row.length > 0) {
    row.push(cell);
    rows.push(row);
  }
  return rows.filter((r) => r.length > 1 || r[0] !== '');
}

function indexBy(rows: string[][], columns: readonly string[]): Map<string, Record<string, string>> {
  const [header, ...body] = rows;
  const out = new Map<string, Record<string, string>>();
  if (!header) return out;
  for (const column of columns)
    if (!header.includes(column)) throw new Error(`the CSV has no ${column} column`);
  for (const r of body) {
    const record: Record<string, string> = {};
    header.forEach((h, i) => {
      record[h] = r[i] ?? '';
    });
    const key = record.out_trade_no ?? '';
    const earlier = out.get(key);
    // A bill has a payment row and refund rows per trade: net the amount, keep the latest status.
    if (earlier && record.type === 'refund') {
      const net = (fen(earlier.amount ?? '') ?? 0n) + (fen(record.amount ?? '') ?? 0n);
      earlier.amount = formatYuan(net);
      earlier.status = net === 0n ? 'TRADE_CLOSED' : (earlier.status ?? '');
    } else if (!earlier) out.set(key, record);
  }
  return out;
}

/** A yuan cell in fen (bigint, exact), or undefined when it is not an amount. */
function fen(text: string): bigint | undefined {
  const match = /^(-?)(\d+)(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const value = BigInt(match[2] ?? '0') * 100n + BigInt((match[3] ?? '').padEnd(2, '0'));
  return match[1] === '-' ? -value : value;
}

export function reconcile(input: { ordersCsv: string; billCsv: string }): ReconcileReport {
  const orders = indexBy(parseCsv(input.ordersCsv), ['out_trade_no', 'amount', 'status']);
  const bill = indexBy(parseCsv(input.billCsv), ['out_trade_no', 'amount', 'status']);
  const mismatches: ReconcileMismatch[] = [];
  let matched = 0;
  for (const [outTradeNo, order] of orders) {
    const billed = bill.get(outTradeNo);
    if (!billed) {
      mismatches.push({ outTradeNo, kind: 'missing_in_bill', orders: order.amount ?? null, bill: null });
      continue;
    }
    const ordered = fen(order.amount ?? '');
    if (ordered === undefined || ordered !== fen(billed.amount ?? '')) {
      mismatches.push({
        outTradeNo,
        kind: 'amount_differs',
        orders: order.amount ?? null,
        bill: billed.amount ?? null,
      });
    } else if ((order.status ?? '') !== (billed.status ?? '')) {
      mismatches.push({
        outTradeNo,
        kind: 'status_differs',
        orders: order.status ?? null,
        bill: billed.status ?? null,
      });
    } else matched++;
  }
  for (const [outTradeNo, billed] of bill) {
    if (!orders.has(outTradeNo))
      mismatches.push({ outTradeNo, kind: 'missing_in_orders', orders: null, bill: billed.amount ?? null });
  }
  return { matched, mismatches };
}
