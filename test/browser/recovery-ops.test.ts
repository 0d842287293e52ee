// Proves the emergency pages and the operators' console in chromium against the real demo
// platform: Alice signs in, pays Bob 12.34, then reports her account stolen from the Security
// Center's emergency page — she is frozen and signed out, the payment is listed, she marks it
// "not me" and opens a claim. A risk analyst signs in to /ops with password + TOTP, finds Alice by
// phone (masked, frozen, ID masked), and approves the claim in the claims page: it is paid from
// the insurance pool through one ledger transfer of exactly 1234. The analyst's nav has no audit log;
// an auditor's does, and it shows the payout with the analyst's role. Signed out, Bob freezes his
// account from the Account help page with an SMS code.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { openBrowserSession, readCode } from './harness.ts';

// src/demo/demo-data.ts and src/recovery/demo.ts: public demo credentials.
const ALICE = {
  phone: '+8613800138000',
  displayName: 'Alice Chen',
  password: 'alice-demo-2026',
  paymentPassword: '258036',
};
const OPERATOR_PASSWORD = 'demo-operator-2026';
const ANALYST_SECRET = 'JBSWY3DPEHPK3PXPANALYSTANALYSTAN';
const AUDITOR_SECRET = 'JBSWY3DPEHPK3PXPAUDITORAUDITORAU';

const totp = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();

async function csrf(page: Page): Promise<Record<string, string>> {
  const cookies = await page.context().cookies();
  const token = cookies.find((c) => c.name === 'rampart_csrf');
  return token ? { 'x-csrf-token': decodeURIComponent(token.value) } : {};
}

