/**
 * The pay-code page's calls (signed-in wallet) and the merchant console's (app id + console
 * token, sent as a bearer header: the console has no cookie session). docs/gateway.md.
 */
import {
  ApiError,
  array,
  badResponse,
  isRecord,
  nullableString,
  number,
  record,
  request,
  string,
} from './api.ts';
import { intent, type PaymentIntent, wireMoney } from './api-payments.ts';
import type { WireMoney } from './money.ts';

export interface PayCode {
  readonly code: string;
  readonly expiresAt: Date;
}

export interface PendingPayment {
  readonly intentId: string;
  readonly merchantName: string;
  readonly subject: string;
  readonly amount: WireMoney;
}

export async function fetchPayCode(): Promise<PayCode> {
  const body = record(await request({ method: 'POST', path: '/api/v1/me/pay-code' }), 'payCode');
  return { code: string(body, 'code', 'payCode'), expiresAt: new Date(string(body, 'expiresAt', 'payCode')) };
}

export async function fetchPendingPayments(signal?: AbortSignal): Promise<readonly PendingPayment[]> {
  const body = record(
    await request({ method: 'GET', path: '/api/v1/me/pay-code/pending', signal }),
    'pending',
  );
  return array(body, 'payments', 'pending').map((value, index) => {
    const item = record(value, `payments[${index}]`);
    return {
      intentId: string(item, 'intentId', 'payment'),
      merchantName: string(item, 'merchantName', 'payment'),
      subject: string(item, 'subject', 'payment'),
      amount: wireMoney(item.amount, 'payment.amount'),
    };
  });
}

export async function fetchIntent(intentId: string): Promise<PaymentIntent> {
  return intent(
    await request({ method: 'GET', path: `/api/v1/payments/intents/${encodeURIComponent(intentId)}` }),
  );
}

// ---- merchant console ----

export interface ConsoleCredentials {
  readonly appId: string;
  readonly token: string;
}

