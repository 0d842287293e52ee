/**
 * `npm run bench -- ledger` and `ledger-hot`: N in-process clients post wallet-to-wallet
 * transfers through `ledger.submitTransfer` (group commit) on a fresh PostgreSQL database for a
 * fixed time, then pgbench's TPC-B runs on the same server with the same client count as the
 * yardstick, then `verifyLedger` must pass on everything the clients wrote.
 *
 * - `ledger`: payer and payee drawn at random from all wallets (little row contention).
 * - `ledger-hot`: every transfer credits one merchant account, so every commit locks and updates
 *   that one row (with a transaction per transfer it would serialise every client).
 *
 * With `--rounds R` the ledger and pgbench take turns in R slices each, so that other work on
 * the host weighs on both figures alike.
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { type Kysely, sql } from 'kysely';
import { createLedger, type Ledger, TRANSFERS_PER_BATCH_MAX, verifyLedger } from '../src/ledger/index.ts';
import { systemClock } from '../src/shared/index.ts';
import {
  createScratchDatabase,
  type Database,
  dropScratchDatabase,
  migrateToLatest,
  openStore,
} from '../src/store/index.ts';
import { type BenchResult, type Log, round } from './bench-result.ts';
import { LatencyHistogram } from './latency-histogram.ts';
import type { BenchOptions } from './options.ts';
import { checkpoint, serverVersion } from './postgres-admin.ts';
import { createPgbenchDatabase, type PgbenchDatabase, type PgbenchRun, runPgbench } from './run-pgbench.ts';

export type LedgerBenchShape = 'spread' | 'hot';

/**
 * Tuned on the 2-core bench machine with 16 clients (docs/BENCHMARKS.md has the sweep). Every
 * client waits on its own transfer, so at most `clients` transfers are ever outstanding: one batch
 * in flight carries all of them in one commit, while a second batch in flight only splits them
 * into two smaller commits that compete for the same two cores (and, on a hot account, for the
 * same row lock).
 */
const BATCHES_IN_FLIGHT_DEFAULT = 1;
/** Each wallet starts with 100,000.00 CNY: far more than a run can spend at ≤ 100.00 a transfer. */
const WALLET_FUNDING_MINOR = 10_000_000n;
const TRANSFER_AMOUNT_MAX_MINOR = 10_000;
/** Wallets are created this many per setup transaction (one commit each), by this many workers. */
const ACCOUNTS_PER_SETUP_TRANSACTION = 500;
const SETUP_WORKERS_MAX = 4;
const PROGRESS_INTERVAL_MS = 5_000;

export function ledgerBench(shape: LedgerBenchShape) {
  return (options: BenchOptions, log: Log) => runLedgerBench(options, shape, log);
}

