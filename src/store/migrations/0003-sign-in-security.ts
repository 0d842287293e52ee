import { type Kysely, sql } from 'kysely';

/**
 * Sign-in security (issue 3): verified phone and e-mail, the payment password, lockouts,
 * one-time codes, second factors (TOTP, backup codes, passkeys), devices and their locations,
 * sign-in challenges, security events, "this wasn't me" links and the notification outbox.
 * Secrets are stored only as hashes (codes, tokens) or encrypted (TOTP seeds).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    ALTER TABLE users
      ADD COLUMN email text UNIQUE,
      ADD COLUMN phone_verified_at timestamptz,
      ADD COLUMN email_verified_at timestamptz,
      ADD COLUMN birth_date date,
      ADD COLUMN locale text NOT NULL DEFAULT 'zh-CN',
      ADD COLUMN payment_password_hash text,
      ADD COLUMN payment_failures int4 NOT NULL DEFAULT 0,
      ADD COLUMN payment_locked_until timestamptz,
      ADD COLUMN password_changed_at timestamptz,
      ADD COLUMN phone_changed_at timestamptz,
      ADD COLUMN frozen_at timestamptz,
      ADD COLUMN frozen_reason text`.execute(db);

  // Keyed by the phone number typed, whether or not an account has it, so that a lockout answer
  // does not reveal which numbers are registered.
  await sql`
    CREATE TABLE login_lockouts (
      phone_e164 text PRIMARY KEY,
      failures int4 NOT NULL DEFAULT 0,
      last_failure_at timestamptz,
      locked_until timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE one_time_codes (
      id text PRIMARY KEY,
      purpose text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('sms','email')),
      destination text NOT NULL,
      user_id text REFERENCES users (id),
      subject_id text,
      code_sha256 char(64) NOT NULL,
      attempts int4 NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX one_time_codes_destination ON one_time_codes (destination, purpose, created_at DESC)`.execute(
    db,
  );

  await sql`
    CREATE TABLE sign_up_attempts (
      id text PRIMARY KEY,
      phone_e164 text NOT NULL,
      email text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      completed_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE devices (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      key_sha256 char(64) NOT NULL,
      name text NOT NULL,
      user_agent text,
      browser text,
      os text,
      first_seen_at timestamptz NOT NULL,
      last_seen_at timestamptz NOT NULL,
      last_ip text,
      last_country text,
      last_city text,
      last_lat float8,
      last_lon float8,
      revoked_at timestamptz,
      UNIQUE (user_id, key_sha256)
    )`.execute(db);

  await sql`
    ALTER TABLE sessions
      ADD COLUMN id text,
      ADD COLUMN device_id text REFERENCES devices (id),
      ADD COLUMN step_up_at timestamptz,
      ADD COLUMN auth_methods text NOT NULL DEFAULT 'password',
      ADD COLUMN country text,
      ADD COLUMN city text`.execute(db);
  await sql`UPDATE sessions SET id = 'ses_' || substr(token_sha256, 1, 32) WHERE id IS NULL`.execute(db);
  await sql`ALTER TABLE sessions ALTER COLUMN id SET NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX sessions_id ON sessions (id)`.execute(db);

  await sql`
    CREATE TABLE sign_in_challenges (
      id text PRIMARY KEY,
      token_sha256 char(64) NOT NULL UNIQUE,
      user_id text NOT NULL REFERENCES users (id),
      device_id text REFERENCES devices (id),
      reasons text NOT NULL,
      ip text,
      country text,
      city text,
      lat float8,
      lon float8,
      user_agent text,
      attempts int4 NOT NULL DEFAULT 0,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      completed_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE totp_factors (
      user_id text PRIMARY KEY REFERENCES users (id),
      secret_encrypted text NOT NULL,
      confirmed_at timestamptz,
      last_used_step int8,
      created_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE backup_codes (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      code_sha256 char(64) NOT NULL,
      created_at timestamptz NOT NULL,
      used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX backup_codes_user ON backup_codes (user_id) WHERE used_at IS NULL`.execute(db);

  await sql`
    CREATE TABLE passkeys (
      id text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      public_key bytea NOT NULL,
      counter int8 NOT NULL DEFAULT 0,
      transports text,
      device_type text,
      backed_up boolean NOT NULL DEFAULT false,
      name text NOT NULL,
      created_at timestamptz NOT NULL,
      last_used_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX passkeys_user ON passkeys (user_id)`.execute(db);

  await sql`
    CREATE TABLE webauthn_challenges (
      id text PRIMARY KEY,
      user_id text REFERENCES users (id),
      purpose text NOT NULL,
      challenge text NOT NULL,
      subject_id text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      consumed_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE security_events (
      id bigserial PRIMARY KEY,
      user_id text REFERENCES users (id),
      type text NOT NULL,
      device_id text,
      session_id text,
      ip text,
      country text,
      city text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX security_events_user ON security_events (user_id, id DESC)`.execute(db);

  await sql`
    CREATE TABLE alert_links (
      token_sha256 char(64) PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      security_event_id int8 REFERENCES security_events (id),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      used_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE notification_outbox (
      id bigserial PRIMARY KEY,
      user_id text REFERENCES users (id),
      channel text NOT NULL CHECK (channel IN ('sms','email','in_app')),
      destination text NOT NULL,
      template text NOT NULL,
      locale text NOT NULL,
      subject text NOT NULL,
      body text NOT NULL,
      created_at timestamptz NOT NULL,
      next_attempt_at timestamptz NOT NULL,
      attempts int4 NOT NULL DEFAULT 0,
      sent_at timestamptz,
      failed_at timestamptz,
      last_error text
    )`.execute(db);
  await sql`CREATE INDEX notification_outbox_due ON notification_outbox (next_attempt_at) WHERE sent_at IS NULL AND failed_at IS NULL`.execute(
    db,
  );
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
