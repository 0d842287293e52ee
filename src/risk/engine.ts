/**
 * The risk engine (issue 5 points 1, 3, 5): `assess(event)` decides allow / challenge / review /
 * deny (and whether to freeze the account) before a sensitive event takes effect, and records the
 * decision with the event, its features, rule hits, score and model version.
 *
 * Order: check the event (malformed → challenge) → allow/block lists → features → model → rules
 * → decision. Any failure inside is an explicit `engine_error` outcome whose decision is the event
 * kind's fail mode (open → allow, closed → deny), recorded and logged: never a silent allow.
 *
 * Rules are hot-reloaded: at most every `rulesReloadCheckMs` a decision checks the latest stored
 * version; a stored version that does not validate (e.g. it names a feature this deployment no
 * longer computes) is logged and skipped, and the last good version stays in force.
 */
import { performance } from 'node:perf_hooks';
import type { Kysely } from 'kysely';
import { type Clock, DomainError, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { type BacktestReport, backtest, loadBacktestRows } from './backtest.ts';
import { checkThresholds, type Decision, decide, type RiskThresholds } from './decide.ts';
import { DEFAULT_RULE_SET_REVISION, defaultRuleSetFor } from './default-rule-set.ts';
import { RISK_ERRORS } from './errors.ts';
import { checkEvent, eventFields, eventToJson } from './event.ts';
import type { FeatureSource, FeatureVector, RiskEvent, RiskEventKind, RiskModel } from './ports.ts';
import { evaluateRuleSet, type RuleHit, type RuleSetBody, validateRuleSet } from './rule-set.ts';
import {
  addListEntry,
  type ListKind,
  type ListSubject,
  latestRuleSetVersion,
  listEntries,
  loadRuleSet,
  matchLists,
  removeListEntry,
  ruleSetHistory,
  saveRuleSet,
  seedDefaultRuleSet,
} from './rule-store.ts';

export type FailMode = 'open' | 'closed';

export interface RiskEngineConfig {
  readonly thresholds: RiskThresholds;
  /** Per event kind: what a failure inside the engine decides (open → allow, closed → deny). */
  readonly failMode: Readonly<Record<RiskEventKind, FailMode>>;
  /** How often a decision looks for a newer rule set; 0 = every decision. */
  readonly rulesReloadCheckMs: number;
  /**
   * `enforce`: the model's probability moves decisions through the thresholds. `shadow`: it is
   * computed and recorded with every decision (and rules may read it as `model_score`), but only
   * rules and lists decide — how a model trained elsewhere is run until it is validated on this
   * platform's own traffic (docs/risk.md). Absent = enforce.
   */
  readonly modelMode?: 'enforce' | 'shadow';
}

/** Payments and withdrawals fail closed (money stays); sign-in and new payees fail open, since
 *  identity's own checks still run and an engine outage must not lock every user out. */
export const DEFAULT_FAIL_MODE: Readonly<Record<RiskEventKind, FailMode>> = Object.freeze({
  sign_in: 'open',
  payment: 'closed',
  transfer: 'closed',
  withdrawal: 'closed',
  new_payee: 'open',
  security_change: 'closed',
});

export const RULES_RELOAD_CHECK_MS = 1_000;

/** The kinds the model scores: it was trained on payments (docs/risk.md). Sign-ins, withdrawals,
 *  new payees and security changes are decided by rules and lists alone. */
export const MODEL_KINDS: readonly RiskEventKind[] = ['payment', 'transfer'];

export interface RiskLog {
  warn(details: Record<string, unknown>, message: string): void;
  error(details: Record<string, unknown>, message: string): void;
}

export type RiskOutcome = 'decided' | 'engine_error' | 'malformed_event';

export interface RiskListHit {
  readonly list: ListKind;
  readonly subject: ListSubject;
  readonly reason: string;
}

export interface RiskResult {
  readonly eventId: string;
  readonly decision: Decision;
  /** Strongest signals: the account should be frozen (the decision is then deny). */
  readonly freeze: boolean;
  readonly outcome: RiskOutcome;
  /** The model's probability of fraud; null without a model or when it failed. */
  readonly score: number | null;
  /** Stable snake_case codes: rule reasons, list hits, `model:<feature>` contributions. */
  readonly reasons: readonly string[];
  readonly featureValues: FeatureVector;
  /** Every rule that matched, shadow ones included (marked), plus list hits. */
  readonly ruleHits: readonly RuleHit[];
  readonly modelVersion: string | null;
  readonly ruleSetVersion: number | null;
}

export interface RiskEngineDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly features: FeatureSource;
  /** null: no model wired; rules alone decide. */
  readonly model: RiskModel | null;
  /** Feature names rules may use (what `features` computes); the model's names are added. */
  readonly featureNames: readonly string[];
  readonly config: RiskEngineConfig;
  readonly log: RiskLog;
}

