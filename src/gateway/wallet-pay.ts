/**
 * The wallet side of trades: a user pays an order (precreate QR code, cashier page) through an
 * ordinary payment intent, so the same limits, confirmation and risk hook apply as to any
 * payment; the user's one-time payment barcode ("pay code") that a merchant scans for
 * alipay.trade.pay; and alipay.trade.pay itself.
 */
import { randomInt } from 'node:crypto';
import { z } from 'zod';
import type { Located } from '../identity/index.ts';
import type { PaymentChannel } from '../payments/index.ts';
import { COMMON_ERRORS, DomainError, type Money } from '../shared/index.ts';
import { formatBeijing, formatYuan } from './amounts.ts';
import { sha256Hex } from './apps.ts';
import { parseBiz, yuanField } from './biz.ts';
import { PAY_CODE_DIGITS, PAY_CODE_PREFIX, PAY_CODE_TTL_MS, PAY_CODES_PER_HOUR_MAX } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError, GATEWAY_ERRORS } from './errors.ts';
import { settleAttempt } from './settle.ts';
import type { TradeRow } from './trade-view.ts';
import { type Call, findByOutTradeNo, newTradeNo, openTrade, orderSchema, refreshTrade } from './trades.ts';

export interface OrderForPayer {
  readonly tradeNo: string;
  readonly merchantId: string;
  readonly merchantName: string;
  readonly subject: string;
  readonly amount: Money;
  readonly status: TradeRow['status'];
  readonly expiresAt: Date;
}

/** A merchant order by its number, for a signed code's holder (the QR scanner) or the payer. */
export async function describeOrder(ctx: GatewayContext, tradeNo: string): Promise<OrderForPayer> {
  return (await loadOrder(ctx, tradeNo)).order;
}

/**
 * The cashier page's view of an order. A trade number travels in links and screenshots, so it is
 * not a secret: while the order is open and payable anyone signed in may see it (the cashier link
 * works that way), and one created for a given buyer (alipay.trade.create's buyer_id) only that
 * buyer, as payOrder allows; once paid, closed or past its deadline only its payer. Everyone else
 * gets the unknown order's 404, so the answer does not reveal that it exists.
 */
export async function describeOrderFor(
  ctx: GatewayContext,
  input: { tradeNo: string; viewerId: string },
): Promise<OrderForPayer> {
  const { order, buyerUserId } = await loadOrder(ctx, input.tradeNo);
  const payable = order.status === 'WAIT_BUYER_PAY' && ctx.clock.nowMs() < order.expiresAt.getTime();
  const visible = buyerUserId === null ? payable : buyerUserId === input.viewerId;
  if (!visible) throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_FOUND);
  return order;
}

async function loadOrder(
  ctx: GatewayContext,
  tradeNo: string,
): Promise<{ order: OrderForPayer; buyerUserId: string | null }> {
  const row = await ctx.db
    .selectFrom('gateway_trades as t')
    .innerJoin('merchants as m', 'm.id', 't.merchant_id')
    .select([
      't.trade_no',
      't.merchant_id',
      'm.name',
      't.subject',
      't.total_minor',
      't.status',
      't.expires_at',
      't.buyer_user_id',
    ])
    .where('t.trade_no', '=', tradeNo)
    .executeTakeFirst();
  if (!row) throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_FOUND);
  return {
    order: {
      tradeNo: row.trade_no,
      merchantId: row.merchant_id,
      merchantName: row.name,
      subject: row.subject,
      amount: { amountMinor: row.total_minor, currency: 'CNY' },
      status: row.status,
      expiresAt: row.expires_at,
    },
    buyerUserId: row.buyer_user_id,
  };
}

/**
 * A wallet user starts paying an order: a payment intent to the merchant for the order's amount.
 * Confirm it like any intent; the trade is paid when runDue (or a query) sees it succeeded.
 */
