/** The merchant console's reads: the app's orders, refunds and notifications, newest first. */
import { formatYuan } from './amounts.ts';
import type { GatewayContext } from './context.ts';

/** A console page is at most this many rows. */
export const CONSOLE_PAGE_MAX = 100;

export function createConsole(ctx: GatewayContext) {
  return {
    orders: async (appId: string) => {
      const rows = await ctx.db
        .selectFrom('gateway_trades')
        .selectAll()
        .where('app_id', '=', appId)
        .orderBy('created_at', 'desc')
        .limit(CONSOLE_PAGE_MAX)
        .execute();
      return rows.map((t) => ({
        tradeNo: t.trade_no,
        outTradeNo: t.out_trade_no,
        subject: t.subject,
        totalAmount: formatYuan(t.total_minor),
        refundedAmount: formatYuan(t.refunded_minor),
        fee: formatYuan(t.fee_minor),
        status: t.status,
        createdAt: t.created_at.toISOString(),
        paidAt: t.paid_at?.toISOString() ?? null,
      }));
    },
    refunds: async (appId: string) => {
      const rows = await ctx.db
        .selectFrom('gateway_refunds as r')
        .innerJoin('gateway_trades as t', 't.trade_no', 'r.trade_no')
        .select([
          'r.trade_no',
          't.out_trade_no',
          'r.out_request_no',
          'r.amount_minor',
          'r.reason',
          'r.created_at',
        ])
        .where('t.app_id', '=', appId)
        .orderBy('r.created_at', 'desc')
        .limit(CONSOLE_PAGE_MAX)
        .execute();
      return rows.map((r) => ({
        tradeNo: r.trade_no,
        outTradeNo: r.out_trade_no,
        outRequestNo: r.out_request_no,
        amount: formatYuan(r.amount_minor),
        reason: r.reason,
        createdAt: r.created_at.toISOString(),
      }));
    },
    notifications: async (appId: string) => {
      const rows = await ctx.db
        .selectFrom('gateway_notifications')
        .select([
          'id',
          'notify_id',
          'trade_no',
          'url',
          'status',
          'attempts',
          'next_attempt_at',
          'last_error',
          'created_at',
          'delivered_at',
          'fields',
        ])
        .where('app_id', '=', appId)
        .orderBy('created_at', 'desc')
        .limit(CONSOLE_PAGE_MAX)
        .execute();
      return rows.map((n) => {
        const fields: Record<string, string> = typeof n.fields === 'string' ? JSON.parse(n.fields) : n.fields;
        // An agreement's notification (dut_user_sign / unsign) names the agreement and its status.
        return {
          id: n.id,
          notifyId: n.notify_id,
          tradeNo: n.trade_no ?? fields.agreement_no ?? '',
          tradeStatus: fields.trade_status ?? fields.status ?? '',
          url: n.url,
          status: n.status,
          attempts: n.attempts,
          nextAttemptAt: n.status === 'pending' ? n.next_attempt_at.toISOString() : null,
          lastError: n.last_error,
          createdAt: n.created_at.toISOString(),
          deliveredAt: n.delivered_at?.toISOString() ?? null,
        };
      });
    },
  };
}
