// Proves the risk engine's decisions on a real store (PGlite, or PostgreSQL with --pg): each of
// allow / challenge / review / deny (+ freeze) from rules, lists and model thresholds; a failure
// inside the engine decided by the kind's fail mode and recorded; a malformed event challenged
// with a logged reason; shadow rules recorded but not enforced; a saved rule set in force at the
// next decision (hot reload); a refused rule set (unknown field, bad operator, cycle, oversize)
// leaving the last good version in force, at save and at load; backtest; labels.
// The features and model are the deterministic test double of src/testing/fake-risk-scorer.ts.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DomainError, ManualClock } from '../shared/index.ts';
import { createFakeRiskScorer, FAKE_FEATURE_NAMES } from '../testing/fake-risk-scorer.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import {
  createRiskEngine,
  DEFAULT_FAIL_MODE,
  DEFAULT_RULE_SET,
  DEFAULT_THRESHOLDS,
  type RiskEngine,
  type RiskEvent,
  RULES_PER_SET_MAX,
  type RuleSetBody,
  validateRuleSet,
} from './index.ts';

const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
let store: TestStore;
let engine: RiskEngine;
const scorer = createFakeRiskScorer();
const logged: { level: string; message: string; details: Record<string, unknown> }[] = [];
let counter = 0;

function event(overrides: Partial<RiskEvent> & { detail?: Record<string, string> } = {}): RiskEvent {
  counter++;
  return {
    eventId: `evt_${counter}`,
    kind: 'payment',
    userId: 'usr_a',
    atMs: clock.nowMs(),
    amountMinor: 10_000n,
    currency: 'CNY',
    payeeKey: 'user:usr_b',
    balanceMinor: 1_000_000n,
    deviceKey: 'device-a',
    ip: '10.0.0.1',
    country: 'CN',
    ...overrides,
    detail: { firstTimePayee: 'false', knownDevice: 'true', ...overrides.detail },
  };
}

const TEST_RULES: RuleSetBody = {
  rules: [
    ...DEFAULT_RULE_SET.rules,
    {
      id: 'flagged',
      kinds: ['payment'],
      when: { feature: 'fake_flag', op: '==', value: 1 },
      outcome: 'challenge',
      reason: 'fake_flagged',
    },
    {
      id: 'shadow_small',
      when: { field: 'amountMinor', op: '<', value: 100 },
      outcome: 'deny',
      reason: 'shadow_tiny_amount',
      shadow: true,
    },
  ],
};

before(async () => {
  store = await openTestStore();
  engine = createRiskEngine({
    db: store.db,
    clock,
    features: scorer.features,
    model: scorer.model,
    featureNames: [],
    config: { thresholds: DEFAULT_THRESHOLDS, failMode: DEFAULT_FAIL_MODE, rulesReloadCheckMs: 0 },
    log: {
      warn: (details, message) => logged.push({ level: 'warn', message, details }),
      error: (details, message) => logged.push({ level: 'error', message, details }),
    },
  });
  await engine.saveRuleSet({ body: TEST_RULES, note: 'test rules', createdBy: 'test' });
});
after(async () => {
  await store?.close();
});

async function recorded(eventId: string) {
  return store.db
    .selectFrom('risk_decisions')
    .selectAll()
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
}

