// Proves runDue is safe from several processes and loses nothing (issue 6 points 3–4; PGlite and
// PostgreSQL): three runDue passes at once close each timed-out trade once and deliver each
// notification once; a notification claimed by a process that died is delivered by another once
// the claim lapses; a merchant that is down gets the notification on a later attempt, same
// notify_id, verified by checkNotifySignV2.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlipaySdk } from 'alipay-sdk';
import { type GatewayTestbed, openGatewayTestbed } from '../testing/gateway-kit.ts';

let g: GatewayTestbed;
let sdk: AlipaySdk;
before(async () => {
  g = await openGatewayTestbed('mch_gw_due');
  sdk = g.newSdk();
});
after(async () => {
  await g?.close();
});

const TRADES = 6;

describe('runDue', () => {
  test('three concurrent passes close each timed-out trade once and notify once', async () => {
    g.received.length = 0;
    const outs: string[] = [];
    for (let i = 0; i < TRADES; i++) {
      const out = `due_${Date.now()}_${i}`;
      outs.push(out);
      const r = (await sdk.exec(
        'alipay.trade.precreate',
        {
          notifyUrl: g.notifyUrl,
          bizContent: { outTradeNo: out, totalAmount: '1.00', subject: 'due', timeoutExpress: '2m' },
        },
        { validateSign: true },
      )) as Record<string, string>;
      assert.equal(r.code, '10000');
    }
    g.t.clock.advance(121_000);
    const reports = await Promise.all([0, 1, 2].map(() => g.t.modules.gateway.runDue(g.t.clock.nowMs())));
    assert.equal(
      reports.reduce((n, r) => n + r.closed, 0),
      TRADES,
      'each trade closed by exactly one pass',
    );
    assert.equal(
      reports.reduce((n, r) => n + r.delivered, 0),
      TRADES,
    );
    await g.t.modules.gateway.runDue(g.t.clock.nowMs());
    assert.equal(g.received.length, TRADES, 'one notification per trade');
    assert.deepEqual(g.received.map((n) => n.out_trade_no).sort(), [...outs].sort());
    for (const n of g.received) {
      assert.equal(n.trade_status, 'TRADE_CLOSED');
      assert.equal(sdk.checkNotifySignV2(n), true);
    }
  });

  test('a claim left by a dead process lapses; a merchant that is down is retried with the same notify_id', async () => {
    g.received.length = 0;
    const out = `dead_${Date.now()}`;
    await sdk.exec('alipay.trade.precreate', {
      notifyUrl: 'http://127.0.0.1:9/down',
      bizContent: { outTradeNo: out, totalAmount: '1.00', subject: 'x', timeoutExpress: '1m' },
    });
    g.t.clock.advance(61_000);
    await g.t.modules.gateway.runDue(g.t.clock.nowMs());
    const row = await g.t.store.db
      .selectFrom('gateway_notifications')
      .selectAll()
      .where('url', '=', 'http://127.0.0.1:9/down')
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending');
    assert.equal(row.attempts, 1, 'the merchant was down: one failed attempt');
    assert.equal(row.next_attempt_at.getTime(), g.t.clock.nowMs() + 4 * 60_000);
    // The merchant comes back at another address; a process claims the row and dies.
    await g.t.store.db
      .updateTable('gateway_notifications')
      .set({ url: g.notifyUrl })
      .where('id', '=', row.id)
      .execute();
    g.t.clock.advance(4 * 60_000);
    await g.t.store.db
      .updateTable('gateway_notifications')
      .set({ claimed_until: new Date(g.t.clock.nowMs() + 30_000) })
      .where('id', '=', row.id)
      .execute();
    await g.t.modules.gateway.runDue(g.t.clock.nowMs());
    assert.equal(g.received.length, 0, 'not while another process holds the claim');
    g.t.clock.advance(31_000);
    await g.t.modules.gateway.runDue(g.t.clock.nowMs());
    assert.equal(g.received.length, 1);
    assert.equal(g.received[0]?.notify_id, row.notify_id);
    assert.equal(sdk.checkNotifySignV2(g.received[0] ?? {}), true);
    const attempts = await g.t.store.db
      .selectFrom('gateway_notify_attempts')
      .select(['attempt', 'outcome'])
      .where('notification_id', '=', row.id)
      .orderBy('attempt')
      .execute();
    assert.deepEqual(
      attempts.map((a) => a.attempt),
      [1, 2],
    );
    assert.equal(attempts[1]?.outcome, 'success');
  });

  test('an order payment its payer cancelled: its attempt is void at the next pass, the order stays payable', async () => {
    const out = `cancel_${Date.now()}`;
    const created = (await sdk.exec(
      'alipay.trade.precreate',
      { notifyUrl: g.notifyUrl, bizContent: { outTradeNo: out, totalAmount: '2.50', subject: 'cancel' } },
      { validateSign: true },
    )) as Record<string, unknown>;
    assert.equal(created.code, '10000');
    const payQr = (clientRequestId: string) =>
      g.call(g.alice, 'POST', '/api/v1/qr/pay', { code: String(created.qrCode), clientRequestId });
    const first = await payQr(`${out}-1`);
    assert.equal(first.statusCode, 201, first.body);
    const cancelled = await g.call(g.alice, 'POST', `/api/v1/payments/intents/${first.json().id}/cancel`);
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    assert.equal(cancelled.json().status, 'cancelled');

    await g.t.modules.gateway.runDue(g.t.clock.nowMs());
    const attemptOf = (intentId: string) =>
      g.t.store.db
        .selectFrom('gateway_trade_attempts as a')
        .innerJoin('gateway_trades as t', 't.trade_no', 'a.trade_no')
        .select(['a.state', 't.status'])
        .where('a.intent_id', '=', intentId)
        .executeTakeFirstOrThrow();
    assert.deepEqual(await attemptOf(first.json().id), { state: 'void', status: 'WAIT_BUYER_PAY' });

    // Paying again is a new payment (a new clientRequestId), and it pays the order.
    const second = await payQr(`${out}-2`);
    assert.equal(second.statusCode, 201, second.body);
    const paid = await g.call(g.alice, 'POST', `/api/v1/payments/intents/${second.json().id}/confirm`, {
      paymentPassword: g.alice.paymentPassword,
    });
    assert.equal(paid.statusCode, 200, paid.body);
    await g.t.modules.gateway.runDue(g.t.clock.nowMs());
    assert.deepEqual(await attemptOf(second.json().id), { state: 'settled', status: 'TRADE_SUCCESS' });
  });
});
