/**
 * Refunds (alipay.trade.refund, alipay.trade.fastpay.refund.query): partial or full, idempotent
 * per out_request_no, cumulative ≤ total. One transaction with the trade locked: the transfer
 * back to the buyer (from the merchant's settlement account, plus the fee's share from the fees
 * account), the refund row, the trade's totals, TRADE_CLOSED when fully refunded, and the
 * notification.
 */
import { z } from 'zod';
import { assert } from '../shared/index.ts';
import { formatBeijing, formatYuan } from './amounts.ts';
import { parseBiz, text, yuanField } from './biz.ts';
import { OUT_REQUEST_NO_PATTERN } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError } from './errors.ts';
import { refundable } from './finish-trades.ts';
import { enqueueNotification } from './notifications.ts';
import { feeBackOf, lockTrade } from './settle.ts';
import type { Call } from './trades.ts';
import { lookupTrade, refreshTrade } from './trades.ts';

const refundSchema = z.object({
  refund_amount: text(20),
  out_request_no: z.string().regex(OUT_REQUEST_NO_PATTERN).optional(),
  refund_reason: z.string().max(256).optional(),
});

interface RefundDone {
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly buyerUserId: string | null;
  readonly refundedTotalMinor: bigint;
  readonly fundChange: boolean;
  readonly atMs: number;
}

async function applyRefund(
  ctx: GatewayContext,
  input: { tradeNo: string; outRequestNo: string; amountMinor: bigint | 'remainder'; reason: string | null },
): Promise<RefundDone> {
  const done = await applyRefundInTransaction(ctx, input);
  if (done.fundChange) ctx.committed();
  return done;
}

async function applyRefundInTransaction(
  ctx: GatewayContext,
  input: { tradeNo: string; outRequestNo: string; amountMinor: bigint | 'remainder'; reason: string | null },
): Promise<RefundDone> {
  const feesId = await ctx.feesAccountId();
  return ctx.db.transaction().execute(async (trx) => {
    const nowMs = ctx.clock.nowMs();
    const trade = await lockTrade(trx, input.tradeNo);
    assert(trade, 'refunding an existing trade');
    const done = (fundChange: boolean, refundedTotalMinor: bigint, atMs: number): RefundDone => ({
      tradeNo: trade.trade_no,
      outTradeNo: trade.out_trade_no,
      buyerUserId: trade.buyer_user_id,
      refundedTotalMinor,
      fundChange,
      atMs,
    });
    const earlier = await trx
      .selectFrom('gateway_refunds')
      .selectAll()
      .where('trade_no', '=', trade.trade_no)
      .where('out_request_no', '=', input.outRequestNo)
      .executeTakeFirst();
    if (earlier) {
      // Same out_request_no: refunded once only (Alipay's rule); a different amount is refused.
      if (input.amountMinor !== 'remainder' && earlier.amount_minor !== input.amountMinor) {
        throw new AlipayError(ALIPAY_ERRORS.REFUND_CONTEXT_INCONSISTENT);
      }
      return done(false, trade.refunded_minor, earlier.created_at.getTime());
    }
    if (trade.status === 'WAIT_BUYER_PAY') throw new AlipayError(ALIPAY_ERRORS.TRADE_STATUS_ERROR);
    if (trade.status === 'TRADE_FINISHED') throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_FINISHED);
    if (trade.status === 'TRADE_CLOSED') throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_CLOSE);
    assert(trade.buyer_account_id !== null && trade.paid_at !== null, 'a paid trade names its buyer account');
    // The refundable period ended: finished, whether or not the job has moved the trade yet.
    if (
      !refundable({
        paidAtMs: trade.paid_at.getTime(),
        nowMs: ctx.clock.nowMs(),
        refundableMonths: ctx.refundableMonths,
      })
    )
      throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_FINISHED);
    const amountMinor =
      input.amountMinor === 'remainder' ? trade.total_minor - trade.refunded_minor : input.amountMinor;
    if (amountMinor <= 0n || trade.refunded_minor + amountMinor > trade.total_minor) {
      throw new AlipayError(ALIPAY_ERRORS.REFUND_AMT_NOT_EQUAL_TOTAL);
    }
    const feeBackMinor = feeBackOf({
      feeMinor: trade.fee_minor,
      totalMinor: trade.total_minor,
      refundedBeforeMinor: trade.refunded_minor,
      refundMinor: amountMinor,
      feeBackBeforeMinor: trade.fee_refunded_minor,
    });
    const merchant = await trx
      .selectFrom('merchants')
      .select('settlement_account_id')
      .where('id', '=', trade.merchant_id)
      .executeTakeFirstOrThrow();
    const count = await trx
      .selectFrom('gateway_refunds')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('trade_no', '=', trade.trade_no)
      .executeTakeFirstOrThrow();
    const transferId = `gwrf:${trade.trade_no}:${Number(count.n) + 1}`;
    const fromMerchantMinor = amountMinor - feeBackMinor;
    const legs = [
      ...(fromMerchantMinor > 0n
        ? [
            {
              debitAccountId: merchant.settlement_account_id,
              creditAccountId: trade.buyer_account_id,
              amountMinor: fromMerchantMinor,
              currency: 'CNY' as const,
            },
          ]
        : []),
      ...(feeBackMinor > 0n
        ? [
            {
              debitAccountId: feesId,
              creditAccountId: trade.buyer_account_id,
              amountMinor: feeBackMinor,
              currency: 'CNY' as const,
            },
          ]
        : []),
    ];
    const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
      { id: transferId, kind: 'posted', code: 'gateway_refund', legs },
    ]);
    assert(result, 'one result');
    if (result.status === 'rejected') {
      if (result.reason === 'exceeds_credits') throw new AlipayError(ALIPAY_ERRORS.SELLER_BALANCE_NOT_ENOUGH);
      throw new AlipayError(ALIPAY_ERRORS.SYSTEM_ERROR);
    }
    await trx
      .insertInto('gateway_refunds')
      .values({
        trade_no: trade.trade_no,
        out_request_no: input.outRequestNo,
        amount_minor: amountMinor,
        fee_back_minor: feeBackMinor,
        reason: input.reason,
        transfer_id: transferId,
        created_at: new Date(nowMs),
      })
      .execute();
    const refundedMinor = trade.refunded_minor + amountMinor;
    const full = refundedMinor === trade.total_minor;
    const updated = await trx
      .updateTable('gateway_trades')
      .set({
        refunded_minor: refundedMinor,
        fee_refunded_minor: trade.fee_refunded_minor + feeBackMinor,
        ...(full ? { status: 'TRADE_CLOSED' as const, closed_at: new Date(nowMs) } : {}),
      })
      .where('trade_no', '=', trade.trade_no)
      .returningAll()
      .executeTakeFirstOrThrow();
    await enqueueNotification(trx, updated, {
      nowMs,
      refund: { outRequestNo: input.outRequestNo, refundFeeMinor: refundedMinor, atMs: nowMs },
    });
    return done(true, refundedMinor, nowMs);
  });
}

