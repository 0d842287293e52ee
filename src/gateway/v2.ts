/**
 * Gateway v2 (`POST /gateway.do`): checks a request exactly as /work/shared/reference/
 * alipay-openapi.md says (RSA2 over every received parameter except sign, sorted, raw values,
 * empty ones included), runs the method, and answers `{"<method>_response":{…},"sign":"…"}`
 * signed over the exact inner bytes with the app's current platform key. Business errors use
 * the same signed envelope; only a request whose app cannot be known is answered unsigned.
 */
import { isIP } from 'node:net';
import { agreementPay, isAgreementPay, queryAgreement, unsignAgreement } from './agreement-api.ts';
import { parseWallTime } from './amounts.ts';
import { type AppRow, appUsable, loadApp } from './apps.ts';
import { billDownloadUrl } from './bills.ts';
import { BIZ_CONTENT_LENGTH_MAX, V2_CLOCK_SKEW_MS } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError, type AlipayErrorCode, alipayMsgOf } from './errors.ts';
import { queryRefund, refundTrade } from './refunds.ts';
import { rsaVerify, signContent, signedEnvelope } from './signing.ts';
import { type Call, cancelTrade, closeTrade, createTrade, precreateTrade, queryTrade } from './trades.ts';
import { barcodePay } from './wallet-pay.ts';

type Handler = (
  ctx: GatewayContext,
  call: Call,
) => Promise<{ code: '10000' | '10003'; fields: Record<string, string> }>;

const ok =
  (run: (ctx: GatewayContext, call: Call) => Promise<Record<string, string>>): Handler =>
  async (ctx, call) => ({ code: '10000', fields: await run(ctx, call) });

/** The methods served by exec(); page.pay / wap.pay are the cashier page (GET/POST, HTML). */
export const V2_METHODS: Readonly<Record<string, Handler>> = Object.freeze({
  'alipay.trade.create': ok(createTrade),
  'alipay.trade.precreate': ok(precreateTrade),
  // The user's pay code, or (agreement_params) a debit of the user's auto-debit agreement.
  'alipay.trade.pay': (ctx, call) =>
    isAgreementPay(call.biz) ? agreementPay(ctx, call) : barcodePay(ctx, call),
  'alipay.trade.query': ok(queryTrade),
  'alipay.trade.close': ok(closeTrade),
  'alipay.trade.cancel': ok(cancelTrade),
  'alipay.trade.refund': ok(refundTrade),
  'alipay.trade.fastpay.refund.query': ok(queryRefund),
  'alipay.data.dataservice.bill.downloadurl.query': ok(billDownloadUrl),
  'alipay.user.agreement.query': ok(queryAgreement),
  'alipay.user.agreement.unsign': ok(unsignAgreement),
});

export interface V2Answer {
  readonly body: string;
  /** An unexpected failure, for the route to log (answered as 20000). */
  readonly failure?: unknown;
}

export function responseKeyOf(method: string): string {
  return `${method.replaceAll('.', '_')}_response`;
}

function errorInner(error: AlipayErrorCode, subMsg?: string): Record<string, string> {
  return {
    code: error.code,
    msg: alipayMsgOf(error.code),
    sub_code: error.subCode,
    sub_msg: subMsg ?? error.subMsg,
  };
}

/** A v2 timestamp in the client's local zone (no marker): within every zone's reach of now. */
export function timestampAcceptable(timestamp: string, nowMs: number): boolean {
  const wall = parseWallTime(timestamp);
  if (wall === undefined) return false;
  const offsetMs = wall - nowMs;
  return offsetMs >= -12 * 3_600_000 - V2_CLOCK_SKEW_MS && offsetMs <= 14 * 3_600_000 + V2_CLOCK_SKEW_MS;
}

export function ipAllowed(app: AppRow, clientIp: string): boolean {
  const list = app.ip_allow_list;
  if (list.length === 0) return true;
  const ip = clientIp.startsWith('::ffff:') && isIP(clientIp.slice(7)) === 4 ? clientIp.slice(7) : clientIp;
  return list.includes(ip);
}

