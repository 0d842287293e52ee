// Proves the pay-code page and the merchant console in a real browser (issue 6 points 1, 2, 7):
// the demo platform serves the built app; a merchant app is created through the gateway module
// (as the operator API does) and the real alipay-sdk plays the merchant's till. Alice signs in,
// opens "Pay code", the till scans her code (alipay.trade.pay answers 10003: she must confirm),
// the page shows the merchant's request, she pays with her payment password, and the till's
// query sees TRADE_SUCCESS. The merchant then signs in to /merchant with app id + console token
// and sees the order as paid. On the cashier page (pageExecute), she pays a web order and lands on
// the shop's return_url with parameters the shop verifies with checkNotifySignV2; from a signing
// link (page.sign) she signs an agreement and lands on the shop's return_url the same way.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { AlipaySdk } from 'alipay-sdk';
import { generateRsaKeyPair, pemBody } from '../../src/gateway/index.ts';
import { openBrowserSession, readCode } from './harness.ts';

const ALICE = {
  phone: '+8613800138000',
  displayName: 'Alice Chen',
  password: 'alice-demo-2026',
  paymentPassword: '258036',
};

test('pay code and merchant console in chromium', { timeout: 180_000 }, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors, platform } = browser;
  try {
    const gateway = platform.platform.modules.gateway;
    await gateway.onboardMerchant({
      merchantId: 'mch_browser',
      name: 'Browser Bakery',
      contactEmail: null,
      feeRateBp: 60,
    });
    await gateway.approveMerchant('mch_browser');
    const keys = generateRsaKeyPair();
    const app = await gateway.createApp({
      merchantId: 'mch_browser',
      name: 'till',
      merchantPublicKey: keys.publicKeyPem,
      ipAllowList: [],
    });
    const sdk = new AlipaySdk({
      appId: app.appId,
      privateKey: keys.privateKeyPem,
      keyType: 'PKCS8',
      alipayPublicKey: pemBody(app.platformPublicKeyPem),
      gateway: `${origin}/gateway.do`,
    });
    const outTradeNo = `browser_${Date.now()}`;

    await t.test('Alice signs in and opens her pay code', async () => {
      await page.goto(`${origin}/`);
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(ALICE.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in/send-code')),
        page.getByRole('button', { name: 'Send code' }).click(),
      ]);
      await page.getByLabel('SMS code').fill(await readCode(origin, ALICE.phone, sentAfterMs));
      await page.getByLabel('SMS code').press('Enter');
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
      await page.getByRole('link', { name: 'Pay code' }).click();
      await page.getByRole('heading', { level: 1, name: 'Pay code' }).waitFor();
      await page.getByTestId('pay-code').waitFor();
    });

    await t.test(
      'the till scans it, Alice confirms with her payment password, the till sees it paid',
      async () => {
        const code = ((await page.getByTestId('pay-code').textContent()) ?? '').replace(/\s/g, '');
        assert.match(code, /^28\d{16}$/);
        const pay = (await sdk.exec(
          'alipay.trade.pay',
          {
            bizContent: {
              outTradeNo,
              totalAmount: '12.50',
              subject: 'croissants',
              authCode: code,
              scene: 'bar_code',
            },
          },
          { validateSign: true },
        )) as Record<string, string>;
        assert.equal(pay.code, '10003', JSON.stringify(pay));
        await page.getByRole('heading', { name: 'A merchant is asking you to pay' }).waitFor();
        await page.getByText('Browser Bakery: croissants').waitFor();
        await page.getByRole('button', { name: 'Review and pay' }).click();
        await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
        await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/confirm') && r.status() === 200),
          page.getByRole('button', { name: 'Pay CN¥12.50' }).click(),
        ]);
        const query = (await sdk.exec(
          'alipay.trade.query',
          { bizContent: { outTradeNo } },
          { validateSign: true },
        )) as Record<string, string>;
        assert.equal(query.tradeStatus, 'TRADE_SUCCESS');
        assert.equal(query.totalAmount, '12.50');
      },
    );

    await t.test(
      'cashier: pageExecute sends Alice to the cashier; she pays and returns to the shop, signed',
      async () => {
        const pageOrder = `page_${Date.now()}`;
        const link = sdk.pageExecute('alipay.trade.page.pay', 'GET', {
          bizContent: {
            outTradeNo: pageOrder,
            totalAmount: '7.20',
            subject: 'cake',
            productCode: 'FAST_INSTANT_TRADE_PAY',
          },
          returnUrl: `${origin}/shop/return`,
        });
        await page.goto(link);
        await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
        await page.getByText('Pay Browser Bakery').waitFor();
        await page.getByRole('button', { name: 'Continue to pay' }).click();
        await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
        await Promise.all([
          page.waitForURL(/\/shop\/return\?/),
          page.getByRole('button', { name: 'Pay CN¥7.20' }).click(),
        ]);
        const params = Object.fromEntries(new URL(page.url()).searchParams);
        assert.equal(params.out_trade_no, pageOrder);
        assert.equal(params.method, 'alipay.trade.page.pay.return');
        assert.equal(sdk.checkNotifySignV2(params), true);
        const query = (await sdk.exec(
          'alipay.trade.query',
          { bizContent: { outTradeNo: pageOrder } },
          { validateSign: true },
        )) as Record<string, string>;
        assert.equal(query.tradeStatus, 'TRADE_SUCCESS');
      },
    );

    await t.test(
      'agreement signing link (page.sign): Alice lands on the signing page, reads the caps, signs with her payment password and returns to the shop, signed',
      async () => {
        const externalAgreementNo = `browser_agr_${Date.now()}`;
        const link = sdk.pageExecute('alipay.user.agreement.page.sign', 'GET', {
          bizContent: {
            personalProductCode: 'CYCLE_PAY_AUTH_P',
            signScene: 'INDUSTRY|DIGITAL_MEDIA',
            externalAgreementNo,
            periodRuleParams: { periodType: 'MONTH', period: 1, singleAmount: '30.00' },
          },
          returnUrl: `${origin}/shop/agreement-return`,
        });
        await Promise.all([
          page.waitForResponse((r) => r.url().includes('/api/v1/agreement-requests/')),
          page.goto(link),
        ]);
        await page.getByRole('heading', { level: 1, name: 'Sign an auto-debit agreement' }).waitFor();
        const statement = page.getByTestId('agreement-statement');
        await statement.getByText('Browser Bakery asks to take money', { exact: false }).waitFor();
        await statement
          .getByText('at most CN¥30.00 at a time and at most CN¥30.00', { exact: false })
          .waitFor();
        await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
        const [signed] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/confirm')),
          page.waitForURL(/\/shop\/agreement-return\?/),
          page.getByRole('button', { name: 'Sign agreement' }).click(),
        ]);
        assert.equal(signed.status(), 200);
        const params = Object.fromEntries(new URL(page.url()).searchParams);
        assert.equal(params.method, 'alipay.user.agreement.page.sign.return');
        assert.equal(params.external_agreement_no, externalAgreementNo);
        assert.equal(params.status, 'NORMAL');
        assert.equal(sdk.checkNotifySignV2(params), true);
        const query = (await sdk.exec(
          'alipay.user.agreement.query',
          { bizContent: { externalAgreementNo } },
          { validateSign: true },
        )) as Record<string, unknown>;
        assert.equal(query.status, 'NORMAL');
        assert.equal(query.agreementNo, params.agreement_no);
      },
    );

    await t.test('the merchant signs in to the console and sees the paid order', async () => {
      await page.goto(`${origin}/merchant`);
      await page.getByRole('heading', { level: 1, name: 'Merchant console' }).waitFor();
      await page.getByLabel('App id').fill(app.appId);
      await page.getByLabel('Console token').fill('wrong-token');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('alert').filter({ hasText: 'console_sign_in_failed' }).waitFor();
      await page.getByLabel('Console token').fill(app.consoleToken);
      await page.getByRole('button', { name: 'Sign in' }).click();
      const row = page.getByRole('row').filter({ hasText: outTradeNo });
      await row.waitFor();
      assert.match((await row.textContent()) ?? '', /croissants\s*12\.50\s*0\.00\s*0\.08\s*TRADE_SUCCESS/);
    });
    assert.deepEqual(pageErrors, []);
  } finally {
    await browser.close();
  }
});
