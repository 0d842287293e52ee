/**
 * Background jobs: periodic work registered once, run on every process's timer, executed once per
 * tick across all processes (docs/scale-out.md).
 *
 * A job is ONE registration: `jobs.register({ name, intervalMs, run })`. `run(nowMs)` is a
 * module's existing `runDue(nowMs)` / `settleDue()` / `expireHolds()`; it must be safe to run
 * again after a crash (every job here claims its rows in the database), since "once per tick" is
 * about not wasting N processes on the same sweep, and a crashed runner's tick is run again when
 * its lease runs out.
 *
 * Two modes, one API:
 *  - `local` (embedded PGlite, one process): each job is an unref'd timer in this process; a run
 *    still going makes the next tick skip. Nothing is written per tick.
 *  - `shared` (PostgreSQL, any number of processes): each process still ticks, but a tick only
 *    runs the job after winning it in `job_schedule` with one UPDATE … WHERE next_run_at <= now
 *    AND the lease is free … RETURNING: row locking makes exactly one process win each tick,
 *    whatever the number of processes (so a job runs every 0.8–1 interval, not N times per
 *    interval). The lease (default 5 × interval, at least 30 s) hands the
 *    job to another process if the winner dies mid-run.
 *
 * Why not graphile-worker or pg-boss: the work queues already live in their domain tables
 * (notification_outbox, event_outbox, funding_operations) and are claimed with FOR UPDATE SKIP
 * LOCKED; what was missing is only "who pumps, and how often". One row per job does that with no
 * second schema, no extra connection pool, and the same code on PGlite.
 */
import { hostname } from 'node:os';
import type { Kysely } from 'kysely';
import { sql } from 'kysely';
import { assert, type Clock, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export type JobMode = 'local' | 'shared';

export interface JobDefinition {
  /** Stable, unique: `module.what` (e.g. `ledger.expire-holds`). */
  readonly name: string;
  /** How often the job should run (once per interval across all processes). */
  readonly intervalMs: number;
  /** The work; resolves when done. Gets the tick's time. */
  readonly run: (nowMs: number) => Promise<unknown>;
  /** How long a run may take before another process may take the job over (shared mode). */
  readonly leaseMs?: number;
}

export interface JobLogger {
  error(details: Record<string, unknown>, message: string): void;
}

export interface JobsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly mode: JobMode;
  readonly logger?: JobLogger | undefined;
  /** Names this process in `job_schedule.leased_by` (tests give each "process" its own). */
  readonly instanceId?: string | undefined;
}

export interface Jobs {
  readonly mode: JobMode;
  register(job: JobDefinition): void;
  /** Starts every registered job's timer. */
  start(): void;
  /** Runs, once, every job whose tick this process wins now; resolves to the names it ran. */
  tickAll(): Promise<string[]>;
  /** Stops the timers and waits for runs in progress. */
  stop(): Promise<void>;
  names(): string[];
}

export const JOB_INTERVAL_MIN_MS = 10;
export const JOB_LEASE_MIN_MS = 30_000;
const JOB_NAME_PATTERN = /^[a-z][a-z0-9_.-]{0,62}$/;
const LAST_ERROR_CHARS_MAX = 500;

const consoleLogger: JobLogger = { error: (details, message) => console.error(message, details) };