export async function payOrder(
  ctx: GatewayContext,
  input: {
    payerId: string;
    tradeNo: string;
    channel: PaymentChannel;
    clientRequestId: string;
    origin: Located;
  },
) {
  const row = await ctx.db
    .selectFrom('gateway_trades')
    .selectAll()
    .where('trade_no', '=', input.tradeNo)
    .executeTakeFirst();
  if (!row) throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_FOUND);
  const trade = await refreshTrade(ctx, row);
  if (trade.status !== 'WAIT_BUYER_PAY' || ctx.clock.nowMs() >= trade.expires_at.getTime()) {
    throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_PAYABLE);
  }
  // alipay.trade.create with buyer_id: only that user may pay.
  if (trade.buyer_user_id && trade.buyer_user_id !== input.payerId)
    throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_FOUND);
  const created = await ctx.payments.createIntent({
    payerId: input.payerId,
    payee: { merchantId: trade.merchant_id },
    amount: { amountMinor: trade.total_minor, currency: 'CNY' },
    channel: input.channel,
    note: trade.subject.slice(0, 100),
    clientRequestId: input.clientRequestId,
    origin: input.origin,
  });
  if (
    created.intent.amount.amountMinor !== trade.total_minor ||
    created.intent.payee.kind !== 'merchant' ||
    created.intent.payee.merchantId !== trade.merchant_id
  ) {
    // The clientRequestId named an earlier, different payment.
    throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED, { clientRequestId: 'names another payment' });
  }
  await ctx.db
    .insertInto('gateway_trade_attempts')
    .values({
      intent_id: created.intent.id,
      trade_no: trade.trade_no,
      payer_id: input.payerId,
      state: 'open',
      created_at: new Date(ctx.clock.nowMs()),
    })
    .onConflict((oc) => oc.column('intent_id').doNothing())
    .execute();
  return created;
}

/** The user's payment barcode: 18 digits starting 28, valid 60 s, one use. Earlier codes die. */
export async function issuePayCode(
  ctx: GatewayContext,
  userId: string,
): Promise<{ code: string; expiresAt: Date }> {
  const nowMs = ctx.clock.nowMs();
  const recent = await ctx.db
    .selectFrom('gateway_pay_codes')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('user_id', '=', userId)
    .where('created_at', '>', new Date(nowMs - 3_600_000))
    .executeTakeFirstOrThrow();
  if (Number(recent.n) >= PAY_CODES_PER_HOUR_MAX) throw new DomainError(COMMON_ERRORS.RATE_LIMITED);
  const code =
    PAY_CODE_PREFIX +
    Array.from({ length: PAY_CODE_DIGITS - PAY_CODE_PREFIX.length }, () => randomInt(10)).join('');
  const expiresAt = new Date(nowMs + PAY_CODE_TTL_MS);
  await ctx.db.transaction().execute(async (trx) => {
    await trx
      .updateTable('gateway_pay_codes')
      .set({ expires_at: new Date(nowMs) })
      .where('user_id', '=', userId)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date(nowMs))
      .execute();
    await trx
      .insertInto('gateway_pay_codes')
      .values({
        code_sha256: sha256Hex(code),
        user_id: userId,
        expires_at: expiresAt,
        created_at: new Date(nowMs),
      })
      .execute();
  });
  return { code, expiresAt };
}

/** Barcode payments waiting for the user's confirmation (shown on the pay-code page). */
export async function pendingBarcodePayments(ctx: GatewayContext, userId: string) {
  const nowMs = ctx.clock.nowMs();
  return ctx.db
    .selectFrom('gateway_trade_attempts as a')
    .innerJoin('payment_intents as i', 'i.id', 'a.intent_id')
    .innerJoin('gateway_trades as t', 't.trade_no', 'a.trade_no')
    .innerJoin('merchants as m', 'm.id', 't.merchant_id')
    .select(['a.intent_id', 't.trade_no', 'm.name', 't.subject', 't.total_minor', 'i.expires_at'])
    .where('a.payer_id', '=', userId)
    .where('a.state', '=', 'open')
    .where('i.status', '=', 'awaiting_confirmation')
    .where('i.expires_at', '>', new Date(nowMs))
    .orderBy('a.created_at', 'desc')
    .limit(5)
    .execute();
}

const paySchema = orderSchema.extend({
  auth_code: z.string().regex(/^[0-9]{16,24}$/),
  scene: z.enum(['bar_code', 'security_code']).optional(),
});

/** How a payments refusal reads on the open API. */
function alipayErrorOf(error: unknown): AlipayError {
  if (error instanceof AlipayError) return error;
  if (error instanceof DomainError) {
    switch (error.code) {
      case 'insufficient_funds':
        return new AlipayError(ALIPAY_ERRORS.BUYER_BALANCE_NOT_ENOUGH);
      case 'limit_exceeded':
        return new AlipayError(ALIPAY_ERRORS.PAYMENT_AMOUNT_LIMIT);
      case 'account_frozen':
      case 'payment_locked':
        return new AlipayError(ALIPAY_ERRORS.BUYER_ENABLE_STATUS_FORBID);
      default:
        return new AlipayError(ALIPAY_ERRORS.PAYMENT_FAIL, `支付失败: ${error.code}`);
    }
  }
  throw error;
}

export type PayAnswer = { readonly code: '10000' | '10003'; readonly fields: Record<string, string> };

