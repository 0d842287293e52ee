// Proves that the web app walks a person through the risk engine's challenge on a security change
// (403 risk_second_factor_required, docs/risk.md "Security changes") in a real browser: with a
// rule set that challenges every payment-password change, Alice (signed in with the SMS code of
// this new device) changes her payment password in the Security Center. The step-up dialog opens
// in second-factor-only mode (no payment password offered); closing it leaves a clear message and
// the old payment password in force; answering it with an SMS code from the developer inbox
// retries the change once, and the new payment password is the one that verifies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { APIRequestContext, Page } from 'playwright-core';
import { DEFAULT_RULE_SET } from '../../src/risk/index.ts';
import { openBrowserSession, readCode } from './harness.ts';

const ALICE = {
  phone: '+8613800138000',
  displayName: 'Alice Chen',
  password: 'alice-demo-2026',
  paymentPassword: '258036',
};
const NEW_PAYMENT_PASSWORD = '730194';
/** The defaults plus one rule that challenges every payment-password change. */
const CHALLENGE_RULES = {
  rules: [
    ...DEFAULT_RULE_SET.rules,
    {
      id: 't_challenge_payment_password',
      kinds: ['security_change'],
      when: { field: 'detail.change', op: '==', value: 'payment_password' },
      outcome: 'challenge',
      reason: 't_challenge_payment_password',
    },
  ],
};

async function csrfHeader(api: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await api.storageState();
  const csrf = cookies.find((c) => c.name === 'rampart_csrf');
  return csrf ? { 'x-csrf-token': decodeURIComponent(csrf.value) } : {};
}

/** HTTP status of checking a payment password with Alice's own browser session. */
async function verifyPaymentPassword(page: Page, origin: string, paymentPassword: string): Promise<number> {
  const response = await page.request.post(`${origin}/api/v1/me/payment-password/verify`, {
    data: { paymentPassword },
    headers: await csrfHeader(page.request),
  });
  return response.status();
}

async function submitNewPaymentPassword(page: Page): Promise<void> {
  const section = page.getByRole('region', { name: 'Payment password' });
  await section.getByLabel('New payment password (6 digits)').fill(NEW_PAYMENT_PASSWORD);
  await section.getByLabel('New payment password again').fill(NEW_PAYMENT_PASSWORD);
  await section.getByRole('button', { name: 'Change payment password' }).click();
}

test('a security change the risk engine challenges asks for a second factor, then goes through', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors, platform } = browser;
  try {
    const saved = await platform.platform.modules.riskEngine.saveRuleSet({
      body: CHALLENGE_RULES,
      note: 'browser test: challenge payment-password changes',
      createdBy: 'test',
    });
    assert.ok(saved.version > 0);

    await t.test('Alice signs in with the SMS code and opens the Security Center', async () => {
      await page.goto(`${origin}/security`);
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(ALICE.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
      const sentAfterMs = Date.now();
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByLabel('SMS code').fill(await readCode(origin, ALICE.phone, sentAfterMs));
      await page.getByRole('button', { name: 'Verify and sign in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Security Center' }).waitFor();
    });

    await t.test(
      'the challenge opens the dialog without the payment password; closing it says why',
      async () => {
        const [refused] = await Promise.all([
          page.waitForResponse(
            (r) => r.url().endsWith('/api/v1/me/payment-password') && r.request().method() === 'POST',
          ),
          submitNewPaymentPassword(page),
        ]);
        assert.equal(refused.status(), 403);
        assert.equal(
          ((await refused.json()) as { error: { code: string } }).error.code,
          'risk_second_factor_required',
        );
        const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
        await dialog.getByText('For your safety this change needs an extra check').waitFor();
        const methods = await dialog
          .getByRole('group', { name: 'Confirm with' })
          .getByRole('radio')
          .evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value));
        assert.ok(methods.includes('sms'), `SMS is offered: ${methods.join(',')}`);
        assert.ok(!methods.includes('payment_password'), 'the payment password is not a second factor');
        await dialog.getByRole('button', { name: 'Cancel' }).click();
        await dialog.waitFor({ state: 'detached' });
        const section = page.getByRole('region', { name: 'Payment password' });
        await section.getByRole('alert').getByText('The change was not made').waitFor();
        await section.getByText('Error code: risk_second_factor_required').waitFor();
        assert.equal(
          await verifyPaymentPassword(page, origin, ALICE.paymentPassword),
          200,
          'nothing changed',
        );
      },
    );

    await t.test('an SMS code in the dialog lets the retried change through', async () => {
      await submitNewPaymentPassword(page);
      const dialog = page.getByRole('dialog', { name: 'Confirm it’s you' });
      await dialog.getByRole('radio', { name: 'SMS code' }).check();
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/me/step-up/send-code')),
        dialog.getByRole('button', { name: 'Send code' }).click(),
      ]);
      await dialog
        .getByRole('textbox', { name: 'SMS code' })
        .fill(await readCode(origin, ALICE.phone, sentAfterMs));
      const [changed] = await Promise.all([
        page.waitForResponse(
          (r) =>
            r.url().endsWith('/api/v1/me/payment-password') &&
            r.request().method() === 'POST' &&
            r.status() === 200,
        ),
        dialog.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      assert.equal(changed.status(), 200);
      await dialog.waitFor({ state: 'detached' });
      const section = page.getByRole('region', { name: 'Payment password' });
      await section.getByRole('status').getByText('Payment password changed.').waitFor();
      assert.equal(
        await verifyPaymentPassword(page, origin, NEW_PAYMENT_PASSWORD),
        200,
        'the new one is in force',
      );
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
