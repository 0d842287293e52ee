/**
 * TRADE_FINISHED (issue 6 point 3): a paid trade that was not fully refunded can be refunded for
 * the refundable period (Alipay's default contract: three months after payment, "如三个月可退款";
 * RAMPART_GATEWAY_REFUNDABLE_MONTHS). When it ends the trade becomes TRADE_FINISHED and the
 * merchant gets the signed TRADE_FINISHED notification, in one transaction per batch; refunds
 * after that are ACQ.TRADE_HAS_FINISHED. A durable job (jobs.register `gateway.finish-trades`)
 * runs it once per tick across processes; rows are claimed with FOR UPDATE SKIP LOCKED, so two
 * runs never finish one trade twice.
 */
import { BEIJING_OFFSET_MS, FINISH_BATCH_MAX } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { enqueueNotification } from './notifications.ts';

/** Pure: `months` calendar months before (negative: after) `nowMs`, on Beijing's calendar; a
 *  day that the target month lacks (31 → 30 April) clamps to the month's last day. */
export function shiftMonthsBeijing(nowMs: number, months: number): number {
  const wall = new Date(nowMs + BEIJING_OFFSET_MS);
  const day = wall.getUTCDate();
  const target = new Date(wall.getTime());
  target.setUTCDate(1);
  target.setUTCMonth(target.getUTCMonth() + months);
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(day, lastDay));
  return target.getTime() - BEIJING_OFFSET_MS;
}

/** Pure: may a trade paid at `paidAtMs` still be refunded at `nowMs`? */
export function refundable(input: { paidAtMs: number; nowMs: number; refundableMonths: number }): boolean {
  return input.nowMs < shiftMonthsBeijing(input.paidAtMs, input.refundableMonths);
}

/** Moves every trade past its refundable period to TRADE_FINISHED; returns how many. */
export async function finishDueTrades(ctx: GatewayContext, nowMs: number): Promise<number> {
  // paid_at + N months <= now  ⇔  paid_at <= now − N months (same calendar rule, checked per row).
  const cutoff = new Date(shiftMonthsBeijing(nowMs, -ctx.refundableMonths) + 24 * 3_600_000);
  let finished = 0;
  // Bounded: FINISH_BATCH_MAX trades per transaction, at most 10 transactions per run.
  for (let batch = 0; batch < 10; batch++) {
    const count = await ctx.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('gateway_trades')
        .selectAll()
        .where('status', '=', 'TRADE_SUCCESS')
        .where('paid_at', '<=', cutoff)
        .orderBy('paid_at')
        .limit(FINISH_BATCH_MAX)
        .forUpdate()
        .skipLocked()
        .execute();
      let moved = 0;
      for (const trade of due) {
        if (!trade.paid_at) continue;
        // Ordered by paid_at and the period is monotone in it: the first one still refundable
        // ends the run (the cutoff above is a day wide to absorb month-end clamping).
        if (refundable({ paidAtMs: trade.paid_at.getTime(), nowMs, refundableMonths: ctx.refundableMonths }))
          return { moved, full: false };
        const done = await trx
          .updateTable('gateway_trades')
          .set({ status: 'TRADE_FINISHED', finished_at: new Date(nowMs) })
          .where('trade_no', '=', trade.trade_no)
          .where('status', '=', 'TRADE_SUCCESS')
          .returningAll()
          .executeTakeFirst();
        if (done) {
          await enqueueNotification(trx, done, { nowMs });
          moved++;
        }
      }
      return { moved, full: due.length === FINISH_BATCH_MAX };
    });
    finished += count.moved;
    if (!count.full) break;
  }
  if (finished > 0) ctx.committed();
  return finished;
}
