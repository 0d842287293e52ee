/**
 * Several real API processes (`rampart serve`, each its own OS process and port) over one scratch
 * PostgreSQL database, Redis and NATS: what the scale-out, fault and load tests drive. Also sets
 * up signed-in payers with wallets, money and password-free payments, straight through the
 * modules (setup is not what these tests are about) except for the sign-in, which goes over HTTP.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { loadConfig } from '../config.ts';
import { seedDemo } from '../demo/index.ts';
import { openPlatform, type Platform } from '../main.ts';
import { createScratchDatabase, dropScratchDatabase } from '../store/index.ts';

const ROOT = resolve(import.meta.dirname, '../..');
export const ADMIN_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres';
export const REDIS_URL_DEFAULT = 'redis://127.0.0.1:6379';
export const NATS_URL_DEFAULT = 'nats://127.0.0.1:4222';
const START_TIMEOUT_MS = 60_000;

export interface ApiProcess {
  readonly index: number;
  readonly port: number;
  readonly url: string;
  /** Sends `signal` (SIGKILL for a crash) and resolves when the process is gone. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Starts it again on the same port. */
  restart(): Promise<void>;
  readonly alive: boolean;
}

export interface ApiCluster {
  readonly databaseUrl: string;
  readonly processes: readonly ApiProcess[];
  readonly operatorToken: string;
  readonly env: Readonly<Record<string, string>>;
  /** The in-test platform on the same database (setup, checks). */
  readonly platform: Platform;
  /** Error-level log lines (pino level 50+) the processes printed: a test shows them on failure. */
  readonly errorLines: string[];
  close(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

export interface ClusterOptions {
  readonly processes: number;
  readonly redis?: boolean;
  readonly nats?: boolean;
  /** Extra environment for the API processes. */
  readonly env?: Record<string, string>;
  readonly adminUrl?: string;
  /** Where process output goes (default: dropped; set RAMPART_CLUSTER_LOGS=1 to see it). */
  readonly onOutput?: (index: number, line: string) => void;
}

export async function startApiCluster(options: ClusterOptions): Promise<ApiCluster> {
  const adminUrl = options.adminUrl ?? process.env.RAMPART_TEST_PG_ADMIN_URL ?? ADMIN_URL_DEFAULT;
  const databaseUrl = await createScratchDatabase(adminUrl, 'rampart_cluster');
  const tag = randomBytes(4).toString('hex');
  const operatorToken = `cluster-operator-${randomBytes(24).toString('hex')}`;
  const env: Record<string, string> = {
    DATABASE_URL: databaseUrl,
    RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
    RAMPART_OPERATOR_TOKEN: operatorToken,
    RAMPART_LOG_LEVEL: 'warn',
    RAMPART_COOKIE_SECURE: 'false',
    RAMPART_DEV_MODE: 'true',
    RAMPART_WEB_DIST_DIR: '/nonexistent',
    RAMPART_DB_POOL_MAX: '8',
    // The fault tests' merchant server listens on 127.0.0.1: allow loopback notify URLs, which
    // the gateway's SSRF guard refuses by default (docs/gateway.md).
    RAMPART_GATEWAY_ALLOW_PRIVATE_CALLBACKS: 'true',
    ...(options.redis ? { REDIS_URL: process.env.REDIS_URL ?? REDIS_URL_DEFAULT } : {}),
    ...(options.nats
      ? { NATS_URL: process.env.NATS_URL ?? NATS_URL_DEFAULT, RAMPART_NATS_STREAM: `T_${tag.toUpperCase()}` }
      : {}),
    RAMPART_REDIS_KEY_PREFIX: `t${tag}`,
    ...options.env,
  };
  const config = loadConfig({ ...env, RAMPART_LOG_LEVEL: 'silent' });
  let platform: Platform;
  try {
    platform = await openPlatform(config, { demo: true });
    const { ledger, identity, wallet } = platform.modules;
    await seedDemo({ db: platform.store.db, ledger, identity, wallet });
  } catch (error) {
    await dropScratchDatabase(adminUrl, databaseUrl);
    throw error;
  }
  const errorLines: string[] = [];
  const userOutput: (index: number, line: string) => void =
    options.onOutput ??
    (process.env.RAMPART_CLUSTER_LOGS ? (i, line) => console.error(`[api${i}] ${line}`) : () => {});
  const output = (index: number, line: string) => {
    if (/"level":(50|60)/.test(line) && errorLines.length < 200)
      errorLines.push(`[api${index}] ${line.slice(0, 2_000)}`);
    userOutput(index, line);
  };
  const processes: ManagedProcess[] = [];
  try {
    for (let index = 0; index < options.processes; index++) {
      const managed = new ManagedProcess(index, await freePort(), env, output);
      processes.push(managed);
    }
    await Promise.all(processes.map((p) => p.restart()));
  } catch (error) {
    await Promise.all(processes.map((p) => p.kill('SIGKILL')));
    await platform.modules.ledger.drain();
    await platform.store.close();
    await dropScratchDatabase(adminUrl, databaseUrl);
    throw error;
  }
  return {
    databaseUrl,
    processes,
    operatorToken,
    env,
    platform,
    errorLines,
    close: async () => {
      await Promise.all(processes.map((p) => p.kill('SIGTERM')));
      await platform.modules.ledger.drain();
      await platform.store.close();
      await dropScratchDatabase(adminUrl, databaseUrl);
    },
  };
}

class ManagedProcess implements ApiProcess {
  #child: ChildProcess | undefined;
  readonly url: string;
  constructor(
    readonly index: number,
    readonly port: number,
    private readonly env: Record<string, string>,
    private readonly output: (index: number, line: string) => void,
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get alive(): boolean {
    return this.#child !== undefined && this.#child.exitCode === null && this.#child.signalCode === null;
  }

  async restart(): Promise<void> {
    if (this.alive) return;
    const child = spawn(
      process.execPath,
      [resolve(ROOT, 'bin/rampart.mjs'), 'serve', '--port', String(this.port), '--host', '127.0.0.1'],
      { cwd: ROOT, env: { ...process.env, ...this.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    this.#child = child;
    await new Promise<void>((resolveStart, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`api ${this.index} did not start within ${START_TIMEOUT_MS} ms`));
      }, START_TIMEOUT_MS);
      let started = false;
      const onLine = (chunk: Buffer) => {
        for (const line of chunk.toString().split('\n')) {
          if (line.trim() === '') continue;
          this.output(this.index, line);
          if (!started && line.includes('Rampart is running at')) {
            started = true;
            clearTimeout(timer);
            resolveStart();
          }
        }
      };
      child.stdout?.on('data', onLine);
      child.stderr?.on('data', onLine);
      child.once('exit', (code, signal) => {
        if (started) this.output(this.index, `{"level":60,"msg":"process exited (${signal ?? code})"}`);
        if (!started) {
          clearTimeout(timer);
          reject(new Error(`api ${this.index} exited before starting (${signal ?? code})`));
        }
      });
    });
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.#child;
    if (!child || !this.alive) return;
    await new Promise<void>((resolveExit) => {
      child.once('exit', () => resolveExit());
      child.kill(signal);
      if (signal !== 'SIGKILL') setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
    });
  }
}

export interface Payer {
  readonly userId: string;
  readonly phone: string;
  readonly walletAccountId: string;
  /** Session token, sent as a bearer token (no CSRF needed). */
  readonly token: string;
  /** Sent when an intent asks for it (the first payment to a payee is never password-free). */
  readonly paymentPassword: string;
}

/** Users with a funded wallet and password-free payments on, each signed in over HTTP. */
export async function provisionPayers(
  cluster: ApiCluster,
  input: {
    count: number;
    balanceMinor: bigint;
    phonePrefix: string;
    /** Told each payer's login password (the load bench signs in again). */
    onPassword?: (phone: string, password: string) => void;
  },
): Promise<Payer[]> {
  const { identity, wallet, ledger, payments } = cluster.platform.modules;
  const { db } = cluster.platform.store;
  const bank = await ledger.systemAccount('external_funding', 'CNY');
  const payers: Payer[] = [];
  for (let i = 0; i < input.count; i++) {
    const phone = `${input.phonePrefix}${String(i).padStart(4, '0')}`;
    const password = `cluster-${randomBytes(9).toString('base64url')}`;
    input.onPassword?.(phone, password);
    const paymentPassword = String(135_790 + i).padStart(6, '0');
    const user = await identity.createUser({
      phoneE164: phone,
      displayName: `Payer ${i}`,
      password,
      paymentPassword,
    });
    const account = await wallet.openWallet(user.id, 'CNY');
    const [funded] = await ledger.createTransfers([
      {
        id: `cluster-fund-${user.id}`,
        kind: 'posted',
        code: 'top_up',
        legs: [
          {
            debitAccountId: bank.id,
            creditAccountId: account.id,
            amountMinor: input.balanceMinor,
            currency: 'CNY',
          },
        ],
      },
    ]);
    if (funded?.status !== 'created') throw new Error(`funding ${phone}: ${JSON.stringify(funded)}`);
    await payments.setPasswordFree({
      userId: user.id,
      enabled: true,
      perPaymentCap: { amountMinor: 20_000n, currency: 'CNY' },
      dailyCap: { amountMinor: 100_000n, currency: 'CNY' },
      requireStepUp: async () => {},
      origin: identity.locate({
        ip: '127.0.0.1',
        userAgent: 'cluster-setup',
        deviceKey: undefined,
        locale: 'en',
      }),
    });
    // These payers pay hundreds of tiny amounts a minute (load and fault drivers): to the default
    // card-testing and velocity rules that is card testing. They are trusted synthetic traffic,
    // so they go on the risk allow-list, the platform's own switch for that (docs/risk.md); the
    // engine still evaluates and records features, model and rules for them.
    await cluster.platform.modules.riskEngine.lists.add({
      list: 'allow',
      subject: 'user',
      value: user.id,
      reason: 'synthetic load payer',
      createdBy: 'api-cluster',
    });
    const token = await signInOverHttp(cluster, db, phone, password);
    payers.push({ userId: user.id, phone, walletAccountId: account.id, token, paymentPassword });
  }
  return payers;
}

async function postJson(
  url: string,
  body: unknown,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/** Password, then the SMS code read from the outbox: returns the session token. */
export async function signInOverHttp(
  cluster: ApiCluster,
  db: Platform['store']['db'],
  phone: string,
  password: string,
): Promise<string> {
  const baseUrl = cluster.processes.find((p) => p.alive)?.url ?? cluster.processes[0]!.url;
  const first = await postJson(`${baseUrl}/api/v1/auth/sign-in`, { phone, password });
  if (first.status !== 200)
    throw new Error(`sign-in ${phone}: ${first.status} ${JSON.stringify(first.body)}`);
  if (first.body.status === 'signed_in') return String(first.body.token);
  const challengeToken = String(first.body.challengeToken);
  const sent = await postJson(`${baseUrl}/api/v1/auth/sign-in/send-code`, { challengeToken });
  if (sent.status !== 200) throw new Error(`send-code ${phone}: ${sent.status} ${JSON.stringify(sent.body)}`);
  const code = await readCode(cluster, db, phone);
  const verified = await postJson(`${baseUrl}/api/v1/auth/sign-in/verify`, {
    challengeToken,
    method: 'sms',
    code,
  });
  if (verified.status !== 200 || verified.body.status !== 'signed_in') {
    throw new Error(`verify ${phone}: ${verified.status} ${JSON.stringify(verified.body)}`);
  }
  return String(verified.body.token);
}

/** The newest code sent to `phone`: from the outbox while unsent, else from the developer inbox
 *  of whichever process delivered it (delivery masks the outbox copy). */
async function readCode(cluster: ApiCluster, db: Platform['store']['db'], phone: string): Promise<string> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const message = await db
      .selectFrom('notification_outbox')
      .select('body')
      .where('destination', '=', phone)
      .where('template', '=', 'otp_code')
      .orderBy('id', 'desc')
      .executeTakeFirst();
    const fromOutbox = message ? /\b\d{6}\b/.exec(message.body)?.[0] : undefined;
    if (fromOutbox) return fromOutbox;
    for (const api of cluster.processes.filter((p) => p.alive)) {
      const response = await fetch(`${api.url}/api/v1/dev/inbox?to=${encodeURIComponent(phone)}`);
      if (response.status !== 200) continue;
      const inbox = (await response.json()) as { messages: { text: string }[] };
      const fromInbox = inbox.messages.map((m) => /\b\d{6}\b/.exec(m.text)?.[0]).find(Boolean);
      if (fromInbox) return fromInbox;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no code for ${phone}`);
}
