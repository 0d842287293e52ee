// Proves what the risk engine's decisions do to agreement debits and family-card payments over
// HTTP, on PGlite or PostgreSQL (docs/agreements.md, "Risk decisions"). Each decision is forced by
// a rule saved through the operator API, keyed on an amount nothing else uses. A family-card
// payment: challenge → 403 risk_second_factor_required (the payment password or a step-up with it
// is not enough) until the member's session steps up with an SMS code, then the same request is
// paid exactly once (balances exact to the fen, a further retry answers the same payment); review
// → the owner's money held, the merchant unpaid, a family_card_hold case, then approve posts,
// reject voids, the deadline voids (the month's cap counts held but not declined payments); deny
// → payment_declined. An auto-debit: challenge and review → 403 agreement_debit_stopped, nothing
// moved, the user alerted once per debit key; deny → payment_declined, alerted; allow debits as
// before. Every outcome is audited with the engine's decision and the event id it recorded.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_MERCHANT } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { DEFAULT_RULE_SET } from '../risk/index.ts';
import { ManualClock } from '../shared/index.ts';
import { type AgreementClient, cny, createAgreementKit } from '../testing/agreement-kit.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';

/** Wednesday 11 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 11, 2, 0, 0));
const REVIEW_DEADLINE_MS = 2 * 3600_000;
let t: TestApp;

type Client = AgreementClient;

const PASSWORD = 'agreement-risk-login-2026';
const PIN = '583917';
const MERCHANT: string = DEMO_MERCHANT.id;
const { newUser, call, merchantCall, topUp, signedAgreement, debit } = createAgreementKit(() => t, {
  phoneBase: 43_000_000,
  ipPrefix: '10.53',
  password: PASSWORD,
  pin: PIN,
});

const CARD_CHALLENGE_MINOR = 1_111;
const CARD_REVIEW_MINOR = [2_222, 2_223, 2_224] as const;
const CARD_DENY_MINOR = 5_555;
const DEBIT_CHALLENGE_MINOR = 3_333;
const DEBIT_REVIEW_MINOR = 4_444;
const DEBIT_DENY_MINOR = 6_666;

/** The defaults plus one rule per forced decision (payments to a merchant are `payment` events). */
const TEST_RULES = {
  rules: [
    ...DEFAULT_RULE_SET.rules,
    {
      id: 't_challenge',
      kinds: ['payment'],
      when: { field: 'amountMinor', op: 'in', value: [CARD_CHALLENGE_MINOR, DEBIT_CHALLENGE_MINOR] },
      outcome: 'challenge',
      reason: 't_challenge',
    },
    {
      id: 't_review',
      kinds: ['payment'],
      when: { field: 'amountMinor', op: 'in', value: [...CARD_REVIEW_MINOR, DEBIT_REVIEW_MINOR] },
      outcome: 'review',
      reason: 't_review',
    },
    {
      id: 't_deny',
      kinds: ['payment'],
      when: { field: 'amountMinor', op: 'in', value: [CARD_DENY_MINOR, DEBIT_DENY_MINOR] },
      outcome: 'deny',
      reason: 't_deny',
    },
  ],
};

before(async () => {
  t = await openTestApp({
    clock,
    config: { riskRulesReloadCheckMs: 0, riskReviewDeadlineMs: REVIEW_DEADLINE_MS },
  });
  const saved = await operator('POST', '/api/v1/operator/risk/rules', {
    body: TEST_RULES,
    note: 'agreement risk decisions',
  });
  assert.equal(saved.statusCode, 201, saved.body);
});
after(async () => {
  if (t) {
    const report = await verifyLedger(t.store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    await t.close();
  }
});

function operator(method: 'GET' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, 'x-operator-name': 'carol.risk' },
    ...(payload ? { payload } : {}),
  });
}

/** Posted and pending sides of one ledger account. */
async function account(accountId: string): Promise<{ posted: bigint; available: bigint }> {
  const row = await t.store.db
    .selectFrom('ledger_accounts')
    .select(['credits_posted_minor', 'debits_posted_minor', 'debits_pending_minor'])
    .where('id', '=', accountId)
    .executeTakeFirstOrThrow();
  const posted = row.credits_posted_minor - row.debits_posted_minor;
  return { posted, available: posted - row.debits_pending_minor };
}

