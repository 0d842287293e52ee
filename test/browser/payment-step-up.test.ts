// Proves that a payment the risk engine challenges (confirmation
// payment_password_and_second_factor, docs/risk.md "Web pages") is walked through in a real
// browser: with a rule set that challenges every transfer of exactly 23.45, Alice (signed in with
// the SMS code of this new device) transfers 23.45 to Bob. The shared confirm step
// (web/src/transfer-page.tsx ConfirmStep) asks for the payment password plus an SMS code;
// cancelling cancels the intent on the server (POST …/cancel; the API then reads it `cancelled`,
// and confirming it is refused) and says the payment was not made and no money moved (in English
// and in Chinese); a
// wrong SMS code is refused at the field and in the alert with nothing moved; the code from the
// developer inbox pays, and Alice's and Bob's balances and records move by exactly 2345 minor units.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { translate } from '../../web/src/i18n.ts';
import {
  ALICE,
  walletAvailableMinor as aliceAvailableMinor,
  csrfHeader,
  isPaymentConfirm as isConfirm,
  isPost,
  openBrowserSession,
  readCode,
  saveChallengeRule,
  signInWithSmsCode,
} from './harness.ts';

const BOB = { phone: '+8613900139000', displayName: 'Bob Li' };
const CANCELLED_SCREENSHOT_PATH = join(tmpdir(), 'rampart-payment-cancelled.png');
const TRANSFER_MINOR = 2345n;
const TRANSFER_YUAN = '23.45';
/** Added to the defaults: challenges every transfer of exactly 23.45. */
const CHALLENGE_RULE = {
  id: 't_challenge_transfer',
  kinds: ['transfer'],
  when: { field: 'amountMinor', op: '==', value: Number(TRANSFER_MINOR) },
  outcome: 'challenge',
  reason: 't_challenge_transfer',
};

interface ActivityEntry {
  readonly transferId: string;
  readonly code: string;
  readonly direction: 'in' | 'out';
  readonly amount: { readonly amountMinor: string; readonly currency: string };
  readonly status: string;
}

/** Starts a 23.45 transfer to Bob and passes the anti-fraud warning (a challenged first payment
 *  to someone shows it); returns the created intent. */