async function runLedgerBench(
  options: BenchOptions,
  shape: LedgerBenchShape,
  log: Log,
): Promise<BenchResult> {
  const name = shape === 'hot' ? 'ledger-hot' : 'ledger';
  const batchesInFlightMax = options.batchesInFlightMax ?? BATCHES_IN_FLIGHT_DEFAULT;
  // Under load only the batches in flight hold connections, so more would sit idle; the set-up
  // phase uses up to SETUP_WORKERS_MAX.
  const poolSizeMax = options.poolSizeMax ?? Math.max(batchesInFlightMax, SETUP_WORKERS_MAX);
  const sliceSeconds = options.seconds / options.rounds;
  const pgbenchScale = options.pgbenchScale ?? options.clients;

  const databaseUrl = await createScratchDatabase(options.adminUrl, 'rampart_bench_ledger');
  let pgbenchDatabase: PgbenchDatabase | undefined;
  try {
    log(`${name}: pgbench -i -s ${pgbenchScale}`);
    pgbenchDatabase = await createPgbenchDatabase({
      adminUrl: options.adminUrl,
      pgbenchPath: options.pgbenchPath,
      scale: pgbenchScale,
    });
    const store = await openStore({ databaseUrl, dataDir: 'memory://unused-with-postgres', poolSizeMax });
    try {
      await migrateToLatest(store);
      const ledger = createLedger({ db: store.db, clock: systemClock, batchesInFlightMax });
      const setupStartMs = performance.now();
      const accounts = await setUpAccounts({ ledger, db: store.db, count: options.accounts, shape });
      log(`${name}: ${options.accounts} wallets created and funded in ${secondsSince(setupStartMs)} s`);
      log(
        `${name}: ${options.clients} clients, ${batchesInFlightMax} batches in flight, pool ${poolSizeMax}, ` +
          `${options.rounds} × (${sliceSeconds} s ledger, ${sliceSeconds} s pgbench)`,
      );

      const load = new LoadStats();
      const pgbenchRuns: PgbenchRun[] = [];
      const loadAvg1m = loadavg()[0] ?? 0;
      for (let roundIndex = 1; roundIndex <= options.rounds; roundIndex++) {
        // Each phase starts from a flushed server, so no checkpoint left by one lands on the other.
        await checkpoint(options.adminUrl);
        const created = load.created;
        const elapsedS = load.elapsedS;
        await runLoad({
          ledger,
          accounts,
          clients: options.clients,
          seconds: sliceSeconds,
          stats: load,
          name,
          log,
        });
        await checkpoint(options.adminUrl);
        const run = await runPgbench({
          pgbenchPath: options.pgbenchPath,
          databaseUrl: pgbenchDatabase.databaseUrl,
          clients: options.clients,
          seconds: sliceSeconds,
        });
        pgbenchRuns.push(run);
        const sliceRate = (load.created - created) / (load.elapsedS - elapsedS);
        log(
          `${name}: round ${roundIndex}/${options.rounds}: ${sliceRate.toFixed(0)} transfers/s, pgbench ${run.tps.toFixed(0)} tps`,
        );
      }
      if (load.rejected > 0) {
        log(`${name}: rejected ${JSON.stringify(Object.fromEntries(load.rejectReasons))}`);
      }

      const commits = await countCommits(store.db);
      const verifyStartMs = performance.now();
      const verify = await verifyLedger(store.db, { nowMs: systemClock.nowMs() });
      log(
        `${name}: verify ${verify.ok ? 'ok' : 'FAILED'} (${verify.transfersChecked} transfers, ${secondsSince(verifyStartMs)} s)`,
      );
      for (const violation of verify.violations) {
        log(`${name}: violation ${violation.check}: ${violation.detail}`);
      }
      if (commits.transfers !== load.created) {
        log(
          `${name}: ${load.created} transfers acknowledged as created but ${commits.transfers} in the journal`,
        );
      }

      // Equal slices, so the mean of pgbench's per-slice figures is its figure over the whole time.
      const pgbenchTps = mean(pgbenchRuns.map((r) => r.tps));
      const pgbenchLatencies = pgbenchRuns.flatMap((r) => (r.latencyAvgMs === null ? [] : [r.latencyAvgMs]));
      const transfersPerS = load.created / load.elapsedS;
      return {
        ok: verify.ok && load.errors === 0 && commits.transfers === load.created,
        line: {
          bench: name,
          transfers_per_s: round(transfersPerS, 1),
          p99_ms: round(load.latency.quantileMs(0.99), 2),
          pgbench_tps: round(pgbenchTps, 1),
          ratio: round(transfersPerS / pgbenchTps, 3),
          verify_ok: verify.ok,
          clients: options.clients,
          seconds: options.seconds,
          rounds: options.rounds,
          accounts: options.accounts,
          transfers: load.created,
          rejected: load.rejected,
          errors: load.errors,
          p50_ms: round(load.latency.quantileMs(0.5), 2),
          mean_ms: round(load.latency.meanMs(), 2),
          // 100 = one core busy: how much of the two cores the Node side took from PostgreSQL.
          node_cpu_pct: round((100 * load.cpuS) / load.elapsedS, 0),
          transfers_per_commit: commits.commits === 0 ? 0 : round(commits.transfers / commits.commits, 1),
          batches_in_flight_max: batchesInFlightMax,
          pool_size_max: poolSizeMax,
          pgbench_scale: pgbenchScale,
          pgbench_latency_avg_ms: pgbenchLatencies.length > 0 ? round(mean(pgbenchLatencies), 2) : null,
          cores: availableParallelism(),
          // Other work on the host skews the figures; this shows how busy it was as the load began.
          load_avg_1m: round(loadAvg1m, 2),
          node: process.version,
          postgres: await serverVersion(options.adminUrl),
        },
      };
    } finally {
      await store.close();
    }
  } finally {
    try {
      await pgbenchDatabase?.drop();
    } finally {
      await dropScratchDatabase(options.adminUrl, databaseUrl);
    }
  }
}

interface BenchAccounts {
  readonly walletIds: readonly string[];
  /** `ledger-hot` only: the account every transfer credits. */
  readonly merchantId: string | null;
}

