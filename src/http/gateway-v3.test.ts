// Proves issue 6 point 5 (v3) with the real alipay-sdk's `curl`, unchanged, against the platform
// on a real socket (PGlite; PostgreSQL with --pg): POST and GET paths with the ALIPAY-SHA256withRSA
// Authorization, the response signature headers the SDK verifies on every success, errors as
// HTTP ≥ 400 with Alipay's codes, and a replayed nonce, a stale timestamp, a tampered body and a
// wrong key refused without any change.
import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { AlipaySdk } from 'alipay-sdk';
import { generateRsaKeyPair } from '../gateway/index.ts';
import { type GatewayTestbed, openGatewayTestbed } from '../testing/gateway-kit.ts';

let g: GatewayTestbed;
let sdk: AlipaySdk;

before(async () => {
  g = await openGatewayTestbed();
  sdk = g.newSdk();
});
after(async () => {
  await g?.close();
});

/** A hand-made v3 request: lets a test replay a nonce or send an old timestamp. */
async function rawV3(input: {
  path: string;
  body: string;
  nonce: string;
  timestampMs: number;
  privateKey?: string;
  sentBody?: string;
}) {
  const authString = `app_id=${g.appId},nonce=${input.nonce},timestamp=${input.timestampMs}`;
  const signString = `${authString}\nPOST\n${input.path}\n${input.body}\n`;
  const sign = createSign('RSA-SHA256')
    .update(signString)
    .sign(input.privateKey ?? g.merchantPrivateKey, 'base64');
  return fetch(`${g.baseUrl}${input.path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `ALIPAY-SHA256withRSA ${authString},sign=${sign}`,
    },
    body: input.sentBody ?? input.body,
  });
}

describe('alipay-sdk curl against the gateway (v3)', () => {
  test('precreate, query (POST and GET), wallet payment, refund, refund query, close', async () => {
    const outTradeNo = `v3_${Date.now()}`;
    const pre = await sdk.curl('POST', '/v3/alipay/trade/precreate', {
      body: {
        out_trade_no: outTradeNo,
        total_amount: '12.30',
        subject: 'v3 coffee',
        notify_url: g.notifyUrl,
      },
    });
    assert.equal(pre.responseHttpStatus, 200);
    assert.match(pre.data.qr_code, /^rampart:1:/);
    const waiting = await sdk.curl('GET', '/v3/alipay/trade/query', { query: { out_trade_no: outTradeNo } });
    assert.equal(waiting.data.trade_status, 'WAIT_BUYER_PAY');

    const intent = await g.call(g.alice, 'POST', '/api/v1/qr/pay', {
      code: pre.data.qr_code,
      clientRequestId: `v3-${outTradeNo}`,
    });
    assert.equal(intent.statusCode, 201, intent.body);
    const confirmed = await g.call(g.alice, 'POST', `/api/v1/payments/intents/${intent.json().id}/confirm`, {
      paymentPassword: g.alice.paymentPassword,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const paid = await sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: outTradeNo } });
    assert.equal(paid.data.trade_status, 'TRADE_SUCCESS');
    assert.equal(paid.data.total_amount, '12.30');

    const refund = await sdk.curl('POST', '/v3/alipay/trade/refund', {
      body: { out_trade_no: outTradeNo, refund_amount: '2.30', out_request_no: 'v3r1' },
    });
    assert.equal(refund.data.fund_change, 'Y');
    const refundQuery = await sdk.curl('POST', '/v3/alipay/trade/fastpay/refund/query', {
      body: { out_trade_no: outTradeNo, out_request_no: 'v3r1' },
    });
    assert.equal(refundQuery.data.refund_status, 'REFUND_SUCCESS');
    await assert.rejects(
      sdk.curl('POST', '/v3/alipay/trade/refund', {
        body: { out_trade_no: outTradeNo, refund_amount: '10.01', out_request_no: 'v3r2' },
      }),
      (error: Error & { code?: string; responseHttpStatus?: number }) => {
        assert.equal(error.code, 'ACQ.REFUND_AMT_NOT_EQUAL_TOTAL');
        assert.equal(error.responseHttpStatus, 400);
        return true;
      },
    );

    const other = `v3c_${Date.now()}`;
    await sdk.curl('POST', '/v3/alipay/trade/create', {
      body: { out_trade_no: other, total_amount: '1.00', subject: 'x' },
    });
    const closed = await sdk.curl('POST', '/v3/alipay/trade/close', { body: { out_trade_no: other } });
    assert.equal(closed.data.out_trade_no, other);
    const cancelled = await sdk.curl('POST', '/v3/alipay/trade/cancel', { body: { out_trade_no: other } });
    assert.equal(cancelled.data.action, 'close');
    await assert.rejects(
      sdk.curl('POST', '/v3/alipay/trade/query', { body: { out_trade_no: 'no-such-order' } }),
      (error: Error & { code?: string; responseHttpStatus?: number }) =>
        error.code === 'ACQ.TRADE_NOT_EXIST' && error.responseHttpStatus === 404,
    );
    await assert.rejects(
      sdk.curl('POST', '/v3/alipay/trade/precreate', {
        body: { out_trade_no: `v3x_${Date.now()}`, total_amount: '1.001', subject: 'x' },
      }),
      (error: Error & { code?: string }) => error.code === 'ACQ.INVALID_PARAMETER',
    );
    const today = new Date(g.t.clock.nowMs() + 8 * 3_600_000).toISOString().slice(0, 10);
    await assert.rejects(
      sdk.curl('GET', '/v3/alipay/data/dataservice/bill/downloadurl/query', {
        query: { bill_type: 'trade', bill_date: today },
      }),
      (error: Error & { code?: string }) => error.code === 'isp.bill_not_exist',
    );
  });

  test('a replayed nonce, a stale timestamp, a tampered body and a wrong key are refused', async () => {
    const body = JSON.stringify({ out_trade_no: 'replay-check' });
    const path = '/v3/alipay/trade/query';
    const nowMs = g.t.clock.nowMs();
    const first = await rawV3({ path, body, nonce: 'nonce-1', timestampMs: nowMs });
    assert.equal(first.status, 404, 'accepted (and the order does not exist)');
    const replay = await rawV3({ path, body, nonce: 'nonce-1', timestampMs: nowMs });
    assert.equal(replay.status, 401);
    assert.equal((await replay.json()).code, 'replayed-nonce');
    const stale = await rawV3({ path, body, nonce: 'nonce-2', timestampMs: nowMs - 6 * 60_000 });
    assert.equal((await stale.json()).code, 'invalid-timestamp');
    const tampered = await rawV3({
      path,
      body,
      nonce: 'nonce-3',
      timestampMs: nowMs,
      sentBody: JSON.stringify({ out_trade_no: 'other' }),
    });
    assert.equal((await tampered.json()).code, 'invalid-signature');
    const wrongKey = await rawV3({
      path,
      body,
      nonce: 'nonce-4',
      timestampMs: nowMs,
      privateKey: generateRsaKeyPair().privateKeyPem,
    });
    assert.equal((await wrongKey.json()).code, 'invalid-signature');
    const none = await fetch(`${g.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body,
    });
    assert.equal(none.status, 401);
    // A stale request's nonce was not recorded: only checked requests burn nonces.
    const rows = await g.t.store.db
      .selectFrom('gateway_v3_nonces')
      .select('nonce')
      .where('nonce', 'like', 'nonce-%')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.nonce),
      ['nonce-1'],
    );
  });
});
