import { type Kysely, sql } from 'kysely';

/**
 * Issue 4 point 9: auto-debit agreements (deduction items) between a user and a merchant, with a
 * per-debit and a monthly cap; family cards (a member spends the owner's wallet up to a monthly
 * cap); authorised apps (merchant apps the user let read their data). Each debit or family
 * payment is one row here plus one ledger transfer; the rows' (parent, idempotency key) pairs
 * are unique, so a retried request can never move money twice.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE agreements (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      merchant_id text NOT NULL REFERENCES merchants (id),
      external_agreement_no text NOT NULL,
      purpose text NOT NULL CHECK (length(purpose) BETWEEN 1 AND 200),
      per_debit_cap_minor int8 NOT NULL CHECK (per_debit_cap_minor > 0),
      monthly_cap_minor int8 NOT NULL CHECK (monthly_cap_minor >= per_debit_cap_minor),
      currency char(3) NOT NULL,
      status text NOT NULL CHECK (status IN ('pending','active','cancelled','suspended')),
      created_at timestamptz NOT NULL,
      request_expires_at timestamptz NOT NULL,
      signed_at timestamptz,
      cancelled_at timestamptz,
      cancelled_by text CHECK (cancelled_by IN ('user','merchant')),
      suspended_at timestamptz,
      last_used_at timestamptz,
      reviewed_at timestamptz,
      UNIQUE (merchant_id, external_agreement_no),
      CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX agreements_user ON agreements (user_id, created_at)`.execute(db);
  // A cancelled agreement stays cancelled: no UPDATE may bring it back (issue 4: "never debit
  // again"), whatever code runs.
  await sql`
    CREATE FUNCTION agreements_cancel_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'a cancelled agreement cannot be reactivated';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER agreements_cancel_is_final BEFORE UPDATE ON agreements
    FOR EACH ROW EXECUTE FUNCTION agreements_cancel_is_final()`.execute(db);

  await sql`
    CREATE TABLE agreement_debits (
      id text PRIMARY KEY,
      agreement_id text NOT NULL REFERENCES agreements (id),
      idempotency_key text NOT NULL,
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      month text NOT NULL,
      transfer_id text NOT NULL UNIQUE REFERENCES ledger_transfers (id),
      created_at timestamptz NOT NULL,
      UNIQUE (agreement_id, idempotency_key)
    )`.execute(db);
  await sql`CREATE INDEX agreement_debits_month ON agreement_debits (agreement_id, month)`.execute(db);

  await sql`
    CREATE TABLE family_cards (
      id text PRIMARY KEY,
      owner_id text NOT NULL REFERENCES users (id),
      member_id text NOT NULL REFERENCES users (id),
      monthly_cap_minor int8 NOT NULL CHECK (monthly_cap_minor > 0),
      currency char(3) NOT NULL,
      status text NOT NULL CHECK (status IN ('pending','active','cancelled','suspended')),
      created_at timestamptz NOT NULL,
      accepted_at timestamptz,
      cancelled_at timestamptz,
      cancelled_by text REFERENCES users (id),
      suspended_at timestamptz,
      last_used_at timestamptz,
      CHECK (owner_id <> member_id),
      CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
    )`.execute(db);
  // One live card per owner and member; a cancelled one may be replaced.
  await sql`CREATE UNIQUE INDEX family_cards_live ON family_cards (owner_id, member_id)
    WHERE status <> 'cancelled'`.execute(db);
  await sql`CREATE INDEX family_cards_member ON family_cards (member_id)`.execute(db);
  await sql`
    CREATE FUNCTION family_cards_cancel_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.status = 'cancelled' AND NEW.status <> 'cancelled' THEN
        RAISE EXCEPTION 'a cancelled family card cannot be reactivated';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER family_cards_cancel_is_final BEFORE UPDATE ON family_cards
    FOR EACH ROW EXECUTE FUNCTION family_cards_cancel_is_final()`.execute(db);

  await sql`
    CREATE TABLE family_card_payments (
      id text PRIMARY KEY,
      card_id text NOT NULL REFERENCES family_cards (id),
      member_id text NOT NULL REFERENCES users (id),
      client_request_id text NOT NULL,
      merchant_id text NOT NULL REFERENCES merchants (id),
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      month text NOT NULL,
      transfer_id text NOT NULL UNIQUE REFERENCES ledger_transfers (id),
      created_at timestamptz NOT NULL,
      UNIQUE (card_id, client_request_id)
    )`.execute(db);
  await sql`CREATE INDEX family_card_payments_month ON family_card_payments (card_id, month)`.execute(db);

  await sql`
    CREATE TABLE authorised_apps (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      merchant_id text NOT NULL REFERENCES merchants (id),
      app_id text NOT NULL,
      app_name text NOT NULL CHECK (length(app_name) BETWEEN 1 AND 100),
      scopes text NOT NULL,
      granted_at timestamptz NOT NULL,
      last_used_at timestamptz,
      revoked_at timestamptz
    )`.execute(db);
  // One live grant per user and app; granting again widens or renews it.
  await sql`CREATE UNIQUE INDEX authorised_apps_live ON authorised_apps (user_id, app_id)
    WHERE revoked_at IS NULL`.execute(db);

  // Every request, signature, debit, refusal and cancel, insert-only (like payment_audit).
  await sql`
    CREATE TABLE agreement_audit (
      id bigserial PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      subject_id text NOT NULL,
      type text NOT NULL,
      ip text,
      details jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX agreement_audit_user ON agreement_audit (user_id, created_at)`.execute(db);
  await sql`
    CREATE FUNCTION agreement_audit_insert_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'agreement_audit rows are never changed';
    END $$`.execute(db);
  await sql`CREATE TRIGGER agreement_audit_insert_only BEFORE UPDATE OR DELETE ON agreement_audit
    FOR EACH ROW EXECUTE FUNCTION agreement_audit_insert_only()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE agreement_audit`.execute(db);
  await sql`DROP FUNCTION agreement_audit_insert_only CASCADE`.execute(db);
  await sql`DROP TABLE authorised_apps`.execute(db);
  await sql`DROP TABLE family_card_payments`.execute(db);
  await sql`DROP TABLE family_cards`.execute(db);
  await sql`DROP FUNCTION family_cards_cancel_is_final CASCADE`.execute(db);
  await sql`DROP TABLE agreement_debits`.execute(db);
  await sql`DROP TABLE agreements`.execute(db);
  await sql`DROP FUNCTION agreements_cancel_is_final CASCADE`.execute(db);
}
