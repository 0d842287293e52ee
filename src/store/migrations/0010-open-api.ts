import { type Kysely, sql } from 'kysely';

/**
 * The merchant open API (issue 6, docs/gateway.md): merchant onboarding, apps with their keys,
 * trades, the wallet payments that pay them, refunds, the notification outbox, the user's
 * one-time pay codes and v3 nonces. Money moves only in the ledger; these rows say which
 * transfer carried it.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  // Onboarding state beside `merchants` (identity's table): an operator approves a merchant
  // before it can have apps.
  await sql`
    CREATE TABLE gateway_merchants (
      merchant_id text PRIMARY KEY REFERENCES merchants (id),
      status text NOT NULL CHECK (status IN ('pending','approved','suspended')),
      contact_email text,
      -- Fee rate in basis points of the trade amount (60 = 0.6 %, Alipay's standard rate).
      fee_rate_bp int4 NOT NULL CHECK (fee_rate_bp >= 0 AND fee_rate_bp <= 1000),
      created_at timestamptz NOT NULL,
      approved_at timestamptz
    )`.execute(db);

  await sql`
    CREATE TABLE gateway_apps (
      app_id text PRIMARY KEY,
      merchant_id text NOT NULL REFERENCES merchants (id),
      name text NOT NULL,
      status text NOT NULL CHECK (status IN ('active','disabled')),
      -- The merchant's uploaded RSA-2048 public key (SPKI PEM): verifies its requests.
      merchant_public_key_pem text NOT NULL,
      -- Optional allow-list of client IPs; empty = any.
      ip_allow_list jsonb NOT NULL DEFAULT '[]'::jsonb,
      -- SHA-256 of the merchant console token (the token itself is shown once).
      console_token_sha256 text NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX gateway_apps_merchant ON gateway_apps (merchant_id)`.execute(db);

  // The platform's key pairs per app. The private key is AES-256-GCM encrypted with a key derived
  // from the master key. A rotation adds a key that signs from signs_from on; until then the
  // previous key signs, so merchants have the overlap to install the new public key.
  await sql`
    CREATE TABLE gateway_platform_keys (
      id text PRIMARY KEY,
      app_id text NOT NULL REFERENCES gateway_apps (app_id),
      public_key_pem text NOT NULL,
      private_key_sealed text NOT NULL,
      signs_from timestamptz NOT NULL,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX gateway_platform_keys_app ON gateway_platform_keys (app_id, signs_from)`.execute(db);

  await sql`
    CREATE TABLE gateway_trades (
      trade_no text PRIMARY KEY,
      app_id text NOT NULL REFERENCES gateway_apps (app_id),
      merchant_id text NOT NULL REFERENCES merchants (id),
      out_trade_no text NOT NULL,
      method text NOT NULL,
      -- SHA-256 of the key fields (amount, subject, ...): a re-submission must match it.
      fingerprint text NOT NULL,
      subject text NOT NULL,
      body text,
      product_code text NOT NULL,
      total_minor int8 NOT NULL CHECK (total_minor > 0),
      currency char(3) NOT NULL,
      status text NOT NULL CHECK (status IN ('WAIT_BUYER_PAY','TRADE_SUCCESS','TRADE_FINISHED','TRADE_CLOSED')),
      notify_url text,
      return_url text,
      passback_params text,
      buyer_user_id text REFERENCES users (id),
      buyer_account_id text REFERENCES ledger_accounts (id),
      -- The payment intent that paid it, and the fee transfer.
      paid_intent_id text,
      fee_minor int8 NOT NULL DEFAULT 0 CHECK (fee_minor >= 0),
      refunded_minor int8 NOT NULL DEFAULT 0 CHECK (refunded_minor >= 0),
      fee_refunded_minor int8 NOT NULL DEFAULT 0 CHECK (fee_refunded_minor >= 0),
      qr_code text,
      expires_at timestamptz NOT NULL,
      created_at timestamptz NOT NULL,
      paid_at timestamptz,
      closed_at timestamptz,
      CHECK (refunded_minor <= total_minor),
      CHECK (fee_refunded_minor <= fee_minor),
      UNIQUE (merchant_id, out_trade_no)
    )`.execute(db);
  // runDue's look-up of unpaid trades past their deadline.
  await sql`CREATE INDEX gateway_trades_due ON gateway_trades (expires_at) WHERE status = 'WAIT_BUYER_PAY'`.execute(
    db,
  );
  await sql`CREATE INDEX gateway_trades_app_created ON gateway_trades (app_id, created_at)`.execute(db);
  await sql`CREATE INDEX gateway_trades_paid ON gateway_trades (merchant_id, paid_at) WHERE paid_at IS NOT NULL`.execute(
    db,
  );

  // Every payment intent made to pay a trade (several people may scan one QR code).
  await sql`
    CREATE TABLE gateway_trade_attempts (
      intent_id text PRIMARY KEY REFERENCES payment_intents (id),
      trade_no text NOT NULL REFERENCES gateway_trades (trade_no),
      payer_id text NOT NULL REFERENCES users (id),
      -- open until the intent succeeded (and the trade settled or it was refunded) or expired.
      state text NOT NULL CHECK (state IN ('open','settled','duplicate_refunded','void')),
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX gateway_trade_attempts_open ON gateway_trade_attempts (created_at) WHERE state = 'open'`.execute(
    db,
  );
  await sql`CREATE INDEX gateway_trade_attempts_trade ON gateway_trade_attempts (trade_no)`.execute(db);

  await sql`
    CREATE TABLE gateway_refunds (
      trade_no text NOT NULL REFERENCES gateway_trades (trade_no),
      out_request_no text NOT NULL,
      amount_minor int8 NOT NULL CHECK (amount_minor > 0),
      fee_back_minor int8 NOT NULL CHECK (fee_back_minor >= 0),
      reason text,
      transfer_id text NOT NULL REFERENCES ledger_transfers (id),
      created_at timestamptz NOT NULL,
      PRIMARY KEY (trade_no, out_request_no)
    )`.execute(db);

  // The durable notification outbox: one row per status change, delivered at least once.
  await sql`
    CREATE TABLE gateway_notifications (
      id text PRIMARY KEY,
      notify_id text NOT NULL UNIQUE,
      app_id text NOT NULL REFERENCES gateway_apps (app_id),
      trade_no text NOT NULL REFERENCES gateway_trades (trade_no),
      url text NOT NULL,
      -- The fields sent, except sign (signed at each attempt with the key current then).
      fields jsonb NOT NULL,
      status text NOT NULL CHECK (status IN ('pending','delivered','failed')),
      attempts int4 NOT NULL DEFAULT 0,
      next_attempt_at timestamptz NOT NULL,
      -- A process claims a row until this time; another may take it over after.
      claimed_until timestamptz,
      last_error text,
      created_at timestamptz NOT NULL,
      delivered_at timestamptz,
      first_delivered_ms int8
    )`.execute(db);
  await sql`CREATE INDEX gateway_notifications_due ON gateway_notifications (next_attempt_at)
    WHERE status = 'pending'`.execute(db);
  await sql`CREATE INDEX gateway_notifications_trade ON gateway_notifications (trade_no)`.execute(db);

  await sql`
    CREATE TABLE gateway_notify_attempts (
      notification_id text NOT NULL REFERENCES gateway_notifications (id),
      attempt int4 NOT NULL,
      at timestamptz NOT NULL,
      outcome text NOT NULL,
      PRIMARY KEY (notification_id, attempt)
    )`.execute(db);

  // The user's payment barcode: stored as SHA-256 only, one use, short-lived.
  await sql`
    CREATE TABLE gateway_pay_codes (
      code_sha256 text PRIMARY KEY,
      user_id text NOT NULL REFERENCES users (id),
      expires_at timestamptz NOT NULL,
      used_at timestamptz,
      trade_no text,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX gateway_pay_codes_user ON gateway_pay_codes (user_id, created_at)`.execute(db);

  // v3 nonces seen within the timestamp window (replays refused).
  await sql`
    CREATE TABLE gateway_v3_nonces (
      app_id text NOT NULL,
      nonce text NOT NULL,
      seen_at timestamptz NOT NULL,
      PRIMARY KEY (app_id, nonce)
    )`.execute(db);
  await sql`CREATE INDEX gateway_v3_nonces_seen ON gateway_v3_nonces (seen_at)`.execute(db);
}

export async function down(): Promise<void> {
  throw new Error('not reversible');
}