export type RiskEngine = ReturnType<typeof createRiskEngine>;

interface ActiveRules {
  version: number | null;
  body: RuleSetBody;
  checkedAtMs: number;
  /** The newest stored version that failed validation at load: not tried again. */
  refusedVersion: number | null;
}

export function createRiskEngine(deps: RiskEngineDeps) {
  const { db, clock, features, model, config, log } = deps;
  if (!checkThresholds(config.thresholds)) throw new Error('risk thresholds must be 0..1 and ascending');
  const knownFeatures = new Set([...deps.featureNames, ...(model?.featureNames ?? [])]);
  // Until the first load, the built-in default for these features is in force.
  const defaultRules = defaultRuleSetFor(knownFeatures);
  const active: ActiveRules = {
    version: null,
    body: defaultRules,
    checkedAtMs: Number.NEGATIVE_INFINITY,
    refusedVersion: null,
  };
  let seeded = false;

  async function currentRules(nowMs: number): Promise<ActiveRules> {
    if (nowMs - active.checkedAtMs < config.rulesReloadCheckMs) return active;
    if (!seeded) {
      await seedDefaultRuleSet(db, { body: defaultRules, revision: DEFAULT_RULE_SET_REVISION, nowMs });
      seeded = true;
    }
    const latest = await latestRuleSetVersion(db);
    active.checkedAtMs = nowMs;
    if (latest === null || latest === active.version || latest === active.refusedVersion) return active;
    const stored = await loadRuleSet(db, latest);
    if (!stored) return active;
    const checked = validateRuleSet(stored.body, { knownFeatures });
    if (!checked.ok) {
      active.refusedVersion = latest;
      log.error(
        { ruleSetVersion: latest, inForce: active.version, errors: checked.errors.slice(0, 5) },
        'stored risk rule set refused at load; the last good version stays in force',
      );
      return active;
    }
    active.version = stored.version;
    active.body = checked.ruleSet;
    return active;
  }

  async function record(event: unknown, result: RiskResult, latencyUs: number, nowMs: number): Promise<void> {
    const e = event as Partial<RiskEvent> | null;
    await db
      .insertInto('risk_decisions')
      .values({
        event_id: result.eventId,
        kind: typeof e?.kind === 'string' ? e.kind.slice(0, 40) : 'unknown',
        user_id: typeof e?.userId === 'string' ? e.userId.slice(0, 128) : null,
        event: eventToJson(event),
        decision: result.decision,
        freeze_account: result.freeze,
        outcome: result.outcome,
        score: result.score,
        reasons: JSON.stringify(result.reasons),
        feature_values: JSON.stringify(result.featureValues),
        rule_hits: JSON.stringify(result.ruleHits),
        model_version: result.modelVersion,
        rule_set_version: result.ruleSetVersion,
        latency_us: Math.min(Math.round(latencyUs), 2_147_483_647),
        created_at: new Date(nowMs),
      })
      // The same event assessed twice (a retried request) keeps its first decision.
      .onConflict((oc) => oc.column('event_id').doNothing())
      .execute();
  }

  async function evaluate(event: RiskEvent, nowMs: number): Promise<RiskResult> {
    const lists = await matchLists(db, event);
    const listHits: RuleHit[] = lists.map((hit) => ({
      ruleId: `list:${hit.list}:${hit.subject}`,
      outcome: hit.list === 'block' ? 'deny' : 'allow',
      reason: hit.list === 'block' ? `blocklisted_${hit.subject}` : `allowlisted_${hit.subject}`,
      shadow: false,
    }));
    const rules = await currentRules(nowMs);
    const blocked = lists.some((hit) => hit.list === 'block');
    // An allow-listed user, device, IP or payee is allowed whatever rules and model say; a block
    // entry still wins. Features, model and rules are still evaluated and recorded (what they
    // would have decided is what an operator reviewing the allow-list needs), so an allow-listed
    // event costs the same as any other.
    const allowListed = !blocked && lists.some((hit) => hit.list === 'allow');
    const featureValues = await features.extract(event);
    // The model is a payment model: other kinds are decided by rules and lists, and their record
    // says so (score and model version null).
    const scored = model && MODEL_KINDS.includes(event.kind) ? model.score(featureValues) : null;
    const score = scored ? scored.probability : null;
    if (score !== null && !(score >= 0 && score <= 1)) throw new Error(`model returned probability ${score}`);
    const ruleHits = [
      ...listHits,
      ...evaluateRuleSet(rules.body, {
        kind: event.kind,
        fields: eventFields(event, score),
        features: featureValues,
      }),
    ];
    const decided = decide({
      hits: ruleHits,
      score: config.modelMode === 'shadow' ? null : score,
      thresholds: config.thresholds,
    });
    if (allowListed) {
      return {
        eventId: event.eventId,
        decision: 'allow',
        freeze: false,
        outcome: 'decided',
        score,
        reasons: listHits.map((h) => h.reason),
        featureValues,
        ruleHits,
        modelVersion: scored?.modelVersion ?? null,
        ruleSetVersion: rules.version,
      };
    }
    const reasons = [...decided.reasons];
    if (scored && decided.decision !== 'allow') {
      for (const r of scored.reasons.slice(0, 3)) if (r.contribution > 0) reasons.push(`model:${r.feature}`);
    }
    return {
      eventId: event.eventId,
      decision: decided.decision,
      freeze: decided.freeze,
      outcome: 'decided',
      score,
      reasons,
      featureValues,
      ruleHits,
      modelVersion: scored?.modelVersion ?? null,
      ruleSetVersion: rules.version,
    };
  }

  return {
    /** Decides on one event before it takes effect, and records the decision. Never throws. */
    async assess(input: unknown): Promise<RiskResult> {
      const started = performance.now();
      const nowMs = clock.nowMs();
      const checked = checkEvent(input);
      let result: RiskResult;
      if (!checked.ok) {
        const raw = input as { eventId?: unknown } | null;
        const eventId =
          typeof raw?.eventId === 'string' && /^[A-Za-z0-9_.:-]{1,128}$/.test(raw.eventId)
            ? raw.eventId
            : newId('rev');
        log.warn({ eventId, problem: checked.problem }, 'malformed risk event: challenged');
        result = {
          eventId,
          decision: 'challenge',
          freeze: false,
          outcome: 'malformed_event',
          score: null,
          reasons: [`malformed_event_${checked.problem}`],
          featureValues: {},
          ruleHits: [],
          modelVersion: null,
          ruleSetVersion: active.version,
        };
      } else {
        try {
          result = await evaluate(checked.event, nowMs);
        } catch (error) {
          const mode = config.failMode[checked.event.kind];
          log.error(
            { eventId: checked.event.eventId, kind: checked.event.kind, failMode: mode, err: error },
            'risk engine failed; deciding by the fail mode',
          );
          result = {
            eventId: checked.event.eventId,
            decision: mode === 'open' ? 'allow' : 'deny',
            freeze: false,
            outcome: 'engine_error',
            score: null,
            reasons: [mode === 'open' ? 'engine_error_fail_open' : 'engine_error_fail_closed'],
            featureValues: {},
            ruleHits: [],
            modelVersion: model?.version ?? null,
            ruleSetVersion: active.version,
          };
        }
      }
      try {
        await record(input, result, (performance.now() - started) * 1000, nowMs);
      } catch (error) {
        // Unrecorded is a failure too: a fail-closed kind is denied rather than let through unseen.
        const kind = checked.ok ? checked.event.kind : undefined;
        log.error({ eventId: result.eventId, err: error }, 'risk decision could not be recorded');
        if (kind && config.failMode[kind] === 'closed' && result.decision !== 'deny') {
          result = {
            ...result,
            decision: 'deny',
            outcome: 'engine_error',
            reasons: [...result.reasons, 'engine_error_fail_closed'],
          };
        }
      }
      if (checked.ok && result.decision !== 'deny') {
        // The event is about to take effect (or be confirmed): it enters the feature windows.
        await features.observe(checked.event).catch((error: unknown) => {
          log.error({ eventId: result.eventId, err: error }, 'feature observe failed');
        });
      }
      return result;
    },

    /**
     * Records an event that already happened and has nothing to decide (a wrong payment password
     * was refused by identity): it enters the feature windows only, idempotent on its eventId.
     * Not a decision, so not in `risk_decisions` (nor in backtests or decision metrics). Never
     * throws: a malformed event or a state error is logged, and the caller's answer stands.
     */
    async observe(input: unknown): Promise<void> {
      const checked = checkEvent(input);
      if (!checked.ok) {
        const raw = input as { eventId?: unknown } | null;
        log.warn(
          { eventId: raw?.eventId, problem: checked.problem },
          'malformed observed risk event: dropped',
        );
        return;
      }
      await features.observe(checked.event).catch((error: unknown) => {
        log.error({ eventId: checked.event.eventId, err: error }, 'feature observe failed');
      });
    },

    /** A late label (confirmed fraud or not): to the features and onto the decision record. */
    async label(eventId: string, fraud: boolean): Promise<void> {
      const nowMs = clock.nowMs();
      await db
        .updateTable('risk_decisions')
        .set({ label_fraud: fraud, labelled_at: new Date(nowMs) })
        .where('event_id', '=', eventId)
        .execute();
      await features.label(eventId, fraud, nowMs);
    },

    /** The rule set in force now (after a reload check). */
    async activeRuleSet(): Promise<{ version: number | null; body: RuleSetBody }> {
      const rules = await currentRules(clock.nowMs());
      return { version: rules.version, body: rules.body };
    },

    validateRuleSet: (body: unknown) => validateRuleSet(body, { knownFeatures }),

    knownFeatures: (): string[] => [...knownFeatures].sort(),

    async saveRuleSet(input: { body: unknown; note: string | null; createdBy: string }) {
      const saved = await saveRuleSet(db, { ...input, knownFeatures, nowMs: clock.nowMs() });
      active.checkedAtMs = Number.NEGATIVE_INFINITY; // this process sees it at once
      return saved;
    },

    /** What a candidate rule set would have decided on the recorded events of a window. */
    async backtest(input: { body: unknown; fromMs: number; toMs: number }): Promise<BacktestReport> {
      const checked = validateRuleSet(input.body, { knownFeatures });
      if (!checked.ok) throw new DomainError(RISK_ERRORS.RULE_SET_INVALID, { errors: checked.errors });
      const rows = await loadBacktestRows(db, input);
      return backtest(rows, checked.ruleSet, config.thresholds);
    },

    ruleSetHistory: () => ruleSetHistory(db),
    loadRuleSet: (version: number) => loadRuleSet(db, version),

    lists: {
      add: (input: {
        list: ListKind;
        subject: ListSubject;
        value: string;
        reason: string;
        createdBy: string;
      }) => addListEntry(db, { ...input, nowMs: clock.nowMs() }),
      remove: (id: string) => removeListEntry(db, { id, nowMs: clock.nowMs() }),
      list: () => listEntries(db),
    },

    config,
  };
}
