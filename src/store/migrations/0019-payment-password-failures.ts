import { type Kysely, sql } from 'kysely';

/**
 * Issue 5 (docs/risk.md, "Restarts"): the embedded mode's boot rebuild replays the wrong
 * payment-password entries of the rebuild window from their security events
 * (identity's listPaymentPasswordFailures: type = 'payment_password_failed', user_id set,
 * created_at in a range, newest first). Without an index that read scanned the whole
 * `security_events` table, every sign-in and step-up ever recorded. Partial, like the other
 * "rows in one state" indexes: it holds the failures only, so the sign-ins and step-ups that make
 * up the table cost it nothing on insert, and its columns are the query's order, so the newest
 * `limit` come straight off it.
 *
 * Building it reads `security_events` once and blocks writes to it meanwhile (the migration runs
 * in a transaction, so not CONCURRENTLY); the index itself is a few rows per failing user.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`CREATE INDEX security_events_payment_password_failed
    ON security_events (created_at DESC, id DESC)
    WHERE type = 'payment_password_failed' AND user_id IS NOT NULL`.execute(db);
}
