/**
 * Gateway v3 (`/v3/alipay/...`, JSON): `Authorization: ALIPAY-SHA256withRSA app_id=…,nonce=…,
 * timestamp=…,sign=…` over `authString\nMETHOD\ntarget\nbody\n`, rebuilt from the raw request
 * target and raw body bytes. A timestamp outside ±5 minutes, or a nonce seen before within that
 * window, is refused. Successes carry alipay-timestamp, alipay-nonce and alipay-signature (over
 * `ts\nnonce\nbody\n`); errors are HTTP ≥ 400 with `{code, message, links}` (unsigned, as the SDK
 * expects). The methods are v2's, so both versions answer the same.
 */
import { randomUUID } from 'node:crypto';
import { appUsable, loadApp } from './apps.ts';
import { BIZ_CONTENT_LENGTH_MAX, V3_TIMESTAMP_WINDOW_MS } from './constants.ts';
import type { GatewayContext } from './context.ts';
import { ALIPAY_ERRORS, AlipayError, type AlipayErrorCode } from './errors.ts';
import {
  parseV3Authorization,
  rsaSign,
  rsaVerify,
  v3RequestSignString,
  v3ResponseSignString,
} from './signing.ts';
import { ipAllowed, V2_METHODS } from './v2.ts';

export interface V3Request {
  readonly method: string;
  /** The raw request target (path + query), exactly as received. */
  readonly target: string;
  readonly body: string;
  readonly authorization: string | undefined;
  readonly appAuthToken: string | undefined;
  readonly clientIp: string;
}

export interface V3Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly failure?: unknown;
}

/** Paths served: the trade methods and the bill URL; query is GET or POST (clients differ). */
const V3_PATHS: Readonly<Record<string, { method: string; verbs: readonly string[] }>> = Object.freeze({
  '/v3/alipay/trade/create': { method: 'alipay.trade.create', verbs: ['POST'] },
  '/v3/alipay/trade/precreate': { method: 'alipay.trade.precreate', verbs: ['POST'] },
  '/v3/alipay/trade/pay': { method: 'alipay.trade.pay', verbs: ['POST'] },
  '/v3/alipay/trade/query': { method: 'alipay.trade.query', verbs: ['GET', 'POST'] },
  '/v3/alipay/trade/close': { method: 'alipay.trade.close', verbs: ['POST'] },
  '/v3/alipay/trade/cancel': { method: 'alipay.trade.cancel', verbs: ['POST'] },
  '/v3/alipay/trade/refund': { method: 'alipay.trade.refund', verbs: ['POST'] },
  '/v3/alipay/trade/fastpay/refund/query': {
    method: 'alipay.trade.fastpay.refund.query',
    verbs: ['GET', 'POST'],
  },
  '/v3/alipay/user/agreement/query': { method: 'alipay.user.agreement.query', verbs: ['GET', 'POST'] },
  '/v3/alipay/user/agreement/unsign': { method: 'alipay.user.agreement.unsign', verbs: ['POST'] },
  '/v3/alipay/data/dataservice/bill/downloadurl/query': {
    method: 'alipay.data.dataservice.bill.downloadurl.query',
    verbs: ['GET'],
  },
});

export const V3_ROUTE_PATHS = Object.keys(V3_PATHS);

function statusOf(error: AlipayErrorCode): number {
  if (error.code === '20000') return 500;
  if (error.code === '40006') return 403;
  if (error === ALIPAY_ERRORS.TRADE_NOT_EXIST) return 404;
  return 400;
}

function failure(status: number, code: string, message: string): V3Answer {
  return { status, headers: {}, body: JSON.stringify({ code, message, links: [] }) };
}

function fromAlipay(error: AlipayErrorCode, message?: string): V3Answer {
  return failure(statusOf(error), error.subCode, message ?? error.subMsg);
}

