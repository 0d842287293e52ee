// What the browser tests share: Debian's chromium with the flags measured to work headless in
// containers (shared/reference/stack-notes.md), a fresh web build when the sources changed, the
// platform on a free port whose public URL (the WebAuthn origin) matches the page's, and reading
// one-time codes from the developer inbox the way a person without a phone would. Below those, the
// steps several tests take the same way (signing Alice in with the SMS code of a new device, her
// available balance, saving a rule set that challenges one kind of event, declining the risk
// engine's second-factor dialog, answering it by SMS), kept here so each test shows only what it proves.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import {
  type APIRequestContext,
  type BrowserContext,
  type CDPSession,
  chromium,
  type Locator,
  type Page,
  type Response,
} from 'playwright-core';
import { DEFAULT_RULE_SET } from '../../src/risk/index.ts';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/** A phone-sized viewport (iPhone 12–15): the layout the app is designed for first. */
export const VIEWPORT = { width: 390, height: 844 };
export const STEP_TIMEOUT_MS = 15_000;

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const WEB = join(ROOT, 'web');
/** Building the app takes ~3 s; leave room on slow CI. */
const BUILD_TIMEOUT_MS = 120_000;
/** How deep the source-freshness walk goes; web/ is shallow. */
const WALK_DEPTH_MAX = 6;
/** Two test files may start at once; one builds while the other waits on this lock. */
const BUILD_LOCK = join(tmpdir(), 'rampart-web-build.lock');
const BUILD_LOCK_POLL_MS = 200;
/** The developer inbox is filled by the delivery worker about once a second. */
const INBOX_POLL_MS = 250;
const INBOX_WAIT_MS = 10_000;

function newestMtimeMs(path: string, depth = 0): number {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  assert(depth < WALK_DEPTH_MAX, `web source tree deeper than ${WALK_DEPTH_MAX} at ${path}`);
  let newest = 0;
  for (const name of readdirSync(path)) newest = Math.max(newest, newestMtimeMs(join(path, name), depth + 1));
  return newest;
}

function webIsFresh(): boolean {
  const builtIndex = join(WEB, 'dist', 'index.html');
  if (!existsSync(builtIndex)) return false;
  const sources = ['src', 'public', 'index.html', 'vite.config.ts']
    .map((p) => join(WEB, p))
    .filter(existsSync);
  const newestSourceMs = Math.max(...sources.map((p) => newestMtimeMs(p)));
  return statSync(builtIndex).mtimeMs >= newestSourceMs;
}

async function runBuild(): Promise<void> {
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
  assert(
    existsSync(join(WEB, 'dist', 'index.html')),
    'npm run build:web did not produce web/dist/index.html',
  );
}

/** Builds web/dist when it is missing or older than any source, so a test never runs stale UI. */
export async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + BUILD_TIMEOUT_MS;
  for (;;) {
    if (webIsFresh()) return;
    try {
      mkdirSync(BUILD_LOCK); // atomic: whoever creates it builds
      break;
    } catch {
      // A lock older than a build can take was left by a killed run.
      const lock = statSync(BUILD_LOCK, { throwIfNoEntry: false });
      if (lock && Date.now() - lock.mtimeMs > BUILD_TIMEOUT_MS)
        rmSync(BUILD_LOCK, { recursive: true, force: true });
      assert(Date.now() < deadline, `waited ${BUILD_TIMEOUT_MS} ms for another web build`);
      await sleep(BUILD_LOCK_POLL_MS);
    }
  }
  try {
    if (!webIsFresh()) await runBuild();
  } finally {
    rmSync(BUILD_LOCK, { recursive: true, force: true });
  }
}

/** A port nobody listens on right now (the OS picks it; closed again before the platform binds). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const address = server.address();
  assert(address !== null && typeof address === 'object');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return address.port;
}

/**
 * Starts the platform in demo mode on an in-memory store, on a free port whose public URL is
 * `http://localhost:<port>`: WebAuthn's RP ID is then `localhost` and the expected origin is
 * exactly the page's origin (an IP address cannot be an RP ID).
 */
export async function startDemoPlatform() {
  const { startPlatform } = await import('../../src/main.ts');
  const port = await freePort();
  const publicUrl = `http://localhost:${port}`;
  const platform = await startPlatform(
    { dataDir: 'memory://', port, demo: true, logLevel: 'warn' },
    { ...process.env, RAMPART_PUBLIC_URL: publicUrl },
  );
  assert.equal(platform.url, publicUrl, 'the platform serves the URL WebAuthn expects');
  return { platform, origin: publicUrl };
}

