/** Trades as rows and as the open API answers them (alipay.trade.query). */
import type { Selectable } from 'kysely';
import type { Database } from '../store/index.ts';
import { formatBeijing, formatYuan } from './amounts.ts';

export type TradeRow = Selectable<Database['gateway_trades']>;

/** alipay.trade.query's answer fields (snake_case; the SDK camelCases them). */
export function tradeQueryFields(trade: TradeRow): Record<string, string> {
  const paid = trade.paid_at !== null;
  const out: Record<string, string> = {
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    trade_status: trade.status,
    total_amount: formatYuan(trade.total_minor),
  };
  if (paid && trade.paid_at) {
    out.receipt_amount = formatYuan(trade.total_minor - trade.refunded_minor);
    out.buyer_pay_amount = formatYuan(trade.total_minor);
    out.invoice_amount = formatYuan(trade.total_minor);
    out.send_pay_date = formatBeijing(trade.paid_at.getTime());
  }
  if (trade.buyer_user_id) out.buyer_user_id = trade.buyer_user_id;
  if (trade.refunded_minor > 0n) out.refund_fee = formatYuan(trade.refunded_minor);
  return out;
}
