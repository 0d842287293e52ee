/**
 * Trades on the open API (issue 6 points 2–3): create / precreate / page & wap pay orders with
 * out_trade_no idempotency, query, close and cancel. Money moves in settle.ts and refunds.ts.
 */
import { createHash, randomInt } from 'node:crypto';
import { z } from 'zod';
import { deadlineOf, formatBeijing, parseBeijing } from './amounts.ts';
import type { AppRow } from './apps.ts';
import { parseBiz, text, yuanField } from './biz.ts';
import {
  BODY_LENGTH_MAX,
  FACE_TO_FACE_TIMEOUT_MS,
  OUT_TRADE_NO_PATTERN,
  PAGE_PAY_TIMEOUT_MS,
  PASSBACK_LENGTH_MAX,
  SUBJECT_LENGTH_MAX,
  TIMEOUT_MAX_MS,
  TRADE_NO_RANDOM_DIGITS,
} from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError } from './errors.ts';
import { refundWholeRemainder } from './refunds.ts';
import { checkCallbackUrl } from './safe-url.ts';
import { closeWaitingTrade, settleAttempt } from './settle.ts';
import { type TradeRow, tradeQueryFields } from './trade-view.ts';

/** One verified call: the app, the system parameters and the parsed biz_content. */
export interface Call {
  readonly app: AppRow;
  readonly method: string;
  readonly params: Readonly<Record<string, string>>;
  readonly biz: unknown;
  readonly clientIp: string;
}

export type TradeKind = 'create' | 'precreate' | 'pay' | 'page';

export function newTradeNo(nowMs: number): string {
  const day = formatBeijing(nowMs).slice(0, 10).replaceAll('-', '');
  return day + Array.from({ length: TRADE_NO_RANDOM_DIGITS }, () => randomInt(10)).join('');
}

export const orderSchema = z.object({
  out_trade_no: z.string().regex(OUT_TRADE_NO_PATTERN),
  total_amount: text(20),
  subject: z.string().min(1).max(SUBJECT_LENGTH_MAX),
  body: z.string().max(BODY_LENGTH_MAX).optional(),
  product_code: z.string().max(64).optional(),
  timeout_express: z.string().max(8).optional(),
  time_expire: z.string().max(19).optional(),
  buyer_id: z.string().max(64).optional(),
  passback_params: z.string().max(PASSBACK_LENGTH_MAX).optional(),
});
export type OrderFields = z.infer<typeof orderSchema>;

/** The key fields a re-submitted out_trade_no must repeat exactly. */
function fingerprintOf(kind: TradeKind, order: OrderFields, totalMinor: bigint): string {
  const key = [kind === 'page' ? 'page' : 'face', totalMinor.toString(), order.subject, order.buyer_id ?? ''];
  return createHash('sha256').update(JSON.stringify(key)).digest('hex');
}

function deadline(kind: TradeKind, order: OrderFields, nowMs: number): number {
  if (order.time_expire !== undefined) {
    const at = parseBeijing(order.time_expire);
    if (at === undefined || at <= nowMs || at > nowMs + TIMEOUT_MAX_MS) {
      throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: time_expire');
    }
    return at;
  }
  if (order.timeout_express !== undefined) {
    const at = deadlineOf(order.timeout_express, nowMs);
    if (at === undefined) throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: timeout_express');
    return at;
  }
  return nowMs + (kind === 'page' ? PAGE_PAY_TIMEOUT_MS : FACE_TO_FACE_TIMEOUT_MS);
}

/** A re-submitted out_trade_no: the same trade, or Alipay's refusal. */
function checkExisting(existing: TradeRow, fingerprint: string): TradeRow {
  if (existing.status === 'TRADE_SUCCESS' || existing.status === 'TRADE_FINISHED') {
    throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_SUCCESS);
  }
  if (existing.status === 'TRADE_CLOSED') throw new AlipayError(ALIPAY_ERRORS.TRADE_HAS_CLOSE);
  if (existing.fingerprint !== fingerprint) throw new AlipayError(ALIPAY_ERRORS.CONTEXT_INCONSISTENT);
  return existing;
}

