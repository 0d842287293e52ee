/**
 * `npm run bench -- load`: a mixed workload at rising offered rates against 1, then 2 API
 * processes (`rampart serve`, real OS processes) on PostgreSQL + Redis + NATS, open loop: each
 * operation is started at its scheduled time whether or not earlier ones finished, and its
 * latency is measured from that scheduled time (no coordinated omission). One JSON line per
 * step on stdout:
 *   {"bench":"load","workers":1,"offered_per_s":40,"done_per_s":39.8,"p50_ms":…,"p99_ms":…,"errors":0}
 *
 * The mix (weights in MIX): password sign-ins (one argon2id verify each; the second factor is
 * not part of it), payments to the demo merchant (intent + password-free confirm: the hot
 * merchant account), transfers between wallets (operator ledger API), history queries (records
 * and wallet activity). Merchant orders join the mix when the gateway lands: MERCHANT_ORDER is
 * the hook (a weight and an operation).
 *
 * Rates: `--clients` is not used; RAMPART_BENCH_LOAD_RATES (comma-separated ops/s, default
 * 20,40,80,160) and `--seconds` per step (default 10). Rate limits are multiplied by 10^6 in the
 * API processes (dev mode only), since every client signs in from 127.0.0.1.
 */
import { randomBytes } from 'node:crypto';
import { DEMO_MERCHANT } from '../src/demo/index.ts';
import { type ApiCluster, type Payer, provisionPayers, startApiCluster } from '../src/testing/api-cluster.ts';
import { type Bench, type Log, round } from './bench-result.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import type { BenchOptions } from './options.ts';

type Operation = (ctx: LoadContext, index: number) => Promise<boolean>;

interface LoadContext {
  readonly cluster: ApiCluster;
  readonly payers: readonly Payer[];
  readonly passwords: ReadonlyMap<string, string>;
  readonly api: () => string;
}

const PAYERS = 24;
/** Outstanding operations at most; beyond it an operation counts as an error (shed). */
const OUTSTANDING_MAX = 2_000;
const REQUEST_TIMEOUT_MS = 10_000;

async function request(
  url: string,
  init: { method: string; token?: string; body?: unknown },
): Promise<{ status: number; body: Record<string, unknown> | undefined }> {
  const response = await fetch(url, {
    method: init.method,
    headers: {
      ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(init.token ? { authorization: `Bearer ${init.token}` } : {}),
    },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await response.text();
  let body: Record<string, unknown> | undefined;
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    body = undefined;
  }
  return { status: response.status, body };
}

const signIn: Operation = async (ctx, index) => {
  const payer = ctx.payers[index % ctx.payers.length]!;
  const r = await request(`${ctx.api()}/api/v1/auth/sign-in`, {
    method: 'POST',
    body: { phone: payer.phone, password: ctx.passwords.get(payer.phone) },
  });
  return r.status === 200;
};

const payment: Operation = async (ctx, index) => {
  const payer = ctx.payers[index % ctx.payers.length]!;
  const created = await request(`${ctx.api()}/api/v1/payments/intents`, {
    method: 'POST',
    token: payer.token,
    body: {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: { amountMinor: String(1 + (index % 50)), currency: 'CNY' },
      channel: 'balance',
      clientRequestId: `load-${index}-${randomBytes(4).toString('hex')}`,
    },
  });
  if (created.status !== 201) return false;
  const confirm = await request(`${ctx.api()}/api/v1/payments/intents/${created.body?.id}/confirm`, {
    method: 'POST',
    token: payer.token,
    body: created.body?.confirmation === 'none' ? {} : { paymentPassword: payer.paymentPassword },
  });
  return confirm.status === 200 && confirm.body?.status === 'succeeded';
};

const transfer: Operation = async (ctx, index) => {
  const from = ctx.payers[index % ctx.payers.length]!;
  const to = ctx.payers[(index + 1) % ctx.payers.length]!;
  const r = await request(`${ctx.api()}/api/v1/ledger/transfers`, {
    method: 'POST',
    token: ctx.cluster.operatorToken,
    body: {
      id: `load-t-${index}-${randomBytes(4).toString('hex')}`,
      kind: 'posted',
      code: 'p2p',
      legs: [
        {
          debitAccountId: from.walletAccountId,
          creditAccountId: to.walletAccountId,
          amount: { amountMinor: '1', currency: 'CNY' },
        },
      ],
    },
  });
  return r.status === 201;
};

const history: Operation = async (ctx, index) => {
  const payer = ctx.payers[index % ctx.payers.length]!;
  const path = index % 2 === 0 ? '/api/v1/me/records?limit=20' : '/api/v1/wallet/activity';
  const r = await request(`${ctx.api()}${path}`, { method: 'GET', token: payer.token });
  return r.status === 200;
};

/** The gateway's merchant order (create + pay + notify) joins here when it lands: weight > 0. */
export const MERCHANT_ORDER: { weight: number; run: Operation | undefined } = { weight: 0, run: undefined };

const MIX: readonly { name: string; weight: number; run: Operation }[] = [
  { name: 'sign_in', weight: 10, run: signIn },
  { name: 'payment', weight: 40, run: payment },
  { name: 'transfer', weight: 20, run: transfer },
  { name: 'history', weight: 30, run: history },
  ...(MERCHANT_ORDER.run
    ? [{ name: 'merchant_order', weight: MERCHANT_ORDER.weight, run: MERCHANT_ORDER.run }]
    : []),
];

function pick(index: number): { name: string; run: Operation } {
  const total = MIX.reduce((n, m) => n + m.weight, 0);
  // A fixed, well-spread sequence: the same mix every run, no two runs differ by chance.
  let slot = (index * 37) % total;
  for (const entry of MIX) {
    if (slot < entry.weight) return entry;
    slot -= entry.weight;
  }
  return MIX[0]!;
}

async function runStep(ctx: LoadContext, ratePerS: number, seconds: number, offset: number) {
  const latency = new LatencyHistogram();
  const total = Math.round(ratePerS * seconds);
  const intervalMs = 1_000 / ratePerS;
  const startMs = performance.now();
  let done = 0;
  let errors = 0;
  let outstanding = 0;
  const byKind = new Map<string, number>();
  const running: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const scheduledMs = startMs + i * intervalMs;
    const waitMs = scheduledMs - performance.now();
    if (waitMs > 1) await new Promise((r) => setTimeout(r, waitMs));
    if (outstanding >= OUTSTANDING_MAX) {
      errors += 1;
      continue;
    }
    const op = pick(offset + i);
    outstanding += 1;
    running.push(
      op
        .run(ctx, offset + i)
        .catch(() => false)
        .then((ok) => {
          outstanding -= 1;
          if (ok) {
            done += 1;
            latency.record(performance.now() - scheduledMs);
          } else {
            errors += 1;
            byKind.set(op.name, (byKind.get(op.name) ?? 0) + 1);
          }
        }),
    );
  }
  await Promise.all(running);
  const elapsedS = (performance.now() - startMs) / 1_000;
  return { done, errors, elapsedS, latency, errorsByKind: Object.fromEntries(byKind) };
}