interface InboxMessage {
  readonly channel: string;
  readonly to: string;
  readonly text: string;
  readonly sentAt: string;
}

const CODE_PATTERN = /(?<![0-9])([0-9]{6})(?![0-9])/;

/**
 * The newest one-time code sent to `to` at or after `sinceMs`, read from GET /api/v1/dev/inbox
 * (with the test's own fetch, like a person looking at the developer inbox instead of a phone).
 */
export async function readCode(origin: string, to: string, sinceMs: number): Promise<string> {
  const deadline = Date.now() + INBOX_WAIT_MS;
  const url = `${origin}/api/v1/dev/inbox?to=${encodeURIComponent(to)}`;
  for (;;) {
    const response = await fetch(url, { headers: { accept: 'application/json' } });
    assert.equal(response.status, 200, `GET ${url}`);
    const { messages } = (await response.json()) as { messages: InboxMessage[] };
    for (const message of messages) {
      // The clocks are the same machine's; a few ms of slack covers rounding.
      if (Date.parse(message.sentAt) < sinceMs - 5) continue;
      const match = CODE_PATTERN.exec(message.text);
      if (match?.[1]) return match[1];
    }
    assert(Date.now() < deadline, `no code for ${to} in the developer inbox within ${INBOX_WAIT_MS} ms`);
    await sleep(INBOX_POLL_MS);
  }
}

export interface BrowserSession {
  readonly platform: Awaited<ReturnType<typeof startDemoPlatform>>['platform'];
  readonly origin: string;
  readonly context: BrowserContext;
  readonly page: Page;
  /** Uncaught errors of the page; tests assert it stays empty. */
  readonly pageErrors: string[];
  close(): Promise<void>;
}

/**
 * The demo platform on a free port and a fresh headless Chromium (phone-sized, en-US) on it, or
 * undefined — with the test marked skipped — where Debian's chromium is not installed. Pages are
 * opened at localhost, not 127.0.0.1: WebAuthn refuses IP addresses as relying-party ids.
 */
export async function openBrowserSession(t: TestContext): Promise<BrowserSession | undefined> {
  if (!existsSync(CHROMIUM_PATH)) {
    t.skip(
      `${CHROMIUM_PATH} not found; install Debian's chromium (apt-get install -y chromium) to run this test`,
    );
    return undefined;
  }
  await ensureWebBuilt();
  const { platform, origin } = await startDemoPlatform();
  const userDataDir = mkdtempSync(join(tmpdir(), 'rampart-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    headless: true,
    locale: 'en-US',
    viewport: VIEWPORT,
  });
  context.setDefaultTimeout(STEP_TIMEOUT_MS);
  const page = context.pages()[0] ?? (await context.newPage());
  const pageErrors: string[] = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  return {
    platform,
    origin,
    context,
    page,
    pageErrors,
    close: async () => {
      await context.close();
      await platform.close();
      rmSync(userDataDir, { recursive: true, force: true });
    },
  };
}

// src/demo/demo-data.ts: public demo credentials.
export const ALICE = Object.freeze({
  phone: '+8613800138000',
  displayName: 'Alice Chen',
  password: 'alice-demo-2026',
  paymentPassword: '258036',
});

/**
 * Signs a demo user in at `origin + path` on a device the platform has not seen, so the sign-in
 * asks for an SMS code (read from the developer inbox), and waits for the page's heading.
 */
export async function signInWithSmsCode(
  page: Page,
  input: { origin: string; path: string; landingHeading: string; user?: { phone: string; password: string } },
): Promise<void> {
  const user = input.user ?? ALICE;
  await page.goto(`${input.origin}${input.path}`);
  await page.getByLabel('Phone number').fill(user.phone);
  await page.getByLabel('Password').fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Confirm this sign-in' }).waitFor();
  const sentAfterMs = Date.now();
  await page.getByRole('button', { name: 'Send code' }).click();
  await page.getByLabel('SMS code').fill(await readCode(input.origin, user.phone, sentAfterMs));
  await page.getByRole('button', { name: 'Verify and sign in' }).click();
  await page.getByRole('heading', { level: 1, name: input.landingHeading }).waitFor();
}