export async function handleV3(ctx: GatewayContext, request: V3Request): Promise<V3Answer> {
  const nowMs = ctx.clock.nowMs();
  const queryAt = request.target.indexOf('?');
  const path = queryAt < 0 ? request.target : request.target.slice(0, queryAt);
  const route = Object.hasOwn(V3_PATHS, path) ? V3_PATHS[path] : undefined;
  if (!route) return failure(404, 'invalid-method', '不存在的方法');
  if (!route.verbs.includes(request.method)) return failure(405, 'invalid-method', '不支持的请求方法');

  const auth = request.authorization ? parseV3Authorization(request.authorization) : undefined;
  if (!auth) return failure(401, 'invalid-auth-token', '缺少或无法解析 Authorization');
  const { app_id: appId, nonce, timestamp } = auth.fields;
  if (!appId || !nonce || !timestamp || nonce.length > 64)
    return failure(401, 'invalid-auth-token', 'Authorization 缺少 app_id/nonce/timestamp');
  const app = await loadApp(ctx, appId);
  if (!app) return failure(401, 'invalid-app-id', '无效的AppID参数');
  const signed = v3RequestSignString({
    authString: auth.authString,
    method: request.method,
    target: request.target,
    body: request.body,
    appAuthToken: request.appAuthToken,
  });
  if (!rsaVerify(signed, auth.sign, app.merchant_public_key_pem))
    return failure(401, 'invalid-signature', '验签出错');
  const timestampMs = /^\d{13}$/.test(timestamp) ? Number(timestamp) : Number.NaN;
  if (!(Math.abs(nowMs - timestampMs) <= V3_TIMESTAMP_WINDOW_MS))
    return failure(401, 'invalid-timestamp', '时间戳过期或无效');
  // The nonce is recorded only after the signature checked out, so no one can burn another's.
  const fresh = await ctx.db
    .insertInto('gateway_v3_nonces')
    .values({ app_id: appId, nonce, seen_at: new Date(nowMs) })
    .onConflict((oc) => oc.columns(['app_id', 'nonce']).doNothing())
    .returning('nonce')
    .executeTakeFirst();
  if (!fresh) return failure(401, 'replayed-nonce', '重复的请求 nonce');
  if (!(await appUsable(ctx, app))) return fromAlipay(ALIPAY_ERRORS.APP_DISABLED);
  if (!ipAllowed(app, request.clientIp)) return fromAlipay(ALIPAY_ERRORS.IP_NOT_ALLOWED);

  let biz: Record<string, unknown>;
  if (request.method === 'GET') {
    biz = Object.fromEntries(new URLSearchParams(queryAt < 0 ? '' : request.target.slice(queryAt + 1)));
  } else {
    try {
      if (request.body.length > BIZ_CONTENT_LENGTH_MAX) throw new Error('too long');
      const parsed: unknown = JSON.parse(request.body || '{}');
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        throw new Error('not an object');
      biz = parsed as Record<string, unknown>;
    } catch {
      return fromAlipay(ALIPAY_ERRORS.INVALID_PARAMETER, '参数无效: body');
    }
  }
  const params: Record<string, string> = {};
  for (const key of ['notify_url', 'return_url']) {
    const value = biz[key];
    if (typeof value === 'string') params[key] = value;
  }
  const handler = V2_METHODS[route.method];
  if (!handler) return failure(404, 'invalid-method', '不存在的方法');
  try {
    const result = await handler(ctx, { app, method: route.method, params, biz, clientIp: request.clientIp });
    const body = JSON.stringify(
      result.code === '10003' ? { ...result.fields, code: '10003' } : result.fields,
    );
    const responseTimestamp = String(ctx.clock.nowMs());
    const responseNonce = randomUUID();
    const signature = rsaSign(
      v3ResponseSignString(responseTimestamp, responseNonce, body),
      await ctx.signingKeyOf(app.app_id),
    );
    return {
      status: 200,
      headers: {
        'alipay-timestamp': responseTimestamp,
        'alipay-nonce': responseNonce,
        'alipay-signature': signature,
      },
      body,
    };
  } catch (error) {
    if (error instanceof AlipayError) return fromAlipay(error.error, error.subMsg);
    return { ...fromAlipay(ALIPAY_ERRORS.SYSTEM_ERROR), failure: error };
  }
}