async function opsSignIn(page: Page, origin: string, username: string, secret: string) {
  await page.goto(`${origin}/ops`);
  await page.getByRole('heading', { level: 1, name: 'Operator sign-in' }).waitFor();
  await page.getByLabel('User name').fill(username);
  await page.getByLabel('Password').fill(OPERATOR_PASSWORD);
  await page.getByLabel('Authenticator code').fill(totp(secret));
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('stolen-account flow and the operators console in chromium', { timeout: 180_000 }, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  let transferId = '';
  try {
    await t.test('Alice signs in and pays Bob 12.34', async () => {
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
      const created = await page.request.post(`${origin}/api/v1/payments/intents`, {
        data: {
          channel: 'balance',
          clientRequestId: 'browser-stolen-1',
          payee: { phone: '+8613900139000' },
          amount: { amountMinor: '1234', currency: 'CNY' },
        },
        headers: await csrf(page),
      });
      assert.equal(created.status(), 201, await created.text());
      const { id } = (await created.json()) as { id: string };
      const confirmed = await page.request.post(`${origin}/api/v1/payments/intents/${id}/confirm`, {
        data: { paymentPassword: ALICE.paymentPassword },
        headers: await csrf(page),
      });
      assert.equal(confirmed.status(), 200, await confirmed.text());
      transferId = ((await confirmed.json()) as { transferId: string }).transferId;
      assert.ok(transferId);
    });

    await t.test(
      '"My account was stolen": frozen, signed out, the payment marked not me, a claim opened',
      async () => {
        await page.getByRole('link', { name: 'Security' }).click();
        await page
          .getByTestId('identity-verified')
          .getByText(/1101\*{10}\d{3}[0-9X]/)
          .waitFor();
        await page.getByRole('link', { name: 'Emergency: freeze the account or report it stolen' }).click();
        await page.getByRole('heading', { level: 1, name: 'Emergency' }).waitFor();
        const [reported] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/me/stolen')),
          page.getByRole('button', { name: 'Report stolen and freeze' }).click(),
        ]);
        assert.equal(reported.status(), 200);
        await page.getByText('Done: frozen, signed out everywhere, password-free payments off').waitFor();
        const me = await page.request.get(`${origin}/api/v1/me`);
        assert.equal(me.status(), 401, 'this session ended too');
        await page.getByLabel(/Not me: .*12\.34/).check();
        const [claimed] = await Promise.all([
          page.waitForResponse((r) => r.url().endsWith('/api/v1/recovery/stolen/claim')),
          page.getByRole('button', { name: 'Open a loss claim' }).click(),
        ]);
        assert.equal(claimed.status(), 201, await claimed.text());
        await page.getByText(/Claim clm_\w+ submitted: submitted/).waitFor();
      },
    );

    await t.test(
      'a risk analyst finds Alice (masked, frozen) and approves the claim: paid from the pool',
      async () => {
        await opsSignIn(page, origin, 'demo-analyst', ANALYST_SECRET);
        await page.getByRole('heading', { level: 1, name: 'Find a user' }).waitFor();
        const nav = page.getByRole('navigation', { name: 'Console' });
        assert.equal(
          await nav.getByRole('link', { name: 'Audit log' }).count(),
          0,
          'not in a risk analyst’s role',
        );
        await page.getByLabel('Phone number').fill('13800138000');
        await page.getByRole('button', { name: 'Find' }).click();
        const results = page.getByTestId('ops-lookup-results');
        await results.getByText('+86138****8000').waitFor();
        await results.getByText('1101**********').waitFor();
        await results.getByText('Frozen').waitFor();
        await results.getByRole('link', { name: 'Open' }).click();
        await page.getByTestId('ops-user-status').getByText('Frozen').waitFor();
        const html = await page.content();
        assert.ok(!html.includes('110105199003071'), 'no full ID number in the console');

        await nav.getByRole('link', { name: 'Claims' }).click();
        const row = page.getByTestId('ops-claims').getByRole('row').filter({ hasText: 'submitted' });
        await row.waitFor();
        const [decided] = await Promise.all([
          page.waitForResponse(
            (r) => r.url().includes('/api/v1/ops/claims/') && r.request().method() === 'POST',
          ),
          row.getByRole('button', { name: 'Approve' }).click(),
        ]);
        assert.equal(decided.status(), 200, await decided.text());
        const claim = (await decided.json()) as { status: string; payoutTransferId: string };
        assert.equal(claim.status, 'paid');
        await page.getByTestId('ops-claims').getByRole('row').filter({ hasText: 'paid' }).waitFor();
      },
    );

    await t.test('an auditor reads the audit log, which names the analyst’s role', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      // A new TOTP step: each step signs in once (replay protection).
      await new Promise((resolve) => setTimeout(resolve, 30_000 - (Date.now() % 30_000) + 200));
      await opsSignIn(page, origin, 'demo-auditor', AUDITOR_SECRET);
      await page
        .getByRole('navigation', { name: 'Console' })
        .getByRole('link', { name: 'Audit log' })
        .click();
      const audit = page.getByTestId('ops-audit');
      await audit
        .getByRole('row')
        .filter({ hasText: 'claim_paid' })
        .filter({ hasText: 'risk_analyst' })
        .waitFor();
      await audit.getByRole('row').filter({ hasText: 'account_reported_stolen' }).waitFor();
    });

    await t.test('signed out, Bob freezes his account from Account help with an SMS code', async () => {
      await page.goto(`${origin}/recovery`);
      await page.getByRole('heading', { level: 1, name: 'Account help' }).waitFor();
      await page
        .getByRole('tabpanel')
        .getByLabel('Phone number bound to the account')
        .first()
        .fill('+8613900139000');
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/recovery/freeze/start')),
        page.getByRole('button', { name: 'Send code' }).click(),
      ]);
      await page.getByLabel('SMS code').fill(await readCode(origin, '+8613900139000', sentAfterMs));
      const [verified] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/recovery/freeze/verify-code')),
        page.getByRole('button', { name: 'Verify' }).click(),
      ]);
      assert.equal(verified.status(), 200, await verified.text());
      await page.getByText('If the code was right, the account is frozen').waitFor();
      const lookup = await page.request.post(`${origin}/api/v1/ops/users/lookup`, {
        data: { phone: '+8613900139000' },
        headers: { 'x-rampart-ops': '1' },
      });
      assert.equal(lookup.status(), 200, await lookup.text());
      const { items } = (await lookup.json()) as { items: { frozen: boolean }[] };
      assert.equal(items[0]?.frozen, true);
      assert.deepEqual(pageErrors, []);
    });
  } finally {
    await browser.close();
  }
});
