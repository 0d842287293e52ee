// Proves the Security Center's payment unlock in a real browser (docs/identity.md, "The payment
// lock"): Alice, on a session opened with her password alone on a device the platform knows, has
// payments locked by three wrong payment passwords. "Unlock payments now" opens the step-up dialog
// in identity-check mode (no payment password offered, a login-password field beside the factor);
// an SMS code with a wrong login password — all a thief holding her phone has — lifts nothing;
// the same code with her login password lifts the lock and payments work again. A second lock
// within 24 hours is shown as one that cannot be lifted early, with no unlock button.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ALICE,
  csrfHeader,
  fillStepUpSmsCode,
  isPost,
  openBrowserSession,
  signInWithSmsCode,
  stepUpDialog,
} from './harness.ts';

/** HTTP status of checking a payment password with Alice's own browser session. */
async function verifyPaymentPassword(page: Page, origin: string, paymentPassword: string): Promise<number> {
  const response = await page.request.post(`${origin}/api/v1/me/payment-password/verify`, {
    data: { paymentPassword },
    headers: await csrfHeader(page.request),
  });
  return response.status();
}

/** Three wrong payment passwords through the API, as a guesser's payment confirmations would. */
async function lockPayments(page: Page, origin: string): Promise<void> {
  const statuses: number[] = [];
  for (let i = 0; i < 3; i++) statuses.push(await verifyPaymentPassword(page, origin, '000123'));
  assert.deepEqual(statuses, [401, 401, 423]);
}

test('the Security Center lifts a payment lock with the login password, never with an SMS code alone', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  try {
    await t.test('Alice signs in on this device, then again with her password alone', async () => {
      await signInWithSmsCode(page, { origin, path: '/security', landingHeading: 'Security Center' });
      // A two-factor sign-in counts as the identity check for 5 minutes; a password-only one on a
      // known device does not, which is the session a thief finds open on a stolen phone.
      const again = await page.request.post(`${origin}/api/v1/auth/sign-in`, {
        data: { phone: ALICE.phone, password: ALICE.password },
        headers: await csrfHeader(page.request),
      });
      assert.equal(((await again.json()) as { status: string }).status, 'signed_in', await again.text());
      await lockPayments(page, origin);
      await page.reload(); // the Security Center reads the lock afresh
      const section = page.getByRole('region', { name: 'Payment password' });
      await section.getByText('Payments are locked until').waitFor();
      await section.getByText('You can lift the lock now with your login password').waitFor();
    });

    await t.test('an SMS code with a wrong login password lifts nothing', async () => {
      const section = page.getByRole('region', { name: 'Payment password' });
      const [refused] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/me/payment-password/unlock')),
        section.getByRole('button', { name: 'Unlock payments now' }).click(),
      ]);
      assert.equal(refused.status(), 403);
      assert.equal(
        ((await refused.json()) as { error: { code: string } }).error.code,
        'identity_check_required',
      );
      const dialog = stepUpDialog(page);
      await dialog.getByText('Prove it is you with more than this phone').waitFor();
      const methods = await dialog
        .getByRole('group', { name: 'Confirm with' })
        .getByRole('radio')
        .evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value));
      assert.ok(methods.includes('sms'), methods.join(','));
      assert.ok(!methods.includes('payment_password'), 'the locked payment password is not offered');
      await fillStepUpSmsCode(page, { origin, phone: ALICE.phone });
      await dialog.getByLabel('Login password').fill('a guess at her password');
      const [wrong] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/me/step-up')),
        dialog.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      assert.equal(wrong.status(), 401);
      await dialog.getByText('Wrong login password').waitFor();
      assert.equal(await verifyPaymentPassword(page, origin, ALICE.paymentPassword), 423, 'still locked');
    });

    await t.test('the same code with her login password lifts the lock', async () => {
      const dialog = stepUpDialog(page);
      await dialog.getByLabel('Login password').fill(ALICE.password);
      const [unlocked] = await Promise.all([
        page.waitForResponse((r) => isPost('/api/v1/me/payment-password/unlock')(r) && r.status() === 200),
        dialog.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      assert.deepEqual(await unlocked.json(), { ok: true, unlocked: true });
      await dialog.waitFor({ state: 'detached' });
      const section = page.getByRole('region', { name: 'Payment password' });
      await section.getByRole('status').getByText('Payments are unlocked.').waitFor();
      await section.getByText('Payments are locked until').waitFor({ state: 'detached' });
      assert.equal(await verifyPaymentPassword(page, origin, ALICE.paymentPassword), 200);
    });

    await t.test('a second lock within 24 hours offers no early unlock', async () => {
      await lockPayments(page, origin);
      await page.reload();
      const section = page.getByRole('region', { name: 'Payment password' });
      await section.getByText('This is the second lock within 24 hours').waitFor();
      assert.equal(await section.getByRole('button', { name: 'Unlock payments now' }).count(), 0);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
