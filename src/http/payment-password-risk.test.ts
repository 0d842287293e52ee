// Proves the default rule `payment_password_guessing` works end to end over HTTP, on a real store
// (PGlite, or PostgreSQL with --pg) and the real online features, in memory and in Redis: each
// wrong payment password (entered on a payment's confirmation or a withdrawal) reaches the risk
// engine as an observed `security_change` event (not a decision), and the next payment or
// withdrawal carries the failures since the last success. Two wrong entries (below the lockout
// at three) make the next payment a challenge (password plus SMS code) and the next withdrawal
// need a second-factor step-up; the decision record names the rule. A right password clears it,
// and a failure reported twice counts once.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { createEnginePaymentPasswordRisk } from '../cases/index.ts';
import { luhnCheckDigit } from '../funding/index.ts';
import {
  FEATURE_NAMES,
  type FeatureState,
  MEMORY_STATE_DEFAULTS,
  MemoryFeatureState,
  OnlineFeatureSource,
  RedisFeatureState,
} from '../risk/index.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';
import { cny, createClientKit, CLIENT_PIN as PIN, type WalletClient } from '../testing/wallet-clients.ts';

const REDIS_URL = process.env.RAMPART_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const REDIS_PREFIX = `rampart-test:pinguess:${process.pid}:${Date.now()}:`;
const WRONG_PIN = '000000';