/** The signed-in user's available CNY wallet balance, read with the page's own session. */
export async function walletAvailableMinor(request: APIRequestContext, origin: string): Promise<bigint> {
  const wallet = await request.get(`${origin}/api/v1/wallet`);
  assert.equal(wallet.status(), 200);
  const { accounts } = (await wallet.json()) as {
    accounts: { kind: string; currency: string; available: { amountMinor: string } }[];
  };
  const account = accounts.find((a) => a.kind === 'wallet' && a.currency === 'CNY');
  assert(account, 'the signed-in user has a CNY wallet');
  return BigInt(account.available.amountMinor);
}

/** The CSRF header a cookie session's writes need (the double-submit cookie), for API calls. */
export async function csrfHeader(api: APIRequestContext): Promise<Record<string, string>> {
  const { cookies } = await api.storageState();
  const csrf = cookies.find((c) => c.name === 'rampart_csrf');
  return csrf ? { 'x-csrf-token': decodeURIComponent(csrf.value) } : {};
}

/** Matches the response to a POST whose URL ends with `path`. */
export function isPost(path: string): (response: Response) => boolean {
  return (response) => response.url().endsWith(path) && response.request().method() === 'POST';
}

/** Matches the response to confirming a payment intent. */
export function isPaymentConfirm(response: Response): boolean {
  return /\/api\/v1\/payments\/intents\/[^/]+\/confirm$/.test(response.url());
}

/**
 * Saves, through the running platform's risk engine, the default rules plus `rule` (a challenge
 * the test needs), so the next decision uses them (the engine re-reads on save).
 */
export async function saveChallengeRule(
  platform: BrowserSession['platform'],
  input: { rule: Readonly<Record<string, unknown>>; note: string },
): Promise<void> {
  const saved = await platform.platform.modules.riskEngine.saveRuleSet({
    body: { rules: [...DEFAULT_RULE_SET.rules, input.rule] },
    note: input.note,
    createdBy: 'test',
  });
  assert.ok(saved.version > 0);
}

/** The risk engine's step-up dialog (web/src/step-up-dialog.tsx). */
export function stepUpDialog(page: Page): Locator {
  return page.getByRole('dialog', { name: 'Confirm it’s you' });
}

/**
 * `refused` is the risk engine's 403 risk_second_factor_required; the dialog opens with `lead`,
 * offers SMS and not the payment password (it is not a second factor), and is cancelled.
 */
export async function cancelSecondFactorChallenge(
  page: Page,
  input: { refused: Response; lead: string },
): Promise<void> {
  assert.equal(input.refused.status(), 403);
  assert.equal(
    ((await input.refused.json()) as { error: { code: string } }).error.code,
    'risk_second_factor_required',
  );
  const dialog = stepUpDialog(page);
  await dialog.getByText(input.lead).waitFor();
  const methods = await dialog
    .getByRole('group', { name: 'Confirm with' })
    .getByRole('radio')
    .evaluateAll((radios) => radios.map((r) => (r as HTMLInputElement).value));
  assert.ok(methods.includes('sms'), `SMS is offered: ${methods.join(',')}`);
  assert.ok(!methods.includes('payment_password'), 'the payment password is not a second factor');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.waitFor({ state: 'detached' });
}

/** Chooses SMS in the open step-up dialog, sends the code and types it from the developer inbox. */
export async function fillStepUpSmsCode(
  page: Page,
  input: { origin: string; phone: string },
): Promise<Locator> {
  const dialog = stepUpDialog(page);
  await dialog.getByRole('radio', { name: 'SMS code' }).check();
  const sentAfterMs = Date.now();
  await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/api/v1/me/step-up/send-code')),
    dialog.getByRole('button', { name: 'Send code' }).click(),
  ]);
  await dialog
    .getByRole('textbox', { name: 'SMS code' })
    .fill(await readCode(input.origin, input.phone, sentAfterMs));
  return dialog;
}

/**
 * A virtual platform authenticator (Touch ID-like: resident keys, always verifies the user, as
 * after a fingerprint) on a CDP session where `WebAuthn.enable` was sent; answers its id.
 */
export async function addPlatformAuthenticator(cdp: CDPSession): Promise<string> {
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
    },
  });
  return authenticatorId;
}