async function wallet(userId: string) {
  return account((await t.modules.wallet.openWallet(userId, 'CNY')).id);
}

async function merchantPosted(): Promise<bigint> {
  const row = await t.store.db
    .selectFrom('merchants')
    .select('settlement_account_id')
    .where('id', '=', MERCHANT)
    .executeTakeFirstOrThrow();
  return (await account(row.settlement_account_id)).posted;
}

async function activeCard(owner: Client, member: Client, monthlyCapMinor: number): Promise<string> {
  const offered = await call(owner, 'POST', '/api/v1/me/family-cards', {
    memberPhone: member.phone,
    monthlyCap: cny(monthlyCapMinor),
    paymentPassword: PIN,
  });
  assert.equal(offered.statusCode, 201, offered.body);
  const cardId: string = offered.json().id;
  const accepted = await call(member, 'POST', `/api/v1/me/family-cards/${cardId}/accept`);
  assert.equal(accepted.statusCode, 200, accepted.body);
  return cardId;
}

function payWithCard(member: Client, cardId: string, amountMinor: number, key: string) {
  return call(member, 'POST', `/api/v1/me/family-cards/${cardId}/payments`, {
    merchantId: MERCHANT,
    amount: cny(amountMinor),
    paymentPassword: PIN,
    clientRequestId: key,
  });
}

async function stepUp(client: Client, body: object): Promise<void> {
  const r = await call(client, 'POST', '/api/v1/me/step-up', body);
  assert.equal(r.statusCode, 200, r.body);
}

async function stepUpWithSms(client: Client): Promise<void> {
  clock.advance(61_000);
  const sent = await call(client, 'POST', '/api/v1/me/step-up/send-code');
  assert.equal(sent.statusCode, 200, sent.body);
  await stepUp(client, { method: 'sms', code: await lastSentCode(t.store.db, client.phone) });
}

/** The user's outbox rows of one template on one channel. */
async function sent(userId: string, template: string, channel: 'in_app' | 'sms' = 'in_app') {
  return t.store.db
    .selectFrom('notification_outbox')
    .select(['locale', 'subject', 'body'])
    .where('user_id', '=', userId)
    .where('template', '=', template)
    .where('channel', '=', channel)
    .orderBy('id')
    .execute();
}

async function auditOf(subjectId: string, type: string) {
  const rows = await t.store.db
    .selectFrom('agreement_audit')
    .select(['details'])
    .where('subject_id', '=', subjectId)
    .where('type', '=', type)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.details as Record<string, string | null>);
}

/** The engine's recorded decision for an audited event id. */
async function recordedDecision(eventId: string | null | undefined): Promise<string> {
  assert.ok(eventId, 'the audit row names the risk event');
  const row = await t.store.db
    .selectFrom('risk_decisions')
    .select(['decision', 'kind'])
    .where('event_id', '=', eventId)
    .executeTakeFirstOrThrow();
  assert.equal(row.kind, 'payment');
  return row.decision;
}

async function paymentRows(cardId: string) {
  return t.store.db
    .selectFrom('family_card_payments')
    .select(['id', 'status', 'amount_minor', 'transfer_id'])
    .where('card_id', '=', cardId)
    .orderBy('created_at')
    .execute();
}

async function usedThisMonth(client: Client, cardId: string): Promise<string> {
  const r = await call(client, 'GET', '/api/v1/me/family-cards');
  assert.equal(r.statusCode, 200, r.body);
  return r.json().cards.find((c: { id: string }) => c.id === cardId).usedThisMonth.amountMinor;
}

async function openCaseFor(paymentId: string): Promise<{ id: string; userId: string; eventId: string }> {
  const list = await operator('GET', '/api/v1/operator/cases?kind=family_card_hold&status=open');
  assert.equal(list.statusCode, 200, list.body);
  const found = list
    .json()
    .cases.find((c: { familyCardPaymentId: string }) => c.familyCardPaymentId === paymentId);
  assert.ok(found, `a family_card_hold case names ${paymentId}`);
  return found;
}