/** Everything but the business call: app, signature, timestamp, permissions. Pure of money. */
export async function authenticateV2(
  ctx: GatewayContext,
  params: Readonly<Record<string, string>>,
  clientIp: string,
): Promise<{ app: AppRow } | { error: AlipayErrorCode; app: AppRow | undefined }> {
  const appId = params.app_id;
  if (!appId) return { error: ALIPAY_ERRORS.MISSING_APP_ID, app: undefined };
  const app = await loadApp(ctx, appId);
  if (!app) return { error: ALIPAY_ERRORS.INVALID_APP_ID, app: undefined };
  const sign = params.sign;
  if (!sign) return { error: ALIPAY_ERRORS.MISSING_SIGNATURE, app };
  const signType = params.sign_type ?? 'RSA2';
  if (signType !== 'RSA2') return { error: ALIPAY_ERRORS.INVALID_SIGNATURE_TYPE, app };
  if (params.charset !== undefined && params.charset.toLowerCase() !== 'utf-8')
    return { error: ALIPAY_ERRORS.INVALID_CHARSET, app };
  const timestamp = params.timestamp;
  if (!timestamp) return { error: ALIPAY_ERRORS.MISSING_TIMESTAMP, app };
  if (!timestampAcceptable(timestamp, ctx.clock.nowMs()))
    return { error: ALIPAY_ERRORS.INVALID_TIMESTAMP, app };
  const { sign: _sign, ...signed } = params;
  if (!rsaVerify(signContent(signed), sign, app.merchant_public_key_pem))
    return { error: ALIPAY_ERRORS.INVALID_SIGNATURE, app };
  if (!(await appUsable(ctx, app))) return { error: ALIPAY_ERRORS.APP_DISABLED, app };
  if (!ipAllowed(app, clientIp)) return { error: ALIPAY_ERRORS.IP_NOT_ALLOWED, app };
  return { app };
}

/** Raw parameters (query merged with body) → the answer text. Never throws. */
export async function handleV2(
  ctx: GatewayContext,
  input: { params: Readonly<Record<string, unknown>>; clientIp: string },
): Promise<V2Answer> {
  const params: Record<string, string> = {};
  let malformed = false;
  for (const [key, value] of Object.entries(input.params)) {
    if (typeof value === 'string') params[key] = value;
    else malformed = true;
  }
  const method = params.method;
  if (!method) {
    return { body: JSON.stringify({ error_response: errorInner(ALIPAY_ERRORS.MISSING_METHOD) }) };
  }
  const responseKey = responseKeyOf(method);
  const auth = await authenticateV2(ctx, params, input.clientIp);
  const unsigned = (error: AlipayErrorCode) => ({
    body: JSON.stringify({ [responseKey]: errorInner(error) }),
  });
  if ('error' in auth && !auth.app) return unsigned(auth.error);
  const app = auth.app as AppRow;
  const signed = async (inner: Record<string, string>) => ({
    body: signedEnvelope(responseKey, inner, await ctx.signingKeyOf(app.app_id)),
  });
  if ('error' in auth) return signed(errorInner(auth.error));
  if (malformed) return signed(errorInner(ALIPAY_ERRORS.INVALID_PARAMETER_FORMAT, '参数重复'));
  const handler = Object.hasOwn(V2_METHODS, method) ? V2_METHODS[method] : undefined;
  if (!handler) return signed(errorInner(ALIPAY_ERRORS.INVALID_METHOD));
  const bizText = params.biz_content ?? '{}';
  let biz: unknown;
  try {
    if (bizText.length > BIZ_CONTENT_LENGTH_MAX) throw new Error('too long');
    biz = JSON.parse(bizText);
    if (typeof biz !== 'object' || biz === null || Array.isArray(biz)) throw new Error('not an object');
  } catch {
    return signed(errorInner(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: biz_content'));
  }
  try {
    const result = await handler(ctx, { app, method, params, biz, clientIp: input.clientIp });
    const msg = result.code === '10000' ? 'Success' : ' order success pay inprocess';
    return signed({ code: result.code, msg, ...result.fields });
  } catch (error) {
    if (error instanceof AlipayError) return signed(errorInner(error.error, error.subMsg));
    return { ...(await signed(errorInner(ALIPAY_ERRORS.SYSTEM_ERROR))), failure: error };
  }
}
