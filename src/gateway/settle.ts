/**
 * Where a trade's state and money change together, each in one transaction with the trade row
 * locked first (lock order: trade → attempt → payment intents → ledger accounts, so no two of
 * these, nor a payment confirmation, wait on each other in a cycle):
 * - a wallet payment intent made for a trade succeeded → the trade is paid (TRADE_SUCCESS), the
 *   fee moves from the merchant's settlement account to the fees account, the merchant is told;
 * - a second intent for an already paid or closed trade succeeded → its money goes straight back;
 * - an unpaid trade closes (timeout, close, cancel) → its open intents are expired so they can
 *   no longer be confirmed; if one had been confirmed meanwhile, the trade is paid instead.
 */
import type { Transaction } from 'kysely';
import { rejectionError } from '../ledger/index.ts';
import type { MerchantSideIntent } from '../payments/index.ts';
import { assert, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { GatewayContext } from './context.ts';
import { enqueueNotification } from './notifications.ts';
import type { TradeRow } from './trade-view.ts';

export type Trx = Transaction<Database>;

/** Fee in fen for a trade: the rate in basis points, rounded half up. */
export function feeOf(totalMinor: bigint, feeRateBp: number): bigint {
  assert(totalMinor > 0n && feeRateBp >= 0, 'fee inputs in range');
  return (totalMinor * BigInt(feeRateBp) + 5_000n) / 10_000n;
}

/** Fee returned with a refund: the fee's share of the cumulative refund, less what went back before. */
export function feeBackOf(input: {
  feeMinor: bigint;
  totalMinor: bigint;
  refundedBeforeMinor: bigint;
  refundMinor: bigint;
  feeBackBeforeMinor: bigint;
}): bigint {
  const cumulative = input.refundedBeforeMinor + input.refundMinor;
  assert(cumulative <= input.totalMinor, 'refunds within the total');
  const owed =
    cumulative === input.totalMinor ? input.feeMinor : (input.feeMinor * cumulative) / input.totalMinor;
  const back = owed - input.feeBackBeforeMinor;
  assert(back >= 0n, 'fee back never negative');
  return back;
}

export async function lockTrade(trx: Trx, tradeNo: string): Promise<TradeRow | undefined> {
  return trx
    .selectFrom('gateway_trades')
    .selectAll()
    .where('trade_no', '=', tradeNo)
    .forUpdate()
    .executeTakeFirst();
}

async function settlementAccountOf(trx: Trx, merchantId: string): Promise<string> {
  const merchant = await trx
    .selectFrom('merchants')
    .select('settlement_account_id')
    .where('id', '=', merchantId)
    .executeTakeFirstOrThrow();
  return merchant.settlement_account_id;
}

type IntentRow = MerchantSideIntent;

/** Payments owns intents: it locks them (and expires awaiting ones) in this transaction. */
function lockIntents(ctx: GatewayContext, trx: Trx, ids: readonly string[]): Promise<IntentRow[]> {
  return ctx.payments.lockIntentsInTransaction(trx, ids);
}

async function expireIntents(ctx: GatewayContext, trx: Trx, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await ctx.payments.expireAwaitingInTransaction(trx, ids);
  await trx
    .updateTable('gateway_trade_attempts')
    .set({ state: 'void' })
    .where('intent_id', 'in', ids)
    .where('state', '=', 'open')
    .execute();
}

/** Who paid a trade and with what: a payment intent, or an agreement debit (intentId null). */
export interface TradePayment {
  readonly payerId: string;
  readonly payerAccountId: string;
  readonly amountMinor: bigint;
  readonly intentId: string | null;
  readonly paidAt: Date;
}

/**
 * The trade (locked, WAIT_BUYER_PAY) is paid: the fee moves to the fees account, the trade
 * becomes TRADE_SUCCESS and the merchant's notification is written, in the caller's transaction.
 */
export async function markTradePaid(
  ctx: GatewayContext,
  trx: Trx,
  input: { trade: TradeRow; payment: TradePayment; nowMs: number; feesId: string },
): Promise<TradeRow> {
  const { trade, payment, nowMs, feesId } = input;
  assert(trade.status === 'WAIT_BUYER_PAY', 'only a waiting trade is paid');
  assert(payment.amountMinor === trade.total_minor, 'the payment was made for the trade amount');
  const merchant = await trx
    .selectFrom('gateway_merchants')
    .select('fee_rate_bp')
    .where('merchant_id', '=', trade.merchant_id)
    .executeTakeFirstOrThrow();
  const feeMinor = feeOf(trade.total_minor, merchant.fee_rate_bp);
  if (feeMinor > 0n) {
    const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
      {
        id: `gwfee:${trade.trade_no}`,
        kind: 'posted',
        code: 'gateway_fee',
        legs: [
          {
            debitAccountId: await settlementAccountOf(trx, trade.merchant_id),
            creditAccountId: feesId,
            amountMinor: feeMinor,
            currency: 'CNY',
          },
        ],
      },
    ]);
    assert(result, 'one result');
    if (result.status === 'rejected') throw new DomainError(rejectionError(result.reason));
  }
  const paid = await trx
    .updateTable('gateway_trades')
    .set({
      status: 'TRADE_SUCCESS',
      buyer_user_id: payment.payerId,
      buyer_account_id: payment.payerAccountId,
      paid_intent_id: payment.intentId,
      paid_at: payment.paidAt,
      fee_minor: feeMinor,
    })
    .where('trade_no', '=', trade.trade_no)
    .returningAll()
    .executeTakeFirstOrThrow();
  await enqueueNotification(trx, paid, { nowMs });
  return paid;
}

