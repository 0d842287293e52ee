import { type Kysely, sql } from 'kysely';

/**
 * Issue 5 point 1 (docs/risk.md, "Withdrawals"): a withdrawal the risk engine sends to review keeps
 * its ledger hold but is not given to the bank until an operator approves it (review_deadline_at
 * set: held for review until then), and its case names the operation.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE funding_operations ADD COLUMN review_deadline_at timestamptz`.execute(db);
  await sql`ALTER TABLE funding_operations ADD COLUMN risk_event_id text`.execute(db);
  await sql`CREATE INDEX funding_operations_review ON funding_operations (review_deadline_at)
    WHERE review_deadline_at IS NOT NULL`.execute(db);
  await sql`ALTER TABLE risk_cases DROP CONSTRAINT risk_cases_kind_check`.execute(db);
  await sql`ALTER TABLE risk_cases ADD CONSTRAINT risk_cases_kind_check
    CHECK (kind IN ('payment_hold','withdrawal_hold','user_report','alert'))`.execute(db);
  await sql`ALTER TABLE risk_cases ADD COLUMN operation_id text REFERENCES funding_operations (id)`.execute(
    db,
  );
  await sql`CREATE UNIQUE INDEX risk_cases_withdrawal_hold ON risk_cases (operation_id)
    WHERE kind = 'withdrawal_hold'`.execute(db);
}
