import { type Kysely, sql } from 'kysely';

/**
 * Messages people read (issue 9, docs/messages.md): the in-app inbox (one row per notice, kept
 * in both languages so the centre follows a language switch), per-channel preferences per
 * category, operators' announcements, the security quiz result, the anti-fraud warning an
 * intent carries and its acknowledgement, and whether a merchant's name was verified.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE inbox_messages (
      id bigserial PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      category text NOT NULL
        CHECK (category IN ('security','payments','bills','claims','announcements')),
      -- The notice's template, or 'announcement'.
      template text NOT NULL,
      critical boolean NOT NULL,
      -- sha256 of template + variables: the channels of one notice share one inbox row.
      notice_key text NOT NULL,
      announcement_id bigint,
      title_en text NOT NULL,
      body_en text NOT NULL,
      title_zh text NOT NULL,
      body_zh text NOT NULL,
      created_at timestamptz NOT NULL,
      read_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX inbox_messages_user ON inbox_messages (user_id, id)`.execute(db);
  await sql`CREATE INDEX inbox_messages_unread ON inbox_messages (user_id) WHERE read_at IS NULL`.execute(db);
  await sql`CREATE INDEX inbox_messages_notice ON inbox_messages (user_id, notice_key, created_at)`.execute(
    db,
  );
  // An announcement reaches a user's inbox once.
  await sql`CREATE UNIQUE INDEX inbox_messages_announcement ON inbox_messages (user_id, announcement_id)
    WHERE announcement_id IS NOT NULL`.execute(db);

  // A missing row means "on": a person who never opened the settings gets everything.
  await sql`
    CREATE TABLE notification_preferences (
      user_id text NOT NULL REFERENCES users (id),
      category text NOT NULL CHECK (category IN ('payments','bills','claims','announcements')),
      channel text NOT NULL CHECK (channel IN ('sms','email','in_app')),
      enabled boolean NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, category, channel)
    )`.execute(db);

  await sql`
    CREATE TABLE announcements (
      id bigserial PRIMARY KEY,
      title_en text NOT NULL,
      body_en text NOT NULL,
      title_zh text NOT NULL,
      body_zh text NOT NULL,
      segment text NOT NULL CHECK (segment IN ('all','locale_en','locale_zh','no_passkey','no_totp')),
      publish_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      withdrawn_at timestamptz
    )`.execute(db);
  await sql`CREATE INDEX announcements_publish ON announcements (publish_at)`.execute(db);

  await sql`
    CREATE TABLE security_quiz_results (
      user_id text PRIMARY KEY REFERENCES users (id),
      score int4 NOT NULL CHECK (score >= 0),
      questions int4 NOT NULL CHECK (questions > 0 AND score <= questions),
      completed_at timestamptz NOT NULL
    )`.execute(db);

  await sql`ALTER TABLE payment_intents ADD COLUMN fraud_warning boolean NOT NULL DEFAULT false`.execute(db);
  await sql`ALTER TABLE payment_intents ADD COLUMN warning_acknowledged_at timestamptz`.execute(db);
  await sql`ALTER TABLE merchants ADD COLUMN verified_at timestamptz`.execute(db);
  // users.locale is set implicitly at sign-up; this says the person chose it in the app.
  await sql`ALTER TABLE users ADD COLUMN locale_chosen_at timestamptz`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