/** The money of a payment that came too late for its trade (paid or closed) goes straight back. */
export async function returnToPayer(
  ctx: GatewayContext,
  trx: Trx,
  input: { transferId: string; merchantId: string; payerAccountId: string; amountMinor: bigint },
): Promise<void> {
  const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
    {
      id: input.transferId,
      kind: 'posted',
      code: 'gateway_duplicate_refund',
      legs: [
        {
          debitAccountId: await settlementAccountOf(trx, input.merchantId),
          creditAccountId: input.payerAccountId,
          amountMinor: input.amountMinor,
          currency: 'CNY',
        },
      ],
    },
  ]);
  assert(result, 'one result');
  if (result.status === 'rejected') throw new DomainError(rejectionError(result.reason));
}

/** The trade (locked, WAIT_BUYER_PAY) is paid by this succeeded intent. */
async function markPaid(
  ctx: GatewayContext,
  trx: Trx,
  trade: TradeRow,
  intent: IntentRow,
  nowMs: number,
  feesId: string,
): Promise<TradeRow> {
  assert(
    trade.status === 'WAIT_BUYER_PAY' && intent.status === 'succeeded',
    'a waiting trade paid by a succeeded intent',
  );
  // Other open attempts: expire them first (before touching accounts: lock order).
  const others = await trx
    .selectFrom('gateway_trade_attempts')
    .select('intent_id')
    .where('trade_no', '=', trade.trade_no)
    .where('state', '=', 'open')
    .where('intent_id', '<>', intent.id)
    .execute();
  const otherIntents = await lockIntents(
    ctx,
    trx,
    others.map((o) => o.intent_id),
  );
  await expireIntents(
    ctx,
    trx,
    otherIntents.filter((i) => i.status === 'awaiting_confirmation').map((i) => i.id),
  );
  // Succeeded others stay open: the next runDue returns their money (a duplicate payment).
  const paid = await markTradePaid(ctx, trx, {
    trade,
    payment: {
      payerId: intent.payerId,
      payerAccountId: intent.payerAccountId,
      amountMinor: intent.amountMinor,
      intentId: intent.id,
      paidAt: intent.confirmedAt ?? new Date(nowMs),
    },
    nowMs,
    feesId,
  });
  await trx
    .updateTable('gateway_trade_attempts')
    .set({ state: 'settled' })
    .where('intent_id', '=', intent.id)
    .execute();
  return paid;
}

