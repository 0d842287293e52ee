// Proves the attack simulator (`npm run risk -- simulate`, src/cli/risk-simulate.ts) exercises the
// payment lock and the payment-password rule through the HTTP API on a real store (PGlite, or
// PostgreSQL with --pg): the thief with a stolen unlocked phone guesses the password (every wrong
// guess and every lock is in the security log), cannot lift a lock with the phone's SMS codes (every
// try is a failed identity check, none an unlock), waits out the first lock and meets a second that
// lasts 24 hours; legitimate payers' typos go through the API and still end paid. The report's figures are checked against
// the store's own records, so a simulator that only counted would fail. The PIN helpers are
// checked alone: passwords pass the platform's policy, guesses lead with the birth date, a typo
// is one digit.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { checkPaymentPassword } from '../identity/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import {
  GUESSING_REASON,
  GUESSING_SCENARIO,
  type RiskSimulationReport,
  simulateRisk,
} from './risk-simulate.ts';
import { drawBirthDate, drawPin, GUESSES_MAX, thiefGuesses, typo } from './risk-simulate-pins.ts';

/** A fixed stream for the helper tests (any seed would do: the checks hold for every draw). */
function counter(values: readonly number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

describe('payment passwords of the simulated population', () => {
  const holder = { phoneE164: '+8613740000001', birthDate: '1988-07-09' };

  test('the thief tries the birth date first, both common forms, at most GUESSES_MAX, no repeats', () => {
    const guesses = thiefGuesses(holder);
    assert.equal(guesses[0], '880709');
    assert.ok(guesses.includes('070988'));
    assert.ok(guesses.includes('123456'));
    assert.ok(guesses.length <= GUESSES_MAX);
    assert.equal(new Set(guesses).size, guesses.length);
  });

  test('drawn passwords pass the policy; on the list exactly when the draw says so', () => {
    const random = counter([0.05, 0.93, 0.41, 0.77, 0.12, 0.58, 0.36, 0.84, 0.27, 0.69, 0.02, 0.5]);
    for (let k = 0; k < 200; k++) {
      const someone = { phoneE164: `+86137${40_000_000 + k}`, birthDate: drawBirthDate(random) };
      assert.match(someone.birthDate, /^(19[6-9]\d|200[0-4])-(0[1-9]|1[0-2])-(0[1-9]|1\d|2[0-8])$/);
      const guesses = thiefGuesses(someone);
      const listed = drawPin(someone, random, 1);
      assert.ok(guesses.includes(listed), listed);
      assert.ok(checkPaymentPassword(listed, { phoneE164: someone.phoneE164 }).ok, listed);
      const other = drawPin(someone, random, 0);
      assert.ok(!guesses.includes(other), other);
      assert.ok(checkPaymentPassword(other, { phoneE164: someone.phoneE164 }).ok, other);
    }
  });

  test('the policy leaves the thief the birth date it was never told and keypad shapes, never 123456', () => {
    const allowedFor = (context: { phoneE164: string; birthDate?: string }) =>
      thiefGuesses(holder).filter((pin) => checkPaymentPassword(pin, context).ok);
    // The simulated people never gave a birth date (sign-up does not require one).
    const allowed = allowedFor({ phoneE164: holder.phoneE164 });
    assert.ok(allowed.includes('880709') && allowed.includes('147258'), allowed.join(','));
    assert.ok(!allowed.includes('123456') && !allowed.includes('888888'), allowed.join(','));
    assert.ok(!allowedFor(holder).includes('880709'), 'a birth date the platform knows is refused');
  });

  test('a typo changes exactly one digit', () => {
    const random = counter([0.0, 0.99, 0.5, 0.5, 0.99, 0.0, 0.3, 0.7]);
    for (let k = 0; k < 40; k++) {
      const wrong = typo('583917', random);
      assert.match(wrong, /^\d{6}$/);
      const differing = [...wrong].filter((d, i) => d !== '583917'[i]).length;
      assert.equal(differing, 1, wrong);
    }
  });
});

describe('the attack simulator through the HTTP API', () => {
  let store: TestStore;
  let report: RiskSimulationReport;

  before(async () => {
    store = await openTestStore();
    // The smallest population; more typos and listed passwords than the defaults, so every path
    // is taken in one run.
    report = await simulateRisk({
      seed: 7,
      legitUsers: 32,
      store,
      recovery: false,
      // Eight hours with the phone: long enough to wait out a first lock (3 hours) and meet a second.
      assume: { legitMistypeShare: 0.25, pinInGuessListShare: 0.6, thiefWindowMs: 8 * 3_600_000 },
    });
  });
  after(() => store?.close());

  async function securityEvents(
    type: 'payment_password_failed' | 'payment_locked' | 'payment_unlocked' | 'identity_check_failed',
  ): Promise<number> {
    const rows = await store.db.selectFrom('security_events').select('id').where('type', '=', type).execute();
    return rows.length;
  }

  test('the earlier scenarios and keys are still reported', () => {
    for (const scenario of [
      'account_takeover',
      'stolen_phone',
      'fake_customer_service',
      'card_testing',
      'mule',
    ])
      assert.ok(report.by_scenario[scenario], scenario);
    assert.equal(report.attacks, 26);
    assert.equal(report.legit_users, 32);
    assert.ok(report.legit_payments > 0);
    assert.equal(typeof report.lost_per_10m_paid, 'number');
  });

  test('five guessing thieves: every wrong guess and every lock is in the security log', async () => {
    const entry = report.by_scenario[GUESSING_SCENARIO];
    assert.ok(entry, JSON.stringify(report.by_scenario));
    const { guessing } = entry;
    assert.ok(guessing, 'the guessing figures are reported with the scenario');
    assert.equal(entry.attempts, 5);
    assert.ok(entry.stopped + entry.cut_short <= entry.attempts);
    assert.ok(guessing.pins_in_list >= 1, 'with 60 % listed, some victim has a listed password');
    assert.ok(guessing.pins_found <= guessing.pins_in_list);
    assert.equal(guessing.ended_by.guessed ?? 0, guessing.pins_found);
    assert.equal(
      Object.values(guessing.ended_by).reduce((s, n) => s + n, 0),
      5,
      JSON.stringify(guessing.ended_by),
    );
    assert.ok(guessing.guesses >= 3 * (5 - guessing.pins_found), 'a thief who never finds it reaches a lock');
    assert.ok(guessing.locks >= 1);
    // Only the thieves lock accounts (a single typo never does); each right guess is no failure.
    assert.equal(await securityEvents('payment_locked'), guessing.locks);
    const typos = report.payment_password_guessing.legit_mistyped;
    assert.equal(
      await securityEvents('payment_password_failed'),
      typos + guessing.guesses - guessing.pins_found,
    );
    // No lock was lifted: each try was refused, the first lock of a thief at the identity check
    // (the SMS code with a wrong login password), a second one as not liftable at all.
    assert.equal(guessing.unlocks, 0);
    assert.equal(await securityEvents('payment_unlocked'), 0);
    assert.ok(guessing.unlocks_refused >= 1 && guessing.unlocks_refused <= guessing.locks);
    const repeatLocks = (
      await store.db
        .selectFrom('security_events')
        .select('details')
        .where('type', '=', 'payment_locked')
        .execute()
    ).filter((e) => e.details.repeat === true).length;
    assert.ok(guessing.lock_waits >= 1, 'a thief waited out a first lock');
    assert.ok(repeatLocks >= 1, 'and met a second lock within 24 hours');
    assert.equal(await securityEvents('identity_check_failed'), guessing.unlocks_refused - repeatLocks);
    assert.equal(guessing.ended_by.payment_lock_not_liftable ?? 0, repeatLocks);
    // A found password is used: the slice it confirmed moved money or was held (then rejected).
    if (guessing.pins_found > 0) assert.ok((entry.results.paid ?? 0) + (entry.results.held ?? 0) > 0);
    else assert.equal(entry.stopped, 5);
  });

  test('the payment_password_guessing rule is counted as the decisions record; with no lock lifted it has nothing to see', async () => {
    const counted = report.payment_password_guessing;
    // "3+ in the hour" met a guesser after a lock lifted early; the lock is not lifted now, and a
    // lock resets the count since the last success, so no thief's payment meets it.
    assert.equal(counted.fired_on_attack_decisions, 0, JSON.stringify(counted));
    assert.ok(counted.attack_decisions >= 5);
    const rows = await store.db
      .selectFrom('risk_decisions')
      .select(['reasons'])
      .where('kind', 'in', ['payment', 'transfer'])
      .execute();
    const fired = rows.filter((r) => r.reasons.includes(GUESSING_REASON)).length;
    assert.equal(fired, counted.fired_on_attack_decisions + counted.fired_on_legit_decisions);
  });

  test('legitimate typos go through the API and the payment still ends paid', () => {
    const counted = report.payment_password_guessing;
    assert.ok(counted.legit_mistyped > 0, JSON.stringify(counted));
    assert.equal(counted.legit_mistyped_paid, counted.legit_mistyped);
    assert.equal(report.legit_not_paid_by.wrong_payment_password, undefined);
    assert.equal(report.legit_not_paid_by.payment_locked, undefined);
    assert.equal(counted.fired_on_legit_decisions, report.legit_rule_reasons[GUESSING_REASON] ?? 0);
  });
});