async function setUpAccounts(input: {
  ledger: Ledger;
  db: Kysely<Database>;
  count: number;
  shape: LedgerBenchShape;
}): Promise<BenchAccounts> {
  const { ledger, db, count } = input;
  const bank = await ledger.systemAccount('external_funding', 'CNY');
  const merchant =
    input.shape === 'hot'
      ? await ledger.createAccount({ kind: 'merchant_settlement', currency: 'CNY', label: 'bench merchant' })
      : null;

  // Creating accounts is not what is measured: many per transaction, a few transactions at once.
  const walletIds: string[] = [];
  let nextStart = 0;
  const worker = async () => {
    for (let start = nextStart; start < count; start = nextStart) {
      nextStart += ACCOUNTS_PER_SETUP_TRANSACTION;
      const end = Math.min(start + ACCOUNTS_PER_SETUP_TRANSACTION, count);
      const ids = await db.transaction().execute(async (trx) => {
        const created: string[] = [];
        for (let i = start; i < end; i++) {
          created.push(
            (await ledger.createAccount({ kind: 'wallet', currency: 'CNY', label: `bench ${i}` }, trx)).id,
          );
        }
        return created;
      });
      walletIds.push(...ids);
    }
  };
  await Promise.all(Array.from({ length: SETUP_WORKERS_MAX }, worker));
  if (walletIds.length !== count) throw new Error(`created ${walletIds.length} wallets, wanted ${count}`);

  // Funding goes through the ledger's batch API, as top-ups do; every batch locks the bank's
  // account, so they run one after another.
  for (let start = 0; start < count; start += TRANSFERS_PER_BATCH_MAX) {
    const batch = walletIds.slice(start, start + TRANSFERS_PER_BATCH_MAX).map((walletId) => ({
      id: `fund-${walletId}`,
      kind: 'posted' as const,
      code: 'top_up',
      legs: [
        {
          debitAccountId: bank.id,
          creditAccountId: walletId,
          amountMinor: WALLET_FUNDING_MINOR,
          currency: 'CNY' as const,
        },
      ],
    }));
    const results = await ledger.createTransfers(batch);
    const failed = results.find((r) => r.status !== 'created');
    if (failed) throw new Error(`funding a wallet failed: ${JSON.stringify(failed)}`);
  }
  return { walletIds, merchantId: merchant?.id ?? null };
}

/** What the clients saw, summed over every slice of a run. */
class LoadStats {
  created = 0;
  rejected = 0;
  errors = 0;
  elapsedS = 0;
  /** CPU time of this process (all threads) while the clients ran. */
  cpuS = 0;
  readonly latency = new LatencyHistogram();
  readonly rejectReasons = new Map<string, number>();
}

/** One slice: `clients` clients, each with one transfer outstanding at a time, like a user
 *  waiting on the result, until `seconds` have passed; then the last answers are awaited. */
async function runLoad(input: {
  ledger: Ledger;
  accounts: BenchAccounts;
  clients: number;
  seconds: number;
  stats: LoadStats;
  name: string;
  log: Log;
}): Promise<void> {
  const { ledger, stats, log } = input;
  const { walletIds, merchantId } = input.accounts;
  const runTag = randomBytes(4).toString('hex');
  const pick = () => walletIds[Math.floor(Math.random() * walletIds.length)]!;
  const startMs = performance.now();
  const cpuStart = process.cpuUsage();
  const deadlineMs = startMs + input.seconds * 1000;
  const createdBefore = stats.created;
  const progress = setInterval(() => {
    log(`${input.name}: ${secondsSince(startMs)} s, ${stats.created - createdBefore} transfers`);
  }, PROGRESS_INTERVAL_MS);

  // The loop is bounded by the deadline.
  const client = async (clientIndex: number) => {
    for (let seq = 0; performance.now() < deadlineMs; seq++) {
      const payer = pick();
      let payee = merchantId ?? pick();
      while (payee === payer) payee = pick();
      const sentMs = performance.now();
      try {
        const result = await ledger.submitTransfer({
          id: `bench-${runTag}-${clientIndex}-${seq}`,
          kind: 'posted',
          code: 'p2p',
          legs: [
            {
              debitAccountId: payer,
              creditAccountId: payee,
              amountMinor: BigInt(1 + Math.floor(Math.random() * TRANSFER_AMOUNT_MAX_MINOR)),
              currency: 'CNY',
            },
          ],
        });
        stats.latency.record(performance.now() - sentMs);
        if (result.status === 'created') {
          stats.created++;
        } else if (result.status === 'rejected') {
          stats.rejected++;
          stats.rejectReasons.set(result.reason, (stats.rejectReasons.get(result.reason) ?? 0) + 1);
        } else {
          throw new Error(`transfer ${result.transfer.id} is new, yet it was ${result.status}`);
        }
      } catch (error) {
        if (stats.errors === 0) {
          log(`${input.name}: first error: ${error instanceof Error ? error.stack : error}`);
        }
        stats.errors++;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: input.clients }, (_, i) => client(i)));
  } finally {
    clearInterval(progress);
  }
  await ledger.drain();
  stats.elapsedS += (performance.now() - startMs) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  stats.cpuS += (cpu.user + cpu.system) / 1e6;
}

/** Group commit at work: every batch is one transaction, so its rows share one xmin. */
async function countCommits(db: Kysely<Database>): Promise<{ transfers: number; commits: number }> {
  const result = await sql<{ transfers: bigint; commits: bigint }>`
    SELECT count(*) AS transfers, count(DISTINCT xmin::text) AS commits
    FROM ledger_transfers WHERE code = 'p2p'`.execute(db);
  const row = result.rows[0];
  return { transfers: Number(row?.transfers ?? 0n), commits: Number(row?.commits ?? 0n) };
}

function secondsSince(startMs: number): string {
  return ((performance.now() - startMs) / 1000).toFixed(1);
}

function mean(values: readonly number[]): number {
  return values.length === 0 ? 0 : values.reduce((sum, v) => sum + v, 0) / values.length;
}
