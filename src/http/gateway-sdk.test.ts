// Proves issue 6 points 1–4 with the real alipay-sdk 4.14.0, unchanged, pointed at the platform
// listening on a real socket (PGlite, and PostgreSQL with --pg): an operator onboards and
// approves a merchant and creates an app; `exec` with validateSign:true for every method;
// precreate → the wallet's QR scanner resolves and pays the code through an ordinary payment
// intent confirmed with the payment password → notification verified by checkNotifySignV2 at a
// test merchant server, with retries on the same notify_id; barcode pay through the wallet's
// pay code; refunds (partial, idempotent, above the total), close, cancel, timeouts by runDue;
// the bill download link; and bad requests (tampered, wrong key, unknown app, three decimals,
// refund above total) answered with Alipay's codes. Ledger balances are checked at the end.
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { AlipaySdk } from 'alipay-sdk';
import { DEMO_USERS } from '../demo/index.ts';
import { generateRsaKeyPair } from '../gateway/index.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
let baseUrl: string;
let merchantServer: Server;
let notifyUrl: string;
/** What the test merchant answers next (queue), then `success`. */
const merchantAnswers: string[] = [];
const received: Record<string, string>[] = [];
let sdk: AlipaySdk;
let appId: string;
const merchantKeys = generateRsaKeyPair();
let alipayPublicKey: string;

interface Client {
  readonly phone: string;
  readonly password: string;
  readonly paymentPassword: string;
  readonly ip: string;
  token: string;
  deviceKey: string | undefined;
}

async function signIn(client: Client): Promise<void> {
  const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  const inject = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, headers, remoteAddress: client.ip });
  let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: client.password });
  assert.equal(response.statusCode, 200, response.body);
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    t.clock.advance(61_000);
    const sent = await inject('/api/v1/auth/sign-in/send-code', { challengeToken });
    assert.equal(sent.statusCode, 200, sent.body);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await lastSentCode(t.store.db, client.phone),
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  client.token = response.json().token;
}

function call(client: Client, method: 'GET' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

function operator(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
    ...(payload ? { payload } : {}),
  });
}

const [aliceDemo, bobDemo] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];
const alice: Client = {
  ...aliceDemo,
  phone: aliceDemo.phoneE164,
  ip: '10.60.0.1',
  token: '',
  deviceKey: undefined,
};
/** Another wallet user who learns the trade number (a shared link, a screenshot). */
const bob: Client = {
  ...bobDemo,
  phone: bobDemo.phoneE164,
  ip: '10.60.0.2',
  token: '',
  deviceKey: undefined,
};

async function walletBalance(client: Client): Promise<bigint> {
  const r = await call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  return BigInt(r.json().accounts[0].posted.amountMinor);
}

async function accountPosted(id: string): Promise<bigint> {
  const row = await t.store.db
    .selectFrom('ledger_accounts')
    .select(['credits_posted_minor', 'debits_posted_minor'])
    .where('id', '=', id)
    .executeTakeFirstOrThrow();
  return row.credits_posted_minor - row.debits_posted_minor;
}

let merchantAccountId: string;
let outCounter = 0;
const nextOut = (prefix: string) => `${prefix}_${Date.now()}_${++outCounter}`;

type Result = Record<string, unknown> & { code: string; msg: string; subCode?: string; subMsg?: string };

