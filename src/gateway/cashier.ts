/**
 * The cashier page's server side (alipay.trade.page.pay / wap.pay through the SDK's
 * `pageExecute`): the browser arrives at /gateway.do with the merchant's signed parameters, the
 * trade is opened, and the browser goes to the wallet's cashier page, where a signed-in user
 * pays it through an ordinary payment intent. Afterwards the browser is sent to return_url
 * with signed parameters (`method=alipay.trade.page.pay.return`), which merchants verify with
 * checkNotifySignV2 like a notification.
 */
import { z } from 'zod';
import { DomainError } from '../shared/index.ts';
import { AGREEMENT_SIGN_METHOD, openAgreementSign } from './agreement-api.ts';
import { formatBeijing, formatYuan } from './amounts.ts';
import { requireApp } from './apps.ts';
import { parseBiz } from './biz.ts';
import type { GatewayContext } from './context.ts';
import { AlipayError, GATEWAY_ERRORS } from './errors.ts';
import { signedReturnUrl } from './signing.ts';
import { openTrade, orderSchema, refreshTrade } from './trades.ts';
import { authenticateV2 } from './v2.ts';

export const PAGE_METHODS: readonly string[] = [
  'alipay.trade.page.pay',
  'alipay.trade.wap.pay',
  AGREEMENT_SIGN_METHOD,
];

/** Where the browser goes: the cashier (a trade) or the agreement signing page. */
export type CashierOpening =
  | { readonly ok: true; readonly location: string }
  | { readonly ok: false; readonly subCode: string; readonly subMsg: string };

export async function openCashier(
  ctx: GatewayContext,
  input: { params: Readonly<Record<string, unknown>>; clientIp: string },
): Promise<CashierOpening> {
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(input.params)) {
    if (typeof value !== 'string') return { ok: false, subCode: 'isv.invalid-parameter', subMsg: '参数重复' };
    params[key] = value;
  }
  const method = params.method ?? '';
  const auth = await authenticateV2(ctx, params, input.clientIp);
  if ('error' in auth) return { ok: false, subCode: auth.error.subCode, subMsg: auth.error.subMsg };
  try {
    const biz: unknown = JSON.parse(params.biz_content ?? '{}');
    const call = { app: auth.app, method, params, biz, clientIp: input.clientIp };
    if (method === AGREEMENT_SIGN_METHOD) {
      const { signId } = await openAgreementSign(ctx, call);
      return { ok: true, location: `/agreements/sign?request=${encodeURIComponent(signId)}` };
    }
    const order = parseBiz(orderSchema.extend({ product_code: z.string().max(64).optional() }), biz);
    const { trade } = await openTrade(ctx, call, { kind: 'page', order });
    return { ok: true, location: `/cashier/${trade.trade_no}` };
  } catch (error) {
    if (error instanceof AlipayError)
      return { ok: false, subCode: error.error.subCode, subMsg: error.subMsg };
    if (error instanceof SyntaxError)
      return { ok: false, subCode: 'ACQ.INVALID_PARAMETER', subMsg: '参数无效: biz_content' };
    throw error;
  }
}

/** After the buyer paid: the signed return_url to send the browser to (only the buyer may ask). */
export async function cashierReturnUrl(
  ctx: GatewayContext,
  input: { tradeNo: string; userId: string },
): Promise<string> {
  const row = await ctx.db
    .selectFrom('gateway_trades')
    .selectAll()
    .where('trade_no', '=', input.tradeNo)
    .executeTakeFirst();
  if (!row) throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_FOUND);
  const trade = await refreshTrade(ctx, row);
  if (trade.buyer_user_id !== input.userId || trade.status !== 'TRADE_SUCCESS' || !trade.return_url) {
    throw new DomainError(GATEWAY_ERRORS.TRADE_NOT_FOUND);
  }
  const app = await requireApp(ctx, trade.app_id);
  const fields: Record<string, string> = {
    charset: 'utf-8',
    method: 'alipay.trade.page.pay.return',
    out_trade_no: trade.out_trade_no,
    trade_no: trade.trade_no,
    total_amount: formatYuan(trade.total_minor),
    app_id: app.app_id,
    auth_app_id: app.app_id,
    seller_id: trade.merchant_id,
    version: '1.0',
    sign_type: 'RSA2',
    timestamp: formatBeijing(ctx.clock.nowMs()),
  };
  return signedReturnUrl(trade.return_url, fields, await ctx.signingKeyOf(app.app_id));
}
