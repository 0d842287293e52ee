// Proves passkeys in the recovery and operator pages, in chromium with a virtual authenticator
// (CDP WebAuthn) against the demo platform: Alice adds a passkey in the Security Center, signs
// out, and on Account help → "Forgot login password" proves her phone with the SMS code and
// chooses the passkey as the second factor; she then signs in with the new password. A supervisor
// signs in to /ops with password + TOTP, adds a passkey on "My passkeys", signs out and signs in
// again with password + passkey (no code).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { addPlatformAuthenticator, openBrowserSession, readCode } from './harness.ts';

// src/demo/demo-data.ts and src/recovery/demo.ts: public demo credentials.
const ALICE = {
  phone: '+8613800138000',
  displayName: 'Alice Chen',
  password: 'alice-demo-2026',
  paymentPassword: '258036',
};
const NEW_PASSWORD = 'harbour-lantern-recovered-7';
const OPERATOR_PASSWORD = 'demo-operator-2026';
const SUPERVISOR_SECRET = 'JBSWY3DPEHPK3PXPSUPERVISORSUPERV';

const isPost = (path: string) => (r: { url(): string; request(): { method(): string } }) =>
  new URL(r.url()).pathname === path && r.request().method() === 'POST';

test('passkeys: forgot login password (SMS + passkey) and operator sign-in', {
  timeout: 240_000,
}, async (t) => {
  const browser = await openBrowserSession(t);
  if (!browser) return;
  const { origin, context, page, pageErrors } = browser;
  try {
    const cdp = await context.newCDPSession(page);
    await cdp.send('WebAuthn.enable');
    // A platform authenticator (Touch ID-like) on this computer; the supervisor later gets one of
    // their own, as an operator's desk would: with both keys on one discoverable authenticator
    // the browser may offer Alice's key to the console, which rightly refuses it.
    const addAuthenticator = () => addPlatformAuthenticator(cdp);
    const alicesAuthenticator = await addAuthenticator();

    await t.test('Alice signs in and adds a passkey in the Security Center', async () => {
      await page.goto(`${origin}/`);
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(ALICE.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse(isPost('/api/v1/auth/sign-in/send-code')),
        page.getByRole('button', { name: 'Send code' }).click(),
      ]);
      await page.getByLabel('SMS code').fill(await readCode(origin, ALICE.phone, sentAfterMs));
      await page.getByLabel('SMS code').press('Enter');
      await page.getByRole('heading', { level: 1, name: `Hello, ${ALICE.displayName}` }).waitFor();

      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Security' }).click();
      const passkeys = page.getByRole('region', { name: 'Passkeys' });
      await passkeys.getByLabel('Name for a new passkey').fill('Alice phone');
      const added = page.waitForResponse(isPost('/api/v1/me/passkeys'));
      await passkeys.getByRole('button', { name: 'Add a passkey' }).click();
      const dialog = page.getByRole('dialog', { name: /Confirm it.s you/ });
      const first = await Promise.race([
        added.then(() => 'added' as const),
        dialog.waitFor().then(() => 'dialog' as const),
      ]);
      if (first === 'dialog') {
        await dialog.getByRole('radio', { name: 'Payment password' }).check();
        await dialog.getByLabel('Payment password (6 digits)').fill(ALICE.paymentPassword);
        await dialog.getByRole('button', { name: 'Confirm' }).click();
      }
      assert.equal((await added).status(), 201);
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Sign in to Rampart' }).waitFor();
    });

    await t.test('forgot login password: SMS code, then the passkey as the second factor', async () => {
      await page.goto(`${origin}/recovery`);
      await page.getByRole('heading', { level: 1, name: 'Account help' }).waitFor();
      await page.getByRole('tab', { name: 'Forgot login password' }).click();
      const panel = page.getByRole('tabpanel');
      await panel.getByLabel('Phone number bound to the account').fill(ALICE.phone);
      const sentAfterMs = Date.now();
      await Promise.all([
        page.waitForResponse(isPost('/api/v1/recovery/forgot-login/start')),
        panel.getByRole('button', { name: 'Send code' }).click(),
      ]);
      await panel.getByLabel('SMS code').fill(await readCode(origin, ALICE.phone, sentAfterMs));
      const [verified] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/recovery/forgot-login/verify-code')),
        panel.getByRole('button', { name: 'Verify' }).click(),
      ]);
      assert.equal(verified.status(), 200, await verified.text());
      const passkeyChoice = panel.getByRole('radio', { name: 'Passkey' });
      await passkeyChoice.check();
      await panel.getByText('your browser asks for the passkey').waitFor();
      assert.equal(await panel.getByLabel('Code', { exact: true }).count(), 0, 'no code to type');
      await panel.getByLabel('New login password').fill(NEW_PASSWORD);
      const [options, reset] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/recovery/forgot-login/passkey-options')),
        page.waitForResponse(isPost('/api/v1/recovery/forgot-login/reset')),
        panel.getByRole('button', { name: 'Confirm' }).click(),
      ]);
      assert.equal(options.status(), 200);
      assert.equal(reset.status(), 200, await reset.text());
      const sent = JSON.parse(reset.request().postData() ?? '{}') as { factor?: { method?: string } };
      assert.equal(sent.factor?.method, 'passkey');
      await panel.getByText('Done. Sign in with your new password.').waitFor();

      await page.goto(`${origin}/`);
      await page.getByLabel('Phone number').fill(ALICE.phone);
      await page.getByLabel('Password').fill(NEW_PASSWORD);
      const [signedIn] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/auth/sign-in')),
        page.getByRole('button', { name: 'Sign in', exact: true }).click(),
      ]);
      assert.equal(signedIn.status(), 200, 'the new password is accepted');
    });

    await t.test('a supervisor adds a passkey and signs in with password + passkey', async () => {
      // The operator at their own desk: a clean browser session and their own authenticator.
      await context.clearCookies();
      await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId: alicesAuthenticator });
      await addAuthenticator();
      await page.goto(`${origin}/ops`);
      await page.getByRole('heading', { level: 1, name: 'Operator sign-in' }).waitFor();
      await page.getByLabel('User name').fill('demo-supervisor');
      await page.getByLabel('Password').fill(OPERATOR_PASSWORD);
      await page.getByLabel('Authenticator code').fill(
        new TOTP({
          secret: Secret.fromBase32(SUPERVISOR_SECRET),
          digits: 6,
          period: 30,
          algorithm: 'SHA1',
        }).generate(),
      );
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
      await page.getByRole('link', { name: 'My passkeys' }).click();
      await page.getByRole('heading', { level: 1, name: 'My passkeys' }).waitFor();
      await page.getByText('No passkeys yet.').waitFor();
      await page.getByLabel('Name for a new passkey').fill('Supervisor desk');
      const [added] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/ops/me/passkeys')),
        page.getByRole('button', { name: 'Add a passkey' }).click(),
      ]);
      assert.equal(added.status(), 201, await added.text());
      await page.getByRole('status').getByText('Passkey “Supervisor desk” added.').waitFor();
      await page
        .getByRole('list', { name: 'Your passkeys' })
        .getByText(/Supervisor desk/)
        .waitFor();

      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('heading', { level: 1, name: 'Operator sign-in' }).waitFor();
      await page.getByLabel('User name').fill('demo-supervisor');
      await page.getByLabel('Password').fill(OPERATOR_PASSWORD);
      const [signedIn] = await Promise.all([
        page.waitForResponse(isPost('/api/v1/ops/sign-in')),
        page.getByRole('button', { name: 'Sign in with a passkey' }).click(),
      ]);
      assert.equal(signedIn.status(), 200, await signedIn.text());
      const body = JSON.parse(signedIn.request().postData() ?? '{}') as { code?: string; passkey?: unknown };
      assert.equal(body.code, undefined, 'no authenticator code was sent');
      assert.ok(body.passkey);
      await page.getByText('Demo Supervisor · supervisor').waitFor();
      assert.deepEqual(pageErrors, []);
    });
  } finally {
    await browser.close();
  }
});
