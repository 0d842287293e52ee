// Proves payments' commit hook (MerchantPaymentListener) wakes the gateway (issue 6, notification
// latency): with deliver-on-commit on, as in the server, a QR order paid through the wallet's
// generic payment confirmation (which knows nothing of trades) is settled and its signed
// notification delivered with no runDue pass at all (this test app runs no background jobs).
// runDue stays the durable path (covered by gateway-due).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AlipaySdk } from 'alipay-sdk';
import { type GatewayTestbed, openGatewayTestbed } from '../testing/gateway-kit.ts';

let bed: GatewayTestbed;
let sdk: AlipaySdk;

/** Bounded wait for something the background work does (never a timing assertion). */
async function eventually(check: () => boolean): Promise<boolean> {
  for (let i = 0; i < 200 && !check(); i++) await sleep(25);
  return check();
}

describe('payments commit hook → gateway notification', () => {
  before(async () => {
    bed = await openGatewayTestbed('mch_gw_hook', { gatewayDeliverOnCommit: true });
    sdk = bed.newSdk();
  });
  after(async () => {
    await bed.close();
  });

  test('a QR order confirmed through the generic confirmation is notified without runDue', async () => {
    const outTradeNo = `HOOK${Date.now()}`;
    const created = (await sdk.exec(
      'alipay.trade.precreate',
      { bizContent: { outTradeNo, totalAmount: '3.30', subject: 'tea' }, notifyUrl: bed.notifyUrl },
      { validateSign: true },
    )) as Record<string, unknown>;
    assert.equal(created.code, '10000');
    const intent = await bed.call(bed.alice, 'POST', '/api/v1/qr/pay', {
      code: String(created.qrCode),
      clientRequestId: `hook-${Date.now()}`,
    });
    assert.equal(intent.statusCode, 201, intent.body);
    const confirmed = await bed.call(
      bed.alice,
      'POST',
      `/api/v1/payments/intents/${intent.json().id}/confirm`,
      {
        paymentPassword: bed.alice.paymentPassword,
      },
    );
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const arrived = await eventually(() =>
      bed.received.some((r) => r.out_trade_no === outTradeNo && r.trade_status === 'TRADE_SUCCESS'),
    );
    assert.equal(arrived, true, 'settled and notified by the commit hook alone');
    const note = bed.received.find((r) => r.out_trade_no === outTradeNo);
    assert.equal(sdk.checkNotifySignV2(note ?? {}), true);
    const attempts = await bed.t.store.db
      .selectFrom('gateway_trade_attempts')
      .select('state')
      .where('intent_id', '=', intent.json().id)
      .executeTakeFirstOrThrow();
    assert.equal(attempts.state, 'settled');
  });
});
