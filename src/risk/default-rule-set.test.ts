// Proves the default rule set's velocity, draining, fan-in and card-testing rules on the real
// online features (OnlineFeatureSource over MemoryFeatureState) and a real store (PGlite, or
// PostgreSQL with --pg): each attack pattern is held or refused at the step the rule promises,
// and the nearby legitimate patterns are not; the default keeps only rules whose features are
// computed (names inside arithmetic expressions included); the shadow arithmetic drain rule fires
// on 80 %+ of the balance gone within the hour and changes no decision; an unedited older default
// (revision 1 or 2) is replaced by the current revision as a new version, and an operator's rule
// set never is.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import {
  createRiskEngine,
  DEFAULT_FAIL_MODE,
  DEFAULT_FEATURE_RULES,
  DEFAULT_RULE_SET,
  DEFAULT_RULE_SET_REVISION,
  DEFAULT_THRESHOLDS,
  defaultRuleSetFor,
  FEATURE_NAMES,
  MemoryFeatureState,
  OnlineFeatureSource,
  type RiskEngine,
  type RiskEvent,
  validateRuleSet,
} from './index.ts';

const MINUTE_MS = 60_000;
const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
let store: TestStore;
let engine: RiskEngine;
let counter = 0;

function newEngine(): RiskEngine {
  return createRiskEngine({
    db: store.db,
    clock,
    features: new OnlineFeatureSource(new MemoryFeatureState()),
    model: null,
    featureNames: FEATURE_NAMES,
    config: { thresholds: DEFAULT_THRESHOLDS, failMode: DEFAULT_FAIL_MODE, rulesReloadCheckMs: 0 },
    log: { warn: () => {}, error: () => {} },
  });
}

function money(input: {
  userId: string;
  payeeKey: string;
  amountMinor: bigint;
  balanceMinor: bigint;
  firstTimePayee?: boolean;
  deviceKey?: string;
}): RiskEvent {
  counter++;
  return {
    eventId: `evt_default_${counter}`,
    kind: input.payeeKey.startsWith('user:') ? 'transfer' : 'payment',
    userId: input.userId,
    atMs: clock.nowMs(),
    amountMinor: input.amountMinor,
    currency: 'CNY',
    payeeKey: input.payeeKey,
    balanceMinor: input.balanceMinor,
    deviceKey: input.deviceKey ?? `device-${input.userId}`,
    ip: '10.1.2.3',
    country: 'CN',
    detail: { firstTimePayee: String(input.firstTimePayee ?? false), knownDevice: 'true' },
  };
}