async function startChallengedTransfer(page: Page): Promise<{ id: string; maskedName: string }> {
  await page.getByRole('navigation').getByRole('link', { name: 'Transfer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
  await page.getByLabel("Payee's phone number").fill(BOB.phone);
  await page.getByLabel('Amount (CNY)').fill(TRANSFER_YUAN);
  const [created] = await Promise.all([
    page.waitForResponse(isPost('/api/v1/payments/intents')),
    page.getByRole('button', { name: 'Next' }).click(),
  ]);
  assert.equal(created.status(), 201);
  const intent = (await created.json()) as {
    id: string;
    confirmation: string;
    amount: { amountMinor: string };
    payee: { maskedName: string };
  };
  assert.equal(intent.confirmation, 'payment_password_and_second_factor', 'the rule challenged it');
  assert.equal(intent.amount.amountMinor, String(TRANSFER_MINOR));
  await page.getByRole('heading', { level: 1, name: 'Confirm transfer' }).waitFor();
  const warning = page.getByTestId('fraud-warning');
  await warning.getByLabel('I know this payee personally', { exact: false }).check();
  await warning.getByRole('button', { name: 'I understand the risk: continue to payment' }).click();
  await page.getByText('For your safety this payment needs an extra check', { exact: false }).waitFor();
  await page.getByRole('textbox', { name: 'SMS code' }).waitFor();
  return { id: intent.id, maskedName: intent.payee.maskedName };
}

test('a payment the risk engine challenges asks for an SMS code; cancel and a wrong code move nothing', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors, platform } = browser;
  const { identity, wallet } = platform.platform.modules;
  try {
    await saveChallengeRule(platform, {
      rule: CHALLENGE_RULE,
      note: 'browser test: challenge 23.45 transfers',
    });
    const bob = await identity.findUserByPhone(BOB.phone);
    assert(bob, 'Bob is a demo user');
    const bobPostedMinor = async (): Promise<bigint> => {
      const accounts = await wallet.getWalletAccounts(bob.id);
      const cny = accounts.find((a) => a.account.currency === 'CNY');
      assert(cny, 'Bob has a CNY wallet');
      return cny.balance.postedMinor;
    };

    await t.test('Alice signs in, answering the new-device SMS challenge', async () => {
      await signInWithSmsCode(page, { origin, path: '/', landingHeading: `Hello, ${ALICE.displayName}` });
    });

    await t.test(
      'cancelling the challenged payment says it was not made, in English and Chinese',
      async () => {
        const aliceBefore = await aliceAvailableMinor(page.request, origin);
        const bobBefore = await bobPostedMinor();
        const { id: intentId, maskedName } = await startChallengedTransfer(page);
        const [cancelled] = await Promise.all([
          page.waitForResponse(isPost(`/api/v1/payments/intents/${intentId}/cancel`)),
          page.getByRole('button', { name: 'Cancel', exact: true }).click(),
        ]);
        assert.equal(cancelled.status(), 200);
        await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
        // The API says the intent ended cancelled, and it can no longer be confirmed.
        const intentUrl = `${origin}/api/v1/payments/intents/${encodeURIComponent(intentId)}`;
        const after = await page.request.get(intentUrl);
        assert.equal(after.status(), 200);
        const ended = (await after.json()) as {
          status: string;
          cancelledAt: string | null;
          transferId: string | null;
        };
        assert.equal(ended.status, 'cancelled');
        assert.ok(ended.cancelledAt, 'cancelledAt is set');
        assert.equal(ended.transferId, null);
        const confirmLate = await page.request.post(`${intentUrl}/confirm`, {
          headers: await csrfHeader(page.request),
          data: { paymentPassword: ALICE.paymentPassword, smsCode: '000000', warningAcknowledged: true },
        });
        assert.equal(confirmLate.status(), 409);
        assert.equal(
          ((await confirmLate.json()) as { error: { code: string } }).error.code,
          'intent_cancelled',
        );
        const notice = page.getByRole('alert').filter({ hasText: 'The payment was not made' });
        await notice
          .getByText(
            translate('en', 'transfer.cancelledExtraCheck', {
              amount: `CN¥${TRANSFER_YUAN}`,
              name: maskedName,
            }),
            { exact: true },
          )
          .waitFor();
        assert.match((await notice.textContent()) ?? '', /No money moved/);
        await page.screenshot({ path: CANCELLED_SCREENSHOT_PATH, fullPage: true });

        await page.getByLabel('Language').selectOption('zh-CN');
        const zhNotice = page
          .getByRole('alert')
          .filter({ hasText: translate('zh-CN', 'transfer.payFailed') });
        await zhNotice.waitFor();
        const zhText = (await zhNotice.textContent()) ?? '';
        assert(zhText.includes('没有任何资金转出'), `says no money moved in Chinese: ${zhText}`);
        assert(
          zhText.includes(maskedName) && zhText.includes(TRANSFER_YUAN),
          `names payee and amount: ${zhText}`,
        );
        await page.getByLabel('语言').selectOption('en');
        await notice.waitFor();

        assert.equal(await aliceAvailableMinor(page.request, origin), aliceBefore, 'nothing left Alice');
        assert.equal(await bobPostedMinor(), bobBefore, 'nothing reached Bob');
      },
    );

    let rightCode = '';
    await t.test('a wrong SMS code is refused clearly and no money moves', async () => {
      const aliceBefore = await aliceAvailableMinor(page.request, origin);
      const bobBefore = await bobPostedMinor();
      await startChallengedTransfer(page);
      await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
      const sentAfterMs = Date.now();
      const [sent] = await Promise.all([
        page.waitForResponse((r) => /\/api\/v1\/payments\/intents\/[^/]+\/sms-code$/.test(r.url())),
        page.getByRole('button', { name: 'Send SMS code' }).click(),
      ]);
      assert.ok(sent.ok(), `the SMS code was sent (${sent.status()})`);
      await page.getByText('Code sent to your phone.').waitFor();
      rightCode = await readCode(origin, ALICE.phone, sentAfterMs);
      // A code that differs from the sent one in its last digit.
      const wrongCode = rightCode.slice(0, 5) + String((Number(rightCode[5]) + 1) % 10);
      await page.getByRole('textbox', { name: 'SMS code' }).fill(wrongCode);
      const [refused] = await Promise.all([
        page.waitForResponse(isConfirm),
        page.getByRole('button', { name: `Pay CN¥${TRANSFER_YUAN}` }).click(),
      ]);
      assert.equal(refused.status(), 400);
      assert.equal(((await refused.json()) as { error: { code: string } }).error.code, 'invalid_code');
      const alert = page.getByRole('alert').filter({ hasText: 'The payment was not made' });
      await alert.getByText('Error code: invalid_code').waitFor();
      await page.getByText(translate('en', 'transfer.smsCodeWrong'), { exact: true }).waitFor();
      const field = page.getByRole('textbox', { name: 'SMS code' });
      assert.equal(await field.getAttribute('aria-invalid'), 'true', 'the SMS code field is marked');
      await page.getByRole('heading', { level: 1, name: 'Confirm transfer' }).waitFor();
      assert.equal(await aliceAvailableMinor(page.request, origin), aliceBefore, 'nothing left Alice');
      assert.equal(await bobPostedMinor(), bobBefore, 'nothing reached Bob');
    });

    await t.test('the code from the inbox pays; both sides move by exactly 2345 minor units', async () => {
      const aliceBefore = await aliceAvailableMinor(page.request, origin);
      const bobBefore = await bobPostedMinor();
      await page.getByRole('textbox', { name: 'SMS code' }).fill(rightCode);
      const [confirmed] = await Promise.all([
        page.waitForResponse(isConfirm),
        page.getByRole('button', { name: `Pay CN¥${TRANSFER_YUAN}` }).click(),
      ]);
      assert.equal(confirmed.status(), 200);
      const body = (await confirmed.json()) as {
        status: string;
        transferId: string;
        amount: { amountMinor: string };
      };
      assert.equal(body.status, 'succeeded');
      assert.equal(body.amount.amountMinor, String(TRANSFER_MINOR));
      await page.getByRole('heading', { level: 1, name: 'Payment sent' }).waitFor();
      await page.getByText(body.transferId, { exact: true }).waitFor();

      assert.equal(aliceBefore - (await aliceAvailableMinor(page.request, origin)), TRANSFER_MINOR);
      assert.equal((await bobPostedMinor()) - bobBefore, TRANSFER_MINOR);
      const aliceActivity = await page.request.get(`${origin}/api/v1/wallet/activity?limit=5`);
      assert.equal(aliceActivity.status(), 200);
      const { entries } = (await aliceActivity.json()) as { entries: ActivityEntry[] };
      const out = entries.filter((e) => e.transferId === body.transferId);
      assert.equal(out.length, 1, 'one record of the transfer for Alice');
      assert.deepEqual(
        { direction: out[0]?.direction, amount: out[0]?.amount, status: out[0]?.status },
        {
          direction: 'out',
          amount: { amountMinor: String(TRANSFER_MINOR), currency: 'CNY' },
          status: 'posted',
        },
      );
      const bobActivity = await wallet.listActivity({ userId: bob.id, limit: 5 });
      const incoming = bobActivity.items.filter((e) => e.transferId === body.transferId);
      assert.equal(incoming.length, 1, 'one record of the transfer for Bob');
      assert.equal(incoming[0]?.direction, 'in');
      assert.equal(incoming[0]?.amountMinor, TRANSFER_MINOR);
      assert.equal(incoming[0]?.status, 'posted');
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
