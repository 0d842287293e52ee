import { type Kysely, sql } from 'kysely';

/**
 * The payer cancels a payment before confirming it (docs/payments.md, "Cancelling"): a terminal
 * `cancelled` status, reached only from `awaiting_confirmation`, and when it happened. The status
 * trigger of 0008 already allows any move out of `awaiting_confirmation` and none out of a state
 * it does not list as open, so `cancelled` is final without changing it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE payment_intents DROP CONSTRAINT payment_intents_status_check`.execute(db);
  await sql`ALTER TABLE payment_intents ADD CONSTRAINT payment_intents_status_check
    CHECK (status IN ('awaiting_confirmation','succeeded','expired','in_review','declined','cancelled'))`.execute(
    db,
  );
  await sql`ALTER TABLE payment_intents ADD COLUMN cancelled_at timestamptz`.execute(db);
  await sql`ALTER TABLE payment_intents ADD CONSTRAINT payment_intents_cancelled_at_check
    CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