function refundAnswer(done: RefundDone): Record<string, string> {
  return {
    trade_no: done.tradeNo,
    out_trade_no: done.outTradeNo,
    ...(done.buyerUserId ? { buyer_user_id: done.buyerUserId } : {}),
    fund_change: done.fundChange ? 'Y' : 'N',
    refund_fee: formatYuan(done.refundedTotalMinor),
    gmt_refund_pay: formatBeijing(done.atMs),
  };
}

export async function refundTrade(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const fields = parseBiz(refundSchema, call.biz);
  const amountMinor = yuanField('refund_amount', fields.refund_amount);
  const trade = await refreshTrade(ctx, await lookupTrade(ctx, call));
  // Without out_request_no the request number is the out_trade_no (one refund per trade).
  const outRequestNo = fields.out_request_no ?? trade.out_trade_no;
  const done = await applyRefund(ctx, {
    tradeNo: trade.trade_no,
    outRequestNo,
    amountMinor,
    reason: fields.refund_reason ?? null,
  });
  return refundAnswer(done);
}

/** alipay.trade.cancel of a paid trade: refunds what is left, as out_request_no `cancel`. */
export async function refundWholeRemainder(ctx: GatewayContext, _call: Call, tradeNo: string): Promise<void> {
  await applyRefund(ctx, { tradeNo, outRequestNo: 'cancel', amountMinor: 'remainder', reason: 'cancel' });
}

const refundQuerySchema = z.object({ out_request_no: z.string().max(64).optional() });

/** One refund: REFUND_SUCCESS with its amounts, or no refund_status when there is none. */
export async function queryRefund(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const { out_request_no } = parseBiz(refundQuerySchema, call.biz);
  const trade = await lookupTrade(ctx, call);
  const outRequestNo = out_request_no ?? trade.out_trade_no;
  const refund = await ctx.db
    .selectFrom('gateway_refunds')
    .selectAll()
    .where('trade_no', '=', trade.trade_no)
    .where('out_request_no', '=', outRequestNo)
    .executeTakeFirst();
  const answer: Record<string, string> = {
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    out_request_no: outRequestNo,
    total_amount: formatYuan(trade.total_minor),
  };
  if (!refund) return answer;
  return {
    ...answer,
    refund_amount: formatYuan(refund.amount_minor),
    refund_status: 'REFUND_SUCCESS',
    gmt_refund_pay: formatBeijing(refund.created_at.getTime()),
  };
}
