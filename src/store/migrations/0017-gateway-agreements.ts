import { type Kysely, sql } from 'kysely';

/**
 * Open API, the rest of issue 6 (docs/gateway.md):
 *
 * `gateway_agreement_signs`: an `alipay.user.agreement.page.sign` request. The user is not known
 * when the merchant's page link is opened, so the request waits here (merchant, terms, notify_url)
 * until a signed-in user claims it; claiming creates the agreement in src/agreements, which owns
 * it from then on. One row per (merchant, external_agreement_no), like the agreement itself.
 *
 * `gateway_agreement_trades`: an `alipay.trade.pay` paid by an agreement debit. The row is written
 * before the debit (state `open`), so a process that dies between the debit's commit and the
 * trade's settlement leaves a row runDue finishes (the debit's idempotency key is the trade_no).
 *
 * Notifications may be about an agreement (dut_user_sign / dut_user_unsign): trade_no becomes
 * optional and agreement_id names the agreement.
 *
 * `finished_at`: when a paid trade became TRADE_FINISHED (its refundable period ended).
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE gateway_agreement_signs (
      id text PRIMARY KEY,
      app_id text NOT NULL REFERENCES gateway_apps (app_id),
      merchant_id text NOT NULL REFERENCES merchants (id),
      external_agreement_no text NOT NULL,
      personal_product_code text NOT NULL,
      sign_scene text NOT NULL,
      purpose text NOT NULL,
      per_debit_cap_minor int8 NOT NULL CHECK (per_debit_cap_minor > 0),
      monthly_cap_minor int8 NOT NULL CHECK (monthly_cap_minor >= per_debit_cap_minor),
      notify_url text,
      return_url text,
      user_id text REFERENCES users (id),
      agreement_id text,
      created_at timestamptz NOT NULL,
      expires_at timestamptz NOT NULL,
      UNIQUE (merchant_id, external_agreement_no)
    )`.execute(db);
  await sql`CREATE INDEX gateway_agreement_signs_agreement ON gateway_agreement_signs (agreement_id)`.execute(
    db,
  );

  await sql`
    CREATE TABLE gateway_agreement_trades (
      trade_no text PRIMARY KEY REFERENCES gateway_trades (trade_no),
      agreement_id text NOT NULL,
      state text NOT NULL CHECK (state IN ('open','settled','duplicate_refunded','void')),
      debit_id text,
      created_at timestamptz NOT NULL
    )`.execute(db);
  await sql`CREATE INDEX gateway_agreement_trades_open ON gateway_agreement_trades (created_at)
    WHERE state = 'open'`.execute(db);

  await sql`ALTER TABLE gateway_notifications ALTER COLUMN trade_no DROP NOT NULL`.execute(db);
  await sql`ALTER TABLE gateway_notifications ADD COLUMN agreement_id text`.execute(db);
  await sql`ALTER TABLE gateway_notifications ADD CONSTRAINT gateway_notifications_subject
    CHECK (trade_no IS NOT NULL OR agreement_id IS NOT NULL)`.execute(db);

  await sql`ALTER TABLE gateway_trades ADD COLUMN finished_at timestamptz`.execute(db);
  await sql`CREATE INDEX gateway_trades_success_paid ON gateway_trades (paid_at)
    WHERE status = 'TRADE_SUCCESS'`.execute(db);
}
