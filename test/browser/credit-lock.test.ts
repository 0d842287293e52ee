// Proves the credit line and the security lock in a real browser: the demo platform (Alice holds
// a 5,000.00 credit line from the seed) serves the built app; chromium signs Alice in (SMS code
// from the developer inbox), she pays Bob 50.00 choosing "Credit line" on the transfer page, the
// Credit page shows 50.00 owed, she repays it in full from her balance (owed back to 0.00, her
// balance down by exactly 5000 minor units). Then in the Security Center she turns the security
// lock on (the check-up score rises by the lock's 20 points), and her next transfer to Bob asks
// for a second factor: the dialog offers no payment password, she verifies with an SMS code, and
// the payment goes through.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { APIRequestContext, Page, Response } from 'playwright-core';
import {
  ALICE,
  isPaymentConfirm as isConfirm,
  openBrowserSession,
  readCode,
  signInWithSmsCode,
} from './harness.ts';

const BOB_PHONE = '+8613900139000';

function isPost(path: string) {
  return (response: Response) =>
    new URL(response.url()).pathname === path && response.request().method() === 'POST';
}

async function walletPostedMinor(request: APIRequestContext, origin: string): Promise<bigint> {
  const wallet = await request.get(`${origin}/api/v1/wallet`);
  assert.equal(wallet.status(), 200);
  const { accounts } = (await wallet.json()) as { accounts: { posted: { amountMinor: string } }[] };
  return BigInt(accounts[0]?.posted.amountMinor ?? 'x');
}

async function transferToBob(page: Page, input: { amount: string; channel: 'Balance' | 'Credit line' }) {
  await page.getByRole('navigation').getByRole('link', { name: 'Transfer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
  await page.getByLabel("Payee's phone number").fill(BOB_PHONE);
  await page.getByLabel('Amount (CNY)').fill(input.amount);
  await page.getByRole('group', { name: 'Pay from' }).getByRole('radio', { name: input.channel }).check();
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByRole('heading', { level: 1, name: 'Confirm transfer' }).waitFor();
  await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
}

test('credit repayment and the security lock in chromium', { timeout: 240_000 }, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  try {
    await t.test('Alice signs in and sees her credit line', async () => {
      await signInWithSmsCode(page, { origin, path: '/credit', landingHeading: 'Credit line' });
      const facts = page.getByTestId('credit-facts');
      await facts.getByText('CN¥5,000.00').first().waitFor();
      assert.equal(await page.getByTestId('credit-used').textContent(), 'CN¥0.00');
    });

    await t.test('paying Bob 50.00 from the credit line leaves the wallet untouched', async () => {
      const before = await walletPostedMinor(page.request, origin);
      await transferToBob(page, { amount: '50', channel: 'Credit line' });
      const [confirmed] = await Promise.all([
        page.waitForResponse(isConfirm),
        page.getByRole('button', { name: 'Pay CN¥50.00' }).click(),
      ]);
      assert.equal(confirmed.status(), 200);
      assert.equal(((await confirmed.json()) as { channel: string }).channel, 'credit_line');
      await page.getByRole('heading', { level: 1, name: 'Payment sent' }).waitFor();
      assert.equal(await walletPostedMinor(page.request, origin), before);
    });

    await t.test('the Credit page shows 50.00 owed; repaying it in full moves exactly 50.00', async () => {
      const before = await walletPostedMinor(page.request, origin);
      await page.getByRole('navigation').getByRole('link', { name: 'Credit' }).click();
      await page.getByRole('heading', { level: 1, name: 'Credit line' }).waitFor();
      await page.getByTestId('credit-used').getByText('CN¥50.00').waitFor();
      const repay = page.getByRole('region', { name: 'Repay from your balance' });
      await repay.getByRole('button', { name: 'Fill in everything owed (CN¥50.00)' }).click();
      assert.equal(await repay.getByLabel('Amount (yuan)').inputValue(), '50.00');
      const [repaid] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/me/credit/repayments')),
        repay.getByRole('button', { name: 'Repay', exact: true }).click(),
      ]);
      assert.equal(repaid.status(), 201);
      await repay.getByText('Repaid CN¥50.00.').waitFor();
      await page.getByTestId('credit-used').getByText('CN¥0.00').waitFor();
      assert.equal(before - (await walletPostedMinor(page.request, origin)), 5000n);
    });

    await t.test('turning the security lock on raises the check-up score by 20', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
      await page.getByRole('heading', { level: 1, name: 'Security Center' }).waitFor();
      const score = page.getByTestId('check-up-score');
      await score.waitFor();
      const before = Number(/^(\d+)/.exec((await score.textContent()) ?? '')?.[1]);
      assert(Number.isInteger(before));
      const lock = page.getByRole('region', { name: 'Security lock' });
      assert.equal(await lock.getByTestId('lock-status').textContent(), 'Off');
      // The two-factor sign-in moments ago counts as a fresh step-up, so no dialog here.
      const [changed] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith('/api/v1/me/security-lock') && r.request().method() === 'PUT',
        ),
        lock.getByRole('button', { name: 'Turn the security lock on' }).click(),
      ]);
      assert.equal(changed.status(), 200);
      await lock.getByText('The security lock is on.').waitFor();
      // The notice shows at once; the status follows when the page has reloaded the lock.
      await lock.getByTestId('lock-status').filter({ hasText: /^On$/ }).waitFor();
      assert.equal(await lock.getByTestId('lock-status').textContent(), 'On');
      await page
        .getByTestId('check-up-score')
        .getByText(`${before + 20} / 100`)
        .waitFor();
    });

    await t.test('a locked transfer asks for a second factor, not the payment password', async () => {
      const before = await walletPostedMinor(page.request, origin);
      await transferToBob(page, { amount: '1', channel: 'Balance' });
      const [refused] = await Promise.all([
        page.waitForResponse(isConfirm),
        page.getByRole('button', { name: 'Pay CN¥1.00' }).click(),
      ]);
      assert.equal(refused.status(), 403);
      assert.equal(
        ((await refused.json()) as { error: { code: string } }).error.code,
        'second_factor_required',
      );
      const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
      await dialog.waitFor();
      const methods = await dialog
        .getByRole('radio')
        .evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value));
      assert(!methods.includes('payment_password'), `offered: ${methods.join(', ')}`);
      assert(methods.includes('sms'));
      await dialog.getByRole('radio', { name: /SMS/ }).check();
      const sentAfterMs = Date.now();
      await dialog.getByRole('button', { name: 'Send code' }).click();
      await dialog
        .getByRole('textbox', { name: 'SMS code' })
        .fill(await readCode(origin, ALICE.phone, sentAfterMs));
      const [paid] = await Promise.all([
        page.waitForResponse((r) => isConfirm(r) && r.status() === 200),
        dialog.getByRole('button', { name: 'Confirm', exact: true }).click(),
      ]);
      assert.equal(((await paid.json()) as { status: string }).status, 'succeeded');
      await page.getByRole('heading', { level: 1, name: 'Payment sent' }).waitFor();
      assert.equal(before - (await walletPostedMinor(page.request, origin)), 100n);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