function paidFields(trade: TradeRow): Record<string, string> {
  const total = formatYuan(trade.total_minor);
  return {
    trade_no: trade.trade_no,
    out_trade_no: trade.out_trade_no,
    ...(trade.buyer_user_id ? { buyer_user_id: trade.buyer_user_id } : {}),
    total_amount: total,
    receipt_amount: total,
    buyer_pay_amount: total,
    invoice_amount: total,
    ...(trade.paid_at ? { gmt_payment: formatBeijing(trade.paid_at.getTime()) } : {}),
  };
}

/**
 * alipay.trade.pay: the merchant scanned the user's pay code. The payment is an ordinary intent;
 * when it needs no confirmation (password-free applies) it is confirmed at once (10000), else
 * the user confirms it on the pay-code page and the merchant polls (10003, Alipay's "user paying").
 */
export async function barcodePay(ctx: GatewayContext, call: Call): Promise<PayAnswer> {
  const fields = parseBiz(paySchema, call.biz);
  const nowMs = ctx.clock.nowMs();
  const origin = ctx.identity.locate({
    ip: call.clientIp,
    userAgent: 'alipay.trade.pay',
    deviceKey: undefined,
    locale: 'zh-CN',
  });
  // A repeated out_trade_no (the merchant retrying) answers the trade's current state.
  const earlier = await findByOutTradeNo(ctx, call.app.merchant_id, fields.out_trade_no);
  if (earlier) {
    const { trade } = await openTrade(ctx, call, { kind: 'pay', order: fields });
    const current = await refreshTrade(ctx, trade);
    return current.status === 'WAIT_BUYER_PAY'
      ? { code: '10003', fields: { trade_no: current.trade_no, out_trade_no: current.out_trade_no } }
      : { code: '10000', fields: paidFields(current) };
  }
  const used = await ctx.db
    .updateTable('gateway_pay_codes')
    .set({ used_at: new Date(nowMs) })
    .where('code_sha256', '=', sha256Hex(fields.auth_code))
    .where('used_at', 'is', null)
    .where('expires_at', '>', new Date(nowMs))
    .returning(['user_id'])
    .executeTakeFirst();
  if (!used) throw new AlipayError(ALIPAY_ERRORS.PAYMENT_AUTH_CODE_INVALID);
  const tradeNo = newTradeNo(nowMs);
  const totalMinor = yuanField('total_amount', fields.total_amount);
  let intent: Awaited<ReturnType<GatewayContext['payments']['createIntent']>>['intent'];
  try {
    ({ intent } = await ctx.payments.createIntent({
      payerId: used.user_id,
      payee: { merchantId: call.app.merchant_id },
      amount: { amountMinor: totalMinor, currency: 'CNY' },
      channel: 'balance',
      note: fields.subject.slice(0, 100),
      clientRequestId: `gwpay:${tradeNo}`,
      origin,
    }));
  } catch (error) {
    throw alipayErrorOf(error);
  }
  const { trade } = await openTrade(ctx, call, {
    kind: 'pay',
    order: fields,
    buyerUserId: used.user_id,
    tradeNo,
  });
  await ctx.db
    .insertInto('gateway_trade_attempts')
    .values({
      intent_id: intent.id,
      trade_no: trade.trade_no,
      payer_id: used.user_id,
      state: 'open',
      created_at: new Date(nowMs),
    })
    .execute();
  await ctx.db
    .updateTable('gateway_pay_codes')
    .set({ trade_no: trade.trade_no })
    .where('code_sha256', '=', sha256Hex(fields.auth_code))
    .execute();
  if (intent.confirmation === 'none') {
    try {
      await ctx.payments.confirmIntent({ payerId: used.user_id, intentId: intent.id, origin });
    } catch (error) {
      throw alipayErrorOf(error);
    }
    await settleAttempt(ctx, intent.id);
    const paid = await ctx.db
      .selectFrom('gateway_trades')
      .selectAll()
      .where('trade_no', '=', trade.trade_no)
      .executeTakeFirstOrThrow();
    return { code: '10000', fields: paidFields(paid) };
  }
  return { code: '10003', fields: { trade_no: trade.trade_no, out_trade_no: trade.out_trade_no } };
}

/** The wallet confirms a barcode (or any order) payment and the trade settles in the same call. */
export async function confirmOrderPayment(
  ctx: GatewayContext,
  input: { payerId: string; intentId: string; paymentPassword?: string | undefined; origin: Located },
) {
  const intent = await ctx.payments.confirmIntent(input);
  await settleAttempt(ctx, input.intentId);
  return intent;
}