/** A Luhn-valid 16-digit UnionPay number ending in 4321. */
function cardNumber(variant: number): string {
  for (let d = 0; d < 10; d++) {
    const number = `622202${String(variant).padStart(5, '0')}${d}4321`;
    if (luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable: one digit reaches every check residue');
}

function suite(name: string, newState: () => FeatureState) {
  describe(`payment-password guessing over HTTP (${name} feature state)`, () => {
    const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
    let t: TestApp;
    let kit: ReturnType<typeof createClientKit>;

    before(async () => {
      t = await openTestApp({
        demo: false,
        clock,
        allowPrivateCallbacks: false,
        config: { riskRulesReloadCheckMs: 0 },
        risk: { features: new OnlineFeatureSource(newState()), model: null, featureNames: FEATURE_NAMES },
        riskLog: { warn: () => {}, error: (details, message) => console.error(message, details) },
      });
      // The device sign-in bound: payments come from a known device, as an owner's would.
      kit = createClientKit(t, { phone: '+8613750', ip: '10.52.0' }, { bindDevice: true });
    });
    after(() => t?.close());

    function createIntent(payer: WalletClient, payee: WalletClient, amountMinor: number) {
      return kit.createIntent(payer, { payee: { phone: payee.phone }, amount: cny(amountMinor) });
    }

    async function lastDecision(userId: string, kind: string) {
      const rows = await t.store.db
        .selectFrom('risk_decisions')
        .select(['event_id', 'decision', 'rule_hits', 'feature_values', 'event'])
        .where('user_id', '=', userId)
        .where('kind', '=', kind)
        .orderBy('created_at', 'desc')
        .limit(1)
        .execute();
      const row = rows[0];
      assert.ok(row, `a ${kind} decision for ${userId}`);
      return {
        decision: row.decision,
        ruleIds: (row.rule_hits as { ruleId: string }[]).map((h) => h.ruleId),
        features: row.feature_values as Record<string, number | null>,
        detail: (row.event as { detail?: Record<string, string> }).detail ?? {},
      };
    }

    test('two wrong payment passwords: the next payment is challenged (password + SMS code), then cleared', async () => {
      const payer = await kit.newClient(500_000n);
      const payee = await kit.newClient(0n);

      const first = await createIntent(payer, payee, 1_000);
      assert.equal(first.statusCode, 201, first.body);
      assert.equal(first.json().confirmation, 'payment_password');
      for (const attemptsLeft of [2, 1]) {
        const wrong = await kit.call(payer, 'POST', `/api/v1/payments/intents/${first.json().id}/confirm`, {
          paymentPassword: WRONG_PIN,
        });
        assert.equal(wrong.statusCode, 401, wrong.body);
        assert.equal(wrong.json().error.code, 'wrong_payment_password');
        assert.equal(wrong.json().error.details.attemptsLeft, attemptsLeft);
      }
      // Observed, not decided: the failures are not decision records.
      const recorded = await t.store.db
        .selectFrom('risk_decisions')
        .select('event_id')
        .where('user_id', '=', payer.userId)
        .where('kind', '=', 'security_change')
        .execute();
      assert.equal(recorded.length, 0);

      clock.advance(60_000);
      const next = await createIntent(payer, payee, 1_000);
      assert.equal(next.statusCode, 201, next.body);
      assert.equal(next.json().confirmation, 'payment_password_and_second_factor');
      const scored = await lastDecision(payer.userId, 'transfer');
      assert.equal(scored.decision, 'challenge');
      assert.ok(scored.ruleIds.includes('payment_password_guessing'), scored.ruleIds.join(','));
      assert.equal(scored.detail.failedPaymentPasswords, '2');
      assert.equal(scored.features.failed_payment_passwords_now, 2);
      assert.equal(scored.features.failed_payment_passwords_1h, 2);

      const url = `/api/v1/payments/intents/${next.json().id}`;
      // A challenged first payment to someone also shows the fraud warning (issue 9): acknowledged.
      const passwordOnly = await kit.call(payer, 'POST', `${url}/confirm`, {
        paymentPassword: PIN,
        warningAcknowledged: true,
      });
      assert.equal(passwordOnly.json().error?.code, 'confirmation_required', passwordOnly.body);
      clock.advance(61_000);
      assert.equal((await kit.call(payer, 'POST', `${url}/sms-code`)).statusCode, 200);
      const paid = await kit.call(payer, 'POST', `${url}/confirm`, {
        paymentPassword: PIN,
        smsCode: await lastSentCode(t.store.db, payer.phone),
        warningAcknowledged: true,
      });
      assert.equal(paid.statusCode, 200, paid.body);
      assert.equal(paid.json().status, 'succeeded');

      // The right password cleared the count; the hour's two failures alone are below the rule.
      clock.advance(60_000);
      const after = await createIntent(payer, payee, 1_000);
      assert.equal(after.statusCode, 201, after.body);
      assert.equal(after.json().confirmation, 'payment_password');
      const cleared = await lastDecision(payer.userId, 'transfer');
      assert.equal(cleared.decision, 'allow');
      assert.equal(cleared.features.failed_payment_passwords_now, 0);
      assert.equal(cleared.features.failed_payment_passwords_1h, 2, 'each failure counted once');
    });

    test('two wrong payment passwords on withdrawals: the right one then needs a second-factor step-up', async () => {
      const user = await kit.newClient(500_000n);
      const card = await kit.call(user, 'POST', '/api/v1/me/cards', { cardNumber: cardNumber(1) });
      assert.equal(card.statusCode, 201, card.body);
      const withdraw = (paymentPassword: string) =>
        kit.call(user, 'POST', '/api/v1/funding/withdrawals', {
          cardId: card.json().id,
          amount: cny(10_000),
          paymentPassword,
          clientRequestId: kit.nextRequestId(),
        });
      for (let k = 0; k < 2; k++) {
        const wrong = await withdraw(WRONG_PIN);
        assert.equal(wrong.json().error?.code, 'wrong_payment_password', wrong.body);
      }
      const challenged = await withdraw(PIN);
      assert.equal(challenged.statusCode, 403, challenged.body);
      assert.equal(challenged.json().error.code, 'risk_second_factor_required');
      const scored = await lastDecision(user.userId, 'withdrawal');
      assert.equal(scored.decision, 'challenge');
      assert.ok(scored.ruleIds.includes('payment_password_guessing'), scored.ruleIds.join(','));
      assert.equal(scored.detail.failedPaymentPasswords, '2', 'the failures this right password cleared');

      await kit.stepUpBySms(user);
      const ok = await withdraw(PIN);
      assert.equal(ok.statusCode, 201, ok.body);
    });

    test('a failure reported twice (a retry) is counted once', async () => {
      const payer = await kit.newClient(500_000n);
      const payee = await kit.newClient(0n);
      const intent = await createIntent(payer, payee, 1_000);
      const wrong = await kit.call(payer, 'POST', `/api/v1/payments/intents/${intent.json().id}/confirm`, {
        paymentPassword: WRONG_PIN,
      });
      assert.equal(wrong.json().error?.code, 'wrong_payment_password', wrong.body);
      const reported = await createIntent(payer, payee, 1_000);
      assert.equal(reported.statusCode, 201, reported.body);
      assert.equal((await lastDecision(payer.userId, 'transfer')).features.failed_payment_passwords_1h, 1);
      const failed = await t.store.db
        .selectFrom('security_events')
        .select(['id', 'created_at'])
        .where('user_id', '=', payer.userId)
        .where('type', '=', 'payment_password_failed')
        .executeTakeFirstOrThrow();
      const port = createEnginePaymentPasswordRisk({ engine: t.modules.riskEngine });
      await port.failed({
        userId: payer.userId,
        securityEventId: failed.id,
        ip: payer.ip,
        country: null,
        nowMs: failed.created_at.getTime(),
      });
      const next = await createIntent(payer, payee, 1_000);
      assert.equal(next.statusCode, 201, next.body);
      const scored = await lastDecision(payer.userId, 'transfer');
      assert.equal(scored.features.failed_payment_passwords_1h, 1, 'the same failure again: no change');
      assert.equal(scored.decision, 'allow', 'one wrong entry is an ordinary typo');
    });
  });
}

suite('memory', () => new MemoryFeatureState());

describe('Redis connection for the Redis suite', () => {
  // One client for the Redis suite's feature state; its keys are removed at the end.
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 1 });
  before(() => redis.connect());
  after(async () => {
    const keys = await redis.keys(`${REDIS_PREFIX}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  });
  suite('Redis', () => new RedisFeatureState(redis, { ...MEMORY_STATE_DEFAULTS, keyPrefix: REDIS_PREFIX }));
});
