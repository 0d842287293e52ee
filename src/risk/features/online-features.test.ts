// Proves the online features behave as issue 5 point 2 says, through the FeatureSource port over
// the in-memory state: novelty and impossible travel, idempotent observe, labels that enter the
// fraud rate only after the delay, failed payment passwords, mule payees, malformed events that
// never crash extract (fast-check), and the memory caps holding under many distinct keys.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import type { RiskEvent } from '../ports.ts';
import { MemoryFeatureState } from './memory-state.ts';
import { FEATURE_NAMES, OnlineFeatureSource } from './online-features.ts';
import { DAY_MS, HOUR_MS } from './windows.ts';

const T0 = Date.UTC(2026, 5, 1, 12);
let counter = 0;
const id = () => `e${++counter}`;

function source(delayDays = 7) {
  return new OnlineFeatureSource(new MemoryFeatureState({ delayDays }));
}

function pay(over: Partial<RiskEvent> & { atMs: number }): RiskEvent {
  return {
    eventId: id(),
    kind: 'payment',
    userId: 'alice',
    amountMinor: 10_000n,
    currency: 'CNY',
    payeeKey: 'merchant:m1',
    deviceKey: 'phone-1',
    ip: '10.0.0.1',
    country: 'CN',
    ...over,
  };
}