function exec(
  method: string,
  bizContent: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Promise<Result> {
  return sdk.exec(method, { bizContent, notifyUrl, ...extra }, { validateSign: true }) as Promise<Result>;
}

/** Runs runDue until nothing is left to do now (notifications delivered, trades closed). */
async function runDue(): Promise<void> {
  await t.modules.gateway.runDue(t.clock.nowMs());
}

/** Pays an order's QR code as a wallet user: scanner resolve, pay, confirm (payment password). */
async function payQr(client: Client, qrCode: string): Promise<string> {
  const resolved = await call(client, 'POST', '/api/v1/qr/resolve', { code: qrCode });
  assert.equal(resolved.statusCode, 200, resolved.body);
  assert.equal(resolved.json().payee.merchantId, 'mch_gw_test');
  assert.equal(resolved.json().codeKind, 'order', 'an order code: no family card offered');
  const intent = await call(client, 'POST', '/api/v1/qr/pay', {
    code: qrCode,
    clientRequestId: nextOut('qrpay'),
  });
  assert.equal(intent.statusCode, 201, intent.body);
  assert.equal(intent.json().confirmation, 'payment_password');
  const confirmed = await call(client, 'POST', `/api/v1/payments/intents/${intent.json().id}/confirm`, {
    paymentPassword: client.paymentPassword,
  });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  return intent.json().id;
}

/**
 * The suite moves its clock forward by more than an hour and its last test reads the bill of the
 * Beijing day every trade was made on, so it must not cross a Beijing midnight: late in the
 * Beijing evening it starts at 19:00 the same day instead. Backwards, and at most 5 hours, so the
 * SDK's wall-clock stamps stay within the v2 window (−12 h … +14 h) before and after the bill
 * test's jump to midnight.
 */
function suiteStartMs(nowMs: number): number {
  const hourMs = 3_600_000;
  const beijingTimeOfDayMs = (nowMs + 8 * hourMs) % (24 * hourMs);
  return beijingTimeOfDayMs >= 20 * hourMs ? nowMs - (beijingTimeOfDayMs - 19 * hourMs) : nowMs;
}

before(async () => {
  t = await openTestApp({ clock: new ManualClock(suiteStartMs(Date.now())) });
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  merchantServer = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const fields = Object.fromEntries(new URLSearchParams(body));
      received.push(fields);
      res.end(merchantAnswers.shift() ?? 'success');
    });
  });
  await new Promise<void>((resolve) => merchantServer.listen(0, '127.0.0.1', resolve));
  notifyUrl = `http://127.0.0.1:${(merchantServer.address() as AddressInfo).port}/notify`;

  // Point 1: onboarding by the operator, approval, an app with the merchant's public key.
  const onboarded = await operator('POST', '/api/v1/operator/merchants', {
    merchantId: 'mch_gw_test',
    name: 'Gateway Test Shop',
    feeRateBp: 60,
  });
  assert.equal(onboarded.statusCode, 201, onboarded.body);
  assert.equal(onboarded.json().status, 'pending');
  merchantAccountId = onboarded.json().settlementAccountId;
  const early = await operator('POST', '/api/v1/operator/merchants/mch_gw_test/apps', {
    name: 'shop',
    merchantPublicKey: merchantKeys.publicKeyPem,
  });
  assert.equal(early.statusCode, 409, 'no app before approval');
  assert.equal((await operator('POST', '/api/v1/operator/merchants/mch_gw_test/approve')).statusCode, 200);
  const weak = await operator('POST', '/api/v1/operator/merchants/mch_gw_test/apps', {
    name: 'shop',
    merchantPublicKey: 'MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAnot-a-key'.padEnd(200, 'A'),
  });
  assert.equal(weak.statusCode, 400);
  assert.equal(weak.json().error.code, 'invalid_public_key');
  const created = await operator('POST', '/api/v1/operator/merchants/mch_gw_test/apps', {
    name: 'shop',
    merchantPublicKey: merchantKeys.publicKeyPem,
  });
  assert.equal(created.statusCode, 201, created.body);
  appId = created.json().appId;
  alipayPublicKey = created.json().alipayPublicKey;
  sdk = new AlipaySdk({
    appId,
    privateKey: merchantKeys.privateKeyPem,
    keyType: 'PKCS8',
    alipayPublicKey,
    gateway: `${baseUrl}/gateway.do`,
    endpoint: baseUrl,
  });
  await signIn(alice);
});

after(async () => {
  await new Promise((resolve) => merchantServer?.close(resolve));
  await t?.close();
});

