// Proves the web wallet works end to end: the real platform (demo mode, in-memory store) serves the
// built app on a real socket, and Debian's chromium driven by playwright-core signs in through the
// form, reads the balance and activity, survives a reload on its session cookie, and signs out.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Page, Response } from 'playwright-core';
import { chromium } from 'playwright-core';

const CHROMIUM_PATH = '/usr/bin/chromium';
// The flags measured to work headless in containers (docs: shared/reference/stack-notes.md).
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
const SCREENSHOT_PATH = process.env.RAMPART_SCREENSHOT ?? join(tmpdir(), 'rampart-wallet.png');
/** A phone-sized viewport (iPhone 12–15): the layout the app is designed for first. */
const VIEWPORT = { width: 390, height: 844 };
/** Building the app takes ~2 s; starting a fresh in-memory store ~5 s; leave room on slow CI. */
const BUILD_TIMEOUT_MS = 120_000;
const STEP_TIMEOUT_MS = 15_000;
/** How deep the source-freshness walk goes; web/ is shallow. */
const WALK_DEPTH_MAX = 6;

const ALICE = { phone: '+8613800138000', displayName: 'Alice Chen', password: 'alice-demo-2026' };

function newestMtimeMs(path: string, depth = 0): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  assert(depth < WALK_DEPTH_MAX, `web source tree deeper than ${WALK_DEPTH_MAX} at ${path}`);
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name), depth + 1));
  return newest;
}

/** Builds web/dist when it is missing or older than any source, so the test never runs stale UI. */
async function ensureWebBuilt(): Promise<void> {
  const builtIndex = join(WEB, 'dist', 'index.html');
  if (existsSync(builtIndex)) {
    const sources = ['src', 'public', 'index.html', 'vite.config.ts']
      .map((p) => join(WEB, p))
      .filter(existsSync);
    const newestSourceMs = Math.max(...sources.map((p) => newestMtimeMs(p)));
    if (statSync(builtIndex).mtimeMs >= newestSourceMs) return;
  }
  const child = spawn('npm', ['run', 'build:web', '--silent'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`npm run build:web took over ${BUILD_TIMEOUT_MS} ms\n${output}`));
    }, BUILD_TIMEOUT_MS);
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      resolve(exitCode);
    });
  });
  assert.equal(code, 0, `npm run build:web failed:\n${output}`);
  assert(existsSync(builtIndex), 'npm run build:web did not produce web/dist/index.html');
}

function isSignIn(response: Response): boolean {
  return response.url().endsWith('/api/v1/auth/sign-in') && response.request().method() === 'POST';
}

async function visibleText(page: Page, selector: string): Promise<string> {
  const locator = page.locator(selector).first();
  await locator.waitFor({ state: 'visible', timeout: STEP_TIMEOUT_MS });
  return (await locator.textContent()) ?? '';
}

test('web wallet in chromium: sign in, balance, activity, reload, sign out', {
  timeout: 180_000,
}, async (t) => {
  if (!existsSync(CHROMIUM_PATH)) {
    t.skip(
      `${CHROMIUM_PATH} not found; install Debian's chromium (apt-get install -y chromium) to run this test`,
    );
    return;
  }
  await ensureWebBuilt();
  const { startPlatform } = await import('../../src/main.ts');
  const platform = await startPlatform({ dataDir: 'memory://', port: 0, demo: true, logLevel: 'warn' });
  // localhost, not 127.0.0.1: WebAuthn refuses IP addresses as relying-party ids, so the app is
  // always tested the way people reach it.
  const origin = platform.url.replace(/\/$/, '');
  const userDataDir = mkdtempSync(join(tmpdir(), 'rampart-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: 'en-US',
    viewport: VIEWPORT,
  });
  try {
    context.setDefaultTimeout(STEP_TIMEOUT_MS);
    const page = context.pages()[0] ?? (await context.newPage());
    const pageErrors: string[] = [];
    page.on('pageerror', (error) => pageErrors.push(error.message));

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
        page.getByRole('button', { name: 'Sign in' }).click(),
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

    await t.test('signs in as Alice with the keyboard alone', async () => {
      const phone = page.getByLabel('Phone number');
      await phone.focus();
      await phone.press('ControlOrMeta+a');
      await page.keyboard.type(ALICE.phone);
      await page.keyboard.press('Tab');
      await page.keyboard.press('ControlOrMeta+a');
      await page.keyboard.type(ALICE.password);
      const [response] = await Promise.all([page.waitForResponse(isSignIn), page.keyboard.press('Enter')]);
      assert.equal(response.status(), 200);
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
    await context.close();
    await platform.close();
    rmSync(userDataDir, { recursive: true, force: true });
  }
});