describe('online features', () => {
  test('a payment from a new device in a new country an hour after a Shanghai sign-in is impossible travel', async () => {
    const f = source();
    await f.observe({
      eventId: id(),
      kind: 'sign_in',
      userId: 'alice',
      atMs: T0,
      deviceKey: 'phone-1',
      ip: '10.0.0.1',
      country: 'CN',
      latitude: 31.23,
      longitude: 121.47,
    });
    await f.observe(pay({ atMs: T0 + 60_000 }));
    const usual = await f.extract(pay({ atMs: T0 + 120_000, latitude: 31.2, longitude: 121.4 }));
    assert.equal(usual.device_new, 0);
    assert.equal(usual.country_new, 0);
    assert.equal(usual.impossible_travel, 0);
    assert.equal(usual.user_payments_1h, 1);
    const london = await f.extract(
      pay({
        atMs: T0 + HOUR_MS,
        deviceKey: 'laptop-9',
        ip: '203.0.113.5',
        country: 'GB',
        latitude: 51.5,
        longitude: -0.12,
      }),
    );
    assert.equal(london.device_new, 1);
    assert.equal(london.ip_new, 1);
    assert.equal(london.country_new, 1);
    assert.equal(london.impossible_travel, 1);
    assert.ok(london.km_from_last_signin! > 9000 && london.km_from_last_signin! < 9300);
    assert.ok(Math.abs(london.hours_since_last_signin! - 1) < 1e-9);
  });

  test('the amount is measured against the user\u2019s own history', async () => {
    const f = source();
    for (let i = 0; i < 10; i++)
      await f.observe(pay({ atMs: T0 + i * HOUR_MS, amountMinor: BigInt(1000 + i * 10) }));
    const normal = await f.extract(pay({ atMs: T0 + 11 * HOUR_MS, amountMinor: 1045n }));
    const big = await f.extract(
      pay({ atMs: T0 + 11 * HOUR_MS, amountMinor: 50_000n, balanceMinor: 60_000n }),
    );
    assert.ok(Math.abs(normal.amount_to_user_mean_30d! - 1) < 0.01);
    assert.ok(big.amount_to_user_mean_30d! > 40);
    assert.ok(big.amount_log_z_30d! > 10);
    assert.ok(Math.abs(big.balance_share! - 50_000 / 60_000) < 1e-12);
    assert.equal(normal.user_sum_1d_minor, 10_450);
    assert.ok(Number.isNaN(normal.balance_share!));
  });

  test('observe is idempotent per eventId', async () => {
    const f = source();
    const event = pay({ atMs: T0 });
    await f.observe(event);
    await f.observe(event);
    const next = await f.extract(pay({ atMs: T0 + 1000 }));
    assert.equal(next.user_payments_1h, 1);
    assert.equal(next.merchant_payments_1d, 1);
  });

  test('a fraud label enters the payee fraud rate only once the delay has passed, and a withdrawn one leaves it', async () => {
    const f = source(7);
    const bad = pay({ atMs: T0, payeeKey: 'merchant:m9' });
    await f.observe(bad);
    await f.observe(pay({ atMs: T0 + 1000, payeeKey: 'merchant:m9', userId: 'bob' }));
    await f.label(bad.eventId, true, T0 + 2 * DAY_MS);
    const early = await f.extract(pay({ atMs: T0 + 7 * DAY_MS, payeeKey: 'merchant:m9' }));
    assert.equal(early.merchant_fraud_rate_7d, 0);
    assert.equal(early.payee_reports_7d, 1);
    const late = await f.extract(pay({ atMs: T0 + 8 * DAY_MS, payeeKey: 'merchant:m9' }));
    assert.equal(late.merchant_delayed_payments_7d, 2);
    assert.equal(late.merchant_fraud_rate_7d, 0.5);
    assert.equal(late.payee_fraud_rate_30d, 0.5);
    await f.label(bad.eventId, true, T0 + 3 * DAY_MS); // the same label again changes nothing
    assert.equal(
      (await f.extract(pay({ atMs: T0 + 8 * DAY_MS, payeeKey: 'merchant:m9' }))).merchant_fraud_rate_7d,
      0.5,
    );
    await f.label(bad.eventId, false, T0 + 4 * DAY_MS);
    assert.equal(
      (await f.extract(pay({ atMs: T0 + 8 * DAY_MS, payeeKey: 'merchant:m9' }))).merchant_fraud_rate_7d,
      0,
    );
    await f.label('never-seen', true, T0); // a label for an unknown event is ignored
  });

  test('a payee with frauds from two payers on two days shows when, how long and from how many', async () => {
    const f = source(7);
    const first = pay({ atMs: T0, payeeKey: 'merchant:m7', userId: 'ann' });
    const again = pay({ atMs: T0 + 3 * DAY_MS, payeeKey: 'merchant:m7', userId: 'ann' });
    const other = pay({ atMs: T0 + 3 * DAY_MS + 1000, payeeKey: 'merchant:m7', userId: 'ben' });
    for (const event of [first, again, other]) await f.observe(event);
    const before = await f.extract(pay({ atMs: T0 + 5 * DAY_MS, payeeKey: 'merchant:m7' }));
    assert.ok(Number.isNaN(before.payee_days_since_fraud!));
    assert.equal(before.payee_fraud_days_30d, 0);
    assert.equal(before.payee_fraud_span_days, 0);
    for (const event of [first, again, other]) await f.label(event.eventId, true, T0 + 10 * DAY_MS);
    const after = await f.extract(pay({ atMs: T0 + 11 * DAY_MS, payeeKey: 'merchant:m7' }));
    assert.equal(after.payee_days_since_fraud, 8);
    assert.equal(after.payee_days_since_first_fraud, 11);
    assert.equal(after.payee_fraud_days_30d, 2);
    assert.equal(after.payee_fraud_span_days, 4);
    assert.equal(after.payee_fraud_payers_30d, 2); // ann's second fraud is not a new payer
    assert.equal(after.payee_fraud_payers_7d, 0); // both first frauds are over 7 days old
  });

  test('the size of confirmed frauds and the share of fraud since the first tell a compromised terminal from a one-off', async () => {
    const f = source(7);
    // "hit" turns every payment into fraud from day 0 at ordinary amounts; "once" had one large
    // fraud on day 0 and ordinary payments after it.
    const hitBefore = pay({ atMs: T0 - 3 * DAY_MS, payeeKey: 'merchant:hit', userId: 'ann' });
    const hit0 = pay({ atMs: T0, payeeKey: 'merchant:hit', userId: 'ben', amountMinor: 5_000n });
    const hit1 = pay({ atMs: T0 + DAY_MS, payeeKey: 'merchant:hit', userId: 'cat', amountMinor: 7_000n });
    const once0 = pay({ atMs: T0, payeeKey: 'merchant:once', userId: 'dan', amountMinor: 30_000n });
    const once1 = pay({ atMs: T0 + DAY_MS, payeeKey: 'merchant:once', userId: 'eve', amountMinor: 5_000n });
    const once2 = pay({
      atMs: T0 + 2 * DAY_MS,
      payeeKey: 'merchant:once',
      userId: 'fay',
      amountMinor: 5_000n,
    });
    for (const event of [hitBefore, hit0, hit1, once0, once1, once2]) await f.observe(event);
    const at = T0 + 9 * DAY_MS;
    const unlabelled = await f.extract(pay({ atMs: at, payeeKey: 'merchant:hit' }));
    assert.ok(Number.isNaN(unlabelled.payee_fraud_mean_amount_30d_minor!));
    assert.ok(Number.isNaN(unlabelled.payee_fraud_share_since_first_fraud!));
    for (const event of [hit0, hit1, once0]) await f.label(event.eventId, true, at - 1000);

    const hit = await f.extract(pay({ atMs: at, payeeKey: 'merchant:hit' }));
    assert.equal(hit.payee_fraud_mean_amount_30d_minor, 6_000);
    // Payments of days 0 and 1 have all their labels in 8 days later; both were fraud.
    assert.equal(hit.payee_settled_payments_since_first_fraud, 2);
    assert.equal(hit.payee_fraud_share_since_first_fraud, 1);
    // The payee's own mean over 30 days is (10,000 + 5,000 + 7,000) / 3.
    assert.equal(hit.payee_fraud_amount_to_payee_mean_30d, 6_000 / (22_000 / 3));

    const once = await f.extract(pay({ atMs: at, payeeKey: 'merchant:once' }));
    assert.equal(once.payee_fraud_mean_amount_30d_minor, 30_000);
    // Day 2's payment is past the horizon (its labels are not all in): one fraud of two settled.
    assert.equal(once.payee_settled_payments_since_first_fraud, 2);
    assert.equal(once.payee_fraud_share_since_first_fraud, 0.5);
    assert.equal(once.payee_fraud_amount_to_payee_mean_30d, 30_000 / (40_000 / 3));
    // The latest-labels window is the 7 days up to 7 days back (days -4..2): both runs are in it.
    assert.equal(hit.payee_fraud_mean_amount_latest_7d_minor, 6_000);
    assert.equal(once.payee_fraud_mean_amount_latest_7d_minor, 30_000);
    const later = await f.extract(pay({ atMs: at + 7 * DAY_MS, payeeKey: 'merchant:hit' }));
    assert.ok(Number.isNaN(later.payee_fraud_mean_amount_latest_7d_minor!)); // days 3..9: none
    assert.equal(later.payee_fraud_mean_amount_30d_minor, 6_000);

    // The current fraud run: hit's days 0 and 1 (day -3 was ordinary); once's day 1 was ordinary.
    assert.equal(hit.payee_fraud_run_days, 2);
    assert.equal(hit.payee_fraud_run_payments, 2);
    assert.equal(once.payee_fraud_run_days, 0);
    assert.equal(once.payee_fraud_run_payments, 0);
    // "once" is compromised on days 3 and 4: the new run is two days old, not as old as the
    // one-off fraud of day 0 (which the share since the first fraud still counts).
    const once3 = pay({ atMs: T0 + 3 * DAY_MS, payeeKey: 'merchant:once', userId: 'gus' });
    const once4 = pay({ atMs: T0 + 4 * DAY_MS, payeeKey: 'merchant:once', userId: 'hal' });
    for (const event of [once3, once4]) await f.observe(event);
    for (const event of [once3, once4]) await f.label(event.eventId, true, T0 + 12 * DAY_MS - 1000);
    const rerun = await f.extract(pay({ atMs: T0 + 12 * DAY_MS, payeeKey: 'merchant:once' }));
    assert.equal(rerun.payee_fraud_run_days, 2);
    assert.equal(rerun.payee_fraud_run_payments, 2);
    assert.equal(rerun.payee_fraud_share_since_first_fraud, 3 / 5);

    await f.label(once0.eventId, false, at); // withdrawn: the amount leaves with the count
    const withdrawn = await f.extract(pay({ atMs: at, payeeKey: 'merchant:once' }));
    assert.equal(withdrawn.payee_fraud_mean_amount_30d_minor, 10_000); // days 3 and 4 only
    // Seen from day 9, the first fraud left is day 3's, past the horizon (day 1): no share, no run.
    assert.ok(Number.isNaN(withdrawn.payee_fraud_share_since_first_fraud!));
    assert.ok(Number.isNaN(withdrawn.payee_fraud_run_days!));
  });

  test('each confirmed fraud is sorted by its size for its own payer: ordinary ones point at the payee', async () => {
    const f = source(7);
    // Histories 10–15 days before the frauds, inside the 30 days up to the delay a label reads.
    for (const userId of ['ann', 'bob', 'cat', 'eve'])
      for (const daysBack of [15, 12, 10])
        await f.observe(pay({ atMs: T0 - daysBack * DAY_MS, userId, payeeKey: 'merchant:home' }));
    // Eve's compromise began 3 days before her fraud: those ×5 payments are inside the delay, so
    // they do not inflate the mean her fraud is measured against.
    for (const daysBack of [3, 2])
      await f.observe(pay({ atMs: T0 - daysBack * DAY_MS, userId: 'eve', amountMinor: 50_000n }));
    const frauds = [
      pay({ atMs: T0, userId: 'ann', payeeKey: 'merchant:t', amountMinor: 12_000n }), // 1.2×
      pay({ atMs: T0 + HOUR_MS, userId: 'bob', payeeKey: 'merchant:t', amountMinor: 20_000n }), // 2×
      pay({ atMs: T0, userId: 'dan', payeeKey: 'merchant:u', amountMinor: 10_000n }), // no history
      pay({ atMs: T0 + HOUR_MS, userId: 'cat', payeeKey: 'merchant:u', amountMinor: 50_000n }), // 5×
      pay({ atMs: T0, userId: 'eve', payeeKey: 'merchant:v', amountMinor: 50_000n }), // 5×
    ];
    for (const event of frauds) await f.observe(event);
    const at = T0 + 8 * DAY_MS;
    const before = await f.extract(pay({ atMs: at, payeeKey: 'merchant:t' }));
    assert.equal(before.payee_ordinary_frauds_30d, 0);
    assert.ok(Number.isNaN(before.payee_latest_fraud_payer_ratio!)); // no known fraud: no ratio
    for (const event of frauds) await f.label(event.eventId, true, T0 + 7 * DAY_MS + 2 * HOUR_MS);

    const t = await f.extract(pay({ atMs: at, payeeKey: 'merchant:t' }));
    assert.equal(t.payee_clear_ordinary_frauds_30d, 1); // ann's 1.2×
    assert.equal(t.payee_ordinary_frauds_30d, 2); // and bob's 2×
    assert.equal(t.payee_payer_explained_frauds_30d, 0);
    assert.equal(t.payee_latest_fraud_payer_ratio, 2); // bob's, labelled last
    const u = await f.extract(pay({ atMs: at, payeeKey: 'merchant:u' }));
    assert.equal(u.payee_clear_ordinary_frauds_30d, 1); // dan: no history to explain it
    assert.equal(u.payee_ordinary_frauds_30d, 1);
    assert.equal(u.payee_payer_explained_frauds_30d, 1); // cat's 5×
    assert.equal(u.payee_latest_fraud_payer_ratio, 5);
    const v = await f.extract(pay({ atMs: at, payeeKey: 'merchant:v' }));
    assert.equal(v.payee_ordinary_frauds_30d, 0);
    assert.equal(v.payee_payer_explained_frauds_30d, 1);
    assert.equal(v.payee_latest_fraud_payer_ratio, 5);

    // A withdrawn label takes out exactly what it added, by the ratio kept on the event.
    await f.label(frauds[0]!.eventId, false, at);
    await f.label(frauds[3]!.eventId, false, at);
    const t2 = await f.extract(pay({ atMs: at, payeeKey: 'merchant:t' }));
    assert.equal(t2.payee_clear_ordinary_frauds_30d, 0);
    assert.equal(t2.payee_ordinary_frauds_30d, 1);
    const u2 = await f.extract(pay({ atMs: at, payeeKey: 'merchant:u' }));
    assert.equal(u2.payee_ordinary_frauds_30d, 1);
    assert.equal(u2.payee_payer_explained_frauds_30d, 0);
    // Thirty days on, the frauds have left the window and so has the ratio.
    const later = await f.extract(pay({ atMs: T0 + 31 * DAY_MS, payeeKey: 'merchant:t' }));
    assert.equal(later.payee_ordinary_frauds_30d, 0);
    assert.ok(Number.isNaN(later.payee_latest_fraud_payer_ratio!));
  });

  test('failed payment-password entries and security changes are counted and timed', async () => {
    const f = source();
    await f.observe({
      eventId: id(),
      kind: 'security_change',
      userId: 'alice',
      atMs: T0,
      detail: { change: 'phone' },
    });
    await f.observe(pay({ atMs: T0 + 60_000, detail: { failedPaymentPasswords: '3' } }));
    await f.observe({
      eventId: id(),
      kind: 'security_change',
      userId: 'alice',
      atMs: T0 + 120_000,
      detail: { change: 'payment_password_failed' },
    });
    const v = await f.extract(pay({ atMs: T0 + 2 * HOUR_MS, detail: { failedPaymentPasswords: '1' } }));
    assert.equal(v.failed_payment_passwords_now, 1);
    assert.equal(v.failed_payment_passwords_1h, 0);
    // Only the failure's own event counts: a payment's '3' is a snapshot of failures reported
    // (or not) by their own events, so summing it would count them twice.
    assert.equal(v.failed_payment_passwords_1d, 1);
    assert.ok(Math.abs(v.hours_since_phone_change! - 2) < 1e-9);
    assert.ok(Number.isNaN(v.hours_since_password_change!));
  });

  test('a mule payee: many distinct new payers in a day, a young payee, new for this payer', async () => {
    const f = source();
    for (let i = 0; i < 12; i++)
      await f.observe(
        pay({ atMs: T0 + i * 60_000, userId: `victim${i}`, kind: 'transfer', payeeKey: 'user:mule' }),
      );
    await f.observe(
      pay({ atMs: T0 + 13 * 60_000, userId: 'victim0', kind: 'transfer', payeeKey: 'user:mule' }),
    );
    const v = await f.extract(
      pay({ atMs: T0 + 2 * HOUR_MS, userId: 'alice', kind: 'transfer', payeeKey: 'user:mule' }),
    );
    assert.equal(v.payee_new_payers_1d, 12);
    assert.equal(v.payee_payers_known, 12);
    assert.equal(v.payee_new_for_user, 1);
    assert.ok(v.payee_age_days! < 0.1);
    assert.ok(Number.isNaN(v.merchant_payments_1d!)); // a person is not a merchant
  });

  test('missing or malformed fields never crash extract or observe; they give NaN and a count', async () => {
    const f = source();
    await f.observe(pay({ atMs: T0 }));
    const anything = fc.anything({ withBigInt: true, withNullPrototype: true, withTypedArray: true });
    const eventArb = fc.oneof(
      anything,
      fc.record(
        {
          eventId: fc.oneof(fc.string(), anything),
          kind: fc.oneof(fc.constantFrom('payment', 'sign_in', 'transfer', 'nope'), anything),
          userId: fc.oneof(fc.constant('alice'), anything),
          atMs: fc.oneof(fc.constant(T0 + 5000), fc.double(), anything),
          amountMinor: fc.oneof(fc.bigInt(), fc.double(), anything),
          payeeKey: fc.oneof(fc.constant('merchant:m1'), fc.string({ maxLength: 300 }), anything),
          latitude: fc.oneof(fc.double(), anything),
          longitude: fc.double(),
          country: fc.oneof(fc.constant('CN'), fc.string(), anything),
          detail: fc.oneof(fc.dictionary(fc.string(), fc.oneof(fc.string(), anything)), anything),
        },
        { requiredKeys: [] },
      ),
    );
    await fc.assert(
      fc.asyncProperty(eventArb, async (raw) => {
        const v = await f.extract(raw as RiskEvent);
        assert.deepEqual(Object.keys(v), [...FEATURE_NAMES]);
        for (const value of Object.values(v)) assert.equal(typeof value, 'number');
        await f.observe(raw as RiskEvent);
      }),
      { numRuns: 500 },
    );
    const broken = await f.extract({
      kind: 'payment',
      userId: 'alice',
      amountMinor: -5n,
      atMs: 'soon',
    } as unknown as RiskEvent);
    assert.ok(broken.event_malformed_fields! >= 3);
    assert.ok(Number.isNaN(broken.amount_minor!));
    assert.ok(Number.isNaN(broken.user_payments_1h!));
  });

  test('memory stays bounded: every map keeps to its cap under a flood of distinct keys', async () => {
    const state = new MemoryFeatureState({
      delayDays: 7,
      counterKeysMax: 100,
      memberKeysMax: 50,
      recordKeysMax: 40,
      eventKeysMax: 200,
      membersPerKeyMax: 8,
    });
    const f = new OnlineFeatureSource(state);
    for (let i = 0; i < 2000; i++)
      await f.observe(
        pay({
          atMs: T0 + i * 1000,
          userId: `u${i}`,
          deviceKey: `d${i}`,
          ip: `ip${i}`,
          payeeKey: 'merchant:hub',
        }),
      );
    for (let i = 0; i < 30; i++)
      await f.observe(pay({ atMs: T0 + 3_000_000 + i, userId: 'roamer', deviceKey: `dev${i}` }));
    const sizes = state.sizes();
    assert.ok(sizes.counters <= 100 && sizes.counters > 50, `counters ${sizes.counters}`);
    assert.ok(sizes.memberKeys <= 50, `member keys ${sizes.memberKeys}`);
    assert.ok(sizes.records <= 40, `records ${sizes.records}`);
    assert.ok(sizes.events <= 200, `events ${sizes.events}`);
    assert.equal(sizes.membersLargest, 8);
    // The newest keys survive eviction: the hub merchant, written on every payment, is still counted.
    const v = await f.extract(pay({ atMs: T0 + 3_100_000, payeeKey: 'merchant:hub' }));
    assert.ok(v.merchant_payments_1d! > 0);
  });
});

describe('rebuild at start (embedded mode)', () => {
  test('replaying the recorded events and labels rebuilds exactly the state live traffic left', async () => {
    const { rebuildFeatures } = await import('./rebuild.ts');
    const { syntheticEvents } = await import('./synthetic-events.ts');
    const steps = [...syntheticEvents({ seed: 3, users: 20, events: 800, startMs: T0, gapMs: 5 * 60_000 })];
    const live = source();
    for (const step of steps) {
      await live.observe(step.event);
      if (step.label) await live.label(step.label.eventId, step.label.fraud, step.label.atMs);
    }
    const rebuilt = source();
    assert.deepEqual(await rebuildFeatures(rebuilt, steps), {
      events: 800,
      labels: steps.filter((s) => s.label).length,
    });
    const probe = pay({ atMs: steps.at(-1)!.event.atMs + 60_000, userId: 'u3', payeeKey: 'merchant:m1' });
    assert.deepStrictEqual(await rebuilt.extract(probe), await live.extract(probe));
  });
});
