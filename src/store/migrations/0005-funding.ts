import { type Kysely, sql } from 'kysely';

/**
 * Funding sources (issue 4 point 1): linked bank cards, stored tokenised — a random token, the
 * last four digits, the brand and bank guessed from the BIN, and an HMAC of the number (keyed
 * outside the database) to notice the same card linked twice; the number itself is never
 * stored. Funding operations: one top-up or withdrawal each, with its pending ledger hold, its
 * state, and when the bank's answer is due (so settlement survives a restart).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE funding_cards (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      token text NOT NULL UNIQUE,
      last4 char(4) NOT NULL CHECK (last4 ~ '^[0-9]{4}$'),
      brand text NOT NULL,
      bank text,
      number_hmac text NOT NULL,
      created_at timestamptz NOT NULL,
      removed_at timestamptz
    )`.execute(db);
  // One live link per card and user; a removed card may be linked again.
  await sql`CREATE UNIQUE INDEX funding_cards_live ON funding_cards (user_id, number_hmac)
    WHERE removed_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE funding_operations (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      client_request_id text NOT NULL,
      kind text NOT NULL CHECK (kind IN ('top_up','withdrawal')),
      card_id text NOT NULL REFERENCES funding_cards (id),
      wallet_account_id text NOT NULL REFERENCES ledger_accounts (id),
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      hold_transfer_id text NOT NULL UNIQUE REFERENCES ledger_transfers (id),
      status text NOT NULL CHECK (status IN ('pending','succeeded','failed')),
      failure_reason text,
      bank_reference text,
      next_check_at timestamptz NOT NULL,
      connector_attempts int4 NOT NULL DEFAULT 0,
      resolve_transfer_id text REFERENCES ledger_transfers (id),
      created_at timestamptz NOT NULL,
      settled_at timestamptz,
      UNIQUE (user_id, client_request_id),
      CHECK ((status = 'pending') = (settled_at IS NULL)),
      CHECK ((status = 'failed') = (failure_reason IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX funding_operations_due ON funding_operations (next_check_at)
    WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX funding_operations_user_day ON funding_operations (user_id, kind, created_at)`.execute(
    db,
  );
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE funding_operations`.execute(db);
  await sql`DROP TABLE funding_cards`.execute(db);
}
