import { type Kysely, sql } from 'kysely';

/**
 * Issue 7: identity data (real name and ID number, envelope-encrypted, searchable by a keyed
 * hash), recovery attempts (signed-out freeze, unfreeze, forgot login / payment password),
 * manual recoveries with their documents (the files live encrypted in the data directory, only
 * their metadata here), operators and their sessions, loss claims, and one append-only audit log
 * (triggers refuse UPDATE, DELETE and TRUNCATE, like the ledger journal).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE identity_records (
      user_id text PRIMARY KEY REFERENCES users (id),
      key_id text NOT NULL,
      wrapped_dek text NOT NULL,
      real_name_sealed text NOT NULL,
      id_number_sealed text NOT NULL,
      id_number_hmac text NOT NULL UNIQUE,
      id_masked text NOT NULL,
      name_masked text NOT NULL,
      verified_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE recovery_attempts (
      id text PRIMARY KEY,
      token_sha256 text NOT NULL UNIQUE,
      kind text NOT NULL CHECK (kind IN ('freeze','unfreeze','forgot_login','forgot_payment','operator_unfreeze','stolen_report')),
      user_id text REFERENCES users (id),
      attempts int4 NOT NULL DEFAULT 0,
      human_answer_hmac text,
      code_verified_at timestamptz,
      suspected_since timestamptz,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      completed_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX recovery_attempts_user ON recovery_attempts (user_id, kind)`.execute(db);

  await sql`
    CREATE TABLE manual_recoveries (
      id text PRIMARY KEY,
      user_id text REFERENCES users (id),
      status text NOT NULL CHECK (status IN ('pending_review','approved','rejected','cancelled','completed','failed')),
      new_phone_e164 text NOT NULL,
      identity_matches boolean NOT NULL,
      details_sealed text NOT NULL,
      status_token_sha256 text NOT NULL UNIQUE,
      cancel_token_sha256 text UNIQUE,
      created_at timestamptz NOT NULL,
      reviewed_by text,
      reviewed_at timestamptz,
      review_note text,
      cooldown_until timestamptz,
      finished_at timestamptz,
      CHECK ((status = 'approved') = (cooldown_until IS NOT NULL AND finished_at IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX manual_recoveries_due ON manual_recoveries (cooldown_until) WHERE status = 'approved'`.execute(
    db,
  );
  await sql`CREATE INDEX manual_recoveries_open ON manual_recoveries (status, created_at)`.execute(db);

  await sql`
    CREATE TABLE manual_recovery_documents (
      id text PRIMARY KEY,
      recovery_id text NOT NULL REFERENCES manual_recoveries (id),
      mime text NOT NULL,
      size_bytes int4 NOT NULL CHECK (size_bytes > 0),
      key_id text NOT NULL,
      wrapped_dek text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE operators (
      id text PRIMARY KEY,
      username text NOT NULL UNIQUE,
      display_name text NOT NULL,
      role text NOT NULL CHECK (role IN ('agent','risk_analyst','supervisor','auditor')),
      password_hash text NOT NULL,
      totp_secret_sealed text NOT NULL,
      totp_last_step int8 NOT NULL DEFAULT 0,
      failures int4 NOT NULL DEFAULT 0,
      locked_until timestamptz,
      disabled_at timestamptz,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE operator_sessions (
      id text PRIMARY KEY,
      token_sha256 text NOT NULL UNIQUE,
      operator_id text NOT NULL REFERENCES operators (id),
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      ended_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE loss_claims (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      status text NOT NULL CHECK (status IN ('submitted','awaiting_second','paid','rejected')),
      suspected_since timestamptz NOT NULL,
      credentials_shared boolean NOT NULL,
      statement text NOT NULL,
      total_minor int8 NOT NULL CHECK (total_minor > 0),
      currency char(3) NOT NULL,
      eligibility jsonb NOT NULL,
      first_approver text,
      decided_by text,
      decided_at timestamptz,
      decision_note text,
      payout_transfer_id text REFERENCES ledger_transfers (id),
      paid_minor int8,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX loss_claims_user ON loss_claims (user_id, created_at)`.execute(db);
  await sql`
    CREATE TABLE loss_claim_items (
      claim_id text NOT NULL REFERENCES loss_claims (id),
      transfer_id text NOT NULL REFERENCES ledger_transfers (id),
      kind text NOT NULL,
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      occurred_at timestamptz NOT NULL,
      PRIMARY KEY (claim_id, transfer_id)
    )`.execute(db);
  await sql`CREATE INDEX loss_claim_items_transfer ON loss_claim_items (transfer_id)`.execute(db);

  await sql`
    CREATE TABLE audit_log (
      id bigserial PRIMARY KEY,
      actor_kind text NOT NULL CHECK (actor_kind IN ('user','operator','system','anonymous')),
      actor_id text,
      actor_role text,
      action text NOT NULL,
      user_id text,
      subject_id text,
      details jsonb NOT NULL DEFAULT '{}',
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX audit_log_user ON audit_log (user_id, id)`.execute(db);
  await sql`CREATE INDEX audit_log_action ON audit_log (action, id)`.execute(db);
  await sql`
    CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'audit log is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
  await sql`CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('the recovery migration is not reversible: the audit log is kept');
}