describe('decisions', () => {
  test('an ordinary payment is allowed, recorded with features, score, model and rule-set versions', async () => {
    const e = event();
    const result = await engine.assess(e);
    assert.equal(result.decision, 'allow');
    assert.equal(result.freeze, false);
    assert.equal(result.modelVersion, 'fake-1');
    assert.equal(result.score, 0);
    const row = await recorded(e.eventId);
    assert.equal(row.decision, 'allow');
    assert.equal(row.outcome, 'decided');
    assert.equal(row.model_version, 'fake-1');
    assert.equal(row.rule_set_version, result.ruleSetVersion);
    assert.equal(row.feature_values.fake_amount_yuan, 100);
    assert.equal((row.event as { amountMinor: string }).amountMinor, '10000');
    assert.ok(scorer.observed.includes(e.eventId), 'an allowed event enters the feature windows');
  });

  test('a rule over a feature challenges', async () => {
    const result = await engine.assess(event({ detail: { fakeFlag: 'on' } }));
    assert.equal(result.decision, 'challenge');
    assert.deepEqual(result.reasons, ['fake_flagged']);
  });

  test('a rule over event fields holds for review (most of the balance to a new payee)', async () => {
    const result = await engine.assess(
      event({ amountMinor: 900_000n, balanceMinor: 1_000_000n, detail: { firstTimePayee: 'true' } }),
    );
    assert.equal(result.decision, 'review');
    assert.ok(result.reasons.includes('drain_to_new_payee'));
    assert.equal(result.freeze, false);
  });

  test('the strongest signal denies and freezes (drain from a new device, via a rule reference)', async () => {
    const result = await engine.assess(
      event({ amountMinor: 900_000n, detail: { firstTimePayee: 'true', knownDevice: 'false' } }),
    );
    assert.equal(result.decision, 'deny');
    assert.equal(result.freeze, true);
    assert.ok(result.reasons.includes('takeover_drain'));
  });

  test('model thresholds: challenge, review, deny and freeze bands', async () => {
    const at = async (score: string) => engine.assess(event({ detail: { fakeScore: score } }));
    assert.equal((await at('0.29')).decision, 'allow');
    assert.equal((await at('0.3')).decision, 'challenge');
    assert.equal((await at('0.7')).decision, 'review');
    const denied = await at('0.9');
    assert.equal(denied.decision, 'deny');
    assert.equal(denied.freeze, false);
    assert.ok(denied.reasons.includes('model:fake_flag'), 'the top model contribution is a reason');
    const frozen = await at('0.99');
    assert.equal(frozen.decision, 'deny');
    assert.equal(frozen.freeze, true);
  });

  test('a block list entry denies; an allow list entry allows (rules still recorded); block beats allow', async () => {
    const blocked = await engine.lists.add({
      list: 'block',
      subject: 'payee',
      value: 'user:mule',
      reason: 'mule',
      createdBy: 'test',
    });
    const denied = await engine.assess(event({ payeeKey: 'user:mule' }));
    assert.equal(denied.decision, 'deny');
    assert.deepEqual(denied.reasons, ['blocklisted_payee']);
    await engine.lists.add({
      list: 'allow',
      subject: 'user',
      value: 'usr_trusted',
      reason: 'staff',
      createdBy: 'test',
    });
    const trusted = await engine.assess(event({ userId: 'usr_trusted', detail: { fakeFlag: 'on' } }));
    assert.equal(trusted.decision, 'allow');
    assert.deepEqual(trusted.reasons, ['allowlisted_user']);
    // What the rules would have decided is still evaluated and recorded for the operator.
    assert.ok(
      trusted.ruleHits.some((hit) => hit.outcome === 'challenge' && hit.reason === 'fake_flagged'),
      JSON.stringify(trusted.ruleHits),
    );
    assert.notDeepEqual(trusted.featureValues, {});
    const both = await engine.assess(event({ userId: 'usr_trusted', payeeKey: 'user:mule' }));
    assert.equal(both.decision, 'deny');
    await engine.lists.remove(blocked.id);
    assert.equal((await engine.assess(event({ payeeKey: 'user:mule' }))).decision, 'allow');
  });

  test('a shadow rule is evaluated and recorded but not enforced', async () => {
    const e = event({ amountMinor: 50n });
    const result = await engine.assess(e);
    assert.equal(result.decision, 'allow');
    assert.ok(result.ruleHits.some((h) => h.ruleId === 'shadow_small' && h.shadow));
    const row = await recorded(e.eventId);
    assert.ok((row.rule_hits as { ruleId: string }[]).some((h) => h.ruleId === 'shadow_small'));
  });
});

