/**
 * The gateway's durable background work, driven by the database so a restart loses nothing and
 * several processes may run it at once (rows claimed with FOR UPDATE SKIP LOCKED, state changed
 * under the trade lock):
 * 1. settle payment intents made for trades that were confirmed (or expired) meanwhile;
 * 2. close unpaid trades past their deadline (timeout_express / time_expire);
 * 3. deliver due notifications (notifications.ts);
 * 4. forget v3 nonces older than the timestamp window.
 */

import { settleOpenAgreementTrades } from './agreement-api.ts';
import { DUE_BATCH_MAX, V3_TIMESTAMP_WINDOW_MS } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { deliverDueNotifications } from './notifications.ts';
import { closeWaitingTrade, settleAttempt } from './settle.ts';

export interface RunDueReport {
  readonly settled: number;
  readonly closed: number;
  readonly delivered: number;
  readonly failedDeliveries: number;
}

export async function runDue(ctx: GatewayContext, nowMs: number): Promise<RunDueReport> {
  // 1. Open attempts whose intent is no longer awaiting (or has run out of time).
  const attempts = await ctx.db
    .selectFrom('gateway_trade_attempts as a')
    .innerJoin('payment_intents as i', 'i.id', 'a.intent_id')
    .select('a.intent_id')
    .where('a.state', '=', 'open')
    .where((eb) =>
      eb.or([eb('i.status', '<>', 'awaiting_confirmation'), eb('i.expires_at', '<=', new Date(nowMs))]),
    )
    .orderBy('a.created_at')
    .limit(DUE_BATCH_MAX)
    .execute();
  let settled = 0;
  for (const attempt of attempts) {
    const outcome = await settleAttempt(ctx, attempt.intent_id);
    if (outcome === 'settled') settled++;
  }
  // 1b. Agreement debits whose trade was left unsettled (the process died in between).
  settled += await settleOpenAgreementTrades(ctx, nowMs);

  // 2. Unpaid trades past their deadline: each closed in its own transaction, skipping trades
  // another process holds.
  let closed = 0;
  const feesId = await ctx.feesAccountId();
  for (let i = 0; i < DUE_BATCH_MAX; i++) {
    const done = await ctx.db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('gateway_trades')
        .select('trade_no')
        .where('status', '=', 'WAIT_BUYER_PAY')
        .where('expires_at', '<=', new Date(nowMs))
        .orderBy('expires_at')
        .limit(1)
        .forUpdate()
        .skipLocked()
        .executeTakeFirst();
      if (!due) return false;
      const result = await closeWaitingTrade(ctx, trx, { tradeNo: due.trade_no, nowMs, feesId });
      if (result.outcome === 'closed') closed++;
      return true;
    });
    if (!done) break;
  }

  // 3. Notifications.
  const delivery = await deliverDueNotifications(ctx, ctx.signingKeyOf, nowMs);

  // 4. Nonces past the window can no longer be replayed (their timestamp is stale).
  await ctx.db
    .deleteFrom('gateway_v3_nonces')
    .where('seen_at', '<', new Date(nowMs - 2 * V3_TIMESTAMP_WINDOW_MS))
    .execute();

  return { settled, closed, delivered: delivery.delivered, failedDeliveries: delivery.failed };
}
