// Proves that a payer can cancel a payment before confirming it (POST …/intents/:id/cancel,
// docs/payments.md "Cancelling a payment") over HTTP on a real store (PGlite, or PostgreSQL with
// --pg): the intent ends `cancelled` (GET says so), a repeat answers the same and writes nothing
// more, confirming it (or asking for its SMS code or passkey options) is refused with
// intent_cancelled, another user gets the 404 a missing intent gets, a paid or expired intent is
// intent_not_cancellable (409), a challenged intent's SMS code is retired with it, a cancel
// racing a confirmation leaves exactly one outcome, and a cancel that commits between a
// confirmation's password check and its lock makes that confirmation intent_cancelled. Every balance is compared to the minor unit,
// posted and available, and `verifyLedger` holds at the end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { verifyLedger } from '../ledger/index.ts';
import { DEFAULT_RULE_SET } from '../risk/index.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';
import { cny, createClientKit, CLIENT_PIN as PIN, type WalletClient } from '../testing/wallet-clients.ts';
import { ZH_CN_ERROR_MESSAGES } from './error-messages.ts';

/** Monday 2 March 2026, 10:00 in Beijing: "today" is stable. */
const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
/** The amount the test's rule challenges (payment password plus an SMS code or a passkey). */
const CHALLENGED_MINOR = 2_345;
const INTENT_TTL_MS = 10 * 60_000;

let t: TestApp;
let kit: ReturnType<typeof createClientKit>;

before(async () => {
  t = await openTestApp({ demo: false, clock, config: { riskRulesReloadCheckMs: 0 } });
  kit = createClientKit(t, { phone: '+8613762', ip: '10.63.0' });
  const saved = await t.modules.riskEngine.saveRuleSet({
    body: {
      rules: [
        ...DEFAULT_RULE_SET.rules,
        {
          id: 't_challenge_transfer',
          kinds: ['transfer'],
          when: { field: 'amountMinor', op: '==', value: CHALLENGED_MINOR },
          outcome: 'challenge',
          reason: 't_challenge_transfer',
        },
      ],
    },
    note: 'payment-cancel test: challenge 23.45 transfers',
    createdBy: 'test',
  });
  assert.ok(saved.version > 0);
});
after(() => t?.close());

interface Balances {
  readonly postedMinor: bigint;
  readonly availableMinor: bigint;
}

async function balancesOf(client: WalletClient): Promise<Balances> {
  const r = await kit.call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  const [account] = r.json().accounts;
  // A payee never paid may have no wallet yet: nothing in it.
  if (account === undefined) return { postedMinor: 0n, availableMinor: 0n };
  return {
    postedMinor: BigInt(account.posted.amountMinor),
    availableMinor: BigInt(account.available.amountMinor),
  };
}

const url = (intentId: string, action = '') => `/api/v1/payments/intents/${intentId}${action}`;
const cancel = (client: WalletClient, intentId: string) => kit.call(client, 'POST', url(intentId, '/cancel'));

async function newIntent(payer: WalletClient, payee: WalletClient, amountMinor: number): Promise<string> {
  const r = await kit.createIntent(payer, { payee: { phone: payee.phone }, amount: cny(amountMinor) });
  assert.equal(r.statusCode, 201, r.body);
  assert.equal(r.json().status, 'awaiting_confirmation');
  return r.json().id;
}

async function auditOf(intentId: string, type: string) {
  return t.store.db
    .selectFrom('payment_audit')
    .select(['user_id', 'details'])
    .where('intent_id', '=', intentId)
    .where('type', '=', type)
    .execute();
}

async function transfersOfIntent(intentId: string): Promise<number> {
  const rows = await t.store.db
    .selectFrom('ledger_transfers')
    .select('id')
    .where('id', 'like', `%${intentId}%`)
    .execute();
  return rows.length;
}

