// Proves that the cards page walks a person through the risk engine's challenge on a withdrawal
// (403 risk_second_factor_required, docs/risk.md "Withdrawals" and "Web pages") in a real browser:
// with a rule set that challenges every 12.34 withdrawal, Alice (signed in with the SMS code of
// this new device, which is not a step-up) links a card, tops up 50.00 and withdraws 12.34 with
// her payment password. The step-up dialog opens in second-factor-only mode with the withdrawal's
// own lead; closing it says the withdrawal was not made and her balance is unchanged; answering it
// with an SMS code from the developer inbox sends the same withdrawal (same clientRequestId) once
// more, which is held, settles with the bank simulator, and takes exactly 1234 minor units.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  ALICE,
  walletAvailableMinor as availableMinor,
  cancelSecondFactorChallenge,
  fillStepUpSmsCode,
  isPost,
  openBrowserSession,
  saveChallengeRule,
  signInWithSmsCode,
} from './harness.ts';

const CARD_NUMBER = '4111 1111 1111 1111';
const WITHDRAWAL_MINOR = 1234;
/** Added to the defaults: challenges every withdrawal of exactly 12.34. */
const CHALLENGE_RULE = {
  id: 't_challenge_withdrawal',
  kinds: ['withdrawal'],
  when: { field: 'amountMinor', op: '==', value: WITHDRAWAL_MINOR },
  outcome: 'challenge',
  reason: 't_challenge_withdrawal',
};
/** The simulator answers after 2 s; the page polls every second for up to 30 s. */
const SETTLE_WAIT_MS = 20_000;

async function submitWithdrawal(page: Page): Promise<void> {
  await page.getByRole('radio', { name: 'Withdraw' }).check();
  await page.getByLabel('Amount (CNY)').fill('12.34');
  await page.getByLabel('Payment password').fill(ALICE.paymentPassword);
  await page.getByRole('button', { name: 'Withdraw', exact: true }).click();
}

test('a withdrawal the risk engine challenges asks for a second factor, then goes through once', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors, platform } = browser;
  try {
    await saveChallengeRule(platform, {
      rule: CHALLENGE_RULE,
      note: 'browser test: challenge 12.34 withdrawals',
    });

    await t.test('Alice signs in with the SMS code, links a card and tops up 50.00', async () => {
      await signInWithSmsCode(page, { origin, path: '/cards', landingHeading: 'Cards & top-up' });
      await page.getByLabel('Card number').fill(CARD_NUMBER);
      const [linked] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/me/cards')),
        page.getByRole('button', { name: 'Link card' }).click(),
      ]);
      assert.equal(linked.status(), 201);
      await page.getByLabel('Amount (CNY)').fill('50.00');
      await page.getByRole('button', { name: 'Top up', exact: true }).click();
      await page
        .getByTestId('funding-status')
        .getByText('succeeded', { exact: false })
        .waitFor({ timeout: SETTLE_WAIT_MS });
    });

    await t.test(
      'the challenge opens the dialog without the payment password; closing it says why',
      async () => {
        const before = await availableMinor(page.request, origin);
        const [refused] = await Promise.all([
          page.waitForResponse(isPost('/api/v1/funding/withdrawals')),
          submitWithdrawal(page),
        ]);
        await cancelSecondFactorChallenge(page, {
          refused,
          lead: 'For your safety this withdrawal needs an extra check',
        });
        await page.getByRole('alert').getByText('The withdrawal was not made').waitFor();
        await page.getByText('Error code: risk_second_factor_required').waitFor();
        assert.equal(await availableMinor(page.request, origin), before, 'no money moved');
      },
    );

    await t.test('an SMS code in the dialog sends the same withdrawal once more; it settles', async () => {
      const before = await availableMinor(page.request, origin);
      const requestIds: string[] = [];
      page.on('request', (request) => {
        if (request.url().endsWith('/api/v1/funding/withdrawals') && request.method() === 'POST')
          requestIds.push((request.postDataJSON() as { clientRequestId: string }).clientRequestId);
      });
      await submitWithdrawal(page);
      const dialog = await fillStepUpSmsCode(page, { origin, phone: ALICE.phone });
      const [started] = await Promise.all([
        page.waitForResponse((r) => isPost('/api/v1/funding/withdrawals')(r) && r.status() === 201),
        dialog.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      const operation = (await started.json()) as { kind: string; amount: { amountMinor: string } };
      assert.equal(operation.kind, 'withdrawal');
      assert.equal(operation.amount.amountMinor, String(WITHDRAWAL_MINOR));
      await dialog.waitFor({ state: 'detached' });
      const status = page.getByTestId('funding-status');
      await status.getByText('Withdraw', { exact: false }).waitFor();
      await status.getByText('succeeded', { exact: false }).waitFor({ timeout: SETTLE_WAIT_MS });
      assert.equal(requestIds.length, 2, 'refused once, retried once');
      assert.equal(requestIds[0], requestIds[1], 'the retry is the same withdrawal');
      assert.equal(await availableMinor(page.request, origin), before - BigInt(WITHDRAWAL_MINOR));
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
