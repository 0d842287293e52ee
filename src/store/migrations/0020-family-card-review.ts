import { type Kysely, sql } from 'kysely';

/**
 * Issue 5 point 5 for family cards (docs/agreements.md, "Risk decisions"): a family-card payment
 * the risk engine sends to review is held, like a wallet payment. The payment row says whether it
 * went through (`succeeded`), waits for an operator (`in_review`, with its ledger hold and review
 * deadline) or was declined after review (`declined`: the hold voided); rows written before this
 * migration all went through. `transfer_id` stays the transfer that holds or moved the money
 * last (the hold, then the post or the void); `hold_transfer_id` keeps the hold's id. The risk
 * engine's event id is kept so a case and a label find the decision. A held payment opens a
 * `family_card_hold` case that names the payment, one per payment.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`ALTER TABLE family_card_payments ADD COLUMN status text NOT NULL DEFAULT 'succeeded'
    CHECK (status IN ('succeeded', 'in_review', 'declined'))`.execute(db);
  await sql`ALTER TABLE family_card_payments ADD COLUMN hold_transfer_id text UNIQUE
    REFERENCES ledger_transfers (id)`.execute(db);
  await sql`ALTER TABLE family_card_payments ADD COLUMN review_deadline_at timestamptz`.execute(db);
  await sql`ALTER TABLE family_card_payments ADD COLUMN risk_event_id text`.execute(db);
  // Only a hold waits for review (with its deadline) or ends declined; the deadline is kept after
  // the decision, as on payment intents.
  await sql`ALTER TABLE family_card_payments ADD CONSTRAINT family_card_payments_hold_shape
    CHECK ((status <> 'in_review' OR (hold_transfer_id IS NOT NULL AND review_deadline_at IS NOT NULL))
      AND (status <> 'declined' OR hold_transfer_id IS NOT NULL))`.execute(db);
  await sql`CREATE INDEX family_card_payments_review ON family_card_payments (review_deadline_at)
    WHERE status = 'in_review'`.execute(db);

  await sql`ALTER TABLE risk_cases DROP CONSTRAINT risk_cases_kind_check`.execute(db);
  await sql`ALTER TABLE risk_cases ADD CONSTRAINT risk_cases_kind_check
    CHECK (kind IN ('payment_hold','withdrawal_hold','family_card_hold','user_report','alert'))`.execute(db);
  await sql`ALTER TABLE risk_cases ADD COLUMN family_card_payment_id text
    REFERENCES family_card_payments (id)`.execute(db);
  await sql`CREATE UNIQUE INDEX risk_cases_family_card_hold ON risk_cases (family_card_payment_id)
    WHERE kind = 'family_card_hold'`.execute(db);
}
