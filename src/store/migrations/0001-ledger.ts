import { type Kysely, sql } from 'kysely';

/**
 * The ledger: accounts with cached balances, an append-only journal of transfers and entries,
 * and the state of two-phase holds. Triggers make the journal append-only in the database
 * itself, so a bug or a hand-typed UPDATE cannot edit a posted entry.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE ledger_accounts (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('wallet','credit_line','merchant_settlement','platform_clearing',
        'external_funding','fees','insurance_pool','suspense')),
      currency char(3) NOT NULL,
      owner_id text,
      label text NOT NULL DEFAULT '',
      negative_limit_minor int8 CHECK (negative_limit_minor IS NULL OR negative_limit_minor >= 0),
      debits_pending_minor int8 NOT NULL DEFAULT 0 CHECK (debits_pending_minor >= 0),
      debits_posted_minor int8 NOT NULL DEFAULT 0 CHECK (debits_posted_minor >= 0),
      credits_pending_minor int8 NOT NULL DEFAULT 0 CHECK (credits_pending_minor >= 0),
      credits_posted_minor int8 NOT NULL DEFAULT 0 CHECK (credits_posted_minor >= 0),
      created_at timestamptz NOT NULL,
      -- Only external funding and credit lines may go below zero (spending what is reserved counts).
      CONSTRAINT ledger_accounts_negative_rule CHECK (
        (kind IN ('external_funding','credit_line') OR negative_limit_minor = 0)
        AND (kind <> 'credit_line' OR negative_limit_minor IS NOT NULL)
      ),
      CONSTRAINT ledger_accounts_within_limit CHECK (
        negative_limit_minor IS NULL
        OR debits_posted_minor + debits_pending_minor <= credits_posted_minor + negative_limit_minor
      )
    )`.execute(db);
  await sql`CREATE INDEX ledger_accounts_owner ON ledger_accounts (owner_id) WHERE owner_id IS NOT NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE ledger_transfers (
      seq bigserial NOT NULL UNIQUE,
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('posted','pending','post_pending','void_pending','expire_pending')),
      pending_id text REFERENCES ledger_transfers (id),
      code text NOT NULL,
      user_data text,
      expires_at timestamptz,
      fields_sha256 char(64) NOT NULL,
      created_at timestamptz NOT NULL,
      CHECK ((kind IN ('posted','pending')) = (pending_id IS NULL))
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX ledger_transfers_one_resolution ON ledger_transfers (pending_id)
    WHERE pending_id IS NOT NULL`.execute(db);

  await sql`
    CREATE TABLE ledger_entries (
      id bigserial PRIMARY KEY,
      transfer_id text NOT NULL REFERENCES ledger_transfers (id),
      leg_index int4 NOT NULL,
      account_id text NOT NULL REFERENCES ledger_accounts (id),
      side char(1) NOT NULL CHECK (side IN ('D','C')),
      currency char(3) NOT NULL,
      pending_delta_minor int8 NOT NULL,
      posted_delta_minor int8 NOT NULL,
      created_at timestamptz NOT NULL,
      UNIQUE (transfer_id, leg_index, side)
    )`.execute(db);
  await sql`CREATE INDEX ledger_entries_account ON ledger_entries (account_id, id DESC)`.execute(db);

  await sql`
    CREATE TABLE ledger_holds (
      transfer_id text PRIMARY KEY REFERENCES ledger_transfers (id),
      state text NOT NULL CHECK (state IN ('pending','posted','voided','expired')),
      expires_at timestamptz,
      resolved_by text REFERENCES ledger_transfers (id),
      resolved_at timestamptz,
      CHECK ((state = 'pending') = (resolved_by IS NULL))
    )`.execute(db);
  await sql`CREATE INDEX ledger_holds_expiry ON ledger_holds (expires_at) WHERE state = 'pending'`.execute(
    db,
  );

  await sql`
    CREATE FUNCTION ledger_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION 'ledger journal is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  for (const table of ['ledger_transfers', 'ledger_entries']) {
    await sql`CREATE TRIGGER ${sql.raw(`${table}_append_only`)} BEFORE UPDATE OR DELETE ON ${sql.table(table)}
      FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`.execute(db);
    await sql`CREATE TRIGGER ${sql.raw(`${table}_no_truncate`)} BEFORE TRUNCATE ON ${sql.table(table)}
      FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_change()`.execute(db);
  }
  // A hold is resolved exactly once: pending -> posted | voided | expired, never back.
  await sql`
    CREATE FUNCTION ledger_hold_resolves_once() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF OLD.state <> 'pending' OR NEW.transfer_id <> OLD.transfer_id OR NEW.expires_at IS DISTINCT FROM OLD.expires_at THEN
        RAISE EXCEPTION 'ledger hold % is already %', OLD.transfer_id, OLD.state USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER ledger_holds_resolve_once BEFORE UPDATE ON ledger_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_hold_resolves_once()`.execute(db);
  await sql`CREATE TRIGGER ledger_holds_no_delete BEFORE DELETE ON ledger_holds
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change()`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('the ledger migration is not reversible: journals are kept');
}
