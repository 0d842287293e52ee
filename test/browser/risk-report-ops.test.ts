// Proves issue 5's pages in a real browser: the real platform (demo mode, in-memory store) serves
// the built app; chromium signs Alice in (SMS challenge from the developer inbox), she pays Bob
// 3.00 through the API with her own session, opens /report?transfer=<id> as the records page
// links it, and reports the payment: a case number is shown. Then the operator console
// (/ops/cases, inside /ops signed in as the demo risk analyst) lists that report, shows it with its audit trail,
// records a note and closes it as not fraud — each action appearing in the trail. Finally the rules
// editor's help shows the server's vocabulary with the arithmetic syntax (precedence, limits), and
// the editor refuses a broken rule set and shows the rule index, path and reason, with the version
// in force unchanged.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { ALICE, csrfHeader, openBrowserSession, readCode } from './harness.ts';

const BOB_PHONE = '+8613900139000';
// src/recovery/demo.ts: the public demo operators' credentials.
const OPERATOR_PASSWORD = 'demo-operator-2026';
const ANALYST_SECRET = 'JBSWY3DPEHPK3PXPANALYSTANALYSTAN';
const totp = (secret: string) =>
  new TOTP({ secret: Secret.fromBase32(secret), digits: 6, period: 30, algorithm: 'SHA1' }).generate();

test('report a payment, then handle the case and the rules in the operator console', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  let transferId = '';
  try {
    await t.test('Alice signs in and pays Bob 3.00', async () => {
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
      await page.getByLabel('SMS code').fill(await readCode(origin, ALICE.phone, sentAfterMs));
      await page.getByLabel('SMS code').press('Enter');
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();

      const created = await page.request.post(`${origin}/api/v1/payments/intents`, {
        data: {
          payee: { phone: BOB_PHONE },
          amount: { amountMinor: '300', currency: 'CNY' },
          channel: 'balance',
          clientRequestId: 'browser-report-1',
        },
        headers: await csrfHeader(page.request),
      });
      assert.equal(created.status(), 201, await created.text());
      const intent = (await created.json()) as { id: string };
      const confirmed = await page.request.post(`${origin}/api/v1/payments/intents/${intent.id}/confirm`, {
        data: { paymentPassword: ALICE.paymentPassword },
        headers: await csrfHeader(page.request),
      });
      assert.equal(confirmed.status(), 200, await confirmed.text());
      transferId = ((await confirmed.json()) as { transferId: string }).transferId;
      assert.match(transferId, /^pay:/);
    });

    await t.test('the report page, opened from a record link, opens a case', async () => {
      await page.goto(`${origin}/report?transfer=${encodeURIComponent(transferId)}`);
      await page.getByRole('heading', { level: 1, name: 'Report a suspicious payment or payee' }).waitFor();
      assert.equal(await page.getByLabel('Payment reference').inputValue(), transferId);
      await page.getByLabel('What happened').selectOption('fake_customer_service');
      await page.getByLabel('Details (optional)').fill('Someone claiming to be support asked me to pay.');
      const [sent] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/reports') && r.request().method() === 'POST'),
        page.getByRole('button', { name: 'Send report' }).click(),
      ]);
      assert.equal(sent.status(), 201);
      await page
        .getByRole('status')
        .filter({ hasText: /Your report is case case_/ })
        .waitFor();
    });

    await t.test(
      'the operator console lists the report; a note and "not fraud" land in the trail',
      async () => {
        // The risk console is part of the operators' console: a risk analyst's own account. Alice
        // signs out of this browser first: the user session's CSRF check would refuse the
        // console's unsafe calls otherwise (src/http/csrf-guard.ts).
        await page.context().clearCookies();
        await page.goto(`${origin}/ops`);
        await page.getByRole('heading', { level: 1, name: 'Operator sign-in' }).waitFor();
        await page.getByLabel('User name').fill('demo-analyst');
        await page.getByLabel('Password').fill(OPERATOR_PASSWORD);
        await page.getByLabel('Authenticator code').fill(totp(ANALYST_SECRET));
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('link', { name: 'Cases' }).click();
        await page.getByRole('heading', { level: 1, name: 'Cases' }).waitFor();
        const row = page.getByTestId('case-row').filter({ hasText: 'fake_customer_service' });
        await row.getByRole('link', { name: 'User report' }).click();
        await page.getByRole('heading', { level: 1, name: /^Case case_/ }).waitFor();
        await page.getByTestId('case-kind').filter({ hasText: 'User report' }).waitFor();
        await page.getByTestId('case-trail').filter({ hasText: 'opened' }).waitFor();
        await page.getByLabel('Note').fill('Called Alice: she sent it herself.');
        await page.getByRole('button', { name: 'Add note' }).click();
        await page
          .getByTestId('case-trail')
          .filter({ hasText: 'noted · operator:demo-analyst · Called Alice' })
          .waitFor();
        await page.getByRole('button', { name: 'Not fraud' }).click();
        await page.getByTestId('case-status').filter({ hasText: 'closed (not_fraud)' }).waitFor();
        await page.getByTestId('case-trail').filter({ hasText: 'cleared · operator:demo-analyst' }).waitFor();
      },
    );

    await t.test(
      "the rules editor's help shows the expr syntax; a broken rule set is refused with why; the version in force stays",
      async () => {
        await page.getByRole('link', { name: 'Rules' }).click();
        await page.getByRole('heading', { level: 1, name: 'Rule set' }).waitFor();
        const version = await page.getByTestId('rules-version').textContent();
        assert.match(version ?? '', /In force: version \d+/);
        // The help shows the server's vocabulary, the {expr} syntax included, once opened.
        const help = page.getByTestId('rule-help');
        assert.equal(await help.getByTestId('expr-limits').isVisible(), false, 'closed at first');
        await help.getByText('Help: what a rule may name, and arithmetic conditions').click();
        await help
          .getByTestId('expr-limits')
          .filter({ hasText: 'At most 500 characters and 16 levels deep.' })
          .waitFor();
        assert.deepEqual(await help.getByTestId('expr-precedence').getByRole('listitem').allTextContents(), [
          '-x (negation, in front of a term)',
          '* / (left to right)',
          '+ - (left to right)',
        ]);
        await help.getByRole('heading', { level: 2, name: 'Arithmetic conditions (expr)' }).waitFor();
        await help.getByText('a division by zero', { exact: true }).waitFor();
        await help.getByText('amountMinor', { exact: true }).first().waitFor();
        await page.getByLabel('Rule set (JSON)').fill(
          JSON.stringify({
            rules: [
              { id: 'typo', when: { field: 'amout', op: '>', value: 1 }, outcome: 'deny', reason: 'x' },
            ],
          }),
        );
        await page.getByRole('button', { name: 'Save new version' }).click();
        await page
          .getByTestId('rule-errors')
          .filter({ hasText: 'Rule 0 at rules[0].when.field: unknown field "amout"' })
          .waitFor();
        await page.getByLabel('Rule set (JSON)').fill('{ "rules": [');
        await page.getByRole('button', { name: 'Validate' }).click();
        await page.getByTestId('rule-errors').filter({ hasText: 'This is not valid JSON' }).waitFor();
        await page.reload();
        await page.getByRole('heading', { level: 1, name: 'Rule set' }).waitFor();
        assert.equal(await page.getByTestId('rules-version').textContent(), version);
        assert.deepEqual(pageErrors, []);
      },
    );
  } finally {
    await browser.close();
  }
});
