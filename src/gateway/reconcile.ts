/**
 * The merchant-side check (issue 6 point 5), pure: the merchant's own order list against the
 * platform's `trade` bill, every mismatch listed: missing on either side, amount differs,
 * status differs. Both inputs are CSV text; the merchant's needs out_trade_no, amount, status.
 */
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
      const net = (Math.round(Number(earlier.amount) * 100) + Math.round(Number(record.amount) * 100)) / 100;
      earlier.amount = net.toFixed(2);
      earlier.status = net === 0 ? 'TRADE_CLOSED' : (earlier.status ?? '');
    } else if (!earlier) out.set(key, record);
  }
  return out;
}

function cents(text: string): number | undefined {
  if (!/^-?\d+(\.\d{1,2})?$/.test(text.trim())) return undefined;
  const [whole, frac = ''] = text.trim().replace('-', '').split('.');
  const value = Number(whole) * 100 + Number(frac.padEnd(2, '0'));
  return text.trim().startsWith('-') ? -value : value;
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
    if (cents(order.amount ?? '') !== cents(billed.amount ?? '')) {
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