describe('cancelling a payment intent', () => {
  test('the owner cancels: cancelled for good, nothing moved, a repeat answers the same', async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const payerBefore = await balancesOf(payer);
    const payeeBefore = await balancesOf(payee);
    const intentId = await newIntent(payer, payee, 1_000);

    clock.advance(1_000);
    const first = await cancel(payer, intentId);
    assert.equal(first.statusCode, 200, first.body);
    assert.equal(first.json().id, intentId);
    assert.equal(first.json().status, 'cancelled');
    assert.equal(first.json().cancelledAt, new Date(clock.nowMs()).toISOString());
    assert.equal(first.json().transferId, null);
    assert.equal(first.json().confirmedAt, null);

    const got = await kit.call(payer, 'GET', url(intentId));
    assert.equal(got.statusCode, 200, got.body);
    assert.equal(got.json().status, 'cancelled');
    assert.equal(got.json().cancelledAt, first.json().cancelledAt);

    clock.advance(1_000);
    const again = await cancel(payer, intentId);
    assert.equal(again.statusCode, 200, again.body);
    assert.deepEqual(again.json(), first.json(), 'the same answer, cancelledAt unchanged');
    const audited = await auditOf(intentId, 'intent_cancelled');
    assert.equal(audited.length, 1, 'one audit entry for one cancellation');
    assert.equal(audited[0]?.user_id, payer.userId);

    // Past the intent's deadline it still reads cancelled, not expired.
    clock.advance(INTENT_TTL_MS);
    const later = await kit.call(payer, 'GET', url(intentId));
    assert.equal(later.json().status, 'cancelled');

    assert.equal(await transfersOfIntent(intentId), 0, 'no transfer or hold for the intent');
    assert.deepEqual(await balancesOf(payer), payerBefore, "the payer's balances, to the minor unit");
    assert.deepEqual(await balancesOf(payee), payeeBefore, "the payee's balances, to the minor unit");
  });

  test('a cancelled intent cannot be confirmed, nor its SMS code or passkey options asked for', async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const payerBefore = await balancesOf(payer);
    const payeeBefore = await balancesOf(payee);
    const intentId = await newIntent(payer, payee, 1_500);
    assert.equal((await cancel(payer, intentId)).statusCode, 200);

    const confirmed = await kit.confirm(payer, intentId, { paymentPassword: PIN, warningAcknowledged: true });
    assert.equal(confirmed.statusCode, 409, confirmed.body);
    assert.equal(confirmed.json().error.code, 'intent_cancelled');
    // A human message, in the user's language (zh-CN, these users' setting).
    assert.equal(confirmed.json().error.message, ZH_CN_ERROR_MESSAGES.intent_cancelled);
    const refusals = await auditOf(intentId, 'confirm_refused');
    assert.deepEqual(
      refusals.map((r) => (r.details as { code: string }).code),
      ['intent_cancelled'],
    );
    for (const action of ['/sms-code', '/passkey-options']) {
      const r = await kit.call(payer, 'POST', url(intentId, action));
      assert.equal(r.statusCode, 409, `${action}: ${r.body}`);
      assert.equal(r.json().error.code, 'intent_cancelled', action);
    }
    assert.equal((await kit.call(payer, 'GET', url(intentId))).json().status, 'cancelled');
    assert.equal(await transfersOfIntent(intentId), 0);
    assert.deepEqual(await balancesOf(payer), payerBefore);
    assert.deepEqual(await balancesOf(payee), payeeBefore);
  });

  test("another user's intent is as unknown as a missing one, and stays awaiting", async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const stranger = await kit.newClient(0n);
    const intentId = await newIntent(payer, payee, 800);

    const theirs = await cancel(stranger, intentId);
    const missing = await cancel(stranger, 'pi_does_not_exist');
    assert.equal(theirs.statusCode, 404, theirs.body);
    assert.equal(theirs.json().error.code, 'intent_not_found');
    assert.equal(missing.statusCode, 404, missing.body);
    assert.deepEqual(theirs.json(), missing.json(), 'the same answer: existence is not revealed');
    // Nor by the payee, who knows about the payment.
    assert.deepEqual((await cancel(payee, intentId)).json(), missing.json());

    assert.equal((await kit.call(payer, 'GET', url(intentId))).json().status, 'awaiting_confirmation');
    assert.equal((await auditOf(intentId, 'intent_cancelled')).length, 0);
    // The owner can still pay it.
    const paid = await kit.confirm(payer, intentId, { paymentPassword: PIN, warningAcknowledged: true });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'succeeded');
  });

  test('a paid intent is intent_not_cancellable (409) and its payment stands', async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const payerBefore = await balancesOf(payer);
    const payeeBefore = await balancesOf(payee);
    const intentId = await newIntent(payer, payee, 1_234);
    const paid = await kit.confirm(payer, intentId, { paymentPassword: PIN, warningAcknowledged: true });
    assert.equal(paid.statusCode, 200, paid.body);

    for (let i = 0; i < 2; i++) {
      const refused = await cancel(payer, intentId);
      assert.equal(refused.statusCode, 409, refused.body);
      assert.equal(refused.json().error.code, 'intent_not_cancellable');
      assert.equal(refused.json().error.details.status, 'succeeded');
      assert.equal(refused.json().error.message, ZH_CN_ERROR_MESSAGES.intent_not_cancellable);
    }
    const got = (await kit.call(payer, 'GET', url(intentId))).json();
    assert.equal(got.status, 'succeeded');
    assert.equal(got.cancelledAt, null);
    assert.deepEqual(await balancesOf(payer), {
      postedMinor: payerBefore.postedMinor - 1_234n,
      availableMinor: payerBefore.availableMinor - 1_234n,
    });
    assert.deepEqual(await balancesOf(payee), {
      postedMinor: payeeBefore.postedMinor + 1_234n,
      availableMinor: payeeBefore.availableMinor + 1_234n,
    });
  });

  test('an intent past its deadline is intent_not_cancellable with status expired, and recorded so', async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const intentId = await newIntent(payer, payee, 900);
    clock.advance(INTENT_TTL_MS);
    const refused = await cancel(payer, intentId);
    assert.equal(refused.statusCode, 409, refused.body);
    assert.equal(refused.json().error.code, 'intent_not_cancellable');
    assert.equal(refused.json().error.details.status, 'expired');
    const row = await t.store.db
      .selectFrom('payment_intents')
      .select(['status', 'cancelled_at'])
      .where('id', '=', intentId)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { status: 'expired', cancelled_at: null });
  });

  test("a challenged intent's SMS code is retired with it: the code confirms nothing", async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const payerBefore = await balancesOf(payer);
    const payeeBefore = await balancesOf(payee);
    const created = await kit.createIntent(payer, {
      payee: { phone: payee.phone },
      amount: cny(CHALLENGED_MINOR),
    });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().confirmation, 'payment_password_and_second_factor');
    const intentId: string = created.json().id;
    clock.advance(61_000); // past the resend cool-down of the sign-in code
    const sent = await kit.call(payer, 'POST', url(intentId, '/sms-code'));
    assert.equal(sent.statusCode, 200, sent.body);
    const code = await lastSentCode(t.store.db, payer.phone);

    assert.equal((await cancel(payer, intentId)).statusCode, 200);
    const codes = await t.store.db
      .selectFrom('one_time_codes')
      .select('consumed_at')
      .where('purpose', '=', 'payment')
      .where('subject_id', '=', intentId)
      .execute();
    assert.equal(codes.length, 1);
    assert.notEqual(codes[0]?.consumed_at, null, 'the live code was retired in the cancellation');

    const confirmed = await kit.confirm(payer, intentId, {
      paymentPassword: PIN,
      smsCode: code,
      warningAcknowledged: true,
    });
    assert.equal(confirmed.statusCode, 409, confirmed.body);
    assert.equal(confirmed.json().error.code, 'intent_cancelled');
    assert.equal(await transfersOfIntent(intentId), 0);
    assert.deepEqual(await balancesOf(payer), payerBefore);
    assert.deepEqual(await balancesOf(payee), payeeBefore);
  });

  test('a cancel racing a confirmation: exactly one wins, and the money says which', async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const payerBefore = await balancesOf(payer);
    const intentId = await newIntent(payer, payee, 700);
    const [cancelled, confirmed] = await Promise.all([
      cancel(payer, intentId),
      kit.confirm(payer, intentId, { paymentPassword: PIN, warningAcknowledged: true }),
    ]);
    const status = (await kit.call(payer, 'GET', url(intentId))).json().status;
    if (cancelled.statusCode === 200) {
      assert.equal(confirmed.statusCode, 409, confirmed.body);
      assert.equal(confirmed.json().error.code, 'intent_cancelled');
      assert.equal(status, 'cancelled');
      assert.deepEqual(await balancesOf(payer), payerBefore);
    } else {
      assert.equal(cancelled.statusCode, 409, cancelled.body);
      assert.equal(cancelled.json().error.code, 'intent_not_cancellable');
      assert.equal(confirmed.statusCode, 200, confirmed.body);
      assert.equal(status, 'succeeded');
      assert.equal((await balancesOf(payer)).postedMinor, payerBefore.postedMinor - 700n);
    }
  });

  test('a cancel that commits while a confirmation checks the password: the confirmation is refused', async () => {
    const payer = await kit.newClient(100_000n);
    const payee = await kit.newClient(0n);
    const payerBefore = await balancesOf(payer);
    const intentId = await newIntent(payer, payee, 600);
    // The seam: the confirmation has read the intent (awaiting) and checks the password outside
    // any transaction; the payer's cancel commits right then, before the confirmation takes the
    // intent's lock. Deterministic on both stores, no timing involved.
    const security = t.modules.identity.security;
    const verify = security.verifyPaymentPassword;
    let cancelledMeanwhile: Awaited<ReturnType<typeof cancel>> | undefined;
    security.verifyPaymentPassword = async (...args) => {
      const checked = await verify(...args);
      cancelledMeanwhile = await cancel(payer, intentId);
      return checked;
    };
    let confirmed: Awaited<ReturnType<typeof kit.confirm>>;
    try {
      confirmed = await kit.confirm(payer, intentId, { paymentPassword: PIN, warningAcknowledged: true });
    } finally {
      security.verifyPaymentPassword = verify;
    }
    assert.equal(cancelledMeanwhile?.statusCode, 200, cancelledMeanwhile?.body);
    assert.equal(confirmed.statusCode, 409, confirmed.body);
    assert.equal(confirmed.json().error.code, 'intent_cancelled');
    assert.equal((await kit.call(payer, 'GET', url(intentId))).json().status, 'cancelled');
    assert.equal(await transfersOfIntent(intentId), 0);
    assert.deepEqual(await balancesOf(payer), payerBefore);
  });

  test('the ledger verifies', async () => {
    const report = await verifyLedger(t.store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    assert.ok(report.ok);
  });
});
