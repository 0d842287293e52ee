import { type Kysely, sql } from 'kysely';

/**
 * Payments (issue 4, points 2, 5, 6 and 7): payment intents (one per payment the payer confirms),
 * the user's own limits per channel, password-free settings, per-day running totals and the
 * payment audit trail. Money itself moves only in the ledger; an intent records which transfer
 * (`pay:<intentId>`) carried it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE payment_intents (
      id text PRIMARY KEY,
      payer_id text NOT NULL REFERENCES users (id),
      client_request_id text NOT NULL,
      channel text NOT NULL CHECK (channel IN ('balance','bank_card','credit_line')),
      payee_kind text NOT NULL CHECK (payee_kind IN ('user','merchant')),
      -- What the payer typed, normalised (E.164 phone or merchant id): idempotent replays compare it.
      payee_ref text NOT NULL,
      payee_user_id text REFERENCES users (id),
      payee_merchant_id text REFERENCES merchants (id),
      -- As shown to the payer when the intent was made: a user's masked name, a merchant's name.
      payee_name text NOT NULL,
      payer_account_id text NOT NULL REFERENCES ledger_accounts (id),
      payee_account_id text NOT NULL REFERENCES ledger_accounts (id),
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      currency char(3) NOT NULL,
      note text,
      confirmation text NOT NULL CHECK (confirmation IN ('none','payment_password','passkey_or_payment_password')),
      risk_decision text NOT NULL CHECK (risk_decision IN ('allow','challenge','review','deny')),
      risk_level text NOT NULL CHECK (risk_level IN ('low','medium','high')),
      risk_reasons jsonb NOT NULL DEFAULT '[]'::jsonb,
      status text NOT NULL CHECK (status IN ('awaiting_confirmation','succeeded','expired')),
      confirmed_by text CHECK (confirmed_by IN ('none','payment_password','passkey')),
      transfer_id text REFERENCES ledger_transfers (id),
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      confirmed_at timestamptz,
      UNIQUE (payer_id, client_request_id),
      CHECK ((payee_kind = 'user') = (payee_user_id IS NOT NULL)),
      CHECK ((payee_kind = 'merchant') = (payee_merchant_id IS NOT NULL)),
      CHECK (payer_account_id <> payee_account_id),
      CHECK ((status = 'succeeded') = (transfer_id IS NOT NULL AND confirmed_at IS NOT NULL AND confirmed_by IS NOT NULL))
    )`.execute(db);
  // "Has the payer paid this payee before?" (password-free payments need a known payee).
  await sql`CREATE INDEX payment_intents_paid_payees ON payment_intents (payer_id, payee_account_id)
    WHERE status = 'succeeded'`.execute(db);

  // Issue 4 point 5: an intent's amount and payee are fixed when it is made and bound into its
  // confirmation; the database refuses to re-point one, and a status never goes back.
  await sql`
    CREATE FUNCTION payment_intent_fixed() RETURNS trigger LANGUAGE plpgsql AS $$
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
      IF OLD.status <> 'awaiting_confirmation' AND NEW.status IS DISTINCT FROM OLD.status THEN
        RAISE EXCEPTION 'payment intent % is already %', OLD.id, OLD.status USING ERRCODE = 'insufficient_privilege';
      END IF;
      RETURN NEW;
    END $$`.execute(db);
  await sql`CREATE TRIGGER payment_intents_fixed BEFORE UPDATE ON payment_intents
    FOR EACH ROW EXECUTE FUNCTION payment_intent_fixed()`.execute(db);

  // A missing row means the platform maxima (src/payments/constants.ts).
  await sql`
    CREATE TABLE payment_limits (
      user_id text NOT NULL REFERENCES users (id),
      channel text NOT NULL CHECK (channel IN ('balance','bank_card','credit_line')),
      per_payment_minor int8 NOT NULL CHECK (per_payment_minor > 0),
      per_day_minor int8 NOT NULL CHECK (per_day_minor > 0),
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (user_id, channel),
      CHECK (per_payment_minor <= per_day_minor)
    )`.execute(db);

  // A missing row means off, with the default caps. The CHECK is the PBoC ceiling of 1,000.00 CNY
  // a day for payments verified with fewer than two factors: a second line behind the code.
  await sql`
    CREATE TABLE password_free_settings (
      user_id text PRIMARY KEY REFERENCES users (id),
      enabled boolean NOT NULL,
      per_payment_cap_minor int8 NOT NULL CHECK (per_payment_cap_minor > 0),
      daily_cap_minor int8 NOT NULL CHECK (daily_cap_minor > 0 AND daily_cap_minor <= 100000),
      updated_at timestamptz NOT NULL,
      CHECK (per_payment_cap_minor <= daily_cap_minor)
    )`.execute(db);

  // Running totals per payer and payment day (Beijing time). One row per payer-day is also the
  // lock that serialises that payer's confirmations, so two payments cannot both fit the last
  // allowance.
  await sql`
    CREATE TABLE payment_daily_usage (
      user_id text NOT NULL REFERENCES users (id),
      day text NOT NULL CHECK (day ~ '^[0-9]{4}-[0-9]{2}-[0-9]{2}$'),
      balance_minor int8 NOT NULL DEFAULT 0 CHECK (balance_minor >= 0),
      bank_card_minor int8 NOT NULL DEFAULT 0 CHECK (bank_card_minor >= 0),
      credit_line_minor int8 NOT NULL DEFAULT 0 CHECK (credit_line_minor >= 0),
      password_free_minor int8 NOT NULL DEFAULT 0 CHECK (password_free_minor >= 0),
      PRIMARY KEY (user_id, day)
    )`.execute(db);

  await sql`
    CREATE TABLE payment_audit (
      id bigserial PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      intent_id text,
      type text NOT NULL,
      ip text,
      details jsonb NOT NULL DEFAULT '{}'::jsonb,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX payment_audit_user ON payment_audit (user_id, type, created_at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
