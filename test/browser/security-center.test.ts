// Proves the rest of the Security Center and the "this wasn't me" page in a real browser: Alice
// (challenged on this new device, code from the developer inbox) turns on an authenticator app
// from the server's QR code, adds an e-mail address, generates backup codes, signs in again with
// a backup code when two-step verification asks, and finally follows the alert link of her first
// sign-in: the account is frozen and every session ends.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import type { Page } from 'playwright-core';
import { openBrowserSession, readCode } from './harness.ts';

const ALICE = { phone: '+8613800138000', displayName: 'Alice Chen', password: 'alice-demo-2026' };
const ALICE_EMAIL = 'alice@example.com';
const NOT_ME_SCREENSHOT_PATH = join(tmpdir(), 'rampart-not-me.png');
/** The link in a new-sign-in alert (src/identity/alerts.ts). */
const NOT_ME_LINK_PATTERN = /https?:\/\/\S+\/not-me\?token=[A-Za-z0-9_-]+/;

function isPost(path: string) {
  return (response: { url(): string; request(): { method(): string } }) =>
    new URL(response.url()).pathname === path && response.request().method() === 'POST';
}

async function signInWithPassword(page: Page): Promise<void> {
  await page.getByLabel('Phone number').fill(ALICE.phone);
  await page.getByLabel('Password').fill(ALICE.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

test('security center in chromium: TOTP, e-mail, backup codes, "this wasn\'t me"', {
  timeout: 240_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, page, pageErrors } = browser;
  try {
    let backupCodes: string[] = [];

    await t.test('signs in on a new device with the SMS code and opens the Security Center', async () => {
      await page.goto(`${origin}/security`);
      await signInWithPassword(page);
      await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
      const sentAfterMs = Date.now();
      await page.getByRole('button', { name: 'Send code' }).click();
      await page.getByLabel('SMS code').fill(await readCode(origin, ALICE.phone, sentAfterMs));
      await page.getByRole('button', { name: 'Verify and sign in' }).click();
      // Signing in where a page needed it returns there.
      await page.getByRole('heading', { level: 1, name: 'Security Center' }).waitFor();
    });

    await t.test('turns on an authenticator app from the QR code', async () => {
      const totp = page.getByRole('region', { name: 'Authenticator app' });
      await totp.getByRole('button', { name: 'Set up an authenticator app' }).click();
      const qr = totp.getByRole('img', { name: /QR code/ });
      await qr.waitFor();
      assert((await qr.evaluate((image: HTMLImageElement) => image.naturalWidth)) > 0, 'the QR SVG renders');
      const secret = ((await totp.locator('code.secret').textContent()) ?? '').replace(/\s/g, '');
      assert.match(secret, /^[A-Z2-7]{16,}$/, 'the base32 secret is shown for typing');
      // What an authenticator app computes (RFC 6238: SHA-1, 6 digits, 30 s).
      const code = new TOTP({ secret: Secret.fromBase32(secret) }).generate();
      await totp.getByLabel('Code from the app').fill(code);
      await totp.getByRole('button', { name: 'Turn on' }).click();
      await totp.getByText('Authenticator app turned on.').waitFor();
      await totp.getByRole('button', { name: 'Turn off' }).waitFor();
    });

    await t.test('adds an e-mail address with the code sent to it', async () => {
      const email = page.getByRole('region', { name: 'E-mail address' });
      await email.getByLabel('New e-mail address').fill(ALICE_EMAIL);
      const sentAfterMs = Date.now();
      await email.getByRole('button', { name: 'Send a code to the new address' }).click();
      await email
        .getByLabel('Code sent to the new address')
        .fill(await readCode(origin, ALICE_EMAIL, sentAfterMs));
      await email.getByRole('button', { name: 'Change e-mail address' }).click();
      await email.getByText(`Your e-mail address is now ${ALICE_EMAIL}.`).waitFor();
      await page.getByRole('region', { name: 'Overview' }).getByText(ALICE_EMAIL).waitFor();
    });

    await t.test('generates backup codes, shown once', async () => {
      const backup = page.getByRole('region', { name: 'Backup codes' });
      await backup.getByRole('button', { name: 'Generate backup codes' }).click();
      const list = backup.getByRole('list', { name: 'Your new backup codes' });
      await list.getByRole('listitem').first().waitFor();
      backupCodes = (await list.getByRole('listitem').allTextContents()).map((text) => text.trim());
      assert.equal(backupCodes.length, 10);
      await backup.getByRole('button', { name: 'I saved them, hide' }).click();
      await backup.getByText('10 left').waitFor();
    });

    await t.test(
      'with two-step verification on, signing in again asks for it; a backup code answers',
      async () => {
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
        await signInWithPassword(page);
        await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
        await page.getByText('Two-step verification is on for this account.').waitFor();
        const methods = page.getByRole('group', { name: 'Verify with' });
        assert.deepEqual(
          await methods
            .getByRole('radio')
            .evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value)),
          ['sms', 'totp', 'backup_code'],
        );
        await methods.getByRole('radio', { name: 'Backup code' }).check();
        await page.getByRole('textbox', { name: 'Backup code' }).fill(backupCodes[0] ?? '');
        const [verified] = await Promise.all([
          page.waitForResponse(isPost('/api/v1/auth/sign-in/verify')),
          page.getByRole('button', { name: 'Verify and sign in' }).click(),
        ]);
        assert.equal(verified.status(), 200);
        await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();
      },
    );

    await t.test('"this wasn\'t me" freezes the account and ends every session', async () => {
      const response = await fetch(
        `${origin}/api/v1/dev/inbox?to=${encodeURIComponent(ALICE.phone)}&limit=50`,
      );
      const { messages } = (await response.json()) as { messages: { text: string }[] };
      const link = messages.map((m) => NOT_ME_LINK_PATTERN.exec(m.text)?.[0]).find((l) => l !== undefined);
      assert(link, 'the new-device sign-in sent an alert with a "this wasn\'t me" link');
      await page.goto(link);
      await page.getByRole('heading', { level: 1, name: 'Was this not you?' }).waitFor();
      // The page explains before acting.
      await page.getByText('Every session is ended, on every device').waitFor();
      const [frozen] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/alerts/not-me')),
        page.getByRole('button', { name: 'Freeze my account' }).click(),
      ]);
      assert.equal(frozen.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Your account is frozen' }).waitFor();
      await page
        .getByRole('status')
        .getByText('Your account is frozen and every session has ended.')
        .waitFor();
      await page.screenshot({ path: NOT_ME_SCREENSHOT_PATH, fullPage: true });
      const me = await page.request.get(`${origin}/api/v1/me`);
      assert.equal(me.status(), 401, 'this browser session ended too');
      await page.getByRole('link', { name: 'Go to sign-in' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