describe('failures', () => {
  test('a failure inside the engine follows the fail mode: payment fails closed, sign-in fails open, both recorded and logged', async () => {
    scorer.failNext('score');
    const pay = event();
    const closed = await engine.assess(pay);
    assert.equal(closed.decision, 'deny');
    assert.equal(closed.outcome, 'engine_error');
    assert.deepEqual(closed.reasons, ['engine_error_fail_closed']);
    assert.equal((await recorded(pay.eventId)).outcome, 'engine_error');

    // The model scores payments only (MODEL_KINDS): a sign-in fails in the features.
    scorer.failNext('extract');
    const signIn = event({ kind: 'sign_in', amountMinor: undefined, payeeKey: undefined });
    const open = await engine.assess(signIn);
    assert.equal(open.decision, 'allow');
    assert.equal(open.outcome, 'engine_error');
    assert.deepEqual(open.reasons, ['engine_error_fail_open']);
    assert.ok(logged.some((l) => l.level === 'error' && l.details.eventId === signIn.eventId));
  });

  test('a malformed event gets challenge with a logged reason, never a crash', async () => {
    for (const bad of [
      null,
      { eventId: 'evt_bad1', kind: 'payment', userId: 'usr_a', atMs: clock.nowMs() }, // no amount
      { eventId: 'evt_bad2', kind: 'teleport', userId: 'usr_a', atMs: 1 },
      { ...event(), eventId: 'evt_bad3', amountMinor: 12.5 },
    ]) {
      const result = await engine.assess(bad);
      assert.equal(result.decision, 'challenge');
      assert.equal(result.outcome, 'malformed_event');
      assert.match(result.reasons[0] ?? '', /^malformed_event_/);
    }
    assert.equal((await recorded('evt_bad1')).reasons[0], 'malformed_event_missing_amount');
    assert.ok(logged.some((l) => l.level === 'warn' && l.details.eventId === 'evt_bad2'));
  });
});