export async function findByOutTradeNo(ctx: GatewayContext, merchantId: string, outTradeNo: string) {
  return ctx.db
    .selectFrom('gateway_trades')
    .selectAll()
    .where('merchant_id', '=', merchantId)
    .where('out_trade_no', '=', outTradeNo)
    .executeTakeFirst();
}

/**
 * Creates a trade, or answers the existing one for the same out_trade_no (idempotent). Returns
 * the row and whether it is new. `buyer` fixes the payer (alipay.trade.pay's pay code).
 */
export async function openTrade(
  ctx: GatewayContext,
  call: Call,
  input: { kind: TradeKind; order: OrderFields; buyerUserId?: string | undefined; tradeNo?: string },
): Promise<{ trade: TradeRow; created: boolean }> {
  const { order, kind } = input;
  const nowMs = ctx.clock.nowMs();
  const totalMinor = yuanField('total_amount', order.total_amount);
  const fingerprint = fingerprintOf(kind, order, totalMinor);
  const notifyUrl = await checkCallbackUrl(ctx, call.params, 'notify_url');
  const returnUrl = await checkCallbackUrl(ctx, call.params, 'return_url');
  const existing = await findByOutTradeNo(ctx, call.app.merchant_id, order.out_trade_no);
  if (existing) return { trade: checkExisting(existing, fingerprint), created: false };
  const expiresAtMs = deadline(kind, order, nowMs);
  const tradeNo = input.tradeNo ?? newTradeNo(nowMs);
  const inserted = await ctx.db
    .insertInto('gateway_trades')
    .values({
      trade_no: tradeNo,
      app_id: call.app.app_id,
      merchant_id: call.app.merchant_id,
      out_trade_no: order.out_trade_no,
      method: call.method,
      fingerprint,
      subject: order.subject,
      body: order.body ?? null,
      product_code:
        order.product_code ?? (kind === 'page' ? 'FAST_INSTANT_TRADE_PAY' : 'FACE_TO_FACE_PAYMENT'),
      total_minor: totalMinor,
      currency: 'CNY',
      status: 'WAIT_BUYER_PAY',
      notify_url: notifyUrl,
      return_url: returnUrl,
      passback_params: order.passback_params ?? null,
      buyer_user_id: input.buyerUserId ?? null,
      qr_code:
        kind === 'precreate'
          ? ctx.issueOrderCode({ tradeNo, amountMinor: totalMinor, currency: 'CNY', expiresAtMs })
          : null,
      expires_at: new Date(expiresAtMs),
      created_at: new Date(nowMs),
    })
    .onConflict((oc) => oc.columns(['merchant_id', 'out_trade_no']).doNothing())
    .returningAll()
    .executeTakeFirst();
  if (inserted) return { trade: inserted, created: true };
  // A concurrent request with the same out_trade_no won the insert.
  const winner = await findByOutTradeNo(ctx, call.app.merchant_id, order.out_trade_no);
  if (!winner) throw new AlipayError(ALIPAY_ERRORS.SYSTEM_ERROR);
  return { trade: checkExisting(winner, fingerprint), created: false };
}

export async function createTrade(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const order = parseBiz(orderSchema, call.biz);
  const { trade } = await openTrade(ctx, call, { kind: 'create', order });
  return { out_trade_no: trade.out_trade_no, trade_no: trade.trade_no };
}

export async function precreateTrade(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const order = parseBiz(orderSchema, call.biz);
  const { trade } = await openTrade(ctx, call, { kind: 'precreate', order });
  if (!trade.qr_code) throw new AlipayError(ALIPAY_ERRORS.CONTEXT_INCONSISTENT);
  return { out_trade_no: trade.out_trade_no, qr_code: trade.qr_code };
}

const lookupSchema = z.object({
  out_trade_no: z.string().max(64).optional(),
  trade_no: z.string().max(64).optional(),
});

