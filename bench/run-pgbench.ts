/**
 * The yardstick: pgbench's built-in TPC-B-like script (per transaction: update an account, a
 * teller and a branch, read the account back, insert a history row, commit) on a scratch
 * database of the same server, with the same client count as the bench it is compared with.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { createScratchDatabase, dropScratchDatabase } from '../src/store/index.ts';

const execFileAsync = promisify(execFile);

/** pgbench -i -s 16 takes ~4.5 s here; far past this something is wrong. */
const PGBENCH_INIT_TIMEOUT_MS = 180_000;
/** Past the run itself: connection set-up and the final report. */
const PGBENCH_RUN_SLACK_MS = 30_000;
/** pgbench's -j: one thread per core of the bench machine (2); more would only contend. */
const PGBENCH_THREADS_MAX = 2;

export interface PgbenchDatabase {
  readonly databaseUrl: string;
  readonly scale: number;
  drop(): Promise<void>;
}

/** A scratch database loaded by `pgbench -i -s <scale>`. The caller drops it. */
export async function createPgbenchDatabase(input: {
  readonly adminUrl: string;
  readonly pgbenchPath: string;
  readonly scale: number;
}): Promise<PgbenchDatabase> {
  const databaseUrl = await createScratchDatabase(input.adminUrl, 'rampart_bench_pgbench');
  const drop = () => dropScratchDatabase(input.adminUrl, databaseUrl);
  try {
    await execFileAsync(input.pgbenchPath, ['-i', '-q', '-s', String(input.scale), databaseUrl], {
      timeout: PGBENCH_INIT_TIMEOUT_MS,
    });
  } catch (error) {
    await drop();
    throw error;
  }
  return { databaseUrl, scale: input.scale, drop };
}

export interface PgbenchRun {
  /** pgbench's own figure: transactions per second, connection set-up excluded. */
  readonly tps: number;
  readonly latencyAvgMs: number | null;
  readonly threads: number;
}

/** `pgbench -c N -j 2 -T S -n`: the default TPC-B-like script, no vacuum first. */
export async function runPgbench(input: {
  readonly pgbenchPath: string;
  readonly databaseUrl: string;
  readonly clients: number;
  readonly seconds: number;
}): Promise<PgbenchRun> {
  const threads = Math.min(PGBENCH_THREADS_MAX, input.clients);
  const { stdout } = await execFileAsync(
    input.pgbenchPath,
    [
      '-c',
      String(input.clients),
      '-j',
      String(threads),
      '-T',
      String(input.seconds),
      '-n',
      input.databaseUrl,
    ],
    { timeout: input.seconds * 1000 + PGBENCH_RUN_SLACK_MS },
  );
  const tps = /^tps = ([0-9.]+)/m.exec(stdout);
  if (!tps?.[1]) throw new Error(`pgbench printed no "tps = " line:\n${stdout}`);
  const latency = /^latency average = ([0-9.]+) ms/m.exec(stdout);
  return { tps: Number(tps[1]), latencyAvgMs: latency?.[1] ? Number(latency[1]) : null, threads };
}