describe('default rules over the online features', () => {
  before(async () => {
    store = await openTestStore();
  });
  after(async () => {
    await store.close();
  });
  beforeEach(() => {
    engine = newEngine();
    clock.advance(3 * 24 * 60 * MINUTE_MS);
  });

  test('the default keeps only the rules whose features are computed', () => {
    assert.deepEqual(defaultRuleSetFor(new Set()), DEFAULT_RULE_SET);
    const full = defaultRuleSetFor(new Set(FEATURE_NAMES));
    assert.equal(full.rules.length, DEFAULT_RULE_SET.rules.length + DEFAULT_FEATURE_RULES.length);
    assert.ok(validateRuleSet(full, { knownFeatures: new Set(FEATURE_NAMES) }).ok);
    const partial = defaultRuleSetFor(new Set(['user_payments_1h', 'user_sum_1h_minor']));
    assert.ok(partial.rules.some((r) => r.id === 'rapid_drain'));
    assert.ok(!partial.rules.some((r) => r.id === 'mule_fan_in'));
    assert.ok(partial.rules.some((r) => r.id === 'drain_within_hour'));
    const noSum = defaultRuleSetFor(new Set(['user_payments_1h']));
    assert.ok(
      !noSum.rules.some((r) => r.id === 'drain_within_hour'),
      'user_sum_1h_minor is named only inside the expression',
    );
    assert.ok(validateRuleSet(noSum, { knownFeatures: new Set(['user_payments_1h']) }).ok);
  });

  test('the arithmetic drain rule (shadow): 80 %+ of the balance an hour ago gone within the hour', async () => {
    // 10,000.00 in the wallet: 7,900.00 in rent, then 200.00 (9.5 % of what is left, under the
    // slice rules' 40 %): 8,100.00 of 10,000.00 gone within the hour.
    clock.advance(MINUTE_MS);
    const fromMs = clock.nowMs();
    const rent = await engine.assess(
      money({
        userId: 'usr_tenant',
        payeeKey: 'merchant:landlord',
        amountMinor: 790_000n,
        balanceMinor: 1_000_000n,
      }),
    );
    assert.ok(!rent.ruleHits.some((h) => h.ruleId === 'drain_within_hour'), 'the first payment of the hour');
    clock.advance(10 * MINUTE_MS);
    const after = await engine.assess(
      money({
        userId: 'usr_tenant',
        payeeKey: 'merchant:grocer',
        amountMinor: 20_000n,
        balanceMinor: 210_000n,
      }),
    );
    assert.deepEqual(
      after.ruleHits.filter((h) => h.ruleId === 'drain_within_hour'),
      [{ ruleId: 'drain_within_hour', outcome: 'review', reason: 'drain_within_hour', shadow: true }],
    );
    assert.equal(after.decision, 'allow', 'a shadow rule is recorded, never enforced');
    // 7,000.00 then 200.00: 72 %, no hit.
    clock.advance(MINUTE_MS);
    await engine.assess(
      money({
        userId: 'usr_saver',
        payeeKey: 'merchant:landlord',
        amountMinor: 700_000n,
        balanceMinor: 1_000_000n,
      }),
    );
    clock.advance(10 * MINUTE_MS);
    const under = await engine.assess(
      money({
        userId: 'usr_saver',
        payeeKey: 'merchant:grocer',
        amountMinor: 20_000n,
        balanceMinor: 300_000n,
      }),
    );
    assert.ok(!under.ruleHits.some((h) => h.ruleId === 'drain_within_hour'));

    // The backtest replays the recorded features (NaN stored as null) through the same evaluator:
    // enforced, the rule would have held the tenant's second payment and nothing else.
    const enforced = defaultRuleSetFor(new Set(FEATURE_NAMES)).rules.map((r) =>
      r.id === 'drain_within_hour' ? { ...r, shadow: false } : r,
    );
    const report = await engine.backtest({ body: { rules: enforced }, fromMs, toMs: clock.nowMs() + 1 });
    assert.equal(report.events, 4);
    assert.deepEqual(report.transitions, { 'allow→review': 1 });
    assert.equal(report.examples[0]?.eventId, after.eventId);
    assert.deepEqual(report.examples[0]?.reasons, ['drain_within_hour']);
  });

  test('a stolen phone draining in three transfers: the second is held, not the first', async () => {
    // 15,000.00 in the wallet, 4,500.00 a time (under the 5,000.00 new-payee step-up).
    const slice = 450_000n;
    let available = 1_500_000n;
    const decisions: string[] = [];
    for (let k = 0; k < 3; k++) {
      clock.advance(MINUTE_MS);
      const r = await engine.assess(
        money({
          userId: 'usr_owner',
          payeeKey: 'user:usr_thief',
          amountMinor: slice,
          balanceMinor: available,
          firstTimePayee: k === 0,
        }),
      );
      decisions.push(r.decision);
      if (k === 1) assert.ok(r.reasons.includes('rapid_drain'), r.reasons.join(','));
      available -= slice; // paid, or held (then no longer available either)
    }
    assert.deepEqual(decisions, ['allow', 'review', 'review']);
  });

  test('a coffee then a large purchase within the hour is not draining', async () => {
    clock.advance(MINUTE_MS);
    await engine.assess(
      money({
        userId: 'usr_shopper',
        payeeKey: 'merchant:cafe',
        amountMinor: 3_500n,
        balanceMinor: 1_000_000n,
      }),
    );
    clock.advance(10 * MINUTE_MS);
    const big = await engine.assess(
      money({
        userId: 'usr_shopper',
        payeeKey: 'merchant:shop',
        amountMinor: 450_000n,
        balanceMinor: 996_500n,
      }),
    );
    assert.equal(big.decision, 'allow', big.reasons.join(','));
  });

  test('a mule: the fourth new payer of the day is held, and a known payer is not', async () => {
    const decisions: string[] = [];
    for (let k = 0; k < 5; k++) {
      clock.advance(5 * MINUTE_MS);
      const r = await engine.assess(
        money({
          userId: `usr_payer${k}`,
          payeeKey: 'user:usr_mule',
          amountMinor: 120_000n,
          balanceMinor: 900_000n,
          firstTimePayee: true,
        }),
      );
      decisions.push(r.decision);
    }
    assert.deepEqual(decisions, ['allow', 'allow', 'allow', 'review', 'review']);
    clock.advance(5 * MINUTE_MS);
    const again = await engine.assess(
      money({
        userId: 'usr_payer0',
        payeeKey: 'user:usr_mule',
        amountMinor: 120_000n,
        balanceMinor: 780_000n,
      }),
    );
    assert.equal(again.decision, 'allow', 'a payer it already knew is not a new payer');
  });

  test('card testing: tiny payments in a minute are stepped up from the fifth, refused from the eighth', async () => {
    const decisions: string[] = [];
    for (let k = 0; k < 10; k++) {
      clock.advance(5_000);
      const r = await engine.assess(
        money({
          userId: 'usr_tester',
          payeeKey: 'merchant:shop',
          amountMinor: 200n,
          balanceMinor: 100_000n - BigInt(k) * 200n,
        }),
      );
      decisions.push(r.decision);
    }
    assert.deepEqual(decisions, [
      'allow',
      'allow',
      'allow',
      'allow',
      'challenge',
      'challenge',
      'challenge',
      'deny',
      'deny',
      'deny',
    ]);
  });

  test('payment-password guessing: two wrong entries since the last success step up; one, or a success, does not', async () => {
    const failed = (userId: string) => {
      counter++;
      return engine.observe({
        eventId: `ppf:${counter}`,
        kind: 'security_change',
        userId,
        atMs: clock.nowMs(),
        detail: { change: 'payment_password_failed' },
      });
    };
    const pay = (userId: string, failedNow: number) => {
      const event = money({ userId, payeeKey: 'merchant:shop', amountMinor: 5_000n, balanceMinor: 900_000n });
      return engine.assess({
        ...event,
        detail: { ...event.detail, failedPaymentPasswords: String(failedNow) },
      });
    };
    const guessing = (r: { ruleHits: readonly { ruleId: string }[] }) =>
      r.ruleHits.some((h) => h.ruleId === 'payment_password_guessing');

    clock.advance(MINUTE_MS);
    await failed('usr_typo');
    const typo = await pay('usr_typo', 1);
    assert.equal(typo.decision, 'allow', 'one typo is ordinary');

    await failed('usr_guessed');
    await failed('usr_guessed');
    const guessed = await pay('usr_guessed', 2);
    assert.equal(guessed.decision, 'challenge');
    assert.ok(guessed.reasons.includes('payment_password_guessing'), guessed.reasons.join(','));
    assert.equal(guessed.featureValues.failed_payment_passwords_1h, 2);
    // The payment's own count is a snapshot: observing it adds nothing to the window.
    clock.advance(MINUTE_MS);
    const afterSuccess = await pay('usr_guessed', 0);
    assert.equal(afterSuccess.featureValues.failed_payment_passwords_1h, 2);
    assert.ok(!guessing(afterSuccess), 'a right password since clears the count');

    // Locked at the third, lifted by a second factor within the hour: 3 in the hour still counts.
    for (let k = 0; k < 3; k++) await failed('usr_unlocked');
    const unlocked = await pay('usr_unlocked', 0);
    assert.ok(guessing(unlocked), unlocked.reasons.join(','));
    clock.advance(61 * MINUTE_MS);
    assert.ok(!guessing(await pay('usr_unlocked', 0)), 'an hour later the window is empty');
  });

  test('an unedited older default is replaced by the current revision; an operator set is kept', async () => {
    await store.db.deleteFrom('risk_rule_sets').execute();
    await store.db
      .insertInto('risk_rule_sets')
      .values({
        body: JSON.stringify(DEFAULT_RULE_SET),
        note: 'default rule set',
        created_by: 'system',
        created_at: new Date(clock.nowMs()),
      })
      .execute();
    const upgraded = await newEngine().activeRuleSet();
    assert.ok(upgraded.body.rules.some((r) => r.id === 'card_testing'));
    const history = await engine.ruleSetHistory();
    assert.equal(history[0]?.note, `default rule set r${DEFAULT_RULE_SET_REVISION}`);
    assert.equal(history.length, 2, 'the old default stays as the previous version');

    await engine.saveRuleSet({
      body: DEFAULT_RULE_SET,
      note: 'no velocity rules here',
      createdBy: 'ops.alice',
    });
    const kept = await newEngine().activeRuleSet();
    assert.ok(!kept.body.rules.some((r) => r.id === 'card_testing'), "the operator's set stays in force");
    assert.equal((await engine.ruleSetHistory()).length, 3);
  });

  test('a stored revision-2 default nobody edited is replaced by this revision', async () => {
    await store.db.deleteFrom('risk_rule_sets').execute();
    const revision2 = defaultRuleSetFor(new Set(FEATURE_NAMES)).rules.filter(
      (r) => r.id !== 'drain_within_hour',
    );
    await store.db
      .insertInto('risk_rule_sets')
      .values({
        body: JSON.stringify({ rules: revision2 }),
        note: 'default rule set r2',
        created_by: 'system',
        created_at: new Date(clock.nowMs()),
      })
      .execute();
    const upgraded = await newEngine().activeRuleSet();
    assert.ok(upgraded.body.rules.some((r) => r.id === 'drain_within_hour'));
    const history = await engine.ruleSetHistory();
    assert.deepEqual(
      history.map((h) => h.note),
      [`default rule set r${DEFAULT_RULE_SET_REVISION}`, 'default rule set r2'],
    );
  });
});
