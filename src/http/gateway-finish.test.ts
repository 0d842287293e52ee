// Proves TRADE_FINISHED (issue 6 point 3) with the manual clock and the real alipay-sdk: a paid,
// partly refunded trade stays refundable for the refundable period (Alipay's default three
// months); when it ends, the durable job moves it to TRADE_FINISHED once (two concurrent runs
// finish it once and notify once), the merchant gets a signed TRADE_FINISHED notification, and a
// refund is refused with ACQ.TRADE_HAS_FINISHED. A fully refunded (closed) trade is not touched.
// The SDK's public `timestamp` parameter carries the manual clock's time after it moved.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlipaySdk } from 'alipay-sdk';
import { formatBeijing, refundable, shiftMonthsBeijing } from '../gateway/index.ts';
import { type GatewayTestbed, openGatewayTestbed } from '../testing/gateway-kit.ts';

type Result = Record<string, unknown> & { code: string; subCode?: string };

let bed: GatewayTestbed;
let sdk: AlipaySdk;
let n = 0;
const next = (p: string) => `${p}${Date.now()}${++n}`;
const exec = (method: string, bizContent: Record<string, unknown>) =>
  sdk.exec(
    method,
    { bizContent, notifyUrl: bed.notifyUrl, timestamp: formatBeijing(bed.t.clock.nowMs()) },
    { validateSign: true },
  ) as Promise<Result>;

test('the refundable period is counted in Beijing calendar months, clamped at month ends', () => {
  const at = (s: string) => Date.parse(`${s}+08:00`);
  assert.equal(shiftMonthsBeijing(at('2026-01-31T10:00:00'), 1), at('2026-02-28T10:00:00'));
  assert.equal(shiftMonthsBeijing(at('2026-11-30T23:30:00'), 3), at('2027-02-28T23:30:00'));
  assert.equal(shiftMonthsBeijing(at('2026-05-15T00:00:00'), -3), at('2026-02-15T00:00:00'));
  const paidAtMs = at('2026-03-10T12:00:00');
  assert.equal(refundable({ paidAtMs, nowMs: at('2026-06-10T11:59:59'), refundableMonths: 3 }), true);
  assert.equal(refundable({ paidAtMs, nowMs: at('2026-06-10T12:00:00'), refundableMonths: 3 }), false);
});

describe('TRADE_FINISHED after the refundable period', () => {
  before(async () => {
    bed = await openGatewayTestbed('mch_gw_finish');
    sdk = bed.newSdk();
  });
  after(async () => {
    await bed.close();
  });

  /** A trade paid by an agreement debit (no wallet page needed): the out_trade_no. */
  async function paidTrade(agreementNo: string, amount: string): Promise<string> {
    const outTradeNo = next('FIN');
    const paid = await exec('alipay.trade.pay', {
      outTradeNo,
      totalAmount: amount,
      subject: 'plan',
      productCode: 'GENERAL_WITHHOLDING',
      agreementParams: { agreementNo },
    });
    assert.equal(paid.code, '10000', JSON.stringify(paid));
    return outTradeNo;
  }

  test('refundable until the period ends, then finished once, notified, refunds refused', async () => {
    const { agreement } = await bed.t.modules.agreements.requestAgreement({
      merchantId: bed.merchantId,
      userId: (await bed.t.modules.identity.findUserByPhone(bed.alice.phone))?.id ?? '',
      purpose: 'finish test',
      perDebitCapMinor: 10_000n,
      monthlyCapMinor: 100_000n,
      currency: 'CNY',
      externalAgreementNo: next('EXT'),
    });
    const signed = await bed.call(bed.alice, 'POST', `/api/v1/me/agreements/${agreement.id}/confirm`, {
      paymentPassword: bed.alice.paymentPassword,
    });
    assert.equal(signed.statusCode, 200, signed.body);
    const partly = await paidTrade(agreement.id, '50.00');
    const fully = await paidTrade(agreement.id, '20.00');
    assert.equal(
      (await exec('alipay.trade.refund', { outTradeNo: partly, refundAmount: '10.00', outRequestNo: 'r1' }))
        .code,
      '10000',
    );
    assert.equal(
      (await exec('alipay.trade.refund', { outTradeNo: fully, refundAmount: '20.00' })).code,
      '10000',
    );

    // One day before the period ends: nothing finishes, a refund still works.
    bed.t.clock.advance(shiftMonthsBeijing(bed.t.clock.nowMs(), 3) - bed.t.clock.nowMs() - 86_400_000);
    assert.equal(await bed.t.modules.gateway.finishDue(bed.t.clock.nowMs()), 0);
    assert.equal(
      (await exec('alipay.trade.refund', { outTradeNo: partly, refundAmount: '5.00', outRequestNo: 'r2' }))
        .code,
      '10000',
    );

    // The period is over: two runs at once finish the trade once.
    bed.t.clock.advance(86_400_000 + 60_000);
    const runs = await Promise.all([
      bed.t.modules.gateway.finishDue(bed.t.clock.nowMs()),
      bed.t.modules.gateway.finishDue(bed.t.clock.nowMs()),
    ]);
    assert.equal(
      runs[0] + runs[1],
      1,
      'the partly refunded trade finishes once; the closed one is untouched',
    );
    assert.equal((await exec('alipay.trade.query', { outTradeNo: partly })).tradeStatus, 'TRADE_FINISHED');
    assert.equal((await exec('alipay.trade.query', { outTradeNo: fully })).tradeStatus, 'TRADE_CLOSED');

    await bed.t.modules.gateway.runDue(bed.t.clock.nowMs());
    const notes = bed.received.filter(
      (r) => r.out_trade_no === partly && r.trade_status === 'TRADE_FINISHED',
    );
    assert.equal(notes.length, 1, 'one TRADE_FINISHED notification');
    assert.equal(sdk.checkNotifySignV2(notes[0] ?? {}), true);
    assert.equal(notes[0]?.refund_fee, undefined);

    const late = await exec('alipay.trade.refund', {
      outTradeNo: partly,
      refundAmount: '1.00',
      outRequestNo: 'r3',
    });
    assert.equal(late.subCode, 'ACQ.TRADE_HAS_FINISHED');
    const replay = await exec('alipay.trade.refund', {
      outTradeNo: partly,
      refundAmount: '5.00',
      outRequestNo: 'r2',
    });
    assert.equal(replay.code, '10000', 'a replayed refund still answers what was done');
    assert.equal(await bed.t.modules.gateway.finishDue(bed.t.clock.nowMs()), 0, 'nothing left to finish');
  });
});
