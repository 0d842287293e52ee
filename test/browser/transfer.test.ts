// Proves the transfer pages and payment limits work end to end: the real platform (demo mode,
// in-memory store) serves the built app, and chromium driven by playwright-core signs Alice in
// (SMS challenge from the developer inbox), transfers 12.34 CNY to Bob by phone — the confirmation
// screen names the masked payee, a wrong payment password is refused with the attempts left, the
// right one pays — the balance drops by exactly 1234 minor units, and after she lowers her
// per-payment limit below 10.00 in the Security Center a 20.00 transfer is refused. Then, on a
// session without a fresh step-up, turning password-free on opens the step-up dialog, a small repeat
// payment to Bob needs no confirmation, and turning it off takes one tap.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page, Response } from 'playwright-core';
import {
  ALICE,
  walletAvailableMinor as availableMinor,
  isPaymentConfirm as isConfirm,
  isPost,
  openBrowserSession,
  readCode,
} from './harness.ts';

const SCREENSHOT_PATH = process.env.RAMPART_TRANSFER_SCREENSHOT ?? join(tmpdir(), 'rampart-transfer.png');
const CONFIRM_SCREENSHOT_PATH = join(tmpdir(), 'rampart-transfer-confirm.png');
const LIMITS_SCREENSHOT_PATH = join(tmpdir(), 'rampart-payment-limits.png');

const BOB = { phone: '+8613900139000', displayName: 'Bob Li' };

async function startTransfer(page: Page, amount: string): Promise<Response> {
  await page.getByRole('navigation').getByRole('link', { name: 'Transfer' }).click();
  await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
  await page.getByLabel("Payee's phone number").fill(BOB.phone);
  await page.getByLabel('Amount (CNY)').fill(amount);
  await page.getByLabel('Note (optional)').fill('Lunch');
  const [response] = await Promise.all([
    page.waitForResponse(isPost('/api/v1/payments/intents')),
    page.getByRole('button', { name: 'Next' }).click(),
  ]);
  return response;
}