export function createJobs(deps: JobsDeps): Jobs {
  const { db, clock, mode } = deps;
  const logger = deps.logger ?? consoleLogger;
  const instanceId = deps.instanceId ?? `${hostname()}:${process.pid}:${newId('job')}`;
  const jobs = new Map<string, JobDefinition>();
  const running = new Map<string, Promise<boolean>>();
  const timers: NodeJS.Timeout[] = [];
  let ensured = false;

  async function ensureRows(): Promise<void> {
    if (ensured || mode === 'local') return;
    const nowMs = clock.nowMs();
    await db
      .insertInto('job_schedule')
      .values([...jobs.keys()].map((name) => ({ name, next_run_at: new Date(nowMs) })))
      .onConflict((oc) => oc.column('name').doNothing())
      .execute();
    ensured = true;
  }

  /** Shared mode: wins this tick of `job` or answers false. */
  async function claim(job: JobDefinition, nowMs: number): Promise<boolean> {
    const leaseMs = job.leaseMs ?? Math.max(JOB_LEASE_MIN_MS, 5 * job.intervalMs);
    const won = await db
      .updateTable('job_schedule')
      .set({
        // A little early: the processes' timers drift against each other, and a tick that comes
        // a few ms before `next_run_at` would otherwise skip a whole interval.
        next_run_at: new Date(nowMs + job.intervalMs - Math.floor(job.intervalMs / 5)),
        lease_until: new Date(nowMs + leaseMs),
        leased_by: instanceId,
        runs: sql`runs + 1`,
      })
      .where('name', '=', job.name)
      .where('next_run_at', '<=', new Date(nowMs))
      .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', new Date(nowMs))]))
      .returning('name')
      .executeTakeFirst();
    return won !== undefined;
  }

  async function release(job: JobDefinition, error: unknown): Promise<void> {
    await db
      .updateTable('job_schedule')
      .set({
        lease_until: null,
        leased_by: null,
        last_finished_at: new Date(clock.nowMs()),
        last_error: error === undefined ? null : describe(error),
      })
      .where('name', '=', job.name)
      .where('leased_by', '=', instanceId)
      .execute();
  }

  /** One tick of one job; true when this process ran it. Never throws. */
  async function tick(job: JobDefinition): Promise<boolean> {
    const nowMs = clock.nowMs();
    let won = mode === 'local';
    try {
      if (mode === 'shared') {
        await ensureRows();
        won = await claim(job, nowMs);
      }
    } catch (error) {
      logger.error({ job: job.name, err: error }, 'job claim failed');
      return false;
    }
    if (!won) return false;
    let failure: unknown;
    try {
      await job.run(nowMs);
    } catch (error) {
      failure = error;
      logger.error({ job: job.name, err: error }, 'job run failed');
    }
    if (mode === 'shared') {
      // If this fails the lease simply runs out and another process takes the next tick.
      await release(job, failure).catch((error: unknown) =>
        logger.error({ job: job.name, err: error }, 'job release failed'),
      );
    }
    return true;
  }

  function tickOnce(job: JobDefinition): Promise<boolean> {
    const inFlight = running.get(job.name);
    if (inFlight) return Promise.resolve(false); // still running: this tick is skipped
    const run = tick(job).finally(() => running.delete(job.name));
    running.set(job.name, run);
    return run;
  }

  return {
    mode,
    register(job) {
      assert(JOB_NAME_PATTERN.test(job.name), `job name ${job.name} is lower-case, dotted, short`);
      assert(!jobs.has(job.name), `job ${job.name} is registered once`);
      assert(timers.length === 0, 'jobs are registered before start');
      assert(
        Number.isSafeInteger(job.intervalMs) && job.intervalMs >= JOB_INTERVAL_MIN_MS,
        `job ${job.name}: an interval of at least ${JOB_INTERVAL_MIN_MS} ms`,
      );
      jobs.set(job.name, job);
    },
    start() {
      assert(timers.length === 0, 'jobs start once');
      for (const job of jobs.values()) {
        const timer = setInterval(() => void tickOnce(job), job.intervalMs);
        timer.unref();
        timers.push(timer);
      }
    },
    async tickAll() {
      const ran = await Promise.all(
        [...jobs.values()].map(async (job) => ((await tickOnce(job)) ? job.name : '')),
      );
      return ran.filter((name) => name !== '');
    },
    async stop() {
      for (const timer of timers.splice(0)) clearInterval(timer);
      await Promise.all(running.values());
    },
    names: () => [...jobs.keys()],
  };
}

function describe(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').slice(0, LAST_ERROR_CHARS_MAX);
}