describe('rule sets', () => {
  test('a saved rule set is in force at the next decision, without a restart', async () => {
    const e1 = event({ amountMinor: 123_456n });
    assert.equal((await engine.assess(e1)).decision, 'allow');
    const saved = await engine.saveRuleSet({
      body: {
        rules: [
          ...TEST_RULES.rules,
          {
            id: 'odd_amount',
            when: { field: 'amountMinor', op: '==', value: 123_456 },
            outcome: 'review',
            reason: 'odd_amount',
          },
        ],
      },
      note: 'hot',
      createdBy: 'test',
    });
    const result = await engine.assess(event({ amountMinor: 123_456n }));
    assert.equal(result.decision, 'review');
    assert.equal(result.ruleSetVersion, saved.version);
  });

  test('a broken rule set is refused with the rule index and reason; the last good one stays in force', async () => {
    const before = await engine.activeRuleSet();
    const broken = {
      rules: [
        ...TEST_RULES.rules,
        { id: 'bad_field', when: { field: 'shoeSize', op: '>', value: 3 }, outcome: 'deny', reason: 'x' },
        { id: 'bad_op', when: { feature: 'fake_flag', op: '=~', value: 1 }, outcome: 'deny', reason: 'x' },
        {
          id: 'bad_feature',
          when: { feature: 'no_such_feature', op: '>', value: 1 },
          outcome: 'deny',
          reason: 'x',
        },
      ],
    };
    await assert.rejects(
      engine.saveRuleSet({ body: broken, note: null, createdBy: 'test' }),
      (error: unknown) => {
        assert.ok(error instanceof DomainError);
        assert.equal(error.code, 'rule_set_invalid');
        const errors = error.details?.errors as { ruleIndex: number; path: string; reason: string }[];
        const n = TEST_RULES.rules.length;
        assert.deepEqual(
          errors.map((e) => [e.ruleIndex, e.path]),
          [
            [n, `rules[${n}].when.field`],
            [n + 1, `rules[${n + 1}].when.op`],
            [n + 2, `rules[${n + 2}].when.feature`],
          ],
        );
        assert.match(errors[0]?.reason ?? '', /unknown field "shoeSize"/);
        return true;
      },
    );
    assert.equal((await engine.activeRuleSet()).version, before.version);
  });

  test('cyclic references and oversize sets are refused', () => {
    const known = { knownFeatures: new Set<string>(FAKE_FEATURE_NAMES) };
    const cyclic = validateRuleSet(
      {
        rules: [
          { id: 'a', when: { ref: 'b' }, outcome: 'deny', reason: 'a' },
          { id: 'b', when: { any: [{ ref: 'a' }] }, outcome: 'deny', reason: 'b' },
        ],
      },
      known,
    );
    assert.equal(cyclic.ok, false);
    assert.ok(!cyclic.ok && cyclic.errors.some((e) => /cyclic references: a → b → a/.test(e.reason)));
    const many = {
      rules: Array.from({ length: RULES_PER_SET_MAX + 1 }, (_, i) => ({
        id: `r${i}`,
        when: { field: 'amountMinor', op: '>', value: i },
        outcome: 'challenge',
        reason: 'r',
      })),
    };
    const oversize = validateRuleSet(many, known);
    assert.ok(!oversize.ok && /at most 200/.test(oversize.errors[0]?.reason ?? ''));
    let deep: unknown = { field: 'amountMinor', op: '>', value: 1 };
    for (let i = 0; i < 10; i++) deep = { not: deep };
    const tooDeep = validateRuleSet(
      { rules: [{ id: 'deep', when: deep, outcome: 'deny', reason: 'd' }] },
      known,
    );
    assert.ok(!tooDeep.ok && tooDeep.errors.some((e) => /nested deeper/.test(e.reason)));
    assert.ok(
      validateRuleSet(DEFAULT_RULE_SET, { knownFeatures: new Set() }).ok,
      'the default set needs no feature',
    );
  });

  test('a stored version that fails validation at load is skipped and logged; the last good stays', async () => {
    const good = await engine.activeRuleSet();
    await store.db
      .insertInto('risk_rule_sets')
      .values({
        body: JSON.stringify({
          rules: [{ id: 'x', when: { feature: 'gone', op: '>', value: 0 }, outcome: 'deny', reason: 'x' }],
        }),
        note: 'written around the API',
        created_by: 'test',
        created_at: new Date(clock.nowMs()),
      })
      .execute();
    const result = await engine.assess(event());
    assert.equal(result.ruleSetVersion, good.version);
    assert.equal(result.decision, 'allow');
    assert.ok(logged.some((l) => l.level === 'error' && /refused at load/.test(l.message)));
  });
});

describe('backtest and labels', () => {
  test('a backtest shows what a candidate rule set would have changed on recorded events', async () => {
    clock.advance(1_000);
    const from = clock.nowMs();
    const e = event({ amountMinor: 777_700n });
    await engine.assess(e);
    await engine.label(e.eventId, true);
    await engine.assess(event({ amountMinor: 1_000n }));
    const report = await engine.backtest({
      body: {
        rules: [
          {
            id: 'big',
            when: { field: 'amountMinor', op: '>=', value: 700_000 },
            outcome: 'review',
            reason: 'big',
          },
        ],
      },
      fromMs: from,
      toMs: clock.nowMs() + 1,
    });
    assert.equal(report.events, 2);
    assert.equal(report.changed, 1);
    assert.deepEqual(report.transitions, { 'allow→review': 1 });
    assert.equal(report.labelledFrauds, 1);
    assert.equal(report.fraudsStoppedBefore, 0);
    assert.equal(report.fraudsStoppedAfter, 1);
    assert.equal(report.examples[0]?.eventId, e.eventId);
    assert.deepEqual(scorer.labels.at(-1), { eventId: e.eventId, fraud: true });
    assert.equal((await recorded(e.eventId)).label_fraud, true);
  });
});
