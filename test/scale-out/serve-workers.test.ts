// `rampart serve --workers 2` (bin/rampart.mjs, node:cluster) on PostgreSQL + Redis: both workers
// answer on the one port (each /healthz names its process); a background job's tick runs once
// across them (fewer runs than one per 0.8 s interval, although both workers tick every second);
// and a sign-out or an operator's freeze made through one worker is refused by the other on the
// very next request (each client below keeps one connection, so it stays on one worker).
// PostgreSQL only.
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes, randomInt } from 'node:crypto';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';
import { describe, test } from 'node:test';
import { loadConfig } from '../../src/config.ts';
import { openPlatform, type Platform } from '../../src/main.ts';
import { createScratchDatabase, dropScratchDatabase } from '../../src/store/index.ts';
import { ADMIN_URL_DEFAULT, freePort, REDIS_URL_DEFAULT } from '../../src/testing/api-cluster.ts';
import { lastSentCode } from '../../src/testing/outbox-codes.ts';
import { testStoreKind } from '../../src/testing/test-store.ts';

const ROOT = resolve(import.meta.dirname, '../..');
const START_TIMEOUT_MS = 60_000;
const HOLD_SWEEP_INTERVAL_MS = 1_000;

interface Answer {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

/** One HTTP call through `agent` (one kept-alive connection: one worker), or a fresh connection. */
function call(
  port: number,
  agent: Agent | false,
  method: string,
  path: string,
  options: { token?: string; body?: object } = {},
): Promise<Answer> {
  const payload = options.body ? JSON.stringify(options.body) : undefined;
  return new Promise((resolveCall, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(options.token ? { authorization: `Bearer ${options.token}` } : {}),
          ...(payload
            ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) }
            : {}),
        },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString();
          let body: Record<string, unknown> = {};
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = { text };
          }
          resolveCall({ status: response.statusCode ?? 0, body });
        });
      },
    );
    req.on('error', reject);
    req.setTimeout(10_000, () => req.destroy(new Error(`${method} ${path} timed out`)));
    req.end(payload);
  });
}

const instanceOf = async (port: number, agent: Agent | false) =>
  String((await call(port, agent, 'GET', '/healthz')).body.instance);

/** A kept-alive client pinned to a worker other than `avoid`'s (reconnects until it lands there). */
async function clientOn(
  port: number,
  avoid: string | undefined,
): Promise<{ agent: Agent; instance: string }> {
  for (let attempt = 0; attempt < 40; attempt++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const instance = await instanceOf(port, agent);
    if (instance !== avoid) return { agent, instance };
    agent.destroy();
  }
  throw new Error('could not reach a second worker');
}

async function signIn(port: number, agent: Agent, platform: Platform, phone: string, password: string) {
  const first = await call(port, agent, 'POST', '/api/v1/auth/sign-in', { body: { phone, password } });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  if (first.body.status === 'signed_in') return String(first.body.token);
  const challengeToken = String(first.body.challengeToken);
  const sent = await call(port, agent, 'POST', '/api/v1/auth/sign-in/send-code', {
    body: { challengeToken },
  });
  assert.equal(sent.status, 200, JSON.stringify(sent.body));
  const verified = await call(port, agent, 'POST', '/api/v1/auth/sign-in/verify', {
    body: { challengeToken, method: 'sms', code: await lastSentCode(platform.store.db, phone) },
  });
  assert.equal(verified.body.status, 'signed_in', JSON.stringify(verified.body));
  return String(verified.body.token);
}