/** trade_no wins over out_trade_no (Alipay's rule); only the app's merchant's trades. */
export async function lookupTrade(ctx: GatewayContext, call: Call): Promise<TradeRow> {
  const ids = parseBiz(lookupSchema, call.biz);
  if (!ids.trade_no && !ids.out_trade_no) {
    throw new AlipayError(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: out_trade_no/trade_no');
  }
  let query = ctx.db.selectFrom('gateway_trades').selectAll().where('merchant_id', '=', call.app.merchant_id);
  query = ids.trade_no
    ? query.where('trade_no', '=', ids.trade_no)
    : query.where('out_trade_no', '=', ids.out_trade_no ?? '');
  const trade = await query.executeTakeFirst();
  if (!trade) throw new AlipayError(ALIPAY_ERRORS.TRADE_NOT_EXIST);
  return trade;
}

/**
 * Brings a waiting trade up to date before answering: settles confirmed payment intents and
 * closes it if its deadline passed (runDue does the same in the background).
 */
export async function refreshTrade(ctx: GatewayContext, trade: TradeRow): Promise<TradeRow> {
  if (trade.status !== 'WAIT_BUYER_PAY') return trade;
  const open = await ctx.db
    .selectFrom('gateway_trade_attempts')
    .select('intent_id')
    .where('trade_no', '=', trade.trade_no)
    .where('state', '=', 'open')
    .execute();
  for (const attempt of open) await settleAttempt(ctx, attempt.intent_id);
  const nowMs = ctx.clock.nowMs();
  const current = await ctx.db
    .selectFrom('gateway_trades')
    .selectAll()
    .where('trade_no', '=', trade.trade_no)
    .executeTakeFirstOrThrow();
  if (current.status === 'WAIT_BUYER_PAY' && nowMs >= current.expires_at.getTime()) {
    const feesId = await ctx.feesAccountId();
    const closed = await ctx.db
      .transaction()
      .execute(
        async (trx) => (await closeWaitingTrade(ctx, trx, { tradeNo: trade.trade_no, nowMs, feesId })).trade,
      );
    ctx.committed();
    return closed;
  }
  return current;
}

export async function queryTrade(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const trade = await refreshTrade(ctx, await lookupTrade(ctx, call));
  return tradeQueryFields(trade);
}

export async function closeTrade(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const trade = await refreshTrade(ctx, await lookupTrade(ctx, call));
  if (trade.status === 'TRADE_SUCCESS' || trade.status === 'TRADE_FINISHED') {
    throw new AlipayError(ALIPAY_ERRORS.TRADE_STATUS_ERROR);
  }
  if (trade.status === 'WAIT_BUYER_PAY') {
    const nowMs = ctx.clock.nowMs();
    const feesId = await ctx.feesAccountId();
    const closed = await ctx.db
      .transaction()
      .execute((trx) => closeWaitingTrade(ctx, trx, { tradeNo: trade.trade_no, nowMs, feesId }));
    ctx.committed();
    // Paid while we closed it: the payment stands and close is refused.
    if (closed.outcome === 'paid') throw new AlipayError(ALIPAY_ERRORS.TRADE_STATUS_ERROR);
  }
  return { trade_no: trade.trade_no, out_trade_no: trade.out_trade_no };
}

/** Reversal: an unpaid trade closes (action close), a paid one is refunded in full (action refund). */
export async function cancelTrade(ctx: GatewayContext, call: Call): Promise<Record<string, string>> {
  const trade = await refreshTrade(ctx, await lookupTrade(ctx, call));
  const answer = { trade_no: trade.trade_no, out_trade_no: trade.out_trade_no, retry_flag: 'N' };
  if (trade.status === 'TRADE_FINISHED') throw new AlipayError(ALIPAY_ERRORS.TRADE_STATUS_ERROR);
  if (trade.status === 'TRADE_CLOSED')
    return { ...answer, action: trade.refunded_minor > 0n ? 'refund' : 'close' };
  if (trade.status === 'WAIT_BUYER_PAY') {
    const nowMs = ctx.clock.nowMs();
    const feesId = await ctx.feesAccountId();
    const closed = await ctx.db
      .transaction()
      .execute((trx) => closeWaitingTrade(ctx, trx, { tradeNo: trade.trade_no, nowMs, feesId }));
    ctx.committed();
    if (closed.outcome !== 'paid') return { ...answer, action: 'close' };
  }
  await refundWholeRemainder(ctx, call, trade.trade_no);
  return { ...answer, action: 'refund' };
}
