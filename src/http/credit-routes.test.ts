// Proves issue 4 point 4 over HTTP (app.inject on a real store, PGlite or PostgreSQL): an operator
// grants a credit line (token auth, bounds), the demo seed grants Alice one, paying a merchant
// from the credit line through the ordinary payment intent (limits, confirmation), the ledger's
// floor refusing spending over the limit, the monthly statement and overdue marking made by
// credit.runDue() on a ManualClock, an overdue bill blocking new credit spending (at intent and at
// confirmation), repayment from the wallet (partial, full, more than owed, without the balance,
// concurrent double repayment), and verifyLedger at the end.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_CREDIT_LINE, DEMO_MERCHANT } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';
import { cny, createClientKit, type WalletClient } from '../testing/wallet-clients.ts';

/** Monday 2 March 2026, 10:00 in Beijing. */
const START_MS = Date.UTC(2026, 2, 2, 2, 0, 0);
/** 1 April 2026, 00:00 Beijing: March's statement is due to be made. */
const APRIL_1_MS = Date.UTC(2026, 2, 31, 16, 0, 0);
/** 11 April 2026, 00:00 Beijing: March's bill is overdue from this instant. */
const APRIL_11_MS = Date.UTC(2026, 3, 10, 16, 0, 0);

let t: TestApp;
let kit: ReturnType<typeof createClientKit>;

before(async () => {
  t = await openTestApp({ clock: new ManualClock(START_MS) });
  kit = createClientKit(t, { phone: '+8613561', ip: '10.61.0' });
});
after(async () => {
  await t?.close();
});

function grant(userId: string, amountMinor: bigint | number, token: string | null = TEST_OPERATOR_TOKEN) {
  return t.app.inject({
    method: 'PUT',
    url: `/api/v1/operator/credit-lines/${userId}`,
    headers: token ? { authorization: `Bearer ${token}` } : {},
    payload: { limit: cny(amountMinor) },
  });
}

async function creditOf(client: WalletClient) {
  const r = await kit.call(client, 'GET', '/api/v1/me/credit');
  assert.equal(r.statusCode, 200, r.body);
  return r.json().creditLine;
}

async function payOnCredit(client: WalletClient, amountMinor: bigint | number) {
  const created = await kit.createIntent(client, {
    payee: { merchantId: DEMO_MERCHANT.id },
    amount: cny(amountMinor),
    channel: 'credit_line',
  });
  if (created.statusCode !== 201) return created;
  return kit.confirm(client, created.json().id, {
    paymentPassword: client.paymentPassword,
    warningAcknowledged: true,
  });
}

function repay(client: WalletClient, amountMinor: bigint | number, clientRequestId = kit.nextRequestId()) {
  return kit.call(client, 'POST', '/api/v1/me/credit/repayments', {
    amount: cny(amountMinor),
    clientRequestId,
  });
}