test('transfer in chromium: masked payee, payment password, receipt, exact balance, limits', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  try {
    let balanceBeforeMinor = 0n;

    await t.test('Alice signs in, answering the new-device SMS challenge', async () => {
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(ALICE.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in/send-code')),
        page.getByRole('button', { name: 'Send code' }).click(),
      ]);
      const code = await readCode(origin, ALICE.phone, sentAfterMs);
      await page.getByLabel('SMS code').fill(code);
      await page.getByLabel('SMS code').press('Enter');
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
      balanceBeforeMinor = await availableMinor(page.request, origin);
      assert(balanceBeforeMinor >= 1234n, 'Alice can afford the transfer');
    });

    await t.test('the wallet links to the transfer page', async () => {
      const link = page.getByRole('region', { name: 'Balance' }).getByRole('link', { name: 'Transfer' });
      await link.click();
      await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
      await page.getByRole('navigation').getByRole('link', { name: 'Wallet' }).click();
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
    });

    let maskedName = '';
    await t.test('12.34 typed in yuan becomes 1234 minor units; the payee is shown masked', async () => {
      const created = await startTransfer(page, '12.34');
      assert.equal(created.status(), 201);
      const body = (await created.json()) as {
        payee: { kind: string; maskedName: string };
        amount: { amountMinor: string; currency: string };
        confirmation: string;
      };
      assert.deepEqual(body.amount, { amountMinor: '1234', currency: 'CNY' });
      assert.equal(body.payee.kind, 'user');
      maskedName = body.payee.maskedName;
      assert.match(maskedName, /^\*+i$/, `"${BOB.displayName}" masked to every character but the last`);
      assert.equal(body.confirmation, 'payment_password', 'first payment to Bob needs the password');

      await page.getByRole('heading', { level: 1, name: 'Confirm transfer' }).waitFor();
      const statement = page.getByText(`You are paying ${maskedName}`, { exact: true });
      await statement.waitFor();
      const main = (await page.locator('main').textContent()) ?? '';
      assert(!main.includes(BOB.displayName), 'the full name is never shown');
      assert(main.includes('CN¥12.34'), 'the amount is shown');
      assert(main.includes('Allowance left today'), "today's allowance is shown");
      assert(main.includes('Your 6-digit payment password'), 'the confirmation needed is shown');
      await page.screenshot({ path: CONFIRM_SCREENSHOT_PATH, fullPage: true });
    });

    await t.test("a wrong payment password is refused with the server's code and attempts left", async () => {
      await page.getByLabel('Payment password').fill('111111');
      const [refused] = await Promise.all([
        page.waitForResponse(isConfirm),
        page.getByRole('button', { name: 'Pay CN¥12.34' }).click(),
      ]);
      assert.equal(refused.status(), 401);
      const alert = page.getByRole('alert').filter({ hasText: 'The payment was not made' });
      await alert.waitFor();
      assert.match((await alert.textContent()) ?? '', /wrong_payment_password/);
      await page
        .getByText(/Attempts left before payments lock for 3 hours: 2/)
        .first()
        .waitFor();
      assert.equal(await availableMinor(page.request, origin), balanceBeforeMinor, 'nothing moved');
    });

    await t.test('the right payment password pays and shows the receipt', async () => {
      const field = page.getByLabel('Payment password');
      await field.fill(ALICE.paymentPassword);
      // The keyboard submits the form.
      const [confirmed] = await Promise.all([page.waitForResponse(isConfirm), field.press('Enter')]);
      assert.equal(confirmed.status(), 200);
      const body = (await confirmed.json()) as { status: string; transferId: string; id: string };
      assert.equal(body.status, 'succeeded');
      assert.equal(body.transferId, `pay:${body.id}`);
      await page.getByRole('heading', { level: 1, name: 'Payment sent' }).waitFor();
      await page.getByText(`You paid CN¥12.34 to ${maskedName}.`).waitFor();
      await page.getByText(body.transferId, { exact: true }).waitFor();
      await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    });

    await t.test('the balance dropped by exactly 12.34', async () => {
      const after = await availableMinor(page.request, origin);
      assert.equal(balanceBeforeMinor - after, 1234n);
      await page.getByRole('link', { name: 'Back to wallet' }).click();
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
      const shown = (await page.locator('.balance-available dd').first().textContent()) ?? '';
      assert.equal(shown.replace(/\D/g, ''), after.toString().padStart(3, '0'));
    });

    await t.test('lowering the per-payment limit needs no step-up', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
      const limits = page.getByRole('region', { name: 'Payment limits' });
      const perPayment = limits.getByLabel('Balance: limit per payment (CNY)');
      await perPayment.waitFor();
      await perPayment.fill('9.99');
      const [saved] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/me/limits/balance')),
        limits.getByRole('button', { name: 'Save Balance limits' }).click(),
      ]);
      assert.equal(saved.status(), 200);
      const body = (await saved.json()) as { perPayment: { amountMinor: string } };
      assert.equal(body.perPayment.amountMinor, '999');
      await limits.getByText('Limits saved.').waitFor();
      assert.equal(await page.locator('dialog[open]').count(), 0, 'no step-up dialog for lowering');
      await page
        .getByRole('region', { name: 'Password-free payments' })
        .screenshot({ path: LIMITS_SCREENSHOT_PATH });
    });

    await t.test('a 20.00 transfer is then refused with limit_exceeded and the allowance', async () => {
      const created = await startTransfer(page, '20.00');
      assert.equal(created.status(), 422);
      const body = (await created.json()) as {
        error: { code: string; message: string; details: { exceeded: string } };
      };
      assert.equal(body.error.code, 'limit_exceeded');
      assert.equal(body.error.details.exceeded, 'per_payment');
      const alert = page.getByRole('alert').filter({ hasText: 'Could not start this transfer' });
      await alert.waitFor();
      const text = (await alert.textContent()) ?? '';
      assert(text.includes(body.error.message), 'the server message is shown');
      assert(text.includes('limit_exceeded'), 'the code is shown');
      await page.getByText('This is more than your per-payment limit.', { exact: false }).waitFor();
      await page.getByRole('heading', { level: 1, name: 'Transfer' }).waitFor();
    });

    await t.test('signing in again on this now-known device needs no second factor', async () => {
      // A fresh two-factor sign-in counts as a step-up for 5 minutes (docs/identity.md), so Alice
      // signs in again with the password alone to have a session without one.
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(ALICE.password);
      const [signedIn] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith('/api/v1/auth/sign-in') && r.request().method() === 'POST',
        ),
        page.getByRole('button', { name: 'Sign in', exact: true }).click(),
      ]);
      assert.equal(signedIn.status(), 200);
      assert.notEqual(((await signedIn.json()) as { status: string }).status, 'second_factor_required');
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
    });

    await t.test('turning password-free on goes through the step-up dialog', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
      const section = page.getByRole('region', { name: 'Password-free payments' });
      await section.getByText('The risk', { exact: true }).waitFor();
      await section.getByRole('button', { name: 'Turn on password-free payments' }).click();
      await section.getByText('Tick “I understand the risk” before turning it on.').waitFor();
      await section.getByLabel('I understand the risk').check();
      const [refused] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/me/password-free')),
        section.getByRole('button', { name: 'Turn on password-free payments' }).click(),
      ]);
      assert.equal(refused.status(), 403, 'turning it on needs a fresh step-up');
      const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
      await dialog.getByLabel('Payment password (6 digits)').fill(ALICE.paymentPassword);
      const [saved] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith('/api/v1/me/password-free') && r.request().method() === 'PUT',
        ),
        dialog.getByRole('button', { name: 'Confirm', exact: true }).click(),
      ]);
      assert.equal(saved.status(), 200);
      assert.equal(((await saved.json()) as { enabled: boolean }).enabled, true);
      await section.getByText('Password-free payments are on.').waitFor();
    });

    await t.test('a small repeat payment to Bob then needs no confirmation', async () => {
      const created = await startTransfer(page, '5.00');
      assert.equal(created.status(), 201);
      assert.equal(((await created.json()) as { confirmation: string }).confirmation, 'none');
      await page.getByText('None: password-free payment').waitFor();
      assert.equal(await page.getByLabel('Payment password').count(), 0, 'no password asked');
      const [confirmed] = await Promise.all([
        page.waitForResponse(isConfirm),
        page.getByRole('button', { name: 'Pay CN¥5.00' }).click(),
      ]);
      assert.equal(confirmed.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Payment sent' }).waitFor();
      assert.equal(balanceBeforeMinor - (await availableMinor(page.request, origin)), 1234n + 500n);
    });

    await t.test('turning password-free off takes one tap and no step-up', async () => {
      await page.getByRole('navigation').getByRole('link', { name: 'Security' }).click();
      const section = page.getByRole('region', { name: 'Password-free payments' });
      const [saved] = await Promise.all([
        page.waitForResponse(
          (r) => r.url().endsWith('/api/v1/me/password-free') && r.request().method() === 'PUT',
        ),
        section.getByRole('button', { name: 'Turn off password-free payments' }).click(),
      ]);
      assert.equal(saved.status(), 200);
      assert.equal(((await saved.json()) as { enabled: boolean }).enabled, false);
      await section.getByText('Password-free payments are off.').waitFor();
      assert.equal(await page.locator('dialog[open]').count(), 0);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
