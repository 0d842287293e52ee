import { type Kysely, sql } from 'kysely';

/**
 * Operators' own passkeys (issue 7 point 7, docs/recovery.md): an operator signs in with the
 * password and either the TOTP code or a passkey. Kept apart from the users' `passkeys` and
 * `webauthn_challenges`, whose rows belong to `users`: an operator is not a user, and a user's
 * credential must never open the console.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE operator_passkeys (
      id text PRIMARY KEY,
      operator_id text NOT NULL REFERENCES operators (id),
      public_key bytea NOT NULL,
      counter int8 NOT NULL DEFAULT 0,
      transports text,
      name text NOT NULL,
      created_at timestamptz NOT NULL,
      last_used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX operator_passkeys_operator ON operator_passkeys (operator_id)`.execute(db);
  await sql`
    CREATE TABLE operator_webauthn_challenges (
      id text PRIMARY KEY,
      operator_id text REFERENCES operators (id),
      purpose text NOT NULL CHECK (purpose IN ('register', 'sign_in')),
      challenge text NOT NULL,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE operator_webauthn_challenges`.execute(db);
  await sql`DROP TABLE operator_passkeys`.execute(db);
}
