// Proves the notify_url / return_url SSRF guard end to end (issue 6): with the allowance off (as
// in production), the real alipay-sdk's orders naming loopback, private or metadata addresses are
// refused with ACQ.INVALID_PARAMETER and create nothing; a host that resolved to a public address
// at creation but resolves inside the network at delivery is not contacted (the attempt is
// recorded as refused and retried later). DNS is replaced by a table the test changes.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlipaySdk } from 'alipay-sdk';
import { type GatewayTestbed, openGatewayTestbed } from '../testing/gateway-kit.ts';

type Result = Record<string, unknown> & { code: string; subCode?: string; subMsg?: string };

let bed: GatewayTestbed;
let sdk: AlipaySdk;
const dns = new Map<string, string[]>();

describe('notify_url SSRF guard (alipay-sdk, allowance off)', () => {
  before(async () => {
    bed = await openGatewayTestbed('mch_gw_ssrf', {
      allowPrivateCallbacks: false,
      resolveHost: async (host) => {
        const found = dns.get(host);
        if (!found) throw new Error('ENOTFOUND');
        return found;
      },
    });
    sdk = bed.newSdk();
  });
  after(async () => {
    await bed.close();
  });

  test('internal notify_url and return_url are refused at order creation; nothing is created', async () => {
    dns.set('inside.example', ['10.0.0.7']);
    for (const notifyUrl of [
      bed.notifyUrl,
      'http://169.254.169.254/latest/meta-data',
      'http://[::1]:8080/notify',
      'http://inside.example/notify',
    ]) {
      const outTradeNo = `SSRF${Date.now()}${Math.random().toString().slice(2, 8)}`;
      const result = (await sdk.exec(
        'alipay.trade.precreate',
        { bizContent: { outTradeNo, totalAmount: '1.00', subject: 'x' }, notifyUrl },
        { validateSign: true },
      )) as Result;
      assert.equal(result.subCode, 'ACQ.INVALID_PARAMETER', notifyUrl);
      assert.match(result.subMsg ?? '', /notify_url/);
      const query = (await sdk.exec(
        'alipay.trade.query',
        { bizContent: { outTradeNo } },
        { validateSign: true },
      )) as Result;
      assert.equal(query.subCode, 'ACQ.TRADE_NOT_EXIST', 'the refused order was not created');
    }
    const page = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
      bizContent: {
        outTradeNo: `SSRFP${Date.now()}`,
        totalAmount: '1.00',
        subject: 'x',
        productCode: 'FAST_INSTANT_TRADE_PAY',
      },
      returnUrl: 'http://192.168.0.1/return',
    });
    const opened = await fetch(page, { redirect: 'manual' });
    assert.equal(opened.status, 400);
    assert.match(await opened.text(), /ACQ\.INVALID_PARAMETER/);
  });

  test('a host that moves inside the network after creation is not contacted at delivery', async () => {
    dns.set('shop.example', ['93.184.216.34']);
    const outTradeNo = `SSRFD${Date.now()}`;
    const created = (await sdk.exec(
      'alipay.trade.create',
      {
        bizContent: { outTradeNo, totalAmount: '2.00', subject: 'x' },
        notifyUrl: 'http://shop.example/notify',
      },
      { validateSign: true },
    )) as Result;
    assert.equal(created.code, '10000', JSON.stringify(created));
    dns.set('shop.example', ['127.0.0.1']);
    const closed = (await sdk.exec(
      'alipay.trade.close',
      { bizContent: { outTradeNo } },
      { validateSign: true },
    )) as Result;
    assert.equal(closed.code, '10000');
    const receivedBefore = bed.received.length;
    await bed.t.modules.gateway.runDue(bed.t.clock.nowMs());
    const rows = await bed.t.store.db
      .selectFrom('gateway_notify_attempts as a')
      .innerJoin('gateway_notifications as n', 'n.id', 'a.notification_id')
      .innerJoin('gateway_trades as t', 't.trade_no', 'n.trade_no')
      .select(['a.outcome', 'n.status'])
      .where('t.out_trade_no', '=', outTradeNo)
      .execute();
    assert.equal(rows.length, 1);
    assert.equal(rows[0]?.outcome, 'error: internal_address');
    assert.equal(rows[0]?.status, 'pending', 'retried later, never lost');
    assert.equal(bed.received.length, receivedBefore, 'nothing was sent');
  });
});