async function consoleRequest(
  credentials: ConsoleCredentials,
  input: { method: 'GET' | 'POST'; path: string; body?: unknown; text?: boolean },
): Promise<unknown> {
  let response: Response;
  try {
    response = await fetch(input.path, {
      method: input.method,
      headers: {
        accept: input.text ? 'text/csv' : 'application/json',
        authorization: `Bearer ${credentials.token}`,
        'x-rampart-app-id': credentials.appId,
        ...(input.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: input.body === undefined ? null : JSON.stringify(input.body),
      cache: 'no-store',
      credentials: 'omit',
    });
  } catch (error) {
    throw new ApiError({ kind: 'network', status: 0, code: 'network_error', message: String(error) });
  }
  const text = await response.text();
  if (!response.ok) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {}
    const error = isRecord(json) && isRecord(json.error) ? json.error : null;
    throw new ApiError({
      kind: error ? 'server' : 'response',
      status: response.status,
      code: typeof error?.code === 'string' ? error.code : `http_${response.status}`,
      message: typeof error?.message === 'string' ? error.message : `HTTP ${response.status}`,
    });
  }
  if (input.text) return text;
  try {
    return JSON.parse(text);
  } catch {
    throw badResponse(response.status, 'expected JSON');
  }
}

export interface ConsoleKey {
  readonly publicKey: string;
  readonly signsFrom: string;
  readonly current: boolean;
}
export interface ConsoleOrder {
  readonly tradeNo: string;
  readonly outTradeNo: string;
  readonly subject: string;
  readonly totalAmount: string;
  readonly refundedAmount: string;
  readonly fee: string;
  readonly status: string;
  readonly createdAt: string;
}
export interface ConsoleRefund {
  readonly outTradeNo: string;
  readonly outRequestNo: string;
  readonly amount: string;
  readonly createdAt: string;
}
export interface ConsoleNotification {
  readonly id: string;
  readonly tradeNo: string;
  readonly tradeStatus: string;
  readonly status: string;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly createdAt: string;
}
export interface ConsoleData {
  readonly appName: string;
  readonly keys: readonly ConsoleKey[];
  readonly orders: readonly ConsoleOrder[];
  readonly refunds: readonly ConsoleRefund[];
  readonly notifications: readonly ConsoleNotification[];
}

export async function fetchConsole(credentials: ConsoleCredentials): Promise<ConsoleData> {
  const get = (path: string) => consoleRequest(credentials, { method: 'GET', path });
  const [app, orders, refunds, notifications] = await Promise.all([
    get('/api/v1/merchant-console/app'),
    get('/api/v1/merchant-console/orders'),
    get('/api/v1/merchant-console/refunds'),
    get('/api/v1/merchant-console/notifications'),
  ]);
  const appRecord = record(app, 'app');
  return {
    appName: string(appRecord, 'name', 'app'),
    keys: array(appRecord, 'platformKeys', 'app').map((k) => {
      const key = record(k, 'key');
      return {
        publicKey: string(key, 'publicKey', 'key'),
        signsFrom: string(key, 'signsFrom', 'key'),
        current: key.current === true,
      };
    }),
    orders: array(record(orders, 'orders'), 'orders', 'orders').map((o) => {
      const r = record(o, 'order');
      return {
        tradeNo: string(r, 'tradeNo', 'order'),
        outTradeNo: string(r, 'outTradeNo', 'order'),
        subject: string(r, 'subject', 'order'),
        totalAmount: string(r, 'totalAmount', 'order'),
        refundedAmount: string(r, 'refundedAmount', 'order'),
        fee: string(r, 'fee', 'order'),
        status: string(r, 'status', 'order'),
        createdAt: string(r, 'createdAt', 'order'),
      };
    }),
    refunds: array(record(refunds, 'refunds'), 'refunds', 'refunds').map((o) => {
      const r = record(o, 'refund');
      return {
        outTradeNo: string(r, 'outTradeNo', 'refund'),
        outRequestNo: string(r, 'outRequestNo', 'refund'),
        amount: string(r, 'amount', 'refund'),
        createdAt: string(r, 'createdAt', 'refund'),
      };
    }),
    notifications: array(record(notifications, 'notifications'), 'notifications', 'notifications').map(
      (o) => {
        const r = record(o, 'notification');
        return {
          id: string(r, 'id', 'notification'),
          tradeNo: string(r, 'tradeNo', 'notification'),
          tradeStatus: string(r, 'tradeStatus', 'notification'),
          status: string(r, 'status', 'notification'),
          attempts: number(r, 'attempts', 'notification'),
          lastError: nullableString(r, 'lastError', 'notification'),
          createdAt: string(r, 'createdAt', 'notification'),
        };
      },
    ),
  };
}

export async function resendConsoleNotification(credentials: ConsoleCredentials, id: string): Promise<void> {
  await consoleRequest(credentials, {
    method: 'POST',
    path: `/api/v1/merchant-console/notifications/${encodeURIComponent(id)}/resend`,
  });
}

export async function fetchConsoleBill(
  credentials: ConsoleCredentials,
  input: { billType: string; billDate: string },
): Promise<string> {
  const query = new URLSearchParams(input).toString();
  return String(
    await consoleRequest(credentials, {
      method: 'GET',
      path: `/api/v1/merchant-console/bills?${query}`,
      text: true,
    }),
  );
}

export async function reconcileOrders(
  credentials: ConsoleCredentials,
  input: { ordersCsv: string; billDate: string },
): Promise<{ matched: number; mismatches: readonly { outTradeNo: string; kind: string }[] }> {
  const body = record(
    await consoleRequest(credentials, {
      method: 'POST',
      path: '/api/v1/merchant-console/reconcile',
      body: input,
    }),
    'reconcile',
  );
  return {
    matched: number(body, 'matched', 'reconcile'),
    mismatches: array(body, 'mismatches', 'reconcile').map((m) => {
      const r = record(m, 'mismatch');
      return { outTradeNo: string(r, 'outTradeNo', 'mismatch'), kind: string(r, 'kind', 'mismatch') };
    }),
  };
}

// ---- cashier page ----

export interface CashierOrder {
  readonly tradeNo: string;
  readonly merchantName: string;
  readonly subject: string;
  readonly amount: WireMoney;
  readonly status: string;
}

export async function fetchOrder(tradeNo: string, signal?: AbortSignal): Promise<CashierOrder> {
  const body = record(
    await request({ method: 'GET', path: `/api/v1/orders/${encodeURIComponent(tradeNo)}`, signal }),
    'order',
  );
  return {
    tradeNo: string(body, 'tradeNo', 'order'),
    merchantName: string(body, 'merchantName', 'order'),
    subject: string(body, 'subject', 'order'),
    amount: wireMoney(body.amount, 'order.amount'),
    status: string(body, 'status', 'order'),
  };
}

export async function payOrder(tradeNo: string, clientRequestId: string): Promise<PaymentIntent> {
  return intent(
    await request({
      method: 'POST',
      path: `/api/v1/orders/${encodeURIComponent(tradeNo)}/pay`,
      body: { clientRequestId },
    }),
  );
}

export async function orderReturnUrl(tradeNo: string): Promise<string> {
  const body = record(
    await request({ method: 'POST', path: `/api/v1/orders/${encodeURIComponent(tradeNo)}/return` }),
    'return',
  );
  return string(body, 'url', 'return');
}
