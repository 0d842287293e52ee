/**
 * The transactional outbox's two moving parts (docs/scale-out.md):
 *
 * - Writing: nothing here. Triggers (migration 0013) insert one `event_outbox` row in the same
 *   transaction as the change it describes — a posted ledger movement, an account frozen — so an
 *   event exists exactly when its change committed, whichever module made it.
 * - Publishing: `publishDue` claims a batch of unpublished rows in id order (FOR UPDATE SKIP
 *   LOCKED plus a 30 s claim lease: concurrent publishers never take the same row), hands each
 *   to the transport, then marks them published. A crash between the transport's
 *   acknowledgement and that mark publishes those rows again: at least once. The event id travels as
 *   JetStream's Nats-Msg-Id, so the stream drops such repeats within its duplicate window, and
 *   every consumer is idempotent besides (consumers.ts), so a repeat outside it changes nothing.
 *
 * A transport failure (NATS down) rolls the claim back: the rows wait, the state changes they
 * describe are already committed and answered, so an event-bus outage never fails a payment.
 */
import type { Kysely } from 'kysely';
import { assert, type Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface DomainEvent {
  readonly eventId: string;
  readonly subject: string;
  readonly payload: Record<string, unknown>;
}

/** Where published events go: JetStream (scale-out) or straight to in-process consumers. */
export interface EventTransport {
  readonly kind: 'nats' | 'local';
  /** Resolves once the event is durably accepted (JetStream ack) or handled (local). */
  publish(event: DomainEvent): Promise<void>;
  close(): Promise<void>;
}

/** Rows per claim: bounds the claim transaction and the publish acks awaited inside it. */
export const PUBLISH_BATCH_MAX = 256;
/** Published rows older than this are deleted by `prunePublished`. */
export const PUBLISHED_RETENTION_MS = 60 * 60_000;
/** A claimed batch is another publisher's after this (the claimer crashed). */
export const CLAIM_LEASE_MS = 30_000;
/** Rows deleted per prune statement. */
export const PRUNE_BATCH_MAX = 5_000;

export interface EventPublisher {
  /** Publishes one batch of due events; resolves to how many were published. */
  publishDue(): Promise<number>;
  /** Publishes until nothing is due or `batchesMax` batches ran. */
  drain(batchesMax?: number): Promise<number>;
  /** Deletes published rows past retention; resolves to how many. */
  prunePublished(nowMs: number): Promise<number>;
}

export function createEventPublisher(deps: {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly transport: EventTransport;
  readonly batchMax?: number | undefined;
}): EventPublisher {
  const { db, clock, transport } = deps;
  const batchMax = deps.batchMax ?? PUBLISH_BATCH_MAX;
  assert(
    Number.isSafeInteger(batchMax) && batchMax >= 1 && batchMax <= PUBLISH_BATCH_MAX,
    'batchMax in range',
  );

  async function publishDue(): Promise<number> {
    const nowMs = clock.nowMs();
    // Claim: a short transaction, so no row lock (and on PGlite, not the one connection) is held
    // while the transport works. A claim lasts CLAIM_LEASE_MS; a crashed publisher's rows come back.
    const rows = await db.transaction().execute(async (trx) => {
      const due = await trx
        .selectFrom('event_outbox')
        .select(['id', 'event_id', 'subject', 'payload'])
        .where('published_at', 'is', null)
        .where((eb) => eb.or([eb('claimed_until', 'is', null), eb('claimed_until', '<=', new Date(nowMs))]))
        .orderBy('id')
        .limit(batchMax)
        .forUpdate()
        .skipLocked()
        .execute();
      if (due.length > 0) {
        await trx
          .updateTable('event_outbox')
          .set((eb) => ({
            claimed_until: new Date(nowMs + CLAIM_LEASE_MS),
            attempts: eb('attempts', '+', 1),
          }))
          .where(
            'id',
            'in',
            due.map((row) => row.id),
          )
          .execute();
      }
      return due;
    });
    if (rows.length === 0) return 0;
    // In id order, one at a time: a failure stops the batch and the rest waits for the next tick.
    const sent: bigint[] = [];
    let failure: unknown;
    for (const row of rows) {
      try {
        await transport.publish({
          eventId: row.event_id,
          subject: row.subject,
          payload: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as Record<
            string,
            unknown
          >,
        });
        sent.push(row.id);
      } catch (error) {
        failure = error;
        break;
      }
    }
    if (sent.length > 0) {
      await db
        .updateTable('event_outbox')
        .set({ published_at: new Date(clock.nowMs()), claimed_until: null })
        .where('id', 'in', sent)
        .execute();
    }
    const unsent = rows.slice(sent.length).map((row) => row.id);
    if (unsent.length > 0) {
      await db.updateTable('event_outbox').set({ claimed_until: null }).where('id', 'in', unsent).execute();
    }
    if (failure !== undefined) throw failure;
    return sent.length;
  }

  return {
    publishDue,
    async drain(batchesMax = 1_000) {
      let total = 0;
      for (let i = 0; i < batchesMax; i++) {
        const published = await publishDue();
        total += published;
        if (published === 0) break;
      }
      return total;
    },
    async prunePublished(nowMs) {
      const cutoff = new Date(nowMs - PUBLISHED_RETENTION_MS);
      const result = await db
        .deleteFrom('event_outbox')
        .where(
          'id',
          'in',
          db
            .selectFrom('event_outbox')
            .select('id')
            .where('published_at', '<', cutoff)
            .orderBy('id')
            .limit(PRUNE_BATCH_MAX),
        )
        .executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
