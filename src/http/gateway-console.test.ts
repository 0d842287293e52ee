// Proves the merchant console API (issue 6 points 1, 4, 5; PGlite and PostgreSQL): sign-in by app
// id + console token (a wrong token or another app's is refused), the app's keys, orders,
// refunds and notifications with a manual resend that reaches the merchant again with the same
// notify_id, the trade bill as CSV, and the reconciliation of an order list against it.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlipaySdk } from 'alipay-sdk';
import { type GatewayTestbed, openGatewayTestbed } from '../testing/gateway-kit.ts';

let g: GatewayTestbed;
let sdk: AlipaySdk;
before(async () => {
  g = await openGatewayTestbed('mch_gw_console');
  sdk = g.newSdk();
});
after(async () => {
  await g?.close();
});

function consoleCall(
  method: 'GET' | 'POST',
  url: string,
  options: { token?: string; appId?: string; payload?: object } = {},
) {
  return g.t.app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${options.token ?? g.consoleToken}`,
      'x-rampart-app-id': options.appId ?? g.appId,
    },
    ...(options.payload ? { payload: options.payload } : {}),
  });
}

describe('merchant console', () => {
  test('orders, refunds, notifications with resend, bills and reconciliation', async () => {
    assert.equal(
      (await consoleCall('GET', '/api/v1/merchant-console/orders', { token: 'wrong' })).statusCode,
      401,
    );
    assert.equal(
      (await consoleCall('GET', '/api/v1/merchant-console/orders', { appId: '2021000000000001' })).statusCode,
      401,
      "the demo app's id with this token",
    );
    const me = await consoleCall('GET', '/api/v1/merchant-console/app');
    assert.equal(me.statusCode, 200, me.body);
    assert.equal(me.json().appId, g.appId);

    const out = `con_${Date.now()}`;
    const pre = (await sdk.exec('alipay.trade.precreate', {
      notifyUrl: g.notifyUrl,
      bizContent: { outTradeNo: out, totalAmount: '20.00', subject: 'console' },
    })) as Record<string, string>;
    const intent = await g.call(g.alice, 'POST', '/api/v1/qr/pay', {
      code: pre.qrCode,
      clientRequestId: `con-${out}`,
    });
    await g.call(g.alice, 'POST', `/api/v1/payments/intents/${intent.json().id}/confirm`, {
      paymentPassword: g.alice.paymentPassword,
    });
    await sdk.exec('alipay.trade.refund', {
      bizContent: { outTradeNo: out, refundAmount: '5.00', outRequestNo: 'c1' },
    });
    await g.t.modules.gateway.runDue(g.t.clock.nowMs());

    const orders = (await consoleCall('GET', '/api/v1/merchant-console/orders')).json().orders;
    assert.deepEqual(
      orders.map(
        (o: {
          outTradeNo: string;
          status: string;
          totalAmount: string;
          refundedAmount: string;
          fee: string;
        }) => [o.outTradeNo, o.status, o.totalAmount, o.refundedAmount, o.fee],
      ),
      [[out, 'TRADE_SUCCESS', '20.00', '5.00', '0.12']],
    );
    const refunds = (await consoleCall('GET', '/api/v1/merchant-console/refunds')).json().refunds;
    assert.equal(refunds[0].outRequestNo, 'c1');
    const notifications = (await consoleCall('GET', '/api/v1/merchant-console/notifications')).json()
      .notifications;
    assert.equal(notifications.length, 2);
    assert.ok(notifications.every((n: { status: string }) => n.status === 'delivered'));

    const success = notifications.find((n: { tradeStatus: string }) => n.tradeStatus === 'TRADE_SUCCESS');
    g.received.length = 0;
    const resent = await consoleCall('POST', `/api/v1/merchant-console/notifications/${success.id}/resend`);
    assert.equal(resent.statusCode, 200, resent.body);
    assert.equal(resent.json().delivered, true);
    assert.equal(g.received.length, 1);
    assert.equal(g.received[0]?.notify_id, success.notifyId);
    assert.equal(sdk.checkNotifySignV2(g.received[0] ?? {}), true);
    assert.equal(
      (await consoleCall('POST', '/api/v1/merchant-console/notifications/gwn_nope/resend')).statusCode,
      404,
    );

    const today = new Date(g.t.clock.nowMs() + 8 * 3_600_000).toISOString().slice(0, 10);
    const bill = await consoleCall('GET', `/api/v1/merchant-console/bills?billType=trade&billDate=${today}`);
    assert.equal(bill.statusCode, 200);
    assert.match(bill.body, new RegExp(`${out},payment,console,.*,20\\.00,0\\.12,TRADE_SUCCESS`));
    assert.match(bill.body, new RegExp(`${out},refund,console,.*,-5\\.00,`));
    const report = await consoleCall('POST', '/api/v1/merchant-console/reconcile', {
      payload: {
        billDate: today,
        ordersCsv: `out_trade_no,amount,status\n${out},15.00,TRADE_SUCCESS\nmissing_one,1.00,TRADE_SUCCESS\n`,
      },
    });
    assert.equal(report.statusCode, 200, report.body);
    assert.equal(report.json().matched, 1);
    assert.deepEqual(
      report.json().mismatches.map((m: { kind: string }) => m.kind),
      ['missing_in_bill'],
    );
  });
});
