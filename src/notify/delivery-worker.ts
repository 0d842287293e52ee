/**
 * The delivery worker: takes due messages from the notification outbox and hands them to the
 * e-mail and SMS providers.
 *
 * Claiming. A short transaction selects due rows (`next_attempt_at <= now`, neither sent nor
 * failed) with `FOR UPDATE SKIP LOCKED`, so concurrent workers (several processes on
 * PostgreSQL) never wait for each other nor take the same row; it counts the attempt and leases
 * the row by moving `next_attempt_at` past the longest a batch can take, then commits. Sending
 * happens outside any transaction: a slow SMTP server must not hold row locks, and on PGlite (one
 * connection) it must not hold up every other query. Afterwards the row is marked sent, or gets
 * its next attempt after a bounded exponential backoff, or, after the last attempt, failed.
 *
 * At-least-once. If the process dies after the provider accepted a message but before
 * `sent_at` is written (or a send outlives its timeout and succeeds anyway), the lease runs out
 * and the message is sent again. For a one-time code that means the same code twice, which is
 * harmless: it is the same single-use, 5-minute code, verification does not change, and a second
 * identical SMS is a far smaller failure than a code that never arrives (at-most-once would lose
 * messages on every such crash). Alerts are likewise safe to repeat. Exactly-once would need the
 * provider to deduplicate on our outbox id, which SMTP cannot do.
 *
 * Secrets: once a row is sent or failed for good its code and link token are masked in place
 * (templates.ts `redactSecrets`), so the outbox does not keep live secrets that the
 * one_time_codes table deliberately stores only as HMACs. `last_error` is cut, cleaned and masked
 * the same way.
 */
