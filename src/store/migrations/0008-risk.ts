import { type Kysely, sql } from 'kysely';

/**
 * Risk engine, rules and cases (issue 5, points 1, 3, 5, 6): every decision with its event, the
 * versioned rule sets, allow/block lists, the case queue with its append-only action trail, and
 * the payment-intent states a risk decision adds (held for review, declined after review) with the
 * stronger confirmation a challenge asks for.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // One row per assessed event: what the engine saw and why it decided. Insert-only.
  await sql`
    CREATE TABLE risk_decisions (
      event_id text PRIMARY KEY,
      kind text NOT NULL,
      user_id text,
      event jsonb NOT NULL,
      decision text NOT NULL CHECK (decision IN ('allow','challenge','review','deny')),
      freeze_account boolean NOT NULL DEFAULT false,
      outcome text NOT NULL CHECK (outcome IN ('decided','engine_error','malformed_event')),
      score double precision,
      reasons jsonb NOT NULL,
      feature_values jsonb NOT NULL,
      rule_hits jsonb NOT NULL,
      model_version text,
      rule_set_version int4,
      latency_us int4 NOT NULL,
      label_fraud boolean,
      labelled_at timestamptz,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX risk_decisions_user ON risk_decisions (user_id, created_at)`.execute(db);
  await sql`CREATE INDEX risk_decisions_created ON risk_decisions (created_at)`.execute(db);

  // Rule sets are versions: saving makes a new row, the highest version is in force. Only sets
  // that passed validation are stored.
  await sql`
    CREATE TABLE risk_rule_sets (
      version serial PRIMARY KEY,
      body jsonb NOT NULL,
      note text,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);

  await sql`
    CREATE TABLE risk_lists (
      id bigserial PRIMARY KEY,
      list text NOT NULL CHECK (list IN ('allow','block')),
      subject text NOT NULL CHECK (subject IN ('user','device','ip','payee')),
      value text NOT NULL CHECK (length(value) BETWEEN 1 AND 200),
      reason text NOT NULL,
      created_by text NOT NULL,
      created_at timestamptz NOT NULL,
      removed_at timestamptz
    )`.execute(db);
  await sql`CREATE UNIQUE INDEX risk_lists_live ON risk_lists (list, subject, value) WHERE removed_at IS NULL`.execute(
    db,
  );

  await sql`
    CREATE TABLE risk_cases (
      id text PRIMARY KEY,
      kind text NOT NULL CHECK (kind IN ('payment_hold','user_report','alert')),
      status text NOT NULL CHECK (status IN ('open','closed')),
      user_id text REFERENCES users (id),
      reporter_id text REFERENCES users (id),
      event_id text,
      intent_id text REFERENCES payment_intents (id),
      transfer_id text,
      payee_key text,
      reason text NOT NULL,
      note text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      assignee text,
      resolution text CHECK (resolution IN ('approved','rejected','expired','fraud','not_fraud')),
      deadline_at timestamptz,
      created_at timestamptz NOT NULL,
      closed_at timestamptz,
      CHECK ((status = 'closed') = (closed_at IS NOT NULL))
    )`.execute(db);
  await sql`CREATE INDEX risk_cases_queue ON risk_cases (status, kind, created_at)`.execute(db);
  await sql`CREATE UNIQUE INDEX risk_cases_hold ON risk_cases (intent_id) WHERE kind = 'payment_hold'`.execute(
    db,
  );

  await sql`
    CREATE TABLE risk_case_actions (
      id bigserial PRIMARY KEY,
      case_id text NOT NULL REFERENCES risk_cases (id),
      action text NOT NULL,
      actor text NOT NULL,
      note text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX risk_case_actions_case ON risk_case_actions (case_id, id)`.execute(db);
  // The audit trail is append-only: the database refuses to rewrite history.
  await sql`
    CREATE FUNCTION risk_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      RAISE EXCEPTION '% is append-only', TG_TABLE_NAME USING ERRCODE = 'insufficient_privilege';
    END $$`.execute(db);
  await sql`CREATE TRIGGER risk_case_actions_append_only BEFORE UPDATE OR DELETE ON risk_case_actions
    FOR EACH ROW EXECUTE FUNCTION risk_append_only()`.execute(db);

  // Payments: a challenged payment needs the payment password plus an SMS code or a passkey; a
  // payment under review is held (a pending ledger transfer) until an operator posts or voids it.
  await sql`ALTER TABLE payment_intents DROP CONSTRAINT payment_intents_confirmation_check`.execute(db);
  await sql`ALTER TABLE payment_intents ADD CONSTRAINT payment_intents_confirmation_check
    CHECK (confirmation IN ('none','payment_password','passkey_or_payment_password','payment_password_and_second_factor'))`.execute(
    db,
  );
  await sql`ALTER TABLE payment_intents DROP CONSTRAINT payment_intents_status_check`.execute(db);
  await sql`ALTER TABLE payment_intents ADD CONSTRAINT payment_intents_status_check
    CHECK (status IN ('awaiting_confirmation','succeeded','expired','in_review','declined'))`.execute(db);
  await sql`ALTER TABLE payment_intents DROP CONSTRAINT payment_intents_confirmed_by_check`.execute(db);
  await sql`ALTER TABLE payment_intents ADD CONSTRAINT payment_intents_confirmed_by_check
    CHECK (confirmed_by IN ('none','payment_password','passkey','payment_password_and_sms','payment_password_and_passkey'))`.execute(
    db,
  );
  await sql`ALTER TABLE payment_intents
    ADD COLUMN hold_transfer_id text REFERENCES ledger_transfers (id),
    ADD COLUMN review_deadline_at timestamptz,
    ADD COLUMN risk_event_id text`.execute(db);
  await sql`CREATE INDEX payment_intents_in_review ON payment_intents (review_deadline_at)
    WHERE status = 'in_review'`.execute(db);
  // The status may move awaiting → succeeded | expired | in_review, and in_review → succeeded |
  // declined; nothing else. The other columns stay fixed, as before.
  await sql`
    CREATE OR REPLACE FUNCTION payment_intent_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF NEW.id <> OLD.id OR NEW.payer_id <> OLD.payer_id OR NEW.channel <> OLD.channel
        OR NEW.payee_kind <> OLD.payee_kind OR NEW.payee_ref <> OLD.payee_ref
        OR NEW.payee_user_id IS DISTINCT FROM OLD.payee_user_id
        OR NEW.payee_merchant_id IS DISTINCT FROM OLD.payee_merchant_id
        OR NEW.payer_account_id <> OLD.payer_account_id OR NEW.payee_account_id <> OLD.payee_account_id
        OR NEW.amount_minor <> OLD.amount_minor OR NEW.currency <> OLD.currency
        OR NEW.client_request_id <> OLD.client_request_id THEN
        RAISE EXCEPTION 'payment intent % cannot be re-pointed', OLD.id USING ERRCODE = 'insufficient_privilege';
      END IF;
      IF NEW.status IS DISTINCT FROM OLD.status AND NOT (
        OLD.status = 'awaiting_confirmation'
        OR (OLD.status = 'in_review' AND NEW.status IN ('succeeded','declined'))
      ) THEN
        RAISE EXCEPTION 'payment intent % is already %', OLD.id, OLD.status USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