describe('rampart serve --workers 2', {
  skip: testStoreKind() !== 'postgres' && 'PostgreSQL only: run with --pg',
  timeout: 180_000,
}, () => {
  test('both workers answer, a job tick runs once across them, a sign-out or freeze on one is seen by the other', async () => {
    const adminUrl = process.env.RAMPART_TEST_PG_ADMIN_URL ?? ADMIN_URL_DEFAULT;
    const databaseUrl = await createScratchDatabase(adminUrl, 'rampart_workers');
    const operatorToken = `workers-operator-${randomBytes(24).toString('hex')}`;
    const port = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: databaseUrl,
      RAMPART_MASTER_KEY: randomBytes(32).toString('base64'),
      RAMPART_OPERATOR_TOKEN: operatorToken,
      REDIS_URL: process.env.REDIS_URL ?? REDIS_URL_DEFAULT,
      RAMPART_REDIS_KEY_PREFIX: `w${randomBytes(4).toString('hex')}`,
      RAMPART_LOG_LEVEL: 'warn',
      RAMPART_COOKIE_SECURE: 'false',
      RAMPART_DEV_MODE: 'true',
      RAMPART_WEB_DIST_DIR: '/nonexistent',
      RAMPART_DB_POOL_MAX: '6',
      RAMPART_HOLD_SWEEP_INTERVAL_MS: String(HOLD_SWEEP_INTERVAL_MS),
      // Codes stay readable in the outbox (the delivery job would mask them): an hour between runs.
      RAMPART_DELIVERY_INTERVAL_MS: '3600000',
    };
    let child: ChildProcess | undefined;
    let platform: Platform | undefined;
    const agents: Agent[] = [];
    try {
      child = spawn(
        process.execPath,
        [
          resolve(ROOT, 'bin/rampart.mjs'),
          'serve',
          '--workers',
          '2',
          '--port',
          String(port),
          '--host',
          '127.0.0.1',
        ],
        { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'], detached: true },
      );
      const output: string[] = [];
      child.stdout?.on('data', (chunk: Buffer) => output.push(chunk.toString()));
      child.stderr?.on('data', (chunk: Buffer) => output.push(chunk.toString()));

      // Both workers answer on the one port: fresh connections reach both (round-robin).
      const seen = new Set<string>();
      const deadline = Date.now() + START_TIMEOUT_MS;
      while (seen.size < 2 && Date.now() < deadline) {
        try {
          seen.add(await instanceOf(port, false));
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      assert.equal(seen.size, 2, `two workers answered /healthz; output:\n${output.join('').slice(-2_000)}`);

      platform = await openPlatform(loadConfig({ ...env, RAMPART_LOG_LEVEL: 'silent' }));
      const { db } = platform.store;
      // Every worker ticks `ledger.expire-holds` each second; a tick runs only for the worker that
      // moves the job's row forward by 0.8 s, so across both at most one run per 0.8 s happens
      // (two workers each running their own timer would make about two per second).
      const runsOf = async () =>
        Number(
          (
            await db
              .selectFrom('job_schedule')
              .select('runs')
              .where('name', '=', 'ledger.expire-holds')
              .executeTakeFirst()
          )?.runs ?? 0,
        );
      const startedAt = Date.now();
      while ((await runsOf()) < 2 && Date.now() - startedAt < 30_000)
        await new Promise((r) => setTimeout(r, 100));
      const fromRuns = await runsOf();
      const fromMs = Date.now();
      assert.ok(fromRuns >= 2, 'the shared job schedule is running');
      await new Promise((r) => setTimeout(r, 6_000));
      const ranRuns = (await runsOf()) - fromRuns;
      const elapsedMs = Date.now() - fromMs;
      const onceAcrossMax = Math.floor(elapsedMs / (0.8 * HOLD_SWEEP_INTERVAL_MS)) + 1;
      assert.ok(ranRuns >= 1, 'the job kept running');
      assert.ok(
        ranRuns <= onceAcrossMax,
        `${ranRuns} runs in ${elapsedMs} ms: at most ${onceAcrossMax} if each tick runs once across the workers`,
      );

      const a = await clientOn(port, undefined);
      const b = await clientOn(port, a.instance);
      agents.push(a.agent, b.agent);
      assert.notEqual(a.instance, b.instance);

      const suffix = String(randomInt(0, 10_000)).padStart(4, '0');
      const users = [];
      for (const [i, name] of ['leaver', 'frozen'].entries()) {
        const password = `workers-${randomBytes(9).toString('base64url')}`;
        const phone = `+86136${suffix}${String(i).padStart(4, '0')}`;
        const user = await platform.modules.identity.createUser({
          phoneE164: phone,
          displayName: name,
          password,
          paymentPassword: '246813',
        });
        users.push({ id: user.id, token: await signIn(port, a.agent, platform, phone, password) });
      }
      const [leaver, frozen] = users as [(typeof users)[0], (typeof users)[0]];

      // Sign-out through A: B refuses the session on the very next request.
      assert.equal((await call(port, b.agent, 'GET', '/api/v1/me', { token: leaver.token })).status, 200);
      const out = await call(port, a.agent, 'POST', '/api/v1/auth/sign-out', {
        token: leaver.token,
        body: {},
      });
      assert.ok(out.status === 200 || out.status === 204, `sign-out answered ${out.status}`);
      assert.equal((await call(port, b.agent, 'GET', '/api/v1/me', { token: leaver.token })).status, 401);

      // An operator's freeze through B: A refuses the frozen user's session at once.
      assert.equal((await call(port, a.agent, 'GET', '/api/v1/me', { token: frozen.token })).status, 200);
      const freeze = await call(port, b.agent, 'POST', `/api/v1/ops/users/${frozen.id}/freeze`, {
        token: operatorToken,
        body: { note: 'workers test' },
      });
      assert.equal(freeze.status, 200, JSON.stringify(freeze.body));
      assert.equal((await call(port, a.agent, 'GET', '/api/v1/me', { token: frozen.token })).status, 401);
      // Both answers really came from the two workers.
      assert.equal(await instanceOf(port, a.agent), a.instance);
      assert.equal(await instanceOf(port, b.agent), b.instance);
    } finally {
      for (const agent of agents) agent.destroy();
      if (platform) {
        await platform.modules.ledger.drain();
        await platform.store.close();
      }
      if (child?.pid !== undefined && child.exitCode === null) {
        const exited = new Promise((r) => child?.once('exit', r));
        process.kill(child.pid, 'SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) process.kill(-child.pid, 'SIGKILL');
      }
      await dropScratchDatabase(adminUrl, databaseUrl);
    }
  });
});
