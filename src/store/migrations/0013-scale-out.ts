import { type Kysely, sql } from 'kysely';

/**
 * Scale-out (issue 8, docs/scale-out.md).
 *
 * `job_schedule`: one row per periodic job. A process runs a job only after moving the row's
 * `next_run_at` forward in one UPDATE … WHERE next_run_at <= now, so across any number of
 * processes one tick runs once; `lease_until` keeps a second process out while a run is going and
 * hands the job on if the runner dies.
 *
 * `event_outbox`: domain events written by triggers in the same transaction as the state change
 * they describe (a posted ledger movement, an account frozen), whoever wrote it: no module can
 * forget to emit, and no event exists for a rolled-back change. `event_id` is deterministic (from
 * the transfer id or user id), so it doubles as JetStream's Nats-Msg-Id for de-duplication.
 *
 * `event_consumptions` + `event_account_activity`: the idempotent consumer's memory (one row per
 * consumer and event, inserted in the same transaction as the effect) and its projection.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE TABLE job_schedule (
      name text PRIMARY KEY,
      next_run_at timestamptz NOT NULL,
      lease_until timestamptz,
      leased_by text,
      runs int8 NOT NULL DEFAULT 0,
      last_finished_at timestamptz,
      last_error text
    )`.execute(db);

  await sql`
    CREATE TABLE event_outbox (
      id bigserial PRIMARY KEY,
      event_id text NOT NULL UNIQUE,
      subject text NOT NULL,
      payload jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      published_at timestamptz,
      claimed_until timestamptz,
      attempts int4 NOT NULL DEFAULT 0
    )`.execute(db);
  await sql`CREATE INDEX event_outbox_unpublished ON event_outbox (id) WHERE published_at IS NULL`.execute(
    db,
  );

  // One event per transfer that moved posted money (posted, post_pending), carrying its legs. A
  // statement trigger with a transition table: group commit writes hundreds of transfers in one
  // INSERT, and this adds one INSERT … SELECT to that transaction, not one per row.
  await sql`
    CREATE FUNCTION event_outbox_ledger_posted() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO event_outbox (event_id, subject, payload, created_at)
      SELECT 'ledger.posted:' || t.id,
             'rampart.ledger.posted.' || regexp_replace(t.code, '[^A-Za-z0-9_-]', '_', 'g'),
             jsonb_build_object(
               'type', 'ledger.transfer_posted',
               'transferId', t.id,
               'kind', t.kind,
               'code', t.code,
               'createdAt', t.created_at,
               'legs', (
                 SELECT coalesce(jsonb_agg(jsonb_build_object(
                          'accountId', e.account_id,
                          'side', e.side,
                          'currency', e.currency,
                          'amountMinor', abs(e.posted_delta_minor)::text) ORDER BY e.leg_index, e.side), '[]'::jsonb)
                 FROM new_entries e WHERE e.transfer_id = t.id)),
             t.created_at
      FROM ledger_transfers t
      WHERE t.id IN (SELECT DISTINCT transfer_id FROM new_entries WHERE posted_delta_minor <> 0)
      ON CONFLICT (event_id) DO NOTHING;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER ledger_entries_event_outbox AFTER INSERT ON ledger_entries
    REFERENCING NEW TABLE AS new_entries FOR EACH STATEMENT
    EXECUTE FUNCTION event_outbox_ledger_posted()`.execute(db);

  await sql`
    CREATE FUNCTION event_outbox_account_frozen() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO event_outbox (event_id, subject, payload, created_at)
      VALUES ('account.frozen:' || NEW.id || ':' || (extract(epoch FROM NEW.frozen_at) * 1000)::bigint,
              'rampart.account.frozen',
              jsonb_build_object('type', 'account.frozen', 'userId', NEW.id, 'frozenAt', NEW.frozen_at),
              NEW.frozen_at)
      ON CONFLICT (event_id) DO NOTHING;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER users_event_outbox_frozen AFTER UPDATE OF frozen_at ON users
    FOR EACH ROW WHEN (OLD.frozen_at IS NULL AND NEW.frozen_at IS NOT NULL)
    EXECUTE FUNCTION event_outbox_account_frozen()`.execute(db);

  await sql`
    CREATE TABLE event_consumptions (
      consumer text NOT NULL,
      event_id text NOT NULL,
      consumed_at timestamptz NOT NULL,
      PRIMARY KEY (consumer, event_id)
    )`.execute(db);
  await sql`
    CREATE TABLE event_account_activity (
      account_id text PRIMARY KEY,
      posted_events int8 NOT NULL DEFAULT 0,
      debited_minor int8 NOT NULL DEFAULT 0,
      credited_minor int8 NOT NULL DEFAULT 0,
      last_event_id text NOT NULL,
      updated_at timestamptz NOT NULL
    )`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TABLE event_account_activity`.execute(db);
  await sql`DROP TABLE event_consumptions`.execute(db);
  await sql`DROP TRIGGER users_event_outbox_frozen ON users`.execute(db);
  await sql`DROP FUNCTION event_outbox_account_frozen()`.execute(db);
  await sql`DROP TRIGGER ledger_entries_event_outbox ON ledger_entries`.execute(db);
  await sql`DROP FUNCTION event_outbox_ledger_posted()`.execute(db);
  await sql`DROP TABLE event_outbox`.execute(db);
  await sql`DROP TABLE job_schedule`.execute(db);
}
