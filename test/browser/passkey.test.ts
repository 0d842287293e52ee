// Proves passkeys work end to end in a real browser: a new person signs up through the web app
// (codes read from the developer inbox), enrols a passkey in the Security Center with Chromium's
// virtual authenticator (CDP WebAuthn domain), confirms a sensitive change with it through the
// step-up dialog, signs out, signs in with the passkey alone, and finds both in the security
// activity. The platform's public URL is the page's origin, so WebAuthn's RP ID is `localhost`.
import assert from 'node:assert/strict';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { addPlatformAuthenticator, openBrowserSession, readCode } from './harness.ts';

const SECURITY_SCREENSHOT_PATH = join(tmpdir(), 'rampart-security-center.png');
const PASSKEYS_SCREENSHOT_PATH = join(tmpdir(), 'rampart-passkeys.png');
const STEP_UP_SCREENSHOT_PATH = join(tmpdir(), 'rampart-step-up.png');

const CAROL = {
  phone: '+8613700137000',
  email: 'carol@example.com',
  displayName: 'Carol Wu',
  password: 'lantern-harbour-velvet-42',
  paymentPassword: '730418',
};
const PASSKEY_NAME = 'Test authenticator';
const PASSKEY_RENAMED = 'Laptop passkey';
/** Issue 3: ten backup codes. */
const BACKUP_CODES_COUNT = 10;

function isPost(path: string) {
  return (response: { url(): string; request(): { method(): string } }) =>
    new URL(response.url()).pathname === path && response.request().method() === 'POST';
}

/** Inputs a screen reader could not name: no <label>, no aria-label, no aria-labelledby. */
async function unlabelledInputs(page: Page): Promise<string[]> {
  return page.locator('input, select, textarea').evaluateAll((elements) =>
    elements
      .filter((element) => {
        const input = element as HTMLInputElement;
        if (input.type === 'hidden') return false;
        const labelled = (input.labels?.length ?? 0) > 0;
        return !labelled && !input.getAttribute('aria-label') && !input.getAttribute('aria-labelledby');
      })
      .map((element) => element.outerHTML.slice(0, 120)),
  );
}

