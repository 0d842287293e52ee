// Proves that the family-card page walks a member through the risk engine's challenge on a
// family-card payment (403 risk_second_factor_required, docs/agreements.md "Risk decisions") in a
// real browser: with a rule set that challenges every 12.34 payment, Bob gives Alice a family card
// and Alice (signed in with the SMS code of this new device, which is not a step-up) pays the demo
// merchant 12.34 with it and her payment password. The step-up dialog opens in second-factor-only
// mode with the family-card payment's own lead; closing it says the payment was not made and
// nothing was paid, and Bob's balance is unchanged; answering it with an SMS code from the
// developer inbox sends the same payment (same clientRequestId) once more, which is paid: Bob's
// wallet gives exactly 1234 minor units and the card shows one use. The page passes axe-core.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import axe from 'axe-core';
import type { Page, Request } from 'playwright-core';
import {
  ALICE,
  cancelSecondFactorChallenge,
  fillStepUpSmsCode,
  openBrowserSession,
  saveChallengeRule,
  signInWithSmsCode,
} from './harness.ts';

// src/demo/demo-data.ts: public demo credentials and the demo merchant.
const BOB = { phone: '+8613900139000', paymentPassword: '369147' };
const MERCHANT = { id: 'mch_demo_coffee', name: 'Demo Coffee Shop' };
const PAYMENT_MINOR = 1234;
/** Added to the defaults: challenges every merchant payment of exactly 12.34 (a family-card
 *  payment is scored as a payment from the card owner's wallet to the merchant). */
const CHALLENGE_RULE = {
  id: 't_challenge_family_card',
  kinds: ['payment'],
  when: { field: 'amountMinor', op: '==', value: PAYMENT_MINOR },
  outcome: 'challenge',
  reason: 't_challenge_family_card',
};
const isFamilyPayment = (path: string) => /\/api\/v1\/me\/family-cards\/[^/]+\/payments$/.test(path);

/** axe-core's WCAG 2.1 A/AA rules on one part of the page: the serious and critical findings. */
async function accessibilityProblems(page: Page, selector: string): Promise<string[]> {
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(axe.source); // the app's CSP refuses inline scripts
  const found = await page.evaluate(async (include) => {
    const run = (window as unknown as { axe: typeof axe }).axe.run;
    const result = await run(
      { include: [include] },
      { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    );
    return result.violations.map((v) => ({ id: v.id, impact: v.impact ?? null, nodes: v.nodes.length }));
  }, selector);
  return found
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => `${v.id} ×${v.nodes}`);
}

async function submitPayment(page: Page): Promise<void> {
  await page.getByLabel('Merchant ID').fill(MERCHANT.id);
  await page.getByLabel('Amount (CNY)').fill('12.34');
  await page.getByLabel('Your payment password').fill(ALICE.paymentPassword);
  await page.getByRole('button', { name: 'Pay', exact: true }).click();
}

test('a family-card payment the risk engine challenges asks for a second factor, then is paid once', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors, platform } = browser;
  const { agreements, identity, wallet } = platform.platform.modules;
  const postedOf = async (userId: string) => {
    const [account] = await wallet.getWalletAccounts(userId);
    assert(account, 'a wallet');
    return account.balance.postedMinor;
  };
  try {
    await saveChallengeRule(platform, {
      rule: CHALLENGE_RULE,
      note: 'browser test: challenge 12.34 family-card payments',
    });
    const bob = await identity.findUserByPhone(BOB.phone);
    const alice = await identity.findUserByPhone(ALICE.phone);
    assert(bob && alice, 'the demo seed made Alice and Bob');
    const card = await agreements.offerFamilyCard({
      ownerId: bob.id,
      memberPhone: ALICE.phone,
      monthlyCap: { amountMinor: 10_000n, currency: 'CNY' },
      paymentPassword: BOB.paymentPassword,
      origin: { ip: '127.0.0.1', userAgent: undefined, deviceKey: undefined, locale: 'en', location: null },
    });
    await agreements.acceptFamilyCard({ memberId: alice.id, cardId: card.id });
    const path = `/family-card?id=${encodeURIComponent(card.id)}`;

    await t.test('Alice signs in with the SMS code and opens the card', async () => {
      await signInWithSmsCode(page, { origin, path, landingHeading: 'Family card' });
      await page.getByRole('heading', { level: 2, name: 'Pay a merchant with this card' }).waitFor();
    });

    await t.test(
      'the challenge opens the dialog without the payment password; closing it says why',
      async () => {
        const before = await postedOf(bob.id);
        const [refused] = await Promise.all([
          page.waitForResponse(
            (r) => isFamilyPayment(new URL(r.url()).pathname) && r.request().method() === 'POST',
          ),
          submitPayment(page),
        ]);
        await cancelSecondFactorChallenge(page, {
          refused,
          lead: 'For your safety this family-card payment needs an extra check',
        });
        await page
          .getByRole('alert')
          .getByText('The family-card payment was not made and nothing was paid')
          .waitFor();
        await page.getByText('Error code: risk_second_factor_required').waitFor();
        assert.equal(await postedOf(bob.id), before, 'no money moved');
        assert.deepEqual(await agreements.listFamilyCardPayments({ userId: alice.id, cardId: card.id }), []);
      },
    );

    await t.test('an SMS code in the dialog sends the same payment once more; it is paid once', async () => {
      const before = await postedOf(bob.id);
      const requestIds: string[] = [];
      const onRequest = (request: Request) => {
        if (isFamilyPayment(new URL(request.url()).pathname) && request.method() === 'POST')
          requestIds.push((request.postDataJSON() as { clientRequestId: string }).clientRequestId);
      };
      page.on('request', onRequest);
      await submitPayment(page);
      const dialog = await fillStepUpSmsCode(page, { origin, phone: ALICE.phone });
      const [paid] = await Promise.all([
        page.waitForResponse(
          (r) =>
            isFamilyPayment(new URL(r.url()).pathname) &&
            r.request().method() === 'POST' &&
            r.status() === 201,
        ),
        dialog.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      page.off('request', onRequest);
      const payment = (await paid.json()) as { status: string; amount: { amountMinor: string } };
      assert.equal(payment.status, 'succeeded');
      assert.equal(payment.amount.amountMinor, String(PAYMENT_MINOR));
      await dialog.waitFor({ state: 'detached' });
      await page.getByText(`Paid CN¥12.34 to ${MERCHANT.name} from the family card.`).waitFor();
      await page.getByTestId('family-card-uses').getByText(MERCHANT.name, { exact: false }).waitFor();
      assert.equal(requestIds.length, 2, 'refused once, retried once');
      assert.equal(requestIds[0], requestIds[1], 'the retry is the same payment');
      assert.equal(before - (await postedOf(bob.id)), BigInt(PAYMENT_MINOR), 'exactly 12.34 left Bob');
      const uses = await agreements.listFamilyCardPayments({ userId: alice.id, cardId: card.id });
      assert.equal(uses.length, 1, 'one payment');
      assert.deepEqual(await accessibilityProblems(page, 'main'), []);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