describe('family-card payments and the risk engine', () => {
  test('challenge: refused until the member steps up with a second factor, then paid exactly once', async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 100_000n);
    const cardId = await activeCard(owner, member, 50_000);
    const merchantBefore = await merchantPosted();

    const refused = await payWithCard(member, cardId, CARD_CHALLENGE_MINOR, 'fc-challenge-1');
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'risk_second_factor_required');
    assert.ok(refused.json().error.details.methods.includes('sms'));
    assert.ok(!refused.json().error.details.methods.includes('payment_password'));
    assert.deepEqual(await wallet(owner.userId), { posted: 100_000n, available: 100_000n });
    assert.equal(await merchantPosted(), merchantBefore);
    assert.deepEqual(await paymentRows(cardId), [], 'nothing written');
    // The member (who acted) is told, in the app and by SMS; the refusal is audited with the decision.
    assert.equal((await sent(member.userId, 'risk_challenge')).length, 1);
    assert.equal((await sent(member.userId, 'risk_challenge', 'sms')).length, 1);
    const [refusal] = await auditOf(cardId, 'family_card_pay_refused');
    assert.equal(refusal?.code, 'risk_second_factor_required');
    assert.equal(refusal?.riskDecision, 'challenge');
    assert.equal(await recordedDecision(refusal?.riskEventId), 'challenge');

    // The payment password, even as a step-up, is what a thief or a scam caller may have.
    await stepUp(member, { method: 'payment_password', paymentPassword: PIN });
    const still = await payWithCard(member, cardId, CARD_CHALLENGE_MINOR, 'fc-challenge-1');
    assert.equal(still.statusCode, 403, still.body);
    assert.equal(still.json().error.code, 'risk_second_factor_required');

    await stepUpWithSms(member);
    const paid = await payWithCard(member, cardId, CARD_CHALLENGE_MINOR, 'fc-challenge-1');
    assert.equal(paid.statusCode, 201, paid.body);
    assert.equal(paid.json().status, 'succeeded');
    assert.equal(paid.json().reviewDeadlineAt, null);
    const ownerAfter = 100_000n - BigInt(CARD_CHALLENGE_MINOR);
    assert.deepEqual(await wallet(owner.userId), { posted: ownerAfter, available: ownerAfter });
    assert.equal(await merchantPosted(), merchantBefore + BigInt(CARD_CHALLENGE_MINOR));
    const [paidAudit] = await auditOf(cardId, 'family_card_paid');
    assert.equal(paidAudit?.riskDecision, 'challenge', 'the decision is kept with the payment');
    assert.equal(await recordedDecision(paidAudit?.riskEventId), 'challenge');

    // The same request again (a lost answer, a double click): the same payment, no second spend.
    const again = await payWithCard(member, cardId, CARD_CHALLENGE_MINOR, 'fc-challenge-1');
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().id, paid.json().id);
    assert.deepEqual(await wallet(owner.userId), { posted: ownerAfter, available: ownerAfter });
    assert.equal(await merchantPosted(), merchantBefore + BigInt(CARD_CHALLENGE_MINOR));
    assert.equal((await paymentRows(cardId)).length, 1);
    assert.equal(await usedThisMonth(owner, cardId), String(CARD_CHALLENGE_MINOR));

    // The step-up is fresh for 5 minutes; after that a new challenged payment asks again.
    clock.advance(5 * 60_000 + 1);
    const later = await payWithCard(member, cardId, CARD_CHALLENGE_MINOR, 'fc-challenge-2');
    assert.equal(later.statusCode, 403, later.body);
    assert.equal(later.json().error.code, 'risk_second_factor_required');
  });

  test('allow: an ordinary amount is paid at once, the allow decision audited', async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 10_000n);
    const cardId = await activeCard(owner, member, 5_000);
    const merchantBefore = await merchantPosted();
    const paid = await payWithCard(member, cardId, 1_000, 'fc-allow-1');
    assert.equal(paid.statusCode, 201, paid.body);
    assert.equal(paid.json().status, 'succeeded');
    assert.deepEqual(await wallet(owner.userId), { posted: 9_000n, available: 9_000n });
    assert.equal(await merchantPosted(), merchantBefore + 1_000n);
    const [audit] = await auditOf(cardId, 'family_card_paid');
    assert.equal(audit?.riskDecision, 'allow');
    assert.equal(await recordedDecision(audit?.riskEventId), 'allow');
    assert.equal((await sent(member.userId, 'risk_challenge')).length, 0);
  });

  test('deny: payment_declined, nothing moves, the member alerted', async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 10_000n);
    const cardId = await activeCard(owner, member, 9_000);
    const refused = await payWithCard(member, cardId, CARD_DENY_MINOR, 'fc-deny-1');
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'payment_declined');
    assert.deepEqual(await wallet(owner.userId), { posted: 10_000n, available: 10_000n });
    assert.deepEqual(await paymentRows(cardId), []);
    assert.equal((await sent(member.userId, 'risk_declined')).length, 1);
    const [refusal] = await auditOf(cardId, 'family_card_pay_refused');
    assert.equal(refusal?.riskDecision, 'deny');
    assert.equal(await recordedDecision(refusal?.riskEventId), 'deny');
  });

  test('review: held with a case; approve posts, reject voids, the deadline voids; the cap counts held, not declined', async () => {
    const owner = await newUser();
    const member = await newUser();
    await topUp(owner.userId, 100_000n);
    const cardId = await activeCard(owner, member, 10_000);
    const merchantBefore = await merchantPosted();
    const [approveMinor, rejectMinor, expireMinor] = CARD_REVIEW_MINOR;

    // 1. Held: the owner's money reserved, the merchant not paid, a case, both told.
    const held = await payWithCard(member, cardId, approveMinor, 'fc-review-1');
    assert.equal(held.statusCode, 201, held.body);
    assert.equal(held.json().status, 'in_review');
    assert.equal(held.json().reviewDeadlineAt, new Date(clock.nowMs() + REVIEW_DEADLINE_MS).toISOString());
    assert.match(held.json().transferId, /^fchold:/);
    assert.deepEqual(await wallet(owner.userId), {
      posted: 100_000n,
      available: 100_000n - BigInt(approveMinor),
    });
    assert.equal(await merchantPosted(), merchantBefore, 'the merchant is not paid yet');
    assert.equal(await usedThisMonth(owner, cardId), String(approveMinor), 'a held payment uses the cap');
    for (const who of [owner, member]) {
      const [notice] = await sent(who.userId, 'family_card_held');
      assert.ok(notice, 'owner and member are told of the hold');
      assert.equal(notice.subject, 'Rampart 亲情卡付款安全审核中');
      assert.match(notice.body, new RegExp(`在 ${DEMO_MERCHANT.name} 付款 ¥22\\.22 正在安全审核`));
      assert.equal((await sent(who.userId, 'family_card_held', 'sms')).length, 1);
    }
    assert.equal((await sent(owner.userId, 'family_card_used')).length, 0, 'not announced as paid');
    const [heldAudit] = await auditOf(cardId, 'family_card_held');
    assert.equal(heldAudit?.riskDecision, 'review');
    assert.equal(await recordedDecision(heldAudit?.riskEventId), 'review');
    const case1 = await openCaseFor(held.json().id);
    assert.equal(case1.userId, owner.userId, 'the case is about the owner’s money');
    assert.equal(case1.eventId, heldAudit?.riskEventId);
    const detail = await operator('GET', `/api/v1/operator/cases/${case1.id}`);
    assert.equal(detail.json().decision.decision, 'review');
    // A replay of the held request answers the hold, never a second one.
    const replay = await payWithCard(member, cardId, approveMinor, 'fc-review-1');
    assert.equal(replay.statusCode, 200, replay.body);
    assert.equal(replay.json().id, held.json().id);
    assert.equal(replay.json().status, 'in_review');

    const approved = await operator('POST', `/api/v1/operator/cases/${case1.id}/approve`, { note: 'known' });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().outcome, 'approved');
    assert.equal(approved.json().transferId, `fcp:${held.json().id}`);
    const ownerAfterApprove = 100_000n - BigInt(approveMinor);
    assert.deepEqual(await wallet(owner.userId), { posted: ownerAfterApprove, available: ownerAfterApprove });
    assert.equal(await merchantPosted(), merchantBefore + BigInt(approveMinor));
    const uses = await call(member, 'GET', `/api/v1/me/family-cards/${cardId}/payments`);
    assert.equal(uses.json().payments[0].status, 'succeeded');
    assert.equal(uses.json().payments[0].transferId, `fcp:${held.json().id}`);
    assert.equal((await sent(member.userId, 'family_card_hold_resolved')).length, 1);
    const twice = await operator('POST', `/api/v1/operator/cases/${case1.id}/reject`, {});
    assert.equal(twice.statusCode, 409, 'a closed case is not decided twice');

    // 2. Rejected: the hold voided, the owner's money back, the cap freed.
    const second = await payWithCard(member, cardId, rejectMinor, 'fc-review-2');
    assert.equal(second.statusCode, 201, second.body);
    assert.equal(await usedThisMonth(owner, cardId), String(approveMinor + rejectMinor));
    const case2 = await openCaseFor(second.json().id);
    const rejected = await operator('POST', `/api/v1/operator/cases/${case2.id}/reject`, {
      note: 'not the member',
    });
    assert.equal(rejected.statusCode, 200, rejected.body);
    assert.equal(rejected.json().outcome, 'rejected');
    assert.deepEqual(await wallet(owner.userId), { posted: ownerAfterApprove, available: ownerAfterApprove });
    assert.equal(await merchantPosted(), merchantBefore + BigInt(approveMinor));
    assert.equal(
      await usedThisMonth(owner, cardId),
      String(approveMinor),
      'a declined payment frees the cap',
    );
    const label = await t.store.db
      .selectFrom('risk_decisions')
      .select('label_fraud')
      .where('event_id', '=', case2.eventId)
      .executeTakeFirstOrThrow();
    assert.equal(label.label_fraud, true, 'a rejected hold is labelled fraud');

    // 3. Nobody decided: voided at the deadline, the case closed `expired`.
    const third = await payWithCard(member, cardId, expireMinor, 'fc-review-3');
    assert.equal(third.statusCode, 201, third.body);
    const case3 = await openCaseFor(third.json().id);
    clock.advance(REVIEW_DEADLINE_MS + 1);
    assert.ok((await t.modules.cases.expireOverdue()) >= 1);
    const closed = await operator('GET', `/api/v1/operator/cases/${case3.id}`);
    assert.equal(closed.json().case.status, 'closed');
    assert.equal(closed.json().case.resolution, 'expired');
    assert.deepEqual(await wallet(owner.userId), { posted: ownerAfterApprove, available: ownerAfterApprove });
    assert.equal(await merchantPosted(), merchantBefore + BigInt(approveMinor));
    const rows = await paymentRows(cardId);
    assert.deepEqual(
      rows.map((r) => [r.amount_minor, r.status]),
      [
        [BigInt(approveMinor), 'succeeded'],
        [BigInt(rejectMinor), 'declined'],
        [BigInt(expireMinor), 'declined'],
      ],
    );
    const resolutions = await auditOf(cardId, 'family_card_review_resolved');
    assert.deepEqual(
      resolutions.map((r) => r.outcome),
      ['approved', 'rejected', 'expired'],
    );
  });
});