/** A second succeeded intent for a trade that is paid or closed: the money goes back at once. */
async function refundDuplicate(
  ctx: GatewayContext,
  trx: Trx,
  trade: TradeRow,
  intent: IntentRow,
): Promise<void> {
  await returnToPayer(ctx, trx, {
    transferId: `gwdup:${intent.id}`,
    merchantId: trade.merchant_id,
    payerAccountId: intent.payerAccountId,
    amountMinor: intent.amountMinor,
  });
  await trx
    .updateTable('gateway_trade_attempts')
    .set({ state: 'duplicate_refunded' })
    .where('intent_id', '=', intent.id)
    .execute();
}

export type AttemptOutcome = 'open' | 'settled' | 'duplicate_refunded' | 'void';

/** Brings one attempt up to date with its intent. Safe to run from several processes at once. */
export async function settleAttempt(ctx: GatewayContext, intentId: string): Promise<AttemptOutcome> {
  const nowMs = ctx.clock.nowMs();
  const first = await ctx.db
    .selectFrom('gateway_trade_attempts')
    .select(['trade_no', 'state'])
    .where('intent_id', '=', intentId)
    .executeTakeFirst();
  if (first?.state !== 'open') return first?.state ?? 'void';
  const feesId = await ctx.feesAccountId();
  const outcome = await ctx.db.transaction().execute(async (trx): Promise<AttemptOutcome> => {
    const trade = await lockTrade(trx, first.trade_no);
    assert(trade, 'an attempt names an existing trade');
    const attempt = await trx
      .selectFrom('gateway_trade_attempts')
      .select('state')
      .where('intent_id', '=', intentId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    if (attempt.state !== 'open') return attempt.state;
    const [intent] = await lockIntents(ctx, trx, [intentId]);
    assert(intent, 'an attempt names an existing intent');
    if (intent.status === 'succeeded') {
      if (trade.status === 'WAIT_BUYER_PAY') {
        await markPaid(ctx, trx, trade, intent, nowMs, feesId);
        return 'settled';
      }
      await refundDuplicate(ctx, trx, trade, intent);
      return 'duplicate_refunded';
    }
    // Cancelled by the payer, expired, or past its deadline: this attempt can no longer pay.
    if (intent.status === 'expired' || intent.status === 'cancelled' || nowMs >= intent.expiresAt.getTime()) {
      await expireIntents(ctx, trx, [intentId]);
      return 'void';
    }
    return 'open';
  });
  if (outcome === 'settled') ctx.committed();
  return outcome;
}

export type CloseOutcome = { readonly outcome: 'closed' | 'paid' | 'not_waiting'; readonly trade: TradeRow };

/**
 * Closes a waiting trade in the caller's transaction (trade locked here). If one of its intents
 * was confirmed meanwhile, the trade is paid instead: money that moved is never ignored.
 */
export async function closeWaitingTrade(
  ctx: GatewayContext,
  trx: Trx,
  input: { tradeNo: string; nowMs: number; feesId: string },
): Promise<CloseOutcome> {
  const { tradeNo, nowMs, feesId } = input;
  const trade = await lockTrade(trx, tradeNo);
  assert(trade, 'closing an existing trade');
  if (trade.status !== 'WAIT_BUYER_PAY') return { outcome: 'not_waiting', trade };
  const open = await trx
    .selectFrom('gateway_trade_attempts')
    .select('intent_id')
    .where('trade_no', '=', tradeNo)
    .where('state', '=', 'open')
    .execute();
  const intents = await lockIntents(
    ctx,
    trx,
    open.map((o) => o.intent_id),
  );
  const succeeded = intents.find((i) => i.status === 'succeeded');
  if (succeeded) return { outcome: 'paid', trade: await markPaid(ctx, trx, trade, succeeded, nowMs, feesId) };
  await expireIntents(
    ctx,
    trx,
    intents.map((i) => i.id),
  );
  const closed = await trx
    .updateTable('gateway_trades')
    .set({ status: 'TRADE_CLOSED', closed_at: new Date(nowMs) })
    .where('trade_no', '=', tradeNo)
    .returningAll()
    .executeTakeFirstOrThrow();
  await enqueueNotification(trx, closed, { nowMs });
  return { outcome: 'closed', trade: closed };
}
