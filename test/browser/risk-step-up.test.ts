// Proves that the web app walks a person through the risk engine's challenge on a security change
// (403 risk_second_factor_required, docs/risk.md "Security changes") in a real browser: with a
// rule set that challenges every payment-password change, Alice (signed in with the SMS code of
// this new device) changes her payment password in the Security Center. The step-up dialog opens
// in second-factor-only mode (no payment password offered); closing it leaves a clear message and
// the old payment password in force; answering it with an SMS code from the developer inbox
// retries the change once, and the new payment password is the one that verifies.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ALICE,
  cancelSecondFactorChallenge,
  csrfHeader,
  fillStepUpSmsCode,
  openBrowserSession,
  saveChallengeRule,
  signInWithSmsCode,
} from './harness.ts';

const NEW_PAYMENT_PASSWORD = '730194';
/** Added to the defaults: challenges every payment-password change. */
const CHALLENGE_RULE = {
  id: 't_challenge_payment_password',
  kinds: ['security_change'],
  when: { field: 'detail.change', op: '==', value: 'payment_password' },
  outcome: 'challenge',
  reason: 't_challenge_payment_password',
};

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
    await saveChallengeRule(platform, {
      rule: CHALLENGE_RULE,
      note: 'browser test: challenge payment-password changes',
    });

    await t.test('Alice signs in with the SMS code and opens the Security Center', async () => {
      await signInWithSmsCode(page, { origin, path: '/security', landingHeading: 'Security Center' });
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
        await cancelSecondFactorChallenge(page, {
          refused,
          lead: 'For your safety this change needs an extra check',
        });
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
      const dialog = await fillStepUpSmsCode(page, { origin, phone: ALICE.phone });
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
