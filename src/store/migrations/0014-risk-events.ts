import { type Kysely, sql } from 'kysely';

/**
 * The risk event stream (issue 8 point 1, docs/scale-out.md): every risk decision becomes one
 * `risk.decided` event in the transactional outbox, written by a trigger in the statement that
 * records the decision, so a decision and its event commit together and a decision retried under
 * the same event id (kept once by `ON CONFLICT DO NOTHING`) publishes once. Subject
 * `rampart.risk.decided.<kind>` (payment, sign_in, …). The payload carries what a downstream
 * consumer (a case tool, a data warehouse) needs and nothing more: no raw event, no feature values,
 * no IP or device — those stay in `risk_decisions`, behind the operator routes.
 */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql`
    CREATE FUNCTION event_outbox_risk_decided() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO event_outbox (event_id, subject, payload, created_at)
      VALUES ('risk.decided:' || NEW.event_id,
              'rampart.risk.decided.' || regexp_replace(NEW.kind, '[^A-Za-z0-9_-]', '_', 'g'),
              jsonb_build_object(
                'type', 'risk.decided',
                'riskEventId', NEW.event_id,
                'kind', NEW.kind,
                'userId', NEW.user_id,
                'decision', NEW.decision,
                'freezeAccount', NEW.freeze_account,
                'outcome', NEW.outcome,
                'score', NEW.score,
                'reasons', NEW.reasons,
                'ruleSetVersion', NEW.rule_set_version,
                'modelVersion', NEW.model_version,
                'createdAt', NEW.created_at),
              NEW.created_at)
      ON CONFLICT (event_id) DO NOTHING;
      RETURN NULL;
    END $$`.execute(db);
  await sql`
    CREATE TRIGGER risk_decisions_event_outbox AFTER INSERT ON risk_decisions
    FOR EACH ROW EXECUTE FUNCTION event_outbox_risk_decided()`.execute(db);
}

export async function down(db: Kysely<unknown>): Promise<void> {
  await sql`DROP TRIGGER risk_decisions_event_outbox ON risk_decisions`.execute(db);
  await sql`DROP FUNCTION event_outbox_risk_decided()`.execute(db);
}