import type { Kysely, Transaction } from 'kysely';
import { assert, type Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { EmailProvider, SmsProvider } from './providers.ts';
import { redactSecrets } from './templates.ts';

/** Tries per message, the first included. With the backoff below the last try comes ~2 h after
 *  the first: long enough to ride out a provider outage, short enough that an alert still matters. */
export const DELIVERY_ATTEMPTS_MAX = 8;
/** Wait after the first failure; each later wait is DELIVERY_BACKOFF_FACTOR times longer. */
export const DELIVERY_BACKOFF_BASE_MS = 10_000;
export const DELIVERY_BACKOFF_FACTOR = 3;
/** No wait is longer than an hour: 10 s, 30 s, 90 s, 4.5 min, 13.5 min, 40.5 min, 1 h. */
export const DELIVERY_BACKOFF_MAX_MS = 60 * 60_000;
/** Rows claimed per run: bounds the claim transaction and the work between two lease renewals. */
export const DELIVERY_BATCH_MAX = 32;
/** Sends in flight at once within a run (SMTP connections, SMS gateway requests). */
export const DELIVERY_CONCURRENCY_MAX = 8;
/** One send may take this long before it counts as failed (SMTP timeouts are set below it). */
export const DELIVERY_SEND_TIMEOUT_MS = 30_000;
/** How long a claimed row is hidden from other workers: more than a full batch can take
 *  (4 waves × 30 s), so only a crashed or stuck worker's rows come back. */
export const DELIVERY_CLAIM_LEASE_MS = 5 * 60_000;
/** Characters of a provider error kept in `last_error`. */
export const LAST_ERROR_CHARS_MAX = 500;

const DAY_MS = 24 * 60 * 60_000;
/**
 * A message not delivered this long after it was queued is given up. A one-time code is only
 * valid for 5 minutes (identity's CODE_TTL_MS): a code arriving later is useless and confusing.
 * Everything else is worth delivering for a day, far longer than the whole retry schedule.
 */
export const DELIVERY_DEADLINE_DEFAULT_MS = DAY_MS;
export const DELIVERY_DEADLINES_MS: Readonly<Record<string, number>> = Object.freeze({
  otp_code: 5 * 60_000,
});

assert(
  DELIVERY_CLAIM_LEASE_MS >
    Math.ceil(DELIVERY_BATCH_MAX / DELIVERY_CONCURRENCY_MAX) * DELIVERY_SEND_TIMEOUT_MS,
  'a claim outlives the batch it covers',
);

/** The wait after `attemptsMade` failed attempts (1 → 10 s, 2 → 30 s, … capped at 1 h). */
export function deliveryBackoffMs(attemptsMade: number): number {
  assert(Number.isSafeInteger(attemptsMade) && attemptsMade >= 1, 'a backoff follows an attempt');
  const exponent = Math.min(attemptsMade - 1, 32); // 3^32 × 10 s is far past the cap already
  return Math.min(DELIVERY_BACKOFF_MAX_MS, DELIVERY_BACKOFF_BASE_MS * DELIVERY_BACKOFF_FACTOR ** exponent);
}

/** pino's and Fastify's loggers fit. */
export interface DeliveryLogger {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export interface DeliveryWorkerDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly email: EmailProvider;
  readonly sms: SmsProvider;
  readonly logger?: DeliveryLogger | undefined;
  /** Rows per run, at most DELIVERY_BATCH_MAX (tests use fewer to interleave workers). */
  readonly batchMax?: number | undefined;
  /** Per-send timeout, at most DELIVERY_SEND_TIMEOUT_MS. */
  readonly sendTimeoutMs?: number | undefined;
}

export interface DeliveryWorker {
  /** Claims one batch of due messages and sends them; resolves to how many were delivered. */
  runOnce(): Promise<number>;
  /** Runs every `intervalMs` on an unref'd timer; a run still going makes the next tick skip. */
  start(intervalMs: number): void;
  /** Stops the timer and waits for a run in progress. */
  stop(): Promise<void>;
}

/** The worker's view of a claimed row; `attempts` includes the attempt being made. */
interface ClaimedRow {
  readonly id: bigint;
  readonly channel: 'sms' | 'email' | 'in_app';
  readonly destination: string;
  readonly template: string;
  readonly subject: string;
  readonly body: string;
  readonly attempts: number;
}

const consoleLogger: DeliveryLogger = {
  warn: (details, message) => console.warn(message, details),
  error: (details, message) => console.error(message, details),
};

export function createDeliveryWorker(deps: DeliveryWorkerDeps): DeliveryWorker {
  const { db, clock } = deps;
  const logger = deps.logger ?? consoleLogger;
  const batchMax = deps.batchMax ?? DELIVERY_BATCH_MAX;
  const sendTimeoutMs = deps.sendTimeoutMs ?? DELIVERY_SEND_TIMEOUT_MS;
  assert(
    Number.isSafeInteger(batchMax) && batchMax >= 1 && batchMax <= DELIVERY_BATCH_MAX,
    'batchMax in range',
  );
  assert(
    Number.isSafeInteger(sendTimeoutMs) && sendTimeoutMs >= 1 && sendTimeoutMs <= DELIVERY_SEND_TIMEOUT_MS,
    'sendTimeoutMs in range',
  );

  async function claim(): Promise<ClaimedRow[]> {
    const nowMs = clock.nowMs();
    return db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('notification_outbox')
        .select(['id', 'channel', 'destination', 'template', 'subject', 'body', 'attempts', 'created_at'])
        .where('sent_at', 'is', null)
        .where('failed_at', 'is', null)
        .where('channel', 'in', ['sms', 'email'])
        .where('next_attempt_at', '<=', new Date(nowMs))
        .orderBy('next_attempt_at')
        .orderBy('id')
        .limit(batchMax)
        .forUpdate()
        .skipLocked()
        .execute();
      const claimed: ClaimedRow[] = [];
      for (const row of due) {
        const deadlineMs = DELIVERY_DEADLINES_MS[row.template] ?? DELIVERY_DEADLINE_DEFAULT_MS;
        if (row.attempts >= DELIVERY_ATTEMPTS_MAX) {
          // The last attempt was claimed but never reported back (a crash): give up, as the
          // schedule says.
          await markFailedInClaim(trx, row, nowMs, 'no attempts left: the last one did not report back');
        } else if (nowMs >= row.created_at.getTime() + deadlineMs) {
          await markFailedInClaim(trx, row, nowMs, `expired: not delivered within ${deadlineMs / 1000} s`);
        } else {
          claimed.push({ ...row, attempts: row.attempts + 1 });
        }
      }
      if (claimed.length > 0) {
        await trx
          .updateTable('notification_outbox')
          .set((eb) => ({
            attempts: eb('attempts', '+', 1),
            next_attempt_at: new Date(nowMs + DELIVERY_CLAIM_LEASE_MS),
          }))
          .where(
            'id',
            'in',
            claimed.map((row) => row.id),
          )
          .execute();
      }
      return claimed;
    });
  }

  async function markFailedInClaim(
    trx: Transaction<Database>,
    row: { id: bigint; template: string; subject: string; body: string },
    nowMs: number,
    reason: string,
  ): Promise<void> {
    await trx
      .updateTable('notification_outbox')
      .set({
        failed_at: new Date(nowMs),
        last_error: reason,
        subject: redactSecrets(row.template, row.subject),
        body: redactSecrets(row.template, row.body),
      })
      .where('id', '=', row.id)
      .execute();
    logger.error(
      { outboxId: row.id.toString(), template: row.template, reason },
      'notification given up without sending',
    );
  }

  function send(row: ClaimedRow): Promise<void> {
    switch (row.channel) {
      case 'sms':
        return deps.sms.send({ to: row.destination, text: row.body });
      case 'email':
        return deps.email.send({ to: row.destination, subject: row.subject, text: row.body });
      case 'in_app':
        // Never claimed: in-app rows are stored as delivered.
        return Promise.reject(new Error('in-app messages are not sent'));
    }
  }

  async function markSent(row: ClaimedRow): Promise<void> {
    await db
      .updateTable('notification_outbox')
      .set({
        sent_at: new Date(clock.nowMs()),
        failed_at: null,
        last_error: null,
        subject: redactSecrets(row.template, row.subject),
        body: redactSecrets(row.template, row.body),
      })
      .where('id', '=', row.id)
      .where('sent_at', 'is', null)
      .execute();
  }

  async function markAttemptFailed(row: ClaimedRow, error: unknown): Promise<void> {
    const nowMs = clock.nowMs();
    const lastError = describeDeliveryError(error, row.template);
    const final = row.attempts >= DELIVERY_ATTEMPTS_MAX;
    await db
      .updateTable('notification_outbox')
      .set({
        last_error: lastError,
        next_attempt_at: new Date(nowMs + deliveryBackoffMs(row.attempts)),
        ...(final
          ? {
              failed_at: new Date(nowMs),
              subject: redactSecrets(row.template, row.subject),
              body: redactSecrets(row.template, row.body),
            }
          : {}),
      })
      .where('id', '=', row.id)
      // Only while this attempt is the row's latest: a worker that took over after our lease
      // ran out owns the row now.
      .where('attempts', '=', row.attempts)
      .where('sent_at', 'is', null)
      .where('failed_at', 'is', null)
      .execute();
    const details = {
      outboxId: row.id.toString(),
      channel: row.channel,
      template: row.template,
      attempt: row.attempts,
      error: lastError,
    };
    if (final) logger.error(details, 'notification failed for good after the last attempt');
    else logger.warn(details, 'notification attempt failed; will retry');
  }

  async function runOnce(): Promise<number> {
    const claimed = await claim();
    let delivered = 0;
    const bookkeepingErrors: unknown[] = [];
    await forEachBounded(claimed, DELIVERY_CONCURRENCY_MAX, async (row) => {
      let sendError: { error: unknown } | null = null;
      try {
        await withTimeout(() => send(row), sendTimeoutMs);
      } catch (error) {
        sendError = { error };
      }
      try {
        if (sendError === null) {
          await markSent(row);
          delivered += 1;
        } else {
          await markAttemptFailed(row, sendError.error);
        }
      } catch (error) {
        // The store failed us: the lease will run out and the row comes back (at-least-once).
        bookkeepingErrors.push(error);
      }
    });
    if (bookkeepingErrors.length > 0) {
      throw new AggregateError(bookkeepingErrors, 'notification delivery: could not record some outcomes');
    }
    return delivered;
  }

  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;

  function tick(): void {
    if (running) return;
    running = runOnce()
      .then(
        () => undefined,
        (error: unknown) => logger.error({ err: error }, 'notification delivery run failed'),
      )
      .finally(() => {
        running = undefined;
      });
  }

  return {
    runOnce,
    start(intervalMs) {
      assert(timer === undefined, 'the delivery worker is started once');
      assert(Number.isSafeInteger(intervalMs) && intervalMs >= 10, 'a delivery interval of at least 10 ms');
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await running;
    },
  };
}

/** A provider error as stored and logged: code and message only, one line, cut, secrets masked. */
export function describeDeliveryError(error: unknown, template: string): string {
  let text = 'unknown error (not an Error object)';
  if (error instanceof Error) {
    const code = 'code' in error && typeof error.code === 'string' ? `${error.code}: ` : '';
    text = `${code}${error.message}`;
  }
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const oneLine = text.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
  return redactSecrets(template, oneLine).slice(0, LAST_ERROR_CHARS_MAX);
}

async function withTimeout(work: () => Promise<void>, timeoutMs: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(Object.assign(new Error(`no answer within ${timeoutMs} ms`), { code: 'send_timeout' })),
      timeoutMs,
    );
    timer.unref();
  });
  try {
    // Promise.resolve().then: a provider that throws synchronously fails this attempt only.
    await Promise.race([Promise.resolve().then(work), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `work` over `items` with at most `lanesMax` at a time; `work` must not throw. */
async function forEachBounded<T>(
  items: readonly T[],
  lanesMax: number,
  work: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(lanesMax, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next]!;
      next += 1;
      await work(item);
    }
  });
  await Promise.all(lanes);
}