describe('alipay-sdk against the gateway (v2)', () => {
  test('precreate → the wallet scans and pays → notification verified → query → refunds', async () => {
    const outTradeNo = nextOut('pre');
    const pre = await exec('alipay.trade.precreate', {
      outTradeNo,
      totalAmount: '88.88',
      subject: '咖啡 100% & more',
    });
    assert.equal(pre.code, '10000', JSON.stringify(pre));
    assert.equal(pre.outTradeNo, outTradeNo);
    assert.match(String(pre.qrCode), /^rampart:1:/);
    // Same out_trade_no and fields: the same trade and code; other amount: ACQ.CONTEXT_INCONSISTENT.
    const again = await exec('alipay.trade.precreate', {
      outTradeNo,
      totalAmount: '88.88',
      subject: '咖啡 100% & more',
    });
    assert.equal(again.qrCode, pre.qrCode);
    const changed = await exec('alipay.trade.precreate', {
      outTradeNo,
      totalAmount: '88.89',
      subject: '咖啡 100% & more',
    });
    assert.equal(changed.code, '40004');
    assert.equal(changed.subCode, 'ACQ.CONTEXT_INCONSISTENT');
    const waiting = await exec('alipay.trade.query', { outTradeNo });
    assert.equal(waiting.tradeStatus, 'WAIT_BUYER_PAY');

    const aliceBefore = await walletBalance(alice);
    const merchantBefore = await accountPosted(merchantAccountId);
    received.length = 0;
    await payQr(alice, String(pre.qrCode));
    assert.equal(await walletBalance(alice), aliceBefore - 8888n, 'the buyer paid once');
    await runDue();
    const note = received.find((n) => n.out_trade_no === outTradeNo && n.trade_status === 'TRADE_SUCCESS');
    assert.ok(note, 'the merchant was notified');
    assert.equal(sdk.checkNotifySignV2(note), true, 'checkNotifySignV2 verifies the notification');
    assert.equal(
      sdk.checkNotifySignV2({ ...note, total_amount: '0.01' }),
      false,
      'a changed notification fails',
    );
    assert.equal(note.total_amount, '88.88');
    assert.equal(note.subject, '咖啡 100% & more');
    // Fee 0.6 %: 53.33 → 0.53 rounded half up.
    const fee = (8888n * 60n + 5000n) / 10000n;
    assert.equal(await accountPosted(merchantAccountId), merchantBefore + 8888n - fee);

    const paid = await exec('alipay.trade.query', { outTradeNo });
    assert.equal(paid.tradeStatus, 'TRADE_SUCCESS');
    assert.equal(paid.totalAmount, '88.88');
    assert.equal(paid.tradeNo, note.trade_no);
    const replay = await exec('alipay.trade.precreate', {
      outTradeNo,
      totalAmount: '88.88',
      subject: '咖啡 100% & more',
    });
    assert.equal(replay.subCode, 'ACQ.TRADE_HAS_SUCCESS');
    const closePaid = await exec('alipay.trade.close', { outTradeNo });
    assert.equal(closePaid.subCode, 'ACQ.TRADE_STATUS_ERROR');

    // Refunds: partial, idempotent per out_request_no, never above the total, then full.
    const r1 = await exec('alipay.trade.refund', { outTradeNo, refundAmount: '10.00', outRequestNo: 'r1' });
    assert.equal(r1.code, '10000', JSON.stringify(r1));
    assert.equal(r1.fundChange, 'Y');
    assert.equal(r1.refundFee, '10.00');
    const r1Again = await exec('alipay.trade.refund', {
      outTradeNo,
      refundAmount: '10.00',
      outRequestNo: 'r1',
    });
    assert.equal(r1Again.fundChange, 'N', 'the same out_request_no refunds once');
    assert.equal(await walletBalance(alice), aliceBefore - 8888n + 1000n);
    const tooMuch = await exec('alipay.trade.refund', {
      outTradeNo,
      refundAmount: '78.89',
      outRequestNo: 'r2',
    });
    assert.equal(tooMuch.subCode, 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
    const r1Query = await exec('alipay.trade.fastpay.refund.query', { outTradeNo, outRequestNo: 'r1' });
    assert.equal(r1Query.refundStatus, 'REFUND_SUCCESS');
    assert.equal(r1Query.refundAmount, '10.00');
    const none = await exec('alipay.trade.fastpay.refund.query', { outTradeNo, outRequestNo: 'nope' });
    assert.equal(none.code, '10000');
    assert.equal(none.refundStatus, undefined, 'no refund_status when there is no such refund');
    const rest = await exec('alipay.trade.refund', { outTradeNo, refundAmount: '78.88', outRequestNo: 'r2' });
    assert.equal(rest.refundFee, '88.88');
    assert.equal(await walletBalance(alice), aliceBefore, 'everything came back');
    assert.equal(
      await accountPosted(merchantAccountId),
      merchantBefore,
      'the fee was returned with the full refund',
    );
    const closed = await exec('alipay.trade.query', { outTradeNo });
    assert.equal(closed.tradeStatus, 'TRADE_CLOSED');
    await runDue();
    const refundNotes = received.filter((n) => n.out_trade_no === outTradeNo && n.out_biz_no);
    assert.equal(refundNotes.length, 2);
    for (const n of refundNotes) assert.equal(sdk.checkNotifySignV2(n), true);
  });

  test('create, close and cancel; a timed-out trade is closed by runDue and notified', async () => {
    const a = nextOut('cr');
    const created = await exec('alipay.trade.create', { outTradeNo: a, totalAmount: '1.00', subject: 'x' });
    assert.equal(created.code, '10000');
    assert.match(String(created.tradeNo), /^\d{28}$/);
    const closed = await exec('alipay.trade.close', { tradeNo: created.tradeNo });
    assert.equal(closed.code, '10000');
    assert.equal((await exec('alipay.trade.query', { outTradeNo: a })).tradeStatus, 'TRADE_CLOSED');
    assert.equal(
      (await exec('alipay.trade.create', { outTradeNo: a, totalAmount: '1.00', subject: 'x' })).subCode,
      'ACQ.TRADE_HAS_CLOSE',
    );

    const b = nextOut('cx');
    await exec('alipay.trade.create', { outTradeNo: b, totalAmount: '2.00', subject: 'y' });
    const cancelled = await exec('alipay.trade.cancel', { outTradeNo: b });
    assert.equal(cancelled.action, 'close');

    // A paid trade cancelled: refunded in full.
    const c = nextOut('cp');
    const pre = await exec('alipay.trade.precreate', { outTradeNo: c, totalAmount: '3.00', subject: 'z' });
    const before = await walletBalance(alice);
    await payQr(alice, String(pre.qrCode));
    const cancelPaid = await exec('alipay.trade.cancel', { outTradeNo: c });
    assert.equal(cancelPaid.action, 'refund');
    assert.equal(await walletBalance(alice), before);

    const d = nextOut('to');
    received.length = 0;
    await exec('alipay.trade.precreate', {
      outTradeNo: d,
      totalAmount: '4.00',
      subject: 'late',
      timeoutExpress: '1m',
    });
    const bad = await exec('alipay.trade.precreate', {
      outTradeNo: nextOut('to'),
      totalAmount: '4.00',
      subject: 'late',
      timeoutExpress: '16d',
    });
    assert.equal(bad.subCode, 'ACQ.INVALID_PARAMETER');
    t.clock.advance(61_000);
    await runDue();
    assert.equal((await exec('alipay.trade.query', { outTradeNo: d })).tradeStatus, 'TRADE_CLOSED');
    const note = received.find((n) => n.out_trade_no === d);
    assert.equal(note?.trade_status, 'TRADE_CLOSED');
    assert.equal(sdk.checkNotifySignV2(note ?? {}), true);
  });

  test('a notification the merchant does not acknowledge is retried after 4 minutes with the same notify_id', async () => {
    const outTradeNo = nextOut('rt');
    const pre = await exec('alipay.trade.precreate', { outTradeNo, totalAmount: '5.00', subject: 'retry' });
    received.length = 0;
    merchantAnswers.push('fail');
    await payQr(alice, String(pre.qrCode));
    await runDue();
    assert.equal(received.length, 1);
    await runDue();
    assert.equal(received.length, 1, 'not before its time');
    t.clock.advance(4 * 60_000);
    await runDue();
    assert.equal(received.length, 2);
    assert.equal(received[1]?.notify_id, received[0]?.notify_id);
    assert.equal(sdk.checkNotifySignV2(received[1] ?? {}), true);
    t.clock.advance(60 * 60_000);
    await runDue();
    assert.equal(received.length, 2, 'acknowledged: no more attempts');
  });

  test('a notification our side cannot sign (its key unreadable, as in a database restart) is retried in seconds, not counted as the merchant\u2019s attempt', async () => {
    await signIn(alice); // the earlier test moved the clock past the session's idle timeout
    const outTradeNo = nextOut('lk');
    const pre = await exec('alipay.trade.precreate', { outTradeNo, totalAmount: '5.00', subject: 'key' });
    const keys = await t.store.db.selectFrom('gateway_platform_keys').selectAll().execute();
    received.length = 0;
    await payQr(alice, String(pre.qrCode));
    await t.store.db.deleteFrom('gateway_platform_keys').execute();
    try {
      await runDue();
    } finally {
      await t.store.db.insertInto('gateway_platform_keys').values(keys).execute();
    }
    assert.equal(received.length, 0);
    const trade = await t.store.db
      .selectFrom('gateway_trades')
      .select('trade_no')
      .where('out_trade_no', '=', outTradeNo)
      .executeTakeFirstOrThrow();
    const [row] = await t.store.db
      .selectFrom('gateway_notifications')
      .select(['status', 'attempts', 'next_attempt_at', 'last_error'])
      .where('trade_no', '=', trade.trade_no)
      .execute();
    assert.equal(row?.status, 'pending');
    assert.equal(row?.attempts, 0, 'not one of the merchant\u2019s attempts');
    assert.equal(row?.next_attempt_at.getTime(), t.clock.nowMs() + 5_000);
    assert.match(String(row?.last_error), /^error: /);
    t.clock.advance(5_000);
    await runDue();
    assert.equal(received.length, 1, 'delivered on the quick retry, not 4 minutes later');
    assert.equal(received[0]?.out_trade_no, outTradeNo);
    assert.equal(sdk.checkNotifySignV2(received[0] ?? {}), true);
  });

  test('barcode pay with the wallet pay code: 10003 until the user confirms, then paid', async () => {
    const code = await call(alice, 'POST', '/api/v1/me/pay-code');
    assert.equal(code.statusCode, 200, code.body);
    assert.match(code.json().code, /^28\d{16}$/);
    const outTradeNo = nextOut('bar');
    const pay = await exec('alipay.trade.pay', {
      outTradeNo,
      totalAmount: '6.00',
      subject: 'bar',
      authCode: code.json().code,
      scene: 'bar_code',
    });
    assert.equal(pay.code, '10003', JSON.stringify(pay));
    const reused = await exec('alipay.trade.pay', {
      outTradeNo: nextOut('bar'),
      totalAmount: '6.00',
      subject: 'bar',
      authCode: code.json().code,
    });
    assert.equal(reused.subCode, 'ACQ.PAYMENT_AUTH_CODE_INVALID', 'a pay code works once');
    const pending = await call(alice, 'GET', '/api/v1/me/pay-code/pending');
    const [waiting] = pending.json().payments;
    assert.equal(waiting.amount.amountMinor, '600');
    const confirmed = await call(alice, 'POST', `/api/v1/orders/payments/${waiting.intentId}/confirm`, {
      paymentPassword: alice.paymentPassword,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const paid = await exec('alipay.trade.query', { outTradeNo });
    assert.equal(paid.tradeStatus, 'TRADE_SUCCESS');
    const retry = await exec('alipay.trade.pay', {
      outTradeNo,
      totalAmount: '6.00',
      subject: 'bar',
      authCode: code.json().code,
    });
    assert.equal(retry.subCode, 'ACQ.TRADE_HAS_SUCCESS');
  });

  test('bad requests get Alipay codes and change nothing', async () => {
    const trades = async () =>
      (await t.store.db.selectFrom('gateway_trades').select('trade_no').execute()).length;
    const before = await trades();
    const threeDecimals = await exec('alipay.trade.precreate', {
      outTradeNo: nextOut('bad'),
      totalAmount: '1.001',
      subject: 'x',
    });
    assert.equal(threeDecimals.code, '40004');
    assert.equal(threeDecimals.subCode, 'ACQ.INVALID_PARAMETER');
    const other = generateRsaKeyPair();
    const wrongKey = new AlipaySdk({
      appId,
      privateKey: other.privateKeyPem,
      keyType: 'PKCS8',
      alipayPublicKey,
      gateway: `${baseUrl}/gateway.do`,
    });
    const wrong = (await wrongKey.exec(
      'alipay.trade.precreate',
      { bizContent: { outTradeNo: nextOut('bad'), totalAmount: '1.00', subject: 'x' } },
      { validateSign: true },
    )) as Result;
    assert.equal(wrong.code, '40002');
    assert.equal(wrong.subCode, 'isv.invalid-signature');
    const unknown = new AlipaySdk({
      appId: '2021999999999999',
      privateKey: merchantKeys.privateKeyPem,
      keyType: 'PKCS8',
      gateway: `${baseUrl}/gateway.do`,
    });
    const nobody = (await unknown.exec('alipay.trade.query', { bizContent: { outTradeNo: 'x' } })) as Result;
    assert.equal(nobody.subCode, 'isv.invalid-app-id');
    // Tampered: a correctly signed request whose amount is changed on the way.
    const signed = new URLSearchParams(
      sdk.sdkExecute('alipay.trade.precreate', {
        bizContent: { outTradeNo: nextOut('bad'), totalAmount: '1.00', subject: 'x' },
      }),
    );
    signed.set('biz_content', String(signed.get('biz_content')).replace('1.00', '0.01'));
    const tampered = await fetch(`${baseUrl}/gateway.do`, {
      method: 'POST',
      body: signed,
      headers: { 'content-type': 'application/x-www-form-urlencoded;charset=utf-8' },
    });
    assert.equal(tampered.status, 200);
    const tamperedBody = await tampered.json();
    assert.equal(tamperedBody.alipay_trade_precreate_response.sub_code, 'isv.invalid-signature');
    assert.equal(typeof tamperedBody.sign, 'string', 'the refusal is signed');
    const missing = await exec('alipay.trade.query', { outTradeNo: 'does-not-exist' });
    assert.equal(missing.subCode, 'ACQ.TRADE_NOT_EXIST');
    const unknownMethod = (await sdk.exec(
      'alipay.trade.nothing',
      { bizContent: {} },
      { validateSign: true },
    )) as Result;
    assert.equal(unknownMethod.subCode, 'isv.invalid-method');
    assert.equal(await trades(), before, 'no trade was created');
  });

  test('IP allow-list: enforced when set', async () => {
    const set = await operator('PATCH', `/api/v1/operator/apps/${appId}`, { ipAllowList: ['10.9.9.9'] });
    assert.equal(set.statusCode, 200, set.body);
    const refused = await exec('alipay.trade.query', { outTradeNo: 'x' });
    assert.equal(refused.code, '40006');
    assert.equal(
      (await operator('PATCH', `/api/v1/operator/apps/${appId}`, { ipAllowList: ['127.0.0.1'] })).statusCode,
      200,
    );
    assert.equal((await exec('alipay.trade.query', { outTradeNo: 'x' })).subCode, 'ACQ.TRADE_NOT_EXIST');
    await operator('PATCH', `/api/v1/operator/apps/${appId}`, { ipAllowList: [] });
  });

  test('key rotation: the old key signs during the overlap, the new one after', async () => {
    const rotated = await operator('POST', `/api/v1/operator/apps/${appId}/rotate-key`, {
      overlapMs: 60_000,
    });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const keys = rotated.json().platformKeys;
    assert.equal(keys.length, 2);
    assert.equal(
      keys.find((k: { current: boolean }) => k.current).publicKey.replace(/-----[A-Z ]+-----|\s/g, ''),
      alipayPublicKey,
    );
    assert.equal(
      (await exec('alipay.trade.query', { outTradeNo: 'x' })).subCode,
      'ACQ.TRADE_NOT_EXIST',
      'still the old key',
    );
    t.clock.advance(61_000);
    const fresh = keys.find((k: { current: boolean }) => !k.current).publicKey;
    const next = new AlipaySdk({
      appId,
      privateKey: merchantKeys.privateKeyPem,
      keyType: 'PKCS8',
      alipayPublicKey: fresh.replace(/-----[A-Z ]+-----|\s/g, ''),
      gateway: `${baseUrl}/gateway.do`,
    });
    const answer = (await next.exec(
      'alipay.trade.query',
      { bizContent: { outTradeNo: 'x' } },
      { validateSign: true },
    )) as Result;
    assert.equal(answer.subCode, 'ACQ.TRADE_NOT_EXIST');
    sdk = next;
  });

  test('cashier page: pageExecute GET opens the trade at the cashier; paid, the buyer returns with signed parameters', async () => {
    await signIn(alice);
    const outTradeNo = nextOut('page');
    const link = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      bizContent: {
        outTradeNo,
        totalAmount: '9.90',
        subject: 'web order',
        productCode: 'FAST_INSTANT_TRADE_PAY',
      },
      returnUrl: 'https://shop.example/return',
      notifyUrl,
    });
    assert.ok(link.startsWith(`${baseUrl}/gateway.do?`));
    const opened = await fetch(link, { redirect: 'manual' });
    assert.equal(opened.status, 303);
    const location = opened.headers.get('location') ?? '';
    assert.match(location, /^\/cashier\/\d{28}$/);
    const tradeNo = location.slice('/cashier/'.length);
    const tampered = await fetch(link.replace('9.90', '0.01'), { redirect: 'manual' });
    assert.equal(tampered.status, 400);
    assert.match(await tampered.text(), /isv\.invalid-signature/);
    const form = sdk.pageExecute('alipay.trade.page.pay', 'POST', {
      bizContent: {
        outTradeNo,
        totalAmount: '9.90',
        subject: 'web order',
        productCode: 'FAST_INSTANT_TRADE_PAY',
      },
      returnUrl: 'https://shop.example/return',
      notifyUrl,
    });
    const action = /action="([^"]+)"/.exec(form)?.[1]?.replaceAll('&amp;', '&') ?? '';
    const inputs = Object.fromEntries(
      [...form.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [
        m[1] ?? '',
        (m[2] ?? '').replaceAll('&quot;', '"'),
      ]),
    );
    const posted = await fetch(action, {
      method: 'POST',
      body: new URLSearchParams(inputs),
      redirect: 'manual',
    });
    assert.equal(posted.status, 303, 'the same out_trade_no opens the same trade');
    assert.equal(posted.headers.get('location'), location);

    const order = await call(alice, 'GET', `/api/v1/orders/${tradeNo}`);
    assert.equal(order.json().merchantName, 'Gateway Test Shop');
    await signIn(bob);
    const openToOthers = await call(bob, 'GET', `/api/v1/orders/${tradeNo}`);
    assert.equal(openToOthers.statusCode, 200, 'an open order is visible to anyone with the cashier link');
    const early = await call(alice, 'POST', `/api/v1/orders/${tradeNo}/return`);
    assert.equal(early.statusCode, 404, 'no return before paying');
    const intent = await call(alice, 'POST', `/api/v1/orders/${tradeNo}/pay`, {
      clientRequestId: nextOut('page'),
    });
    assert.equal(intent.statusCode, 201, intent.body);
    const paid = await call(alice, 'POST', `/api/v1/orders/payments/${intent.json().id}/confirm`, {
      paymentPassword: alice.paymentPassword,
    });
    assert.equal(paid.statusCode, 200, paid.body);
    const back = await call(alice, 'POST', `/api/v1/orders/${tradeNo}/return`);
    assert.equal(back.statusCode, 200, back.body);
    // Once paid, the order is the payer's: anyone else gets exactly the unknown order's answer.
    const mine = await call(alice, 'GET', `/api/v1/orders/${tradeNo}`);
    assert.equal(mine.statusCode, 200, mine.body);
    assert.equal(mine.json().status, 'TRADE_SUCCESS');
    const paidToOthers = await call(bob, 'GET', `/api/v1/orders/${tradeNo}`);
    const unknown = await call(bob, 'GET', `/api/v1/orders/${'9'.repeat(28)}`);
    assert.equal(paidToOthers.statusCode, 404);
    assert.equal(paidToOthers.body, unknown.body, 'a paid order and an unknown one read the same');
    const url = new URL(back.json().url);
    assert.equal(url.origin + url.pathname, 'https://shop.example/return');
    const params = Object.fromEntries(url.searchParams);
    assert.equal(params.method, 'alipay.trade.page.pay.return');
    assert.equal(params.total_amount, '9.90');
    assert.equal(sdk.checkNotifySignV2(params), true, 'the merchant verifies the return like a notification');
    assert.equal((await exec('alipay.trade.query', { outTradeNo })).tradeStatus, 'TRADE_SUCCESS');
  });

  test('bill download URL: a signed link to the CSV of a finished day, 30 s', async () => {
    const beijingMs = t.clock.nowMs() + 8 * 3_600_000;
    const today = new Date(beijingMs).toISOString().slice(0, 10);
    const early = await exec('alipay.data.dataservice.bill.downloadurl.query', {
      billType: 'trade',
      billDate: today,
    });
    assert.equal(early.subCode, 'isp.bill_not_exist');
    // To the next Beijing midnight. The SDK stamps requests with its local wall time (no zone):
    // a merchant at UTC+14 keeps its stamps within the gateway's window after the jump.
    t.clock.advance(86_400_000 - (beijingMs % 86_400_000) + 1_000);
    const tz = process.env.TZ;
    process.env.TZ = 'Etc/GMT-14';
    try {
      await billChecks(today);
    } finally {
      process.env.TZ = tz;
    }
  });
});

async function billChecks(today: string): Promise<void> {
  {
    const bill = await exec('alipay.data.dataservice.bill.downloadurl.query', {
      billType: 'trade',
      billDate: today,
    });
    assert.equal(bill.code, '10000', JSON.stringify(bill));
    const url = String(bill.billDownloadUrl).replace('http://localhost:8080', baseUrl);
    const csv = await (await fetch(url)).text();
    assert.match(csv, /^trade_no,out_trade_no,type/);
    assert.match(csv, /,payment,咖啡 100% & more,/);
    assert.match(csv, /,refund,/);
    const account = await exec('alipay.data.dataservice.bill.downloadurl.query', {
      billType: 'signcustomer',
      billDate: today,
    });
    const accountCsv = await (
      await fetch(String(account.billDownloadUrl).replace('http://localhost:8080', baseUrl))
    ).text();
    assert.match(accountCsv, /merchant_pay/);
    t.clock.advance(31_000);
    assert.equal((await fetch(url)).status, 410, 'the link expires');
  }
}
