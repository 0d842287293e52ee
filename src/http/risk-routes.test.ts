// Proves issue 5's decisions end to end over HTTP (app.inject on a real store, PGlite or
// PostgreSQL): rules saved through the operator API decide payments at once (hot reload);
// challenge needs the payment password plus an SMS code bound to the payment; review holds the
// money as a pending ledger transfer until an operator approves (posted, payee paid) or rejects
// (voided, money back, labelled fraud), or the deadline voids it; deny refuses and alerts; the
// strongest signal freezes the account and opens an alert case; a user report opens a case and
// confirmed fraud blocks the payee; every operator action is in the append-only trail; a blocked
// IP's sign-in is denied; a passkey-only sign-in is scored too (a block-listed user is refused,
// no session); a non-operator is refused; the ledger verifies at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedDemo } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { createModules, type Modules } from '../main.ts';
import { DEFAULT_RULE_SET } from '../risk/index.ts';
import { ManualClock } from '../shared/index.ts';
import { createFakeRiskScorer, FAKE_FEATURE_NAMES } from '../testing/fake-risk-scorer.ts';
import { fundWallet } from '../testing/fund-wallet.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { TEST_OPERATOR_TOKEN, TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';

/** Monday 2 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
const REVIEW_DEADLINE_MS = 2 * 3600_000;
let store: TestStore;
let modules: Modules;
let app: FastifyInstance;

before(async () => {
  store = await openTestStore();
  const config = loadConfig(
    {},
    {
      logLevel: 'silent',
      webDistDir: '/nonexistent',
      operatorToken: TEST_OPERATOR_TOKEN,
      riskReviewDeadlineMs: REVIEW_DEADLINE_MS,
      riskRulesReloadCheckMs: 0,
      // These tests drive decisions through the (fake) model's score.
      riskModelMode: 'enforce',
    },
  );
  const scorer = createFakeRiskScorer();
  modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
    risk: { features: scorer.features, model: scorer.model, featureNames: [...FAKE_FEATURE_NAMES] },
  });
  await seedDemo({ db: store.db, ...modules });
  app = await buildApp({ config, clock, ping: store.ping, ...modules, demo: true });
  await app.ready();
});
after(async () => {
  await app?.close();
  await modules?.ledger.drain();
  await store?.close();
});

interface Client {
  phone: string;
  ip: string;
  userId: string;
  token: string;
  deviceKey: string | undefined;
}
const PASSWORD = 'risk-login-2026';
const PIN = '583917';
let counter = 0;

async function signIn(client: Client): Promise<{ statusCode: number; code?: string }> {
  const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  const inject = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, headers, remoteAddress: client.ip });
  let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: PASSWORD });
  if (response.statusCode !== 200)
    return { statusCode: response.statusCode, code: response.json().error.code };
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    clock.advance(61_000);
    assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await lastSentCode(store.db, client.phone),
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  client.token = response.json().token;
  client.userId = response.json().user.id;
  client.deviceKey = response.cookies.find((c) => c.name === 'rampart_device')?.value ?? client.deviceKey;
  return { statusCode: 200 };
}

async function newUser(name: string, balanceMinor: bigint): Promise<Client> {
  counter++;
  const phone = `+86135${String(30_000_000 + counter)}`;
  const user = await modules.identity.createUser({
    phoneE164: phone,
    displayName: name,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  await fundWallet(modules, user.id, balanceMinor);
  const client: Client = {
    phone,
    ip: `10.30.0.${counter}`,
    userId: user.id,
    token: '',
    deviceKey: undefined,
  };
  assert.equal((await signIn(client)).statusCode, 200);
  return client;
}

function call(client: Client, method: 'GET' | 'POST', url: string, payload?: object) {
  return app.inject({
    method,
    url,
    headers: {
      authorization: `Bearer ${client.token}`,
      ...(client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {}),
    },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

function operator(method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object, name = 'alice.ops') {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, 'x-operator-name': name },
    ...(payload ? { payload } : {}),
  });
}

const cny = (amountMinor: bigint | number) => ({ amountMinor: String(amountMinor), currency: 'CNY' });
let requestCounter = 0;

async function pay(payer: Client, payee: Client, amountMinor: number) {
  return call(payer, 'POST', '/api/v1/payments/intents', {
    payee: { phone: payee.phone },
    amount: cny(amountMinor),
    channel: 'balance',
    clientRequestId: `risk-${++requestCounter}`,
  });
}

async function wallet(client: Client): Promise<{ posted: bigint; available: bigint }> {
  const r = await call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  const account = r.json().accounts[0];
  return { posted: BigInt(account.posted.amountMinor), available: BigInt(account.available.amountMinor) };
}

async function outboxTemplates(userId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('notification_outbox')
    .select(['template', 'channel'])
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map((r) => `${r.template}/${r.channel}`);
}

async function caseOfIntent(intentId: string) {
  const r = await operator('GET', '/api/v1/operator/cases?kind=payment_hold&status=open');
  assert.equal(r.statusCode, 200, r.body);
  const found = r.json().cases.find((c: { intentId: string }) => c.intentId === intentId);
  assert.ok(found, `a hold case for ${intentId}`);
  return found as { id: string; deadlineAt: string; userId: string };
}

const TEST_RULES = {
  rules: [
    ...DEFAULT_RULE_SET.rules,
    {
      id: 't_challenge',
      when: { field: 'amountMinor', op: '==', value: 66_600 },
      outcome: 'challenge',
      reason: 't_challenge',
    },
    {
      id: 't_review',
      when: { field: 'amountMinor', op: '==', value: 77_700 },
      outcome: 'review',
      reason: 't_review',
    },
    {
      id: 't_deny',
      when: { field: 'amountMinor', op: '==', value: 55_500 },
      outcome: 'deny',
      reason: 't_deny',
    },
    {
      id: 't_freeze',
      when: { field: 'amountMinor', op: '==', value: 44_400 },
      outcome: 'freeze',
      reason: 't_freeze',
    },
  ],
};

describe('risk decisions over HTTP', () => {
  let payer: Client;
  let payee: Client;

  before(async () => {
    payer = await newUser('付款人', 10_000_000n);
    payee = await newUser('收款人', 0n);
  });

  test('operators only: no token, a user token or a wrong token is refused', async () => {
    assert.equal((await app.inject({ method: 'GET', url: '/api/v1/operator/cases' })).statusCode, 401);
    const asUser = await call(payer, 'GET', '/api/v1/operator/cases');
    assert.equal(asUser.statusCode, 401);
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/operator/risk/rules',
      headers: { authorization: `Bearer ${'x'.repeat(48)}` },
      payload: { body: TEST_RULES },
    });
    assert.equal(wrong.statusCode, 401);
    assert.equal((await call(payer, 'GET', '/api/v1/operator/risk/lists')).statusCode, 401);
  });

  test('a broken rule set is refused with the rule index and reason; a good one is in force at once', async () => {
    const before = (await operator('GET', '/api/v1/operator/risk/rules')).json();
    const broken = await operator('POST', '/api/v1/operator/risk/rules', {
      body: {
        rules: [
          ...TEST_RULES.rules,
          { id: 'oops', when: { field: 'amount', op: '>', value: 1 }, outcome: 'deny', reason: 'x' },
        ],
      },
    });
    assert.equal(broken.statusCode, 422, broken.body);
    assert.equal(broken.json().error.code, 'rule_set_invalid');
    assert.deepEqual(broken.json().error.details.errors[0], {
      ruleIndex: TEST_RULES.rules.length,
      path: `rules[${TEST_RULES.rules.length}].when.field`,
      reason: 'unknown field "amount"',
    });
    assert.equal(
      (await operator('GET', '/api/v1/operator/risk/rules')).json().active.version,
      before.active.version,
    );
    assert.equal(
      (await pay(payer, payee, 77_700)).json().confirmation,
      'payment_password',
      'not in force yet',
    );

    const saved = await operator('POST', '/api/v1/operator/risk/rules', {
      body: TEST_RULES,
      note: 'http test rules',
    });
    assert.equal(saved.statusCode, 201, saved.body);
    assert.equal(saved.json().createdBy, 'operator:alice.ops');
    const now = (await operator('GET', '/api/v1/operator/risk/rules')).json();
    assert.equal(now.active.version, saved.json().version);
    assert.deepEqual(now.vocabulary.features, [...FAKE_FEATURE_NAMES].sort());
  });

  test('the vocabulary describes {expr}: syntax, names, limits and semantics, and the validator agrees', async () => {
    const rules = await operator('GET', '/api/v1/operator/risk/rules');
    assert.equal(rules.statusCode, 200, rules.body);
    const { expression } = rules.json().vocabulary;
    assert.deepEqual(expression, {
      charsMax: 500,
      depthMax: 16,
      comparisonOperators: ['>', '>=', '<', '<=', '==', '!='],
      arithmeticOperators: [
        { operator: '+', arity: 'binary', precedence: 1, associativity: 'left' },
        { operator: '-', arity: 'binary', precedence: 1, associativity: 'left' },
        { operator: '*', arity: 'binary', precedence: 2, associativity: 'left' },
        { operator: '/', arity: 'binary', precedence: 2, associativity: 'left' },
        { operator: '-', arity: 'unary', precedence: 3, associativity: 'right' },
      ],
      grouping: ['(', ')'],
      numberPattern: '[0-9]+(?:_[0-9]+)*(?:\\.[0-9]+(?:_[0-9]+)*)?',
      names: {
        fields: ['amountMinor', 'balanceMinor', 'balanceShare', 'hourUtc', 'score'],
        features: [...FAKE_FEATURE_NAMES].sort(),
      },
      falseWhen: ['missing_value', 'division_by_zero', 'overflow'],
    });

    const validate = async (expr: string): Promise<{ ok: boolean; errors: { reason: string }[] }> => {
      const r = await operator('POST', '/api/v1/operator/risk/rules/validate', {
        body: { rules: [{ id: 'e', when: { expr }, outcome: 'review', reason: 'e' }] },
      });
      assert.equal(r.statusCode, 200, r.body);
      return r.json();
    };
    // Every name listed is accepted; the event's text and true/false fields are not listed, nor accepted.
    for (const name of [...expression.names.fields, ...expression.names.features])
      assert.equal((await validate(`${name} >= 0`)).ok, true, name);
    for (const name of ['kind', 'currency', 'firstTimePayee']) {
      assert.ok(!expression.names.fields.includes(name));
      assert.equal((await validate(`${name} >= 0`)).ok, false, name);
    }
    // The limits served are the ones enforced.
    const ofLength = (chars: number) => `1 == 1${' '.repeat(chars - 6)}`;
    assert.equal((await validate(ofLength(expression.charsMax))).ok, true);
    assert.match(
      (await validate(ofLength(expression.charsMax + 1))).errors[0]?.reason ?? '',
      new RegExp(`at most ${expression.charsMax}$`),
    );
    // k unary minuses in front of a term: k + 1 deep, and the comparison one more.
    const ofDepth = (depth: number) => `${'-'.repeat(depth - 2)}1 == 1`;
    assert.equal((await validate(ofDepth(expression.depthMax))).ok, true);
    assert.match(
      (await validate(ofDepth(expression.depthMax + 1))).errors[0]?.reason ?? '',
      new RegExp(`nested deeper than ${expression.depthMax}$`),
    );
    // Every operator listed parses; the number pattern is the parser's.
    const ops = expression.arithmeticOperators.map((o: { operator: string; arity: string }) =>
      o.arity === 'unary' ? `${o.operator}1` : `1 ${o.operator} 1`,
    );
    for (const op of expression.comparisonOperators)
      assert.equal((await validate(`${ops.join(' + ')} ${op} (1)`)).ok, true, op);
    const number = new RegExp(`^(?:${expression.numberPattern})$`);
    for (const literal of ['80', '0.8', '100_000', '1e5', '.5', '1_', '1.'])
      assert.equal((await validate(`${literal} > 0`)).ok, number.test(literal), literal);
  });

  test('an allowed payment is recorded with the rule-set and model versions', async () => {
    const created = await pay(payer, payee, 1_000);
    assert.equal(created.statusCode, 201, created.body);
    const row = await store.db
      .selectFrom('payment_intents as p')
      .innerJoin('risk_decisions as d', 'd.event_id', 'p.risk_event_id')
      .select(['d.decision', 'd.model_version', 'd.rule_set_version', 'd.kind', 'd.feature_values'])
      .where('p.id', '=', created.json().id)
      .executeTakeFirstOrThrow();
    assert.equal(row.decision, 'allow');
    assert.equal(row.kind, 'transfer');
    assert.equal(row.model_version, 'fake-1');
    assert.equal(row.feature_values.fake_amount_yuan, 10);
    assert.ok(row.rule_set_version !== null);
  });

  test('challenge: the payment password alone is not enough; password plus the SMS code pays; the payer was alerted', async () => {
    const created = await pay(payer, payee, 66_600);
    assert.equal(created.statusCode, 201, created.body);
    const intent = created.json();
    assert.equal(intent.confirmation, 'payment_password_and_second_factor');
    assert.ok((await outboxTemplates(payer.userId)).includes('risk_challenge/in_app'));
    assert.ok((await outboxTemplates(payer.userId)).includes('risk_challenge/sms'));
    const url = `/api/v1/payments/intents/${intent.id}/confirm`;
    const passwordOnly = await call(payer, 'POST', url, { paymentPassword: PIN, warningAcknowledged: true });
    assert.equal(passwordOnly.statusCode, 403);
    assert.equal(passwordOnly.json().error.code, 'confirmation_required');
    assert.equal(passwordOnly.json().error.details.confirmation, 'payment_password_and_second_factor');
    clock.advance(61_000);
    const sent = await call(payer, 'POST', `/api/v1/payments/intents/${intent.id}/sms-code`);
    assert.equal(sent.statusCode, 200, sent.body);
    const code = await lastSentCode(store.db, payer.phone);
    const wrongCode = await call(payer, 'POST', url, {
      paymentPassword: PIN,
      warningAcknowledged: true,
      smsCode: code === '000000' ? '111111' : '000000',
    });
    assert.equal(wrongCode.statusCode, 400);
    assert.equal(wrongCode.json().error.code, 'invalid_code');
    const before = await wallet(payee);
    const paid = await call(payer, 'POST', url, {
      paymentPassword: PIN,
      smsCode: code,
      warningAcknowledged: true,
    });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'succeeded');
    assert.equal((await wallet(payee)).posted - before.posted, 66_600n);
    const row = await store.db
      .selectFrom('payment_intents')
      .select('confirmed_by')
      .where('id', '=', intent.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.confirmed_by, 'payment_password_and_sms');
    // A code for one payment does not confirm another.
    const other = (await pay(payer, payee, 66_600)).json();
    const reused = await call(payer, 'POST', `/api/v1/payments/intents/${other.id}/confirm`, {
      paymentPassword: PIN,
      warningAcknowledged: true,
      smsCode: code,
    });
    assert.equal(reused.statusCode, 400);
  });

  test('review: confirmed money is held; the operator approves and the hold is posted to the payee', async () => {
    const payerBefore = await wallet(payer);
    const payeeBefore = await wallet(payee);
    const intent = (await pay(payer, payee, 77_700)).json();
    assert.equal(intent.confirmation, 'payment_password');
    const held = await call(payer, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: PIN,
      warningAcknowledged: true,
    });
    assert.equal(held.statusCode, 200, held.body);
    assert.equal(held.json().status, 'in_review');
    assert.equal(held.json().transferId, null);
    assert.equal((await wallet(payer)).available, payerBefore.available - 77_700n, 'held: not spendable');
    assert.equal((await wallet(payer)).posted, payerBefore.posted, 'held: not yet moved');
    assert.equal((await wallet(payee)).posted, payeeBefore.posted);
    assert.ok((await outboxTemplates(payer.userId)).includes('payment_held/sms'));
    // Confirming again answers the same receipt: no second hold.
    const again = await call(payer, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: PIN,
      warningAcknowledged: true,
    });
    assert.equal(again.json().status, 'in_review');

    const hold = await caseOfIntent(intent.id);
    assert.equal(hold.userId, payer.userId);
    assert.equal(Date.parse(hold.deadlineAt), clock.nowMs() + REVIEW_DEADLINE_MS);
    const detail = (await operator('GET', `/api/v1/operator/cases/${hold.id}`)).json();
    assert.deepEqual(detail.decision.reasons, ['t_review']);
    assert.equal(detail.payment.status, 'in_review');
    assert.deepEqual(detail.payment.amount, cny(77_700));

    const approved = await operator('POST', `/api/v1/operator/cases/${hold.id}/approve`, {
      note: 'called the payer',
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().transferId, `pay:${intent.id}`);
    assert.equal((await wallet(payee)).posted, payeeBefore.posted + 77_700n);
    assert.equal((await wallet(payer)).posted, payerBefore.posted - 77_700n);
    const paid = (await call(payer, 'GET', `/api/v1/payments/intents/${intent.id}`)).json();
    assert.equal(paid.status, 'succeeded');
    assert.equal(paid.transferId, `pay:${intent.id}`);
    assert.ok((await outboxTemplates(payer.userId)).includes('payment_hold_resolved/in_app'));
    const twice = await operator('POST', `/api/v1/operator/cases/${hold.id}/approve`);
    assert.equal(twice.statusCode, 409, twice.body);
    const after = (await operator('GET', `/api/v1/operator/cases/${hold.id}`)).json();
    assert.equal(after.case.status, 'closed');
    assert.equal(after.case.resolution, 'approved');
    assert.deepEqual(
      after.actions.map((a: { action: string; actor: string }) => `${a.action}:${a.actor}`),
      ['opened:risk_engine', 'approved:operator:alice.ops'],
    );
    const label = await store.db
      .selectFrom('risk_decisions')
      .select('label_fraud')
      .where('event_id', '=', detail.case.eventId)
      .executeTakeFirstOrThrow();
    assert.equal(label.label_fraud, false);
  });

  test('review: the operator rejects and the hold is voided (money back, labelled fraud)', async () => {
    const payerBefore = await wallet(payer);
    const intent = (await pay(payer, payee, 77_700)).json();
    await call(payer, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: PIN,
      warningAcknowledged: true,
    });
    const hold = await caseOfIntent(intent.id);
    const rejected = await operator('POST', `/api/v1/operator/cases/${hold.id}/reject`, {
      note: 'scam pattern',
    });
    assert.equal(rejected.statusCode, 200, rejected.body);
    assert.equal(rejected.json().outcome, 'rejected');
    assert.deepEqual(await wallet(payer), payerBefore);
    assert.equal(
      (await call(payer, 'GET', `/api/v1/payments/intents/${intent.id}`)).json().status,
      'declined',
    );
    const row = await store.db
      .selectFrom('payment_intents as p')
      .innerJoin('risk_decisions as d', 'd.event_id', 'p.risk_event_id')
      .select('d.label_fraud')
      .where('p.id', '=', intent.id)
      .executeTakeFirstOrThrow();
    assert.equal(row.label_fraud, true);
  });

  test('review: a hold nobody decided is voided at its deadline, and its case closed as expired', async () => {
    const payerBefore = await wallet(payer);
    const intent = (await pay(payer, payee, 77_700)).json();
    await call(payer, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: PIN,
      warningAcknowledged: true,
    });
    const hold = await caseOfIntent(intent.id);
    clock.advance(REVIEW_DEADLINE_MS - 1_000);
    assert.equal(await modules.cases.expireOverdue(), 0, 'not before the deadline');
    clock.advance(1_000);
    assert.equal(await modules.cases.expireOverdue(), 1);
    // Two hours passed: the sessions went idle; sign in again (known devices, no challenge).
    await signIn(payer);
    await signIn(payee);
    assert.deepEqual(await wallet(payer), payerBefore);
    assert.equal(
      (await call(payer, 'GET', `/api/v1/payments/intents/${intent.id}`)).json().status,
      'declined',
    );
    const closed = (await operator('GET', `/api/v1/operator/cases/${hold.id}`)).json();
    assert.equal(closed.case.resolution, 'expired');
    const late = await operator('POST', `/api/v1/operator/cases/${hold.id}/approve`);
    assert.equal(late.statusCode, 409);
  });

  test('deny: refused with payment_declined, no money moves, the payer is alerted on every channel', async () => {
    const before = await wallet(payer);
    const denied = await pay(payer, payee, 55_500);
    assert.equal(denied.statusCode, 403);
    assert.equal(denied.json().error.code, 'payment_declined');
    assert.doesNotMatch(denied.body, /t_deny/);
    assert.deepEqual(await wallet(payer), before);
    const templates = await outboxTemplates(payer.userId);
    assert.ok(templates.includes('risk_declined/sms') && templates.includes('risk_declined/in_app'));
  });

  test('the strongest signal denies and freezes the account, with an alert case', async () => {
    const victim = await newUser('被盗', 1_000_000n);
    const frozen = await pay(victim, payee, 44_400);
    assert.equal(frozen.statusCode, 403);
    const user = await store.db
      .selectFrom('users')
      .select(['frozen_at', 'frozen_reason'])
      .where('id', '=', victim.userId)
      .executeTakeFirstOrThrow();
    assert.ok(user.frozen_at);
    assert.equal(user.frozen_reason, 'risk');
    assert.ok((await outboxTemplates(victim.userId)).includes('account_frozen/sms'));
    // Its sessions ended: the next call is unauthenticated.
    assert.equal((await call(victim, 'GET', '/api/v1/wallet')).statusCode, 401);
    const alerts = (await operator('GET', `/api/v1/operator/cases?kind=alert&userId=${victim.userId}`)).json()
      .cases;
    assert.equal(alerts.length, 1);
    // The operator unfreezes after verifying the owner; every action is in the trail.
    const caseId = alerts[0].id;
    assert.equal(
      (await operator('POST', `/api/v1/operator/cases/${caseId}/assign`, { assignee: 'bob.ops' })).statusCode,
      200,
    );
    assert.equal(
      (
        await operator(
          'POST',
          `/api/v1/operator/cases/${caseId}/note`,
          { note: 'owner called from known number' },
          'bob.ops',
        )
      ).statusCode,
      200,
    );
    const unfrozen = await operator(
      'POST',
      `/api/v1/operator/cases/${caseId}/unfreeze`,
      { note: 'verified' },
      'bob.ops',
    );
    assert.equal(unfrozen.statusCode, 200, unfrozen.body);
    assert.equal(unfrozen.json().wasFrozen, true);
    const after = await store.db
      .selectFrom('users')
      .select('frozen_at')
      .where('id', '=', victim.userId)
      .executeTakeFirstOrThrow();
    assert.equal(after.frozen_at, null);
    const cleared = await operator('POST', `/api/v1/operator/cases/${caseId}/clear`, {}, 'bob.ops');
    assert.equal(cleared.statusCode, 200);
    const trail = (await operator('GET', `/api/v1/operator/cases/${caseId}`)).json();
    assert.deepEqual(
      trail.actions.map((a: { action: string; actor: string }) => `${a.action}:${a.actor}`),
      [
        'opened:risk_engine',
        'assigned:operator:alice.ops',
        'noted:operator:bob.ops',
        'unfrozen:operator:bob.ops',
        'cleared:operator:bob.ops',
      ],
    );
    assert.equal(trail.case.assignee, 'bob.ops');
    // Append-only: the database refuses to rewrite the trail.
    await assert.rejects(sql`UPDATE risk_case_actions SET actor = 'someone else'`.execute(store.db));
    await assert.rejects(sql`DELETE FROM risk_case_actions`.execute(store.db));
  });

  test('a user report opens a case; confirmed fraud blocks the payee and the next payment to it is denied', async () => {
    const victim = await newUser('受害人', 1_000_000n);
    const mule = await newUser('骡子', 0n);
    const intent = (await pay(victim, mule, 2_000)).json();
    const paid = await call(victim, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: PIN,
      warningAcknowledged: true,
    });
    assert.equal(paid.statusCode, 200, paid.body);
    const transferId = paid.json().transferId;

    // Someone else's payment cannot be reported (nor learnt about).
    const stranger = await call(payee, 'POST', '/api/reports', { transferId, reason: 'scam' });
    assert.equal(stranger.statusCode, 404);
    assert.equal((await call(victim, 'POST', '/api/reports', { reason: 'scam' })).statusCode, 400);

    const report = await call(victim, 'POST', '/api/reports', {
      transferId,
      reason: 'fake_customer_service',
      note: '自称客服让我转账',
    });
    assert.equal(report.statusCode, 201, report.body);
    const caseId = report.json().caseId;
    const detail = (await operator('GET', `/api/v1/operator/cases/${caseId}`)).json();
    assert.equal(detail.case.kind, 'user_report');
    assert.equal(detail.case.reporterId, victim.userId);
    assert.equal(detail.case.payeeKey, `user:${mule.userId}`);
    assert.equal(detail.case.note, '自称客服让我转账');
    const byPhone = await call(victim, 'POST', '/api/reports', { payeePhone: mule.phone, reason: 'mule' });
    assert.equal(byPhone.statusCode, 201);
    const unknownPhone = await call(victim, 'POST', '/api/reports', {
      payeePhone: '+8613900000001',
      reason: 'mule',
    });
    assert.equal(
      unknownPhone.statusCode,
      201,
      'the same answer for an unregistered number: no account oracle',
    );

    const confirmed = await operator('POST', `/api/v1/operator/cases/${caseId}/confirm-fraud`, {
      blockPayee: true,
      note: 'mule',
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    const lists = (await operator('GET', '/api/v1/operator/risk/lists')).json().entries;
    assert.ok(
      lists.some(
        (e: { list: string; value: string }) => e.list === 'block' && e.value === `user:${mule.userId}`,
      ),
    );
    const next = await pay(victim, mule, 1_000);
    assert.equal(next.statusCode, 403);
    assert.equal(next.json().error.code, 'payment_declined');
    const label = await store.db
      .selectFrom('risk_decisions')
      .select('label_fraud')
      .where('event_id', '=', detail.case.eventId)
      .executeTakeFirstOrThrow();
    assert.equal(label.label_fraud, true);
  });

  test('a sign-in from a block-listed IP is denied and the owner alerted', async () => {
    const owner = await newUser('登录', 0n);
    const added = await operator('POST', '/api/v1/operator/risk/lists', {
      list: 'block',
      subject: 'ip',
      value: '10.99.0.1',
      reason: 'botnet',
    });
    assert.equal(added.statusCode, 201, added.body);
    const attempt = await signIn({ ...owner, ip: '10.99.0.1' });
    assert.equal(attempt.statusCode, 403);
    assert.equal(attempt.code, 'sign_in_denied');
    assert.ok((await outboxTemplates(owner.userId)).includes('risk_declined/sms'));
    assert.equal(
      (await operator('DELETE', `/api/v1/operator/risk/lists/${added.json().id}`)).statusCode,
      204,
    );
    assert.equal((await signIn({ ...owner, ip: '10.99.0.1' })).statusCode, 200);
  });

  test('a passkey-only sign-in is scored and recorded; a block-listed user is refused with no session; review needs nothing more', async () => {
    const owner = await newUser('通行密钥', 0n);
    const authenticator = new SoftAuthenticator({ origin: TEST_PUBLIC_URL });
    const creation = await call(owner, 'POST', '/api/v1/me/passkeys/options');
    assert.equal(creation.statusCode, 200, creation.body);
    const added = await call(owner, 'POST', '/api/v1/me/passkeys', {
      ceremonyId: creation.json().ceremonyId,
      name: 'Phone',
      response: authenticator.createCredential(creation.json().options),
    });
    assert.equal(added.statusCode, 201, added.body);
    const withPasskey = async () => {
      const options = await app.inject({ method: 'POST', url: '/api/v1/auth/passkey/options', payload: {} });
      assert.equal(options.statusCode, 200, options.body);
      return app.inject({
        method: 'POST',
        url: '/api/v1/auth/passkey/verify',
        headers: owner.deviceKey ? { 'x-rampart-device': owner.deviceKey } : {},
        remoteAddress: owner.ip,
        payload: {
          ceremonyId: options.json().ceremonyId,
          response: authenticator.getAssertion(options.json().options),
        },
      });
    };
    const signInDecisions = () =>
      store.db
        .selectFrom('risk_decisions')
        .select(['decision', 'event', 'reasons'])
        .where('user_id', '=', owner.userId)
        .where('kind', '=', 'sign_in')
        .orderBy('created_at')
        .execute();
    const sessionCount = async () =>
      Number(
        (
          await store.db
            .selectFrom('sessions')
            .select((eb) => eb.fn.countAll().as('n'))
            .where('user_id', '=', owner.userId)
            .executeTakeFirstOrThrow()
        ).n,
      );

    const before = (await signInDecisions()).length;
    const allowed = await withPasskey();
    assert.equal(allowed.statusCode, 200, allowed.body);
    const recorded = await signInDecisions();
    assert.equal(recorded.length, before + 1, 'the passkey sign-in is one sign_in risk event');
    assert.equal(recorded.at(-1)?.decision, 'allow');
    const event = recorded.at(-1)?.event as {
      ip: string;
      deviceKey?: string;
      detail: Record<string, string>;
    };
    assert.equal(event.ip, owner.ip);
    assert.equal(event.deviceKey, owner.deviceKey);
    assert.equal(event.detail.knownDevice, 'true');

    const blocked = await operator('POST', '/api/v1/operator/risk/lists', {
      list: 'block',
      subject: 'user',
      value: owner.userId,
      reason: 'account takeover',
    });
    assert.equal(blocked.statusCode, 201, blocked.body);
    const sessionsBefore = await sessionCount();
    const refused = await withPasskey();
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'sign_in_denied');
    assert.equal(await sessionCount(), sessionsBefore, 'no session opened');
    const denied = (await signInDecisions()).at(-1);
    assert.equal(denied?.decision, 'deny');
    assert.ok(denied?.reasons.includes('blocklisted_user'), String(denied?.reasons));
    assert.ok((await outboxTemplates(owner.userId)).includes('risk_declined/sms'));
    assert.equal(
      (await operator('DELETE', `/api/v1/operator/risk/lists/${blocked.json().id}`)).statusCode,
      204,
    );

    // Review (like challenge) asks for nothing more than the passkey: the session opens, the owner
    // gets new_sign_in (with its "this wasn't me" link), not risk_challenge, and a case opens.
    const reviewing = await operator('POST', '/api/v1/operator/risk/rules', {
      body: {
        rules: [
          ...TEST_RULES.rules,
          {
            id: 't_sign_in_review',
            when: { field: 'kind', op: '==', value: 'sign_in' },
            outcome: 'review',
            reason: 't_sign_in_review',
          },
        ],
      },
      note: 'review every sign-in',
    });
    assert.equal(reviewing.statusCode, 201, reviewing.body);
    const templatesBefore = (await outboxTemplates(owner.userId)).length;
    const reviewed = await withPasskey();
    assert.equal(reviewed.statusCode, 200, reviewed.body);
    assert.equal(reviewed.json().status, 'signed_in');
    assert.equal((await signInDecisions()).at(-1)?.decision, 'review');
    const sent = (await outboxTemplates(owner.userId)).slice(templatesBefore);
    assert.ok(sent.includes('new_sign_in/sms'), sent.join());
    assert.ok(!sent.some((t) => t.startsWith('risk_challenge/')), sent.join());
    const alertCase = await store.db
      .selectFrom('risk_cases')
      .select('id')
      .where('user_id', '=', owner.userId)
      .where('kind', '=', 'alert')
      .executeTakeFirst();
    assert.ok(alertCase, 'an alert case for the reviewed sign-in');
    const restored = await operator('POST', '/api/v1/operator/risk/rules', {
      body: TEST_RULES,
      note: 'back to the test rules',
    });
    assert.equal(restored.statusCode, 201, restored.body);
  });

  test('a backtest shows what a candidate rule set would have changed', async () => {
    const r = await operator('POST', '/api/v1/operator/risk/backtest', {
      body: {
        rules: [
          {
            id: 'all_transfers',
            kinds: ['transfer'],
            when: { field: 'amountMinor', op: '>', value: 0 },
            outcome: 'review',
            reason: 'everything',
          },
        ],
      },
      from: new Date(clock.nowMs() - 24 * 3600_000).toISOString(),
      to: new Date(clock.nowMs() + 1).toISOString(),
    });
    assert.equal(r.statusCode, 200, r.body);
    const report = r.json();
    assert.ok(report.events > 5);
    assert.ok(report.transitions['allow→review'] >= 1);
    assert.ok(report.transitions['challenge→review'] >= 1);
    assert.ok(report.fraudsStoppedAfter >= report.fraudsStoppedBefore);
  });

  test('the ledger verifies after holds posted, voided and expired', async () => {
    const report = await verifyLedger(store.db, { nowMs: clock.nowMs() });
    assert.equal(report.ok, true, JSON.stringify(report));
  });
});