describe('auto-debits and the risk engine', () => {
  test('challenge and review stop a debit (agreement_debit_stopped): nothing moves, the user alerted once per key', async () => {
    const user = await newUser();
    await topUp(user.userId, 50_000n);
    const agreementId = await signedAgreement(user, { perDebit: 10_000, monthly: 50_000 });
    const merchantBefore = await merchantPosted();

    const stopped = await debit(agreementId, DEBIT_CHALLENGE_MINOR, 'debit-challenge-1');
    assert.equal(stopped.statusCode, 403, stopped.body);
    assert.equal(stopped.json().error.code, 'agreement_debit_stopped');
    assert.deepEqual(await wallet(user.userId), { posted: 50_000n, available: 50_000n });
    assert.equal(await merchantPosted(), merchantBefore);
    const debits = await t.store.db
      .selectFrom('agreement_debits')
      .select('id')
      .where('agreement_id', '=', agreementId)
      .execute();
    assert.equal(debits.length, 0);
    const [alert] = await sent(user.userId, 'agreement_debit_stopped');
    assert.ok(alert, 'the user is told in the app');
    assert.equal(alert.locale, 'zh-CN');
    assert.equal(alert.subject, `自动扣款已拦截：${DEMO_MERCHANT.name}`);
    assert.match(
      alert.body,
      new RegExp(`^${DEMO_MERCHANT.name} 于.* 发起的自动扣款 ¥33\\.33 因存在风险已被拦截`),
    );
    assert.match(alert.body, /请直接向商户付款/);
    assert.equal((await sent(user.userId, 'agreement_debit_stopped', 'sms')).length, 1, 'and by SMS');
    assert.equal((await sent(user.userId, 'agreement_debited')).length, 0);

    // The merchant retries the same debit: refused again, audited again, but no second alert.
    const retried = await debit(agreementId, DEBIT_CHALLENGE_MINOR, 'debit-challenge-1');
    assert.equal(retried.json().error.code, 'agreement_debit_stopped');
    assert.equal((await sent(user.userId, 'agreement_debit_stopped')).length, 1);
    const refusals = await auditOf(agreementId, 'agreement_debit_refused');
    assert.equal(refusals.length, 2);
    for (const refusal of refusals) {
      assert.equal(refusal.code, 'agreement_debit_stopped');
      assert.equal(refusal.riskDecision, 'challenge');
      assert.equal(await recordedDecision(refusal.riskEventId), 'challenge');
    }

    // Review: nobody waits for an operator on a merchant's debit either; a new debit, a new alert.
    const reviewed = await debit(agreementId, DEBIT_REVIEW_MINOR, 'debit-review-1');
    assert.equal(reviewed.statusCode, 403, reviewed.body);
    assert.equal(reviewed.json().error.code, 'agreement_debit_stopped');
    assert.equal((await auditOf(agreementId, 'agreement_debit_refused')).at(-1)?.riskDecision, 'review');
    assert.equal((await sent(user.userId, 'agreement_debit_stopped')).length, 2);
    const cases = await operator('GET', `/api/v1/operator/cases?userId=${user.userId}`);
    assert.deepEqual(cases.json().cases, [], 'nothing is held, so no hold case');

    // Deny: payment_declined, the same alert.
    const denied = await debit(agreementId, DEBIT_DENY_MINOR, 'debit-deny-1');
    assert.equal(denied.statusCode, 403, denied.body);
    assert.equal(denied.json().error.code, 'payment_declined');
    assert.equal((await sent(user.userId, 'agreement_debit_stopped')).length, 3);
    assert.deepEqual(await wallet(user.userId), { posted: 50_000n, available: 50_000n });
    assert.equal(await merchantPosted(), merchantBefore);

    // Allow: debited as before, exactly once, with the decision on record.
    const ok = await debit(agreementId, 1_000, 'debit-allow-1');
    assert.equal(ok.statusCode, 201, ok.body);
    assert.deepEqual(await wallet(user.userId), { posted: 49_000n, available: 49_000n });
    assert.equal(await merchantPosted(), merchantBefore + 1_000n);
    const [debited] = await auditOf(agreementId, 'agreement_debited');
    assert.equal(debited?.riskDecision, 'allow');
    assert.equal(await recordedDecision(debited?.riskEventId), 'allow');
    assert.equal((await sent(user.userId, 'agreement_debit_stopped')).length, 3);
  });

  test('the stopped-debit alert is in English for an English-speaking user', async () => {
    const user = await newUser();
    await t.store.db.updateTable('users').set({ locale: 'en' }).where('id', '=', user.userId).execute();
    await topUp(user.userId, 10_000n);
    const agreementId = await signedAgreement(user, { perDebit: 5_000, monthly: 10_000 });
    const stopped = await debit(agreementId, DEBIT_CHALLENGE_MINOR, 'debit-en-1');
    assert.equal(stopped.json().error.code, 'agreement_debit_stopped');
    const [alert] = await sent(user.userId, 'agreement_debit_stopped');
    assert.equal(alert?.locale, 'en');
    assert.equal(alert?.subject, `Auto-debit stopped: ${DEMO_MERCHANT.name}`);
    assert.match(
      alert?.body ?? '',
      /^An auto-debit of CNY 33\.33 by .* was stopped by our risk checks; nothing was taken\./,
    );
    assert.match(alert?.body ?? '', /pay the merchant directly/);
  });
});

describe('merchant view (operator API)', () => {
  test('the operator route answers the stable code with its message, never a 500', async () => {
    const user = await newUser();
    await topUp(user.userId, 10_000n);
    const agreementId = await signedAgreement(user, { perDebit: 5_000, monthly: 10_000 });
    const r = await merchantCall('POST', `/api/v1/merchants/${MERCHANT}/agreements/${agreementId}/debits`, {
      amount: cny(DEBIT_REVIEW_MINOR),
      idempotencyKey: 'debit-op-1',
    });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().error.code, 'agreement_debit_stopped');
    assert.match(r.json().error.message, /ask them to pay you directly/);
    assert.equal(r.json().error.details, undefined, 'no risk reasons for the merchant');
  });
});