export const loadBench: Bench = async (options: BenchOptions, log: Log) => {
  const rates = (process.env.RAMPART_BENCH_LOAD_RATES ?? '20,40,80,160')
    .split(',')
    .map((r) => Number(r.trim()))
    .filter((r) => Number.isFinite(r) && r > 0);
  const workerCounts = (process.env.RAMPART_BENCH_LOAD_WORKERS ?? '1,2').split(',').map(Number);
  let lastLine: Record<string, string | number | boolean | null> = { bench: 'load' };
  let offset = 0;
  for (const workers of workerCounts) {
    log(`load: starting ${workers} API process(es) on PostgreSQL + Redis + NATS`);
    const cluster = await startApiCluster({
      processes: workers,
      redis: true,
      nats: true,
      adminUrl: options.adminUrl,
      env: { RAMPART_RATE_LIMIT_FACTOR: '1000000', RAMPART_LOG_LEVEL: 'error', RAMPART_DB_POOL_MAX: '10' },
    });
    try {
      const passwords = new Map<string, string>();
      const payers = await provisionPayers(cluster, {
        count: PAYERS,
        balanceMinor: 10_000_000n,
        phonePrefix: `+86138${String(workers).padStart(2, '0')}${String(Date.now() % 100).padStart(2, '0')}`,
        onPassword: (phone, password) => passwords.set(phone, password),
      });
      let next = 0;
      const ctx: LoadContext = {
        cluster,
        payers,
        passwords,
        api: () => cluster.processes[next++ % cluster.processes.length]!.url,
      };
      // Warm-up (unmeasured): every payer's first payment to the merchant (needs the password).
      await Promise.all(payers.map((_, i) => payment(ctx, i)));
      for (const rate of rates) {
        const step = await runStep(ctx, rate, options.seconds, offset);
        offset += Math.round(rate * options.seconds);
        const line = {
          bench: 'load',
          workers,
          offered_per_s: rate,
          done_per_s: round(step.done / step.elapsedS, 1),
          p50_ms: step.done === 0 ? null : round(step.latency.quantileMs(0.5), 1),
          p99_ms: step.done === 0 ? null : round(step.latency.quantileMs(0.99), 1),
          errors: step.errors,
        };
        process.stdout.write(`${JSON.stringify(line)}\n`);
        if (step.errors > 0) log(`load: errors by kind ${JSON.stringify(step.errorsByKind)}`);
        lastLine = { ...line, bench: 'load-summary' };
      }
    } finally {
      await cluster.close();
    }
  }
  return { ok: true, line: lastLine };
};