describe('credit line', () => {
  let alice: WalletClient;
  let poor: WalletClient;

  before(async () => {
    alice = await kit.newClient(1_000_000n);
    poor = await kit.newClient(1_000n);
  });

  test('the demo seed grants Alice her credit line', async () => {
    const demoAlice = await t.modules.identity.findUserByPhone(DEMO_CREDIT_LINE.phoneE164);
    assert.ok(demoAlice);
    const line = await t.modules.credit.get(demoAlice.id);
    assert.equal(line?.limit.amountMinor, DEMO_CREDIT_LINE.limitMinor);
  });

  test('an operator grants a line with the operator token, within bounds; users see none before', async () => {
    assert.equal(await creditOf(alice), null);
    assert.equal((await grant(alice.userId, 500_000, null)).statusCode, 401);
    assert.equal((await grant(alice.userId, 500_000, 'wrong-token-0123456789abcdef')).statusCode, 401);
    const above = await grant(alice.userId, 5_000_001);
    assert.equal(above.statusCode, 422);
    assert.equal(above.json().error.code, 'credit_limit_above_max');
    assert.equal((await grant('usr_nobody', 500_000)).json().error.code, 'user_not_found');
    // A user cannot grant themself a line with their session token.
    const self = await kit.call(alice, 'PUT', `/api/v1/operator/credit-lines/${alice.userId}`, {
      limit: cny(500_000),
    });
    assert.equal(self.statusCode, 401);

    const granted = await grant(alice.userId, 500_000);
    assert.equal(granted.statusCode, 200, granted.body);
    const line = await creditOf(alice);
    assert.deepEqual(
      [line.limit.amountMinor, line.used.amountMinor, line.available.amountMinor, line.overdue],
      ['500000', '0', '500000', false],
    );
    assert.equal(line.currentBill, null);
    assert.equal(line.nextStatementAt, new Date(APRIL_1_MS).toISOString());
  });

  test('paying a merchant from the credit line: the wallet is untouched, the line is used', async () => {
    const before = await kit.balanceOf(alice);
    const paid = await payOnCredit(alice, 30_000);
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().channel, 'credit_line');
    assert.equal(paid.json().status, 'succeeded');
    assert.equal(await kit.balanceOf(alice), before);
    const line = await creditOf(alice);
    assert.equal(line.used.amountMinor, '30000');
    assert.equal(line.available.amountMinor, '470000');
    assert.equal(line.unbilled.amountMinor, '30000');
    // The credit channel has its own allowance.
    const limits = await kit.call(alice, 'GET', '/api/v1/me/limits');
    const creditChannel = limits
      .json()
      .channels.find((c: { channel: string }) => c.channel === 'credit_line');
    assert.equal(creditChannel.available, true);
    assert.equal(creditChannel.spentToday.amountMinor, '30000');
  });

  test('refused: no credit line, over the credit limit, over the per-payment limit — no money moved', async () => {
    const transfers = await kit.transferCount();
    const none = await payOnCredit(poor, 100);
    assert.equal(none.statusCode, 404);
    assert.equal(none.json().error.code, 'credit_line_not_granted');

    assert.equal((await grant(poor.userId, 10_000)).statusCode, 200);
    const over = await payOnCredit(poor, 10_001);
    assert.equal(over.statusCode, 422, over.body);
    assert.equal(over.json().error.code, 'exceeds_credit_limit');

    const overPerPayment = await payOnCredit(alice, 2_000_001);
    assert.equal(overPerPayment.statusCode, 422);
    assert.equal(overPerPayment.json().error.code, 'limit_exceeded');
    assert.equal(overPerPayment.json().error.details.exceeded, 'per_payment');
    assert.equal(await kit.transferCount(), transfers);

    // A limit cannot be lowered below what is owed.
    assert.equal((await payOnCredit(poor, 6_000)).statusCode, 200);
    const lowered = await grant(poor.userId, 5_000);
    assert.equal(lowered.statusCode, 409);
    assert.equal(lowered.json().error.code, 'credit_limit_below_used');
  });

  test('repayment refusals: more than owed, more than the wallet holds, bad amounts', async () => {
    const transfers = await kit.transferCount();
    const tooMuch = await repay(alice, 30_001);
    assert.equal(tooMuch.statusCode, 422);
    assert.equal(tooMuch.json().error.code, 'repay_exceeds_owed');
    assert.equal(tooMuch.json().error.details.owed.amountMinor, '30000');
    // poor owes 6,000 fen and holds 1,000.
    const broke = await repay(poor, 6_000);
    assert.equal(broke.statusCode, 422);
    assert.equal(broke.json().error.code, 'insufficient_funds');
    const zero = await repay(alice, 0);
    assert.equal(zero.statusCode, 400);
    const usd = await kit.call(alice, 'POST', '/api/v1/me/credit/repayments', {
      amount: { amountMinor: '100', currency: 'USD' },
      clientRequestId: kit.nextRequestId(),
    });
    assert.equal(usd.statusCode, 400);
    assert.equal(await kit.transferCount(), transfers);
  });

  test('statement on the 1st, partial repayment, overdue after the 10th blocks credit until repaid', async () => {
    // A credit intent made before the due date, confirmed after it, is refused at confirmation.
    t.clock.set(APRIL_1_MS - 60_000);
    await kit.signIn(alice);
    assert.equal((await payOnCredit(alice, 20_000)).statusCode, 200);
    t.clock.set(APRIL_1_MS + 30_000);
    await kit.signIn(alice);
    const first = await t.modules.credit.runDue(t.clock.nowMs());
    assert.ok(first.statements >= 2, 'alice and poor (and demo alice) get March bills');
    assert.equal((await t.modules.credit.runDue(t.clock.nowMs())).statements, 0, 'one bill per month');
    assert.deepEqual(await billNotices(alice.userId), [
      'credit_bill_issued/in_app',
      'credit_bill_issued/sms',
    ]);

    let line = await creditOf(alice);
    assert.equal(line.currentBill.period, '2026-03');
    assert.equal(line.currentBill.amount.amountMinor, '50000');
    assert.equal(line.currentBill.status, 'open');
    assert.equal(line.currentBill.dueAt, new Date(APRIL_11_MS).toISOString());
    assert.equal(line.billed.amountMinor, '50000');
    assert.equal(line.unbilled.amountMinor, '0');

    // April spending goes on April's bill, not March's.
    assert.equal((await payOnCredit(alice, 5_000)).statusCode, 200);
    const before = await kit.balanceOf(alice);
    const partial = await repay(alice, 20_000);
    assert.equal(partial.statusCode, 201, partial.body);
    assert.equal(await kit.balanceOf(alice), before - 20_000n);
    line = partial.json().creditLine;
    assert.equal(line.currentBill.remaining.amountMinor, '30000');
    assert.equal(line.used.amountMinor, '35000');
    assert.equal(line.unbilled.amountMinor, '5000');

    // Made five minutes before the due instant, confirmed at it.
    t.clock.set(APRIL_11_MS - 5 * 60_000);
    await kit.signIn(alice);
    const pending = await kit.createIntent(alice, {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: cny(1_000),
      channel: 'credit_line',
    });
    assert.equal(pending.statusCode, 201);
    t.clock.set(APRIL_11_MS);
    const blocked = await payOnCredit(alice, 1_000);
    assert.equal(blocked.statusCode, 403);
    assert.equal(blocked.json().error.code, 'credit_bill_overdue');
    assert.equal(blocked.json().error.details.remaining.amountMinor, '30000');
    const lateConfirm = await kit.confirm(alice, pending.json().id, {
      paymentPassword: alice.paymentPassword,
      warningAcknowledged: true,
    });
    assert.equal(lateConfirm.statusCode, 403);
    assert.equal(lateConfirm.json().error.code, 'credit_bill_overdue');
    // The balance channel is not blocked.
    const byBalance = await kit.createIntent(alice, {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: cny(1_000),
    });
    assert.equal(byBalance.statusCode, 201);

    const marked = await t.modules.credit.runDue(t.clock.nowMs());
    assert.ok(marked.markedOverdue >= 1);
    assert.deepEqual(await billNotices(alice.userId), [
      'credit_bill_issued/in_app',
      'credit_bill_issued/sms',
      'credit_bill_overdue/in_app',
      'credit_bill_overdue/sms',
    ]);
    await t.modules.credit.runDue(t.clock.nowMs());
    assert.equal((await billNotices(alice.userId)).length, 4, 'an overdue bill is told once');
    const overdueSms = await t.store.db
      .selectFrom('notification_outbox')
      .select('body')
      .where('user_id', '=', alice.userId)
      .where('template', '=', 'credit_bill_overdue')
      .where('channel', '=', 'sms')
      .executeTakeFirstOrThrow();
    assert.match(overdueSms.body, /300\.00/, 'the unpaid amount after the partial repayment');
    line = await creditOf(alice);
    assert.equal(line.overdue, true);
    assert.equal(line.currentBill.status, 'overdue');

    const rest = await repay(alice, 30_000);
    assert.equal(rest.statusCode, 201, rest.body);
    assert.equal(rest.json().creditLine.overdue, false);
    assert.equal(rest.json().creditLine.bills[0].status, 'paid');
    assert.equal((await payOnCredit(alice, 1_000)).statusCode, 200, 'credit spending works again');
  });

  test('a replayed repayment answers the first; concurrent repayments of everything owed move it once', async () => {
    const id = kit.nextRequestId();
    const first = await repay(alice, 1_000, id);
    assert.equal(first.statusCode, 201, first.body);
    const again = await repay(alice, 1_000, id);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().transferId, first.json().transferId);
    const reused = await repay(alice, 999, id);
    assert.equal(reused.statusCode, 409);
    assert.equal(reused.json().error.code, 'client_request_id_reused');

    const owed = BigInt((await creditOf(alice)).used.amountMinor);
    assert.ok(owed > 0n);
    const before = await kit.balanceOf(alice);
    const racing = await Promise.all(Array.from({ length: 4 }, () => repay(alice, owed)));
    const codes = racing.map((r) => r.statusCode).sort();
    assert.deepEqual(codes, [201, 422, 422, 422], racing.map((r) => r.body).join('\n'));
    assert.equal(await kit.balanceOf(alice), before - owed);
    assert.equal((await creditOf(alice)).used.amountMinor, '0');

    // The same clientRequestId sent concurrently: one transfer, every answer names it.
    assert.equal((await payOnCredit(alice, 2_000)).statusCode, 200);
    const sameId = kit.nextRequestId();
    const replays = await Promise.all(Array.from({ length: 4 }, () => repay(alice, 2_000, sameId)));
    assert.deepEqual(replays.map((r) => r.statusCode).sort(), [200, 200, 200, 201]);
    assert.equal(new Set(replays.map((r) => r.json().transferId)).size, 1);
    assert.equal((await creditOf(alice)).used.amountMinor, '0');
  });

  test('grants, limit changes and repayments are audited', async () => {
    const rows = await t.store.db
      .selectFrom('credit_audit')
      .select(['type', 'details'])
      .where('user_id', '=', poor.userId)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      rows.map((r) => r.type),
      ['granted'],
      'the refused limit change and repayment left no row',
    );
    const aliceTypes = await t.store.db
      .selectFrom('credit_audit')
      .select('type')
      .where('user_id', '=', alice.userId)
      .execute();
    assert.ok(aliceTypes.filter((r) => r.type === 'repaid').length >= 4);
    const none = await kit.newClient(0n);
    const noLine = await repay(none, 100);
    assert.equal(noLine.statusCode, 404);
    assert.equal(noLine.json().error.code, 'credit_line_not_granted');
  });

  test('the ledger still balances', async () => {
    const report = await verifyLedger(t.store.db, { nowMs: t.clock.nowMs() });
    assert.equal(report.ok, true, JSON.stringify(report));
  });
});

/** The bill notices queued for a user, in order (issue 9: bills due reach the notification centre). */
async function billNotices(userId: string): Promise<string[]> {
  const rows = await t.store.db
    .selectFrom('notification_outbox')
    .select(['template', 'channel'])
    .where('user_id', '=', userId)
    .where('template', 'in', ['credit_bill_issued', 'credit_bill_overdue'])
    .orderBy('id')
    .execute();
  return rows.map((r) => `${r.template}/${r.channel}`);
}
