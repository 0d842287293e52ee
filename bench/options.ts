/**
 * Command-line options shared by every bench, validated once here: `--clients 16 --seconds 10`.
 */
import { parseArgs } from 'node:util';

/** Debian's PostgreSQL client package puts pgbench here. */
const PGBENCH_PATH_DEFAULT = '/usr/bin/pgbench';
/** Trust auth on the bench machine; the benches create and drop their own databases. */
const ADMIN_URL_DEFAULT = 'postgres://postgres@127.0.0.1:5432/postgres';
/** PostgreSQL's default max_connections is 100; leave room for the admin and other sessions. */
const CLIENTS_MAX = 90;
const SECONDS_MAX = 600;
const ROUNDS_MAX = 60;
const ACCOUNTS_MAX = 1_000_000;
/** pgbench -i -s 1000 is 100 million accounts rows (~15 GB): past that this is not a quick bench. */
const PGBENCH_SCALE_MAX = 1000;

export interface BenchOptions {
  /** Bench names to run, in order; empty means all. */
  readonly names: readonly string[];
  readonly clients: number;
  readonly seconds: number;
  readonly accounts: number;
  /** The measured time is split into this many alternating ledger / pgbench slices. */
  readonly rounds: number;
  /** Ledger group commit: batches in flight at once; undefined means the bench's tuned default. */
  readonly batchesInFlightMax: number | undefined;
  /** pg pool size; undefined means the bench's tuned default. */
  readonly poolSizeMax: number | undefined;
  /** pgbench scale factor; undefined means one branch per client (pgbench's own advice). */
  readonly pgbenchScale: number | undefined;
  readonly adminUrl: string;
  readonly pgbenchPath: string;
}

export const USAGE = `usage: npm run bench -- [name...] [options]
  --clients N            concurrent clients (default 16)
  --seconds S            measured seconds of ledger load, and of pgbench (default 10)
  --accounts N           wallets created and funded before the load (default 10000)
  --rounds R             alternate R ledger and R pgbench slices of seconds/R each, so both
                         see the same background load (default 1: ledger, then pgbench)
  --batches-in-flight N  ledger group commit: batches in flight at once (default: tuned)
  --pool-size N          pg pool size (default: tuned)
  --pgbench-scale N      pgbench -i -s (default: the client count)
  env RAMPART_BENCH_PG_ADMIN_URL (default ${ADMIN_URL_DEFAULT}), RAMPART_BENCH_PGBENCH (default ${PGBENCH_PATH_DEFAULT})`;

export class UsageError extends Error {
  override name = 'UsageError';
}

export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let parsed: ReturnType<typeof parseRaw>;
  try {
    parsed = parseRaw(argv);
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const seconds = intOption({ name: '--seconds', raw: values.seconds, min: 1, max: SECONDS_MAX }) ?? 10;
  const rounds = intOption({ name: '--rounds', raw: values.rounds, min: 1, max: ROUNDS_MAX }) ?? 1;
  // pgbench -T takes whole seconds.
  if (seconds % rounds !== 0) {
    throw new UsageError(`--seconds (${seconds}) must be a multiple of --rounds (${rounds})`);
  }
  return {
    names: positionals,
    clients: intOption({ name: '--clients', raw: values.clients, min: 1, max: CLIENTS_MAX }) ?? 16,
    seconds,
    rounds,
    accounts: intOption({ name: '--accounts', raw: values.accounts, min: 2, max: ACCOUNTS_MAX }) ?? 10_000,
    batchesInFlightMax: intOption({
      name: '--batches-in-flight',
      raw: values['batches-in-flight'],
      min: 1,
      max: CLIENTS_MAX,
    }),
    poolSizeMax: intOption({ name: '--pool-size', raw: values['pool-size'], min: 1, max: CLIENTS_MAX }),
    pgbenchScale: intOption({
      name: '--pgbench-scale',
      raw: values['pgbench-scale'],
      min: 1,
      max: PGBENCH_SCALE_MAX,
    }),
    adminUrl: process.env.RAMPART_BENCH_PG_ADMIN_URL || ADMIN_URL_DEFAULT,
    pgbenchPath: process.env.RAMPART_BENCH_PGBENCH || PGBENCH_PATH_DEFAULT,
  };
}

function parseRaw(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      clients: { type: 'string' },
      seconds: { type: 'string' },
      accounts: { type: 'string' },
      rounds: { type: 'string' },
      'batches-in-flight': { type: 'string' },
      'pool-size': { type: 'string' },
      'pgbench-scale': { type: 'string' },
    },
  });
}

/** A whole number within [min, max], or undefined when the option was not given. */
function intOption(input: {
  name: string;
  raw: string | undefined;
  min: number;
  max: number;
}): number | undefined {
  const { name, raw, min, max } = input;
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw)) throw new UsageError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) {
    throw new UsageError(`${name} must be between ${min} and ${max}, got ${value}`);
  }
  return value;
}
