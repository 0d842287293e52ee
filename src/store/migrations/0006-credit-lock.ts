import { type Kysely, sql } from 'kysely';

/**
 * Credit line (issue 4 point 4) and security lock (point 8).
 *
 * Credit: one line per user (its ledger account is a `credit_line` account whose floor is the
 * granted limit), monthly bills (one per user and month, with what was billed and what has been
 * repaid), repayments (one idempotent ledger transfer each, keyed by the client's id), and an
 * insert-only audit of grants, limit changes and repayments.
 *
 * Security lock: the user's settings, and the payees a locked user has named, with when each was
 * first named (the cooling period runs from then).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE credit_lines (
      user_id text PRIMARY KEY REFERENCES users (id),
      account_id text NOT NULL UNIQUE REFERENCES ledger_accounts (id),
      currency char(3) NOT NULL,
      limit_minor int8 NOT NULL CHECK (limit_minor >= 0),
      granted_at timestamptz NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE credit_bills (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES credit_lines (user_id),
      period char(7) NOT NULL CHECK (period ~ '^[0-9]{4}-[0-9]{2}$'),
      currency char(3) NOT NULL,
      amount_minor int8 NOT NULL CHECK (amount_minor >= 0),
      repaid_minor int8 NOT NULL DEFAULT 0 CHECK (repaid_minor >= 0 AND repaid_minor <= amount_minor),
      statement_at timestamptz NOT NULL,
      due_at timestamptz NOT NULL,
      status text NOT NULL CHECK (status IN ('open','paid','overdue')),
      overdue_at timestamptz,
      paid_at timestamptz,
      UNIQUE (user_id, period),
      CHECK ((status = 'paid') = (repaid_minor = amount_minor))
    )`.execute(db);
  await sql`CREATE INDEX credit_bills_unpaid ON credit_bills (due_at) WHERE status <> 'paid'`.execute(db);

  await sql`
    CREATE TABLE credit_repayments (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES credit_lines (user_id),
      client_request_id text NOT NULL,
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      transfer_id text NOT NULL UNIQUE REFERENCES ledger_transfers (id),
      created_at timestamptz NOT NULL,
      UNIQUE (user_id, client_request_id)
    )`.execute(db);

  await sql`
    CREATE TABLE credit_audit (
      id int8 GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      type text NOT NULL CHECK (type IN ('granted','limit_changed','repaid')),
      details jsonb NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX credit_audit_user ON credit_audit (user_id, id)`.execute(db);
  await sql`CREATE FUNCTION credit_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'credit_audit is append-only'; END $$`.execute(db);
  await sql`CREATE TRIGGER credit_audit_append_only BEFORE UPDATE OR DELETE ON credit_audit
    FOR EACH ROW EXECUTE FUNCTION credit_audit_append_only()`.execute(db);

  await sql`
    CREATE TABLE security_locks (
      user_id text PRIMARY KEY REFERENCES users (id),
      enabled boolean NOT NULL,
      cooling_off_ms int8 NOT NULL CHECK (cooling_off_ms > 0),
      night_enabled boolean NOT NULL,
      night_start_minute int4 NOT NULL CHECK (night_start_minute BETWEEN 0 AND 1439),
      night_end_minute int4 NOT NULL CHECK (night_end_minute BETWEEN 0 AND 1439),
      time_zone text NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE security_lock_payees (
      user_id text NOT NULL REFERENCES users (id),
      payee_account_id text NOT NULL REFERENCES ledger_accounts (id),
      first_named_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, payee_account_id)
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE security_lock_payees`.execute(db);
  await sql`DROP TABLE security_locks`.execute(db);
  await sql`DROP TABLE credit_audit`.execute(db);
  await sql`DROP FUNCTION credit_audit_append_only`.execute(db);
  await sql`DROP TABLE credit_repayments`.execute(db);
  await sql`DROP TABLE credit_bills`.execute(db);
  await sql`DROP TABLE credit_lines`.execute(db);
}
