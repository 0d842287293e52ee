// Proves the web wallet works end to end: the real platform (demo mode, in-memory store) serves the
// built app on a real socket, and Debian's chromium driven by playwright-core signs in through the
// form — answering the new-device SMS challenge with the code from the developer inbox — reads the
// balance and activity, survives a reload on its session cookie, and signs out.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page, Response } from 'playwright-core';
import { openBrowserSession, readCode, STEP_TIMEOUT_MS } from './harness.ts';

const SCREENSHOT_PATH = process.env.RAMPART_SCREENSHOT ?? join(tmpdir(), 'rampart-wallet.png');
const CHALLENGE_SCREENSHOT_PATH = join(tmpdir(), 'rampart-sign-in-challenge.png');

const ALICE = { phone: '+8613800138000', displayName: 'Alice Chen', password: 'alice-demo-2026' };

function isSignIn(response: Response): boolean {
  return response.url().endsWith('/api/v1/auth/sign-in') && response.request().method() === 'POST';
}

async function visibleText(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  return (await locator.textContent()) ?? '';
}

test('web wallet in chromium: sign in with the SMS challenge, balance, activity, reload, sign out', {
  timeout: 180_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  try {
    await t.test('shows the sign-in form with the demo logins', async () => {
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      assert.equal(await page.locator('main').count(), 1, 'one <main> landmark');
      const demo = page.getByRole('region', { name: 'Demo accounts' });
      await demo.getByText(ALICE.displayName, { exact: true }).waitFor();
      assert.match((await demo.textContent()) ?? '', /\+8613800138000/);
    });

    await t.test("a wrong password shows the server's message and code", async () => {
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill('not-alices-password');
      const [response] = await Promise.all([
        page.waitForResponse(isSignIn),
        page.getByRole('button', { name: 'Sign in', exact: true }).click(),
      ]);
      assert.equal(response.status(), 401);
      const body: unknown = await response.json();
      assert(typeof body === 'object' && body !== null && 'error' in body);
      const { error } = body as { error: { code: string; message: string } };
      assert.equal(error.code, 'invalid_credentials');
      const alert = page.getByRole('alert').filter({ hasText: 'Sign-in failed' });
      await alert.waitFor();
      const alertText = (await alert.textContent()) ?? '';
      assert(alertText.includes(error.message), `alert "${alertText}" shows "${error.message}"`);
      assert(alertText.includes('invalid_credentials'), 'alert shows the error code');
      assert.equal(await page.getByLabel('Password').getAttribute('aria-invalid'), 'true');
    });

    await t.test(
      'signs in as Alice with the keyboard alone: the new device gets an SMS challenge',
      async () => {
        const phone = page.getByLabel('Phone number');
        await phone.focus();
        await phone.press('ControlOrMeta+a');
        await page.keyboard.type(ALICE.phone);
        await page.keyboard.press('Tab');
        await page.keyboard.press('ControlOrMeta+a');
        await page.keyboard.type(ALICE.password);
        const [response] = await Promise.all([page.waitForResponse(isSignIn), page.keyboard.press('Enter')]);
        assert.equal(response.status(), 200);
        const body = (await response.json()) as { status: string; reasons: string[]; methods: string[] };
        assert.equal(
          body.status,
          'second_factor_required',
          'a browser the account has never seen is challenged',
        );
        assert(body.reasons.includes('new_device'));
        assert(body.methods.includes('sms'));

        const heading = page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' });
        await heading.waitFor();
        // Focus moved to the step's heading, so keyboard and screen-reader users start there.
        assert.equal(await heading.evaluate((element) => element === document.activeElement), true);
        await page.getByText('You are signing in from a device this account has not used before.').waitFor();
      },
    );

    await t.test('sends the SMS code, reads it from the developer inbox and signs in', async () => {
      const sentAfterMs = Date.now();
      const send = page.getByRole('button', { name: 'Send code' });
      await send.focus();
      const [sent] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in/send-code')),
        page.keyboard.press('Enter'),
      ]);
      assert.equal(sent.status(), 200);
      // The cool-down shows on the button and keeps it from sending again too soon.
      await page.getByRole('button', { name: /Send again in \d+ s/ }).waitFor();
      const code = await readCode(origin, ALICE.phone, sentAfterMs);

      // The developer inbox panel shows the same message to a person without a phone.
      const inbox = page.getByRole('region', { name: 'Developer inbox' });
      await inbox.getByRole('button', { name: 'Show messages' }).click();
      await inbox.getByText(code, { exact: false }).first().waitFor();

      await page.getByLabel('SMS code').fill(code);
      await page.screenshot({ path: CHALLENGE_SCREENSHOT_PATH, fullPage: true });
      const [verified] = await Promise.all([
        page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/sign-in/verify')),
        page.getByLabel('SMS code').press('Enter'),
      ]);
      assert.equal(verified.status(), 200);
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
    });

    await t.test('shows the balance exactly as the API states it', async () => {
      const wallet = await page.request.get(`${origin}/api/v1/wallet`);
      assert.equal(wallet.status(), 200);
      const { accounts } = (await wallet.json()) as {
        accounts: { kind: string; available: { amountMinor: string }; posted: { amountMinor: string } }[];
      };
      const account = accounts.find((a) => a.kind === 'wallet');
      assert(account, 'Alice has a wallet account');
      const available = await visibleText(page, '.balance-available dd');
      const posted = await visibleText(page, '.balance-posted dd');
      // Digits only, so the check holds in any locale; minor units are the whole figure's digits.
      assert.equal(available.replace(/\D/g, ''), account.available.amountMinor.padStart(3, '0'));
      assert.equal(posted.replace(/\D/g, ''), account.posted.amountMinor.padStart(3, '0'));
      assert.match(available, /^CN¥\d{1,3}(,\d{3})*\.\d{2}$/, 'en-US grouping and two decimals');
      if (account.available.amountMinor === '1000000') assert.match(available, /10,000\.00/);
    });

    await t.test('lists recent activity, including the demo top-up', async () => {
      const activity = page.getByRole('region', { name: 'Recent activity' });
      const rows = activity.getByRole('listitem');
      await rows.first().waitFor();
      assert((await rows.count()) >= 1);
      await activity.getByRole('listitem').filter({ hasText: 'Top-up' }).first().waitFor();
      const first = rows.first();
      assert.match((await first.locator('.entry-amount').textContent()) ?? '', /^[+-]CN¥[\d,]+\.\d{2}$/);
      assert.match((await first.locator('.tag-direction').textContent()) ?? '', /^(In|Out)$/);
      assert.match(
        (await first.locator('.tag-status').textContent()) ?? '',
        /^(Completed|Pending|Released)$/,
      );
      assert.match((await first.locator('time').getAttribute('datetime')) ?? '', /^\d{4}-\d\d-\d\dT/);
    });

    await t.test('stays signed in across a reload (session cookie)', async () => {
      await page.reload();
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
      await page.locator('.balance-available dd').waitFor();
      await page.getByRole('region', { name: 'Recent activity' }).getByRole('listitem').first().waitFor();
      await page.screenshot({ path: SCREENSHOT_PATH, fullPage: true });
    });

    await t.test('signs out back to the sign-in page, and the session is gone', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      const me = await page.request.get(`${origin}/api/v1/me`);
      assert.equal(me.status(), 401);
      await page.reload();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
