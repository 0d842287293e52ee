/**
 * Backtest (issue 5 point 3): replays recorded decisions through a candidate rule set — with the
 * features, model score and list hits recorded at the time — and shows what it would have
 * changed. Pure over the rows; `backtestRuleSet` loads them.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';
import { type Decision, decide, type RiskThresholds } from './decide.ts';
import { eventFields } from './event.ts';
import type { RiskEvent } from './ports.ts';
import { evaluateRuleSet, type RuleHit, type RuleSetBody } from './rule-set.ts';

/** Decisions replayed per backtest: bounded so one request cannot scan a year of events. */
export const BACKTEST_EVENTS_MAX = 20_000;
export const BACKTEST_EXAMPLES_MAX = 50;

export interface BacktestRow {
  readonly eventId: string;
  readonly event: unknown;
  readonly decision: Decision;
  readonly outcome: string;
  readonly score: number | null;
  readonly featureValues: Record<string, number>;
  readonly ruleHits: readonly RuleHit[];
  readonly labelFraud: boolean | null;
}

export interface BacktestReport {
  readonly events: number;
  /** Malformed events and engine errors: no features to replay. */
  readonly skipped: number;
  readonly changed: number;
  /** "allow→review": count. */
  readonly transitions: Readonly<Record<string, number>>;
  readonly before: Readonly<Record<Decision, number>>;
  readonly after: Readonly<Record<Decision, number>>;
  /** Shadow hits of the candidate, per rule id. */
  readonly shadowHits: Readonly<Record<string, number>>;
  /** Labelled frauds stopped (anything but allow) before and after. */
  readonly labelledFrauds: number;
  readonly fraudsStoppedBefore: number;
  readonly fraudsStoppedAfter: number;
  readonly examples: readonly {
    eventId: string;
    kind: string;
    before: Decision;
    after: Decision;
    reasons: string[];
  }[];
}

function reviveEvent(json: unknown): RiskEvent | null {
  if (typeof json !== 'object' || json === null) return null;
  const e = json as Record<string, unknown>;
  const big = (v: unknown) => (typeof v === 'string' && /^-?[0-9]{1,20}$/.test(v) ? BigInt(v) : undefined);
  return {
    ...(e as unknown as RiskEvent),
    amountMinor: big(e.amountMinor),
    balanceMinor: big(e.balanceMinor),
  };
}

export function backtest(
  rows: readonly BacktestRow[],
  candidate: RuleSetBody,
  thresholds: RiskThresholds,
): BacktestReport {
  const zero = (): Record<Decision, number> => ({ allow: 0, challenge: 0, review: 0, deny: 0 });
  const before = zero();
  const after = zero();
  const transitions: Record<string, number> = {};
  const shadowHits: Record<string, number> = {};
  const examples: { eventId: string; kind: string; before: Decision; after: Decision; reasons: string[] }[] =
    [];
  let skipped = 0;
  let changed = 0;
  let labelledFrauds = 0;
  let fraudsStoppedBefore = 0;
  let fraudsStoppedAfter = 0;
  for (const row of rows) {
    const event = reviveEvent(row.event);
    if (row.outcome !== 'decided' || !event) {
      skipped++;
      continue;
    }
    const listHits = row.ruleHits.filter((h) => h.ruleId.startsWith('list:'));
    const allowListed =
      listHits.some((h) => h.outcome === 'allow') && !listHits.some((h) => h.outcome === 'deny');
    const hits = allowListed
      ? listHits
      : [
          ...listHits,
          ...evaluateRuleSet(candidate, {
            kind: event.kind,
            fields: eventFields(event, row.score),
            features: row.featureValues,
          }),
        ];
    for (const hit of hits) if (hit.shadow) shadowHits[hit.ruleId] = (shadowHits[hit.ruleId] ?? 0) + 1;
    const decided = allowListed
      ? { decision: 'allow' as Decision, reasons: [] as string[] }
      : decide({ hits, score: row.score, thresholds });
    before[row.decision]++;
    after[decided.decision]++;
    if (row.labelFraud === true) {
      labelledFrauds++;
      if (row.decision !== 'allow') fraudsStoppedBefore++;
      if (decided.decision !== 'allow') fraudsStoppedAfter++;
    }
    if (decided.decision !== row.decision) {
      changed++;
      const key = `${row.decision}→${decided.decision}`;
      transitions[key] = (transitions[key] ?? 0) + 1;
      if (examples.length < BACKTEST_EXAMPLES_MAX) {
        examples.push({
          eventId: row.eventId,
          kind: event.kind,
          before: row.decision,
          after: decided.decision,
          reasons: decided.reasons,
        });
      }
    }
  }
  return {
    events: rows.length,
    skipped,
    changed,
    transitions,
    before,
    after,
    shadowHits,
    labelledFrauds,
    fraudsStoppedBefore,
    fraudsStoppedAfter,
    examples,
  };
}

export async function loadBacktestRows(
  db: Kysely<Database>,
  input: { fromMs: number; toMs: number },
): Promise<BacktestRow[]> {
  const rows = await db
    .selectFrom('risk_decisions')
    .select([
      'event_id',
      'event',
      'decision',
      'outcome',
      'score',
      'feature_values',
      'rule_hits',
      'label_fraud',
    ])
    .where('created_at', '>=', new Date(input.fromMs))
    .where('created_at', '<', new Date(input.toMs))
    .orderBy('created_at', 'desc')
    .limit(BACKTEST_EVENTS_MAX)
    .execute();
  return rows.map((r) => ({
    eventId: r.event_id,
    event: r.event,
    decision: r.decision,
    outcome: r.outcome,
    score: r.score,
    featureValues: r.feature_values,
    ruleHits: r.rule_hits as RuleHit[],
    labelFraud: r.label_fraud,
  }));
}
