/**
 * Idempotent event consumers. Each records `(consumer, event_id)` in `event_consumptions` in the
 * same transaction as its effect; a repeat (JetStream redelivery after a lost ack, a publisher
 * crash outside the duplicate window) finds the row and changes nothing.
 *
 * `account-activity` keeps, per ledger account, how many posted movements touched it and the
 * sums debited and credited: a read model built only from the event stream, which the fault
 * tests compare with the ledger itself to prove every committed movement was delivered and
 * applied exactly once.
 */
import { type Kysely, sql } from 'kysely';
import type { Database } from '../store/index.ts';
import type { DomainEvent } from './outbox.ts';

export interface EventConsumer {
  readonly name: string;
  /** Subjects it wants (NATS wildcards; `>` matches the rest). */
  readonly subjects: readonly string[];
  /** Applies the event once; resolves to false when it had been applied before. */
  handle(event: DomainEvent): Promise<boolean>;
}

interface Leg {
  accountId: string;
  side: 'D' | 'C';
  amountMinor: string;
}

export const ACCOUNT_ACTIVITY_CONSUMER = 'account-activity';

export function createAccountActivityConsumer(deps: {
  readonly db: Kysely<Database>;
  readonly nowMs: () => number;
}): EventConsumer {
  return {
    name: ACCOUNT_ACTIVITY_CONSUMER,
    subjects: ['rampart.ledger.posted.>'],
    async handle(event) {
      const legs = Array.isArray(event.payload.legs) ? (event.payload.legs as Leg[]) : [];
      return deps.db.transaction().execute(async (trx) => {
        const fresh = await trx
          .insertInto('event_consumptions')
          .values({
            consumer: ACCOUNT_ACTIVITY_CONSUMER,
            event_id: event.eventId,
            consumed_at: new Date(deps.nowMs()),
          })
          .onConflict((oc) => oc.columns(['consumer', 'event_id']).doNothing())
          .returning('event_id')
          .executeTakeFirst();
        if (!fresh) return false;
        // Per account: one row, in account id order (no deadlocks between consumers).
        const perAccount = new Map<string, { debited: bigint; credited: bigint }>();
        for (const leg of legs) {
          const sums = perAccount.get(leg.accountId) ?? { debited: 0n, credited: 0n };
          if (leg.side === 'D') sums.debited += BigInt(leg.amountMinor);
          else sums.credited += BigInt(leg.amountMinor);
          perAccount.set(leg.accountId, sums);
        }
        for (const accountId of [...perAccount.keys()].sort()) {
          const sums = perAccount.get(accountId)!;
          await trx
            .insertInto('event_account_activity')
            .values({
              account_id: accountId,
              posted_events: 1n,
              debited_minor: sums.debited,
              credited_minor: sums.credited,
              last_event_id: event.eventId,
              updated_at: new Date(deps.nowMs()),
            })
            .onConflict((oc) =>
              oc.column('account_id').doUpdateSet({
                posted_events: sql`event_account_activity.posted_events + 1`,
                debited_minor: sql`event_account_activity.debited_minor + excluded.debited_minor`,
                credited_minor: sql`event_account_activity.credited_minor + excluded.credited_minor`,
                last_event_id: sql`excluded.last_event_id`,
                updated_at: sql`excluded.updated_at`,
              }),
            )
            .execute();
        }
        return true;
      });
    },
  };
}

/** Does `subject` match the NATS-style `pattern` (`*` one token, `>` the rest)? */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length) return false;
    if (p[i] !== '*' && p[i] !== s[i]) return false;
  }
  return p.length === s.length;
}
