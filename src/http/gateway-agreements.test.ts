// Proves issue 6 point 6 with the real alipay-sdk 4.14.0, unchanged, against the platform on a
// real socket (PGlite, and PostgreSQL with --pg): the merchant's pageExecute of
// alipay.user.agreement.page.sign sends the browser to the wallet's signing page; the signed-in
// user claims the request and signs with the payment password (or declines), and the browser is
// sent back to return_url with the outcome signed (checkNotifySignV2); the merchant gets a signed
// dut_user_sign notification (checkNotifySignV2), queries the agreement, debits it with
// alipay.trade.pay (GENERAL_WITHHOLDING + agreement_params) within its caps and is refused above
// them with Alipay's codes; the user cancels it in the Security Center (dut_user_unsign) and the
// next debit is ACQ.AGREEMENT_INVALID; the merchant's own unsign works the same. A debit the risk
// engine challenges (nobody is there to step up) is the business failure Alipay answers for its
// own risk control, ACQ.PAYMENT_REQUEST_HAS_RISK, never a 500: nothing moves and the user is
// alerted once however often the merchant retries the trade. Every exec call uses validateSign:
// true. Balances are checked so each debit moved money exactly once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { AlipaySdk } from 'alipay-sdk';
import { DEFAULT_RULE_SET } from '../risk/index.ts';
import { type GatewayTestbed, openGatewayTestbed, type WalletClient } from '../testing/gateway-kit.ts';

type Result = Record<string, unknown> & { code: string; msg: string; subCode?: string; subMsg?: string };

let bed: GatewayTestbed;
let sdk: AlipaySdk;
let counter = 0;
const nextNo = (prefix: string) => `${prefix}${Date.now()}${++counter}`;

const exec = (method: string, bizContent: Record<string, unknown>) =>
  sdk.exec(method, { bizContent, notifyUrl: bed.notifyUrl }, { validateSign: true }) as Promise<Result>;

async function balanceOf(client: WalletClient): Promise<bigint> {
  const response = await bed.call(client, 'GET', '/api/v1/wallet');
  assert.equal(response.statusCode, 200, response.body);
  const account = response.json().accounts.find((a: { currency: string }) => a.currency === 'CNY');
  return BigInt(account.posted.amountMinor);
}

/** The merchant's signing link opened in the user's browser, claimed and signed: the agreement_no. */
async function signAgreement(input: {
  client: WalletClient;
  externalAgreementNo: string;
  singleAmount: string;
  periodType?: 'DAY' | 'MONTH';
  returnUrl?: string;
}): Promise<{ agreementNo: string; link: string; requestId: string }> {
  const link = sdk.pageExecute('alipay.user.agreement.page.sign', 'GET', {
    bizContent: {
      personalProductCode: 'CYCLE_PAY_AUTH_P',
      productCode: 'CYCLE_PAY_AUTH',
      signScene: 'INDUSTRY|DIGITAL_MEDIA',
      externalAgreementNo: input.externalAgreementNo,
      accessParams: { channel: 'ALIPAYAPP' },
      periodRuleParams: {
        periodType: input.periodType ?? 'MONTH',
        period: 1,
        executeTime: '2026-12-01',
        singleAmount: input.singleAmount,
      },
    },
    notifyUrl: bed.notifyUrl,
    ...(input.returnUrl ? { returnUrl: input.returnUrl } : {}),
  });
  const opened = await fetch(link, { redirect: 'manual' });
  assert.equal(opened.status, 303, await opened.text());
  const location = opened.headers.get('location') ?? '';
  const match = /^\/agreements\/sign\?request=(gws_[0-9a-f]+)$/.exec(location);
  assert.ok(match?.[1], location);
  const claimed = await bed.call(input.client, 'POST', `/api/v1/agreement-requests/${match[1]}/claim`, {});
  assert.equal(claimed.statusCode, 200, claimed.body);
  const agreementNo: string = claimed.json().agreementId;
  const confirmed = await bed.call(input.client, 'POST', `/api/v1/me/agreements/${agreementNo}/confirm`, {
    paymentPassword: input.client.paymentPassword,
  });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  assert.equal(confirmed.json().status, 'active');
  return { agreementNo, link, requestId: match[1] };
}