test('passkeys in chromium: sign up, enrol, step-up, passwordless sign-in, activity', {
  timeout: 240_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, context, page, pageErrors } = browser;
  try {
    // A platform authenticator that always verifies the user (as after a fingerprint).
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    const authenticatorId = await addPlatformAuthenticator(cdp);

    await t.test('signs up through the UI, codes read from the developer inbox', async () => {
      await page.goto(`${origin}/`);
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      assert.deepEqual(await unlabelledInputs(page), [], 'sign-in: every input has a label');
      await page.getByRole('link', { name: 'Create an account' }).click();
      await page.getByRole('heading', { level: 1, name: 'Create your Rampart account' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/sign-up', 'History API route');

      await page.getByLabel('Phone number').fill(CAROL.phone);
      await page.getByLabel('E-mail (optional)').fill(CAROL.email);
      const sentAfterMs = Date.now();
      const [started] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/auth/sign-up/start')),
        page.getByRole('button', { name: 'Send codes' }).click(),
      ]);
      assert.equal(started.status(), 200);
      await page.getByRole('heading', { level: 1, name: 'Finish creating your account' }).waitFor();
      assert.deepEqual(await unlabelledInputs(page), [], 'sign-up: every input has a label');

      const [smsCode, emailCode] = await Promise.all([
        readCode(origin, CAROL.phone, sentAfterMs),
        readCode(origin, CAROL.email, sentAfterMs),
      ]);
      await page.getByLabel('Code from the SMS').fill(smsCode);
      await page.getByLabel('Code from the e-mail').fill(emailCode);
      await page.getByLabel('Your name').fill(CAROL.displayName);
      await page.getByLabel('Login password').fill('password123');
      await page.getByLabel('Payment password (6 digits)', { exact: true }).fill(CAROL.paymentPassword);
      await page.getByLabel('Payment password again').fill(CAROL.paymentPassword);

      // A common password: the server's reason code shows next to the field, which gets focus.
      const [refused] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/auth/sign-up/complete')),
        page.getByRole('button', { name: 'Create account' }).click(),
      ]);
      assert.equal(refused.status(), 400);
      const { error } = (await refused.json()) as { error: { code: string; message: string } };
      assert.equal(error.code, 'common_password');
      const passwordField = page.getByLabel('Login password');
      await page.getByText('(common_password)').waitFor();
      assert.equal(await passwordField.getAttribute('aria-invalid'), 'true');
      const alert = page.getByRole('alert').filter({ hasText: 'Could not create the account' });
      assert.match((await alert.textContent()) ?? '', new RegExp(`${error.message}.*common_password`));
      assert.equal(await passwordField.evaluate((element) => element === document.activeElement), true);

      await passwordField.fill(CAROL.password);
      const [created] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/auth/sign-up/complete')),
        page.getByRole('button', { name: 'Create account' }).click(),
      ]);
      assert.equal(created.status(), 201);
      await page.getByRole('heading', { level: 1, name: `Hello, ${CAROL.displayName}` }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/');
    });

    await t.test('the Security Center shows the overview and the check-up', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
      await page.getByRole('heading', { level: 1, name: 'Security Center' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/security');
      const overview = page.getByRole('region', { name: 'Overview' });
      await overview.getByText(CAROL.phone).waitFor();
      await overview.getByText(CAROL.email).waitFor();
      const checkup = page.getByRole('region', { name: 'Security check-up' });
      await checkup.getByRole('link', { name: /Add a passkey/ }).waitFor();
      await checkup.getByRole('link', { name: /authenticator app/ }).waitFor();
      await page
        .getByRole('region', { name: 'Recent security activity' })
        .getByText('Account created')
        .waitFor();
      assert.deepEqual(await unlabelledInputs(page), [], 'security center: every input has a label');
      await page.screenshot({ path: SECURITY_SCREENSHOT_PATH });
    });

    await t.test('enrols a passkey with the virtual authenticator, then renames it', async () => {
      const passkeys = page.getByRole('region', { name: 'Passkeys' });
      await passkeys.getByText('No passkeys yet.').waitFor();
      await passkeys.getByLabel('Name for a new passkey').fill(PASSKEY_NAME);
      const added = page.waitForResponse(isPost('/api/v1/me/passkeys'));
      await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
      // The sign-up session counts as stepped-up for 5 minutes; answer the dialog if it still asks.
      const dialog = page.getByRole('dialog', { name: /Confirm it.s you/ });
      const first = await Promise.race([
        added.then(() => 'added' as const),
        dialog.waitFor().then(() => 'dialog' as const),
      ]);
      if (first === 'dialog') {
        await dialog.getByRole('radio', { name: 'Payment password' }).check();
        await dialog.getByLabel('Payment password (6 digits)').fill(CAROL.paymentPassword);
        await dialog.getByRole('button', { name: 'Confirm' }).click();
      }
      assert.equal((await added).status(), 201);
      const list = passkeys.getByRole('list', { name: 'Your passkeys' });
      await list.getByText(PASSKEY_NAME, { exact: true }).waitFor();
      await passkeys.getByRole('status').getByText(`Passkey “${PASSKEY_NAME}” added.`).waitFor();

      const { credentials } = await cdp.send('WebAuthn.getCredentials', { authenticatorId });
      assert.equal(credentials.length, 1, 'the authenticator holds one credential');
      assert.equal(
        credentials[0]?.isResidentCredential,
        true,
        'discoverable, so it signs in without a phone number',
      );

      await passkeys.getByRole('button', { name: `Rename “${PASSKEY_NAME}”` }).click();
      const nameField = passkeys.getByLabel(`New name for “${PASSKEY_NAME}”`);
      await nameField.fill(PASSKEY_RENAMED);
      await nameField.press('Enter');
      await list.getByText(PASSKEY_RENAMED, { exact: true }).waitFor();
      await passkeys.screenshot({ path: PASSKEYS_SCREENSHOT_PATH });
    });

    await t.test(
      'after a password-only sign-in, a sensitive change asks to confirm with the passkey',
      async () => {
        await page.getByRole('button', { name: 'Sign out' }).click();
        await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
        await page.getByLabel('Phone number').fill(CAROL.phone);
        await page.getByLabel('Password').fill(CAROL.password);
        const [signedIn] = await Promise.all([
          page.waitForResponse(isPost('/api/v1/auth/sign-in')),
          page.getByRole('button', { name: 'Sign in', exact: true }).click(),
        ]);
        const body = (await signedIn.json()) as { status: string };
        assert.equal(body.status, 'signed_in', 'the device from sign-up is known: no challenge');
        await page.getByRole('heading', { level: 1, name: `Hello, ${CAROL.displayName}` }).waitFor();

        await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
        const backup = page.getByRole('region', { name: 'Backup codes' });
        const [refused] = await Promise.all([
          page.waitForResponse(isPost('/api/v1/me/backup-codes')),
          backup.getByRole('button', { name: 'Generate backup codes' }).click(),
        ]);
        assert.equal(refused.status(), 403, 'a password-only session is not stepped up');
        const dialog = page.getByRole('dialog', { name: /Confirm it.s you/ });
        await dialog.waitFor();
        assert.deepEqual(await unlabelledInputs(page), [], 'step-up dialog: every input has a label');
        await dialog.getByRole('radio', { name: 'Passkey' }).check();
        await page.screenshot({ path: STEP_UP_SCREENSHOT_PATH });
        const [steppedUp, generated] = await Promise.all([
          page.waitForResponse(isPost('/api/v1/me/step-up')),
          page.waitForResponse((r) => isPost('/api/v1/me/backup-codes')(r) && r.status() === 200),
          dialog.getByRole('button', { name: 'Use a passkey' }).click(),
        ]);
        assert.equal(steppedUp.status(), 200);
        assert.equal(generated.status(), 200);
        await dialog.waitFor({ state: 'detached' });
        const codes = backup.getByRole('list', { name: 'Your new backup codes' }).getByRole('listitem');
        await codes.first().waitFor();
        assert.equal(await codes.count(), BACKUP_CODES_COUNT);
        await backup.getByText('shown only once').waitFor();
      },
    );

    await t.test('signs out and signs in with the passkey alone', async () => {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
      assert.equal(new URL(page.url()).pathname, '/', 'signing out leaves the Security Center');
      const [verified] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/auth/passkey/verify')),
        page.getByRole('button', { name: 'Sign in with a passkey' }).click(),
      ]);
      assert.equal(verified.status(), 200);
      await page.getByRole('heading', { level: 1, name: `Hello, ${CAROL.displayName}` }).waitFor();
      await page.getByRole('region', { name: 'Balance' }).waitFor();
    });

    await t.test('the security activity lists passkey_added and the passkey sign-in', async () => {
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
      const activity = page.getByRole('region', { name: 'Recent security activity' });
      const added = activity.locator('[data-event-type="passkey_added"]');
      await added.first().waitFor();
      assert.match((await added.first().textContent()) ?? '', /Passkey added/);
      const signIns = activity.locator('[data-event-type="sign_in"]');
      await signIns.first().waitFor();
      // Newest first: the passwordless sign-in just now.
      assert.match((await signIns.first().textContent()) ?? '', /Signed in.*with passkey/);
      await activity.locator('[data-event-type="step_up"]').first().waitFor();
      const overview = page.getByRole('region', { name: 'Overview' });
      assert.match((await overview.textContent()) ?? '', /Passkeys1/);
    });

    assert.deepEqual(pageErrors, [], 'no uncaught errors in the page');
  } finally {
    await browser.close();
  }
});
