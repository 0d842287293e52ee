import { type Kysely, sql } from 'kysely';

/** Users, sessions (tokens stored only as SHA-256), wallets and merchants. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE users (
      id text PRIMARY KEY,
      phone_e164 text NOT NULL UNIQUE,
      display_name text NOT NULL,
      login_password_hash text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`
    CREATE TABLE sessions (
      token_sha256 char(64) PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      csrf_token text NOT NULL,
      created_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      ended_at timestamptz,
      user_agent text,
      ip text
    )`.execute(db);
  await sql`CREATE INDEX sessions_user ON sessions (user_id)`.execute(db);
  await sql`
    CREATE TABLE wallets (
      user_id text NOT NULL REFERENCES users (id),
      currency char(3) NOT NULL,
      account_id text NOT NULL UNIQUE REFERENCES ledger_accounts (id),
      created_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, currency)
    )`.execute(db);
  await sql`
    CREATE TABLE merchants (
      id text PRIMARY KEY,
      name text NOT NULL,
      settlement_account_id text NOT NULL UNIQUE REFERENCES ledger_accounts (id),
      currency char(3) NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