const debit = (agreementNo: string, totalAmount: string, outTradeNo = nextNo('AD')) =>
  exec('alipay.trade.pay', {
    outTradeNo,
    totalAmount,
    subject: 'monthly plan',
    productCode: 'GENERAL_WITHHOLDING',
    agreementParams: { agreementNo },
  });

/** Notifications of one type for one agreement, each verified with the SDK. */
async function agreementNotes(agreementNo: string, type: string): Promise<Record<string, string>[]> {
  await bed.t.modules.gateway.runDue(bed.t.clock.nowMs());
  const notes = bed.received.filter((n) => n.agreement_no === agreementNo && n.notify_type === type);
  for (const note of notes) assert.equal(sdk.checkNotifySignV2(note), true, `${type} is signed`);
  return notes;
}

describe('auto-debit agreements through the gateway (alipay-sdk)', () => {
  before(async () => {
    bed = await openGatewayTestbed('mch_gw_agreements');
    sdk = bed.newSdk();
  });
  after(async () => {
    await bed.close();
  });

  test('sign in the wallet, query, debit within the caps, refused above them', async () => {
    const externalAgreementNo = nextNo('EXT');
    const before = await exec('alipay.user.agreement.query', { externalAgreementNo });
    assert.equal(before.subCode, 'USER_AGREEMENT_NOT_EXIST', 'nothing exists before the user opens the link');

    const { agreementNo, link } = await signAgreement({
      client: bed.alice,
      externalAgreementNo,
      singleAmount: '30.00',
    });
    // The same link again is the same request (idempotent), already claimed by Alice.
    const again = await fetch(link, { redirect: 'manual' });
    assert.equal(again.status, 303);
    // A tampered link is refused with Alipay's code, like the cashier's.
    const tampered = await fetch(link.replace('30.00', '99.00'), { redirect: 'manual' });
    assert.equal(tampered.status, 400);
    assert.match(await tampered.text(), /isv\.invalid-signature/);

    const [signed] = await agreementNotes(agreementNo, 'dut_user_sign');
    assert.ok(signed, 'the merchant was told of the signature');
    assert.equal(signed.status, 'NORMAL');
    assert.equal(signed.external_agreement_no, externalAgreementNo);
    assert.equal(signed.personal_product_code, 'CYCLE_PAY_AUTH_P');
    assert.equal(sdk.checkNotifySignV2({ ...signed, status: 'UNSIGN' }), false, 'a changed field fails');

    const query = await exec('alipay.user.agreement.query', { agreementNo });
    assert.equal(query.code, '10000', JSON.stringify(query));
    assert.equal(query.status, 'NORMAL');
    assert.equal(query.externalAgreementNo, externalAgreementNo);
    assert.equal(query.singleQuota, '30.00');
    const byExternal = await exec('alipay.user.agreement.query', { externalAgreementNo });
    assert.equal(byExternal.agreementNo, agreementNo);

    const start = await balanceOf(bed.alice);
    const outTradeNo = nextNo('AD');
    const paid = await debit(agreementNo, '25.00', outTradeNo);
    assert.equal(paid.code, '10000', JSON.stringify(paid));
    assert.equal(paid.totalAmount, '25.00');
    assert.equal(await balanceOf(bed.alice), start - 2500n, 'debited once');
    const replay = await debit(agreementNo, '25.00', outTradeNo);
    assert.equal(replay.subCode, 'ACQ.TRADE_HAS_SUCCESS', 'a retried out_trade_no never debits twice');
    assert.equal(await balanceOf(bed.alice), start - 2500n);
    const trade = await exec('alipay.trade.query', { outTradeNo });
    assert.equal(trade.tradeStatus, 'TRADE_SUCCESS');
    await bed.t.modules.gateway.runDue(bed.t.clock.nowMs());
    const tradeNote = bed.received.find((n) => n.out_trade_no === outTradeNo);
    assert.ok(tradeNote, 'the debit trade is notified like any payment');
    assert.equal(tradeNote.trade_status, 'TRADE_SUCCESS');
    assert.equal(sdk.checkNotifySignV2(tradeNote), true);

    const aboveSingle = await debit(agreementNo, '30.01');
    assert.equal(aboveSingle.subCode, 'ACQ.CYCLE_PAY_SINGLE_FEE_EXCEED');
    // A MONTH period of 30.00 allows 30.00 a month: 25.00 taken, 10.00 more is above it.
    const aboveMonth = await debit(agreementNo, '10.00');
    assert.equal(aboveMonth.subCode, 'ACQ.CYCLE_PAY_TOTAL_FEE_EXCEED');
    assert.equal(await balanceOf(bed.alice), start - 2500n, 'refused debits moved nothing');

    const wrongProduct = await exec('alipay.trade.pay', {
      outTradeNo: nextNo('AD'),
      totalAmount: '1.00',
      subject: 'x',
      productCode: 'FACE_TO_FACE_PAYMENT',
      agreementParams: { agreementNo },
    });
    assert.equal(wrongProduct.subCode, 'ACQ.INVALID_PARAMETER');
    const unknown = await debit('agr_doesnotexist', '1.00');
    assert.equal(unknown.subCode, 'ACQ.AGREEMENT_NOT_EXIST');
  });

  test('a debit the risk engine challenges is ACQ.PAYMENT_REQUEST_HAS_RISK: nothing moves, the user alerted once', async () => {
    const saved = await bed.operator('POST', '/api/v1/operator/risk/rules', {
      body: {
        rules: [
          ...DEFAULT_RULE_SET.rules,
          {
            id: 't_gw_debit_challenge',
            kinds: ['payment'],
            when: { field: 'amountMinor', op: '==', value: 7_777 },
            outcome: 'challenge',
            reason: 't_gw_debit_challenge',
          },
        ],
      },
      note: 'gateway: challenge 77.77 debits',
    });
    assert.equal(saved.statusCode, 201, saved.body);
    const { agreementNo } = await signAgreement({
      client: bed.alice,
      externalAgreementNo: nextNo('EXT'),
      singleAmount: '100.00',
    });
    const alice = await bed.t.modules.identity.findUserByPhone(bed.alice.phone);
    assert.ok(alice);
    const alerts = () =>
      bed.t.store.db
        .selectFrom('notification_outbox')
        .select('body')
        .where('user_id', '=', alice.id)
        .where('template', '=', 'agreement_debit_stopped')
        .where('channel', '=', 'in_app')
        .execute();
    const before = await balanceOf(bed.alice);
    const alertsBefore = (await alerts()).length;
    const outTradeNo = nextNo('AD');
    const refused = await debit(agreementNo, '77.77', outTradeNo);
    assert.equal(refused.code, '40004', JSON.stringify(refused));
    assert.equal(refused.msg, 'Business Failed');
    assert.equal(refused.subCode, 'ACQ.PAYMENT_REQUEST_HAS_RISK');
    assert.equal(refused.subMsg, '支付有风险');
    assert.equal(await balanceOf(bed.alice), before, 'nothing was taken');
    const trade = await exec('alipay.trade.query', { outTradeNo });
    assert.notEqual(trade.tradeStatus, 'TRADE_SUCCESS');
    assert.equal((await alerts()).length, alertsBefore + 1, 'the user is told');
    // The merchant retries the same trade: the same answer, and the user is not told again.
    const retried = await debit(agreementNo, '77.77', outTradeNo);
    assert.equal(retried.subCode, 'ACQ.PAYMENT_REQUEST_HAS_RISK');
    assert.equal((await alerts()).length, alertsBefore + 1);
    assert.equal(await balanceOf(bed.alice), before);
    // Any other amount is allowed and debited as before.
    const paid = await debit(agreementNo, '7.77');
    assert.equal(paid.code, '10000', JSON.stringify(paid));
    assert.equal(await balanceOf(bed.alice), before - 777n);
  });

  test('the user cancels in the Security Center: unsign notification, the next debit is refused', async () => {
    const { agreementNo } = await signAgreement({
      client: bed.alice,
      externalAgreementNo: nextNo('EXT'),
      singleAmount: '5.00',
      periodType: 'DAY',
    });
    assert.equal((await debit(agreementNo, '5.00')).code, '10000');
    const cancelled = await bed.call(bed.alice, 'POST', `/api/v1/me/agreements/${agreementNo}/cancel`, {});
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const [unsigned] = await agreementNotes(agreementNo, 'dut_user_unsign');
    assert.ok(unsigned, 'the merchant was told of the cancellation');
    assert.equal(unsigned.status, 'UNSIGN');
    assert.ok(unsigned.unsign_time);

    const before = await balanceOf(bed.alice);
    const refused = await debit(agreementNo, '5.00');
    assert.equal(refused.code, '40004');
    assert.equal(refused.subCode, 'ACQ.AGREEMENT_INVALID');
    assert.equal(await balanceOf(bed.alice), before);
    const query = await exec('alipay.user.agreement.query', { agreementNo });
    assert.equal(query.subCode, 'USER_AGREEMENT_NOT_EXIST');
  });

  test('the merchant unsigns: signed answer, notification, no more debits; a claimed link is nobody else’s', async () => {
    const { agreementNo } = await signAgreement({
      client: bed.alice,
      externalAgreementNo: nextNo('EXT'),
      singleAmount: '8.00',
    });
    const unsign = await exec('alipay.user.agreement.unsign', { agreementNo });
    assert.equal(unsign.code, '10000', JSON.stringify(unsign));
    const twice = await exec('alipay.user.agreement.unsign', { agreementNo });
    assert.equal(twice.code, '10000', 'unsign is idempotent');
    assert.equal((await agreementNotes(agreementNo, 'dut_user_unsign')).length, 1, 'one notification');
    assert.equal((await debit(agreementNo, '1.00')).subCode, 'ACQ.AGREEMENT_INVALID');
    const missing = await exec('alipay.user.agreement.unsign', { agreementNo: 'agr_doesnotexist' });
    assert.equal(missing.subCode, 'USER_AGREEMENT_NOT_EXIST');

    // Another merchant's app sees none of it.
    const other = await exec('alipay.user.agreement.query', {});
    assert.equal(other.subCode, 'ACQ.INVALID_PARAMETER');

    // Bob opens a link Alice already claimed: 404, the same as an unknown request.
    const link = sdk.pageExecute('alipay.user.agreement.page.sign', 'GET', {
      bizContent: {
        externalAgreementNo: nextNo('EXT'),
        periodRuleParams: { periodType: 'MONTH', period: 1, singleAmount: '1.00' },
      },
      notifyUrl: bed.notifyUrl,
    });
    const requestId = /request=(gws_[0-9a-f]+)/.exec(
      (await fetch(link, { redirect: 'manual' })).headers.get('location') ?? '',
    )?.[1];
    assert.ok(requestId);
    assert.equal(
      (await bed.call(bed.alice, 'POST', `/api/v1/agreement-requests/${requestId}/claim`, {})).statusCode,
      200,
    );
    const bobUser = await bed.t.modules.identity.createUser({
      phoneE164: '+8613560000077',
      displayName: 'Bob Agreements',
      password: 'bob-agreements-2026',
      paymentPassword: '482913',
    });
    await bed.t.modules.wallet.openWallet(bobUser.id, 'CNY');
    const bob: WalletClient = {
      phone: '+8613560000077',
      password: 'bob-agreements-2026',
      paymentPassword: '482913',
      ip: '10.60.0.77',
      token: '',
      deviceKey: undefined,
    };
    await bed.signIn(bob);
    const stolen = await bed.call(bob, 'POST', `/api/v1/agreement-requests/${requestId}/claim`, {});
    assert.equal(stolen.statusCode, 404);
    assert.equal(stolen.json().error.code, 'agreement_request_not_found');
    const unknownRequest = await bed.call(bob, 'POST', '/api/v1/agreement-requests/gws_0000/claim', {});
    assert.equal(unknownRequest.statusCode, 404);
  });

  test('after signing or declining, the browser goes back to return_url with a signed outcome', async () => {
    const returnUrl = 'https://shop.example/agreement/return';
    const backOf = (requestId: string) =>
      bed.call(bed.alice, 'POST', `/api/v1/agreement-requests/${requestId}/return`, {});
    const signedOf = (url: string) => {
      const parsed = new URL(url);
      assert.equal(parsed.origin + parsed.pathname, 'https://shop.example/agreement/return');
      const params = Object.fromEntries(parsed.searchParams);
      assert.equal(sdk.checkNotifySignV2(params), true, 'the merchant verifies it with the SDK');
      assert.equal(sdk.checkNotifySignV2({ ...params, status: 'NORMAL', agreement_no: 'agr_x' }), false);
      return params;
    };

    const externalAgreementNo = nextNo('EXT');
    const { agreementNo, requestId } = await signAgreement({
      client: bed.alice,
      externalAgreementNo,
      singleAmount: '12.00',
      returnUrl,
    });
    const signedBack = await backOf(requestId);
    assert.equal(signedBack.statusCode, 200, signedBack.body);
    const signed = signedOf(signedBack.json().url);
    assert.equal(signed.method, 'alipay.user.agreement.page.sign.return');
    assert.equal(signed.agreement_no, agreementNo);
    assert.equal(signed.external_agreement_no, externalAgreementNo);
    assert.equal(signed.status, 'NORMAL');
    assert.equal(signed.personal_product_code, 'CYCLE_PAY_AUTH_P');
    assert.match(signed.sign_time ?? '', /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
    assert.equal(signed.app_id, bed.appId);

    // Declined: the merchant is told UNSIGN; undecided, or someone else's request: 404.
    const link = sdk.pageExecute('alipay.user.agreement.page.sign', 'GET', {
      bizContent: {
        externalAgreementNo: nextNo('EXT'),
        periodRuleParams: { periodType: 'MONTH', period: 1, singleAmount: '2.00' },
      },
      returnUrl,
    });
    const declineId = /request=(gws_[0-9a-f]+)/.exec(
      (await fetch(link, { redirect: 'manual' })).headers.get('location') ?? '',
    )?.[1];
    assert.ok(declineId);
    assert.equal((await backOf(declineId)).statusCode, 404, 'not claimed yet');
    const claimed = await bed.call(bed.alice, 'POST', `/api/v1/agreement-requests/${declineId}/claim`, {});
    const declinedNo: string = claimed.json().agreementId;
    assert.equal((await backOf(declineId)).json().error?.code, 'agreement_request_not_found', 'undecided');
    const cancelled = await bed.call(bed.alice, 'POST', `/api/v1/me/agreements/${declinedNo}/cancel`, {});
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const declined = signedOf((await backOf(declineId)).json().url);
    assert.equal(declined.agreement_no, declinedNo);
    assert.equal(declined.status, 'UNSIGN');
    assert.equal(declined.sign_time, undefined);

    // No return_url in the request: nothing to go back to.
    const plain = await signAgreement({
      client: bed.alice,
      externalAgreementNo: nextNo('EXT'),
      singleAmount: '1.00',
    });
    const none = await backOf(plain.requestId);
    assert.equal(none.statusCode, 200, none.body);
    assert.equal(none.json().url, null);
  });

  test('page.sign without caps, or with caps above the maxima, is refused', async () => {
    for (const periodRuleParams of [
      undefined,
      { periodType: 'MONTH', period: 1, singleAmount: '50000.01' },
      { periodType: 'WEEK', period: 1, singleAmount: '1.00' },
      { periodType: 'MONTH', period: 1, singleAmount: '1.001' },
    ]) {
      const link = sdk.pageExecute('alipay.user.agreement.page.sign', 'GET', {
        bizContent: { externalAgreementNo: nextNo('EXT'), ...(periodRuleParams ? { periodRuleParams } : {}) },
        notifyUrl: bed.notifyUrl,
      });
      const opened = await fetch(link, { redirect: 'manual' });
      assert.equal(opened.status, 400, JSON.stringify(periodRuleParams));
      assert.match(await opened.text(), /ACQ\.INVALID_PARAMETER/);
    }
  });
});
