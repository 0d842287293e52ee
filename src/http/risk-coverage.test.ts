// Proves issue 5 point 1 beyond payments and sign-ins, over HTTP on a real store (PGlite or
// PostgreSQL): security changes (passwords, phone, factors, limits, password-free, the lock),
// withdrawals and new payees are scored by the engine before they take effect and recorded with
// decision, features, rule hits and model version (the payment model is skipped: null). Each
// decision's effect: allow goes on; challenge needs a second-factor step-up (the payment password
// is not enough); deny refuses with a stable code and changes nothing; review refuses a security
// change ("contact customer service") with a case, and holds a withdrawal (not sent to the bank)
// until an operator approves or rejects it or its deadline passes. The default rules for these
// events fire on an old account's fresh device and on a drain right after a password change.
// The risk console's API takes issue 7's operator accounts: each role gets what its permissions
// say (403 operator_role otherwise, nothing changed), and every change is in the audit log.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { Secret, TOTP } from 'otpauth';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { luhnCheckDigit, SIMULATOR_SETTLE_DELAY_MS } from '../funding/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { createModules, type Modules } from '../main.ts';
import { DEMO_OPERATOR_PASSWORD, DEMO_OPERATORS } from '../recovery/index.ts';
import { DEFAULT_RULE_SET } from '../risk/index.ts';
import { ManualClock } from '../shared/index.ts';
import { createFakeRiskScorer, FAKE_FEATURE_NAMES } from '../testing/fake-risk-scorer.ts';
import { fundWallet } from '../testing/fund-wallet.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { TEST_OPERATOR_TOKEN, TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';

const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
const REVIEW_DEADLINE_MS = 2 * 3600_000;
const DAY_MS = 24 * 3600_000;
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
    },
  );
  const scorer = createFakeRiskScorer();
  modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
    risk: { features: scorer.features, model: scorer.model, featureNames: [...FAKE_FEATURE_NAMES] },
  });
  app = await buildApp({ config, clock, ping: store.ping, ...modules, demo: false });
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
const PASSWORD = 'coverage-login-2026';
const PIN = '583917';
let counter = 0;

async function signIn(client: Client): Promise<void> {
  const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  const inject = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, headers, remoteAddress: client.ip });
  let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: PASSWORD });
  assert.equal(response.statusCode, 200, response.body);
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
}

async function newUser(name: string, balanceMinor: bigint): Promise<Client> {
  counter++;
  const phone = `+86136${String(40_000_000 + counter)}`;
  const user = await modules.identity.createUser({
    phoneE164: phone,
    displayName: name,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  await fundWallet(modules, user.id, balanceMinor);
  const client: Client = {
    phone,
    ip: `10.40.0.${counter}`,
    userId: user.id,
    token: '',
    deviceKey: undefined,
  };
  await signIn(client);
  return client;
}

/** The same account on a device it never used, as a thief who knows the password would be. */
async function onNewDevice(client: Client): Promise<Client> {
  const other: Client = { ...client, token: '', deviceKey: undefined, ip: `10.41.0.${++counter}` };
  await signIn(other);
  return other;
}

function call(client: Client, method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: object) {
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

function operator(method: 'GET' | 'POST', url: string, payload?: object) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}`, 'x-operator-name': 'carol.risk' },
    ...(payload ? { payload } : {}),
  });
}

async function stepUpWithPin(client: Client): Promise<void> {
  const r = await call(client, 'POST', '/api/v1/me/step-up', {
    method: 'payment_password',
    paymentPassword: PIN,
  });
  assert.equal(r.statusCode, 200, r.body);
}

async function stepUpWithSms(client: Client): Promise<void> {
  clock.advance(61_000);
  assert.equal((await call(client, 'POST', '/api/v1/me/step-up/send-code')).statusCode, 200);
  const code = await lastSentCode(store.db, client.phone);
  const r = await call(client, 'POST', '/api/v1/me/step-up', { method: 'sms', code });
  assert.equal(r.statusCode, 200, r.body);
}

async function decisionsOf(userId: string, kind: string) {
  return store.db
    .selectFrom('risk_decisions')
    .select([
      'event_id',
      'decision',
      'model_version',
      'score',
      'event',
      'rule_hits',
      'feature_values',
      'reasons',
    ])
    .where('user_id', '=', userId)
    .where('kind', '=', kind)
    .orderBy('created_at')
    .execute();
}

async function templatesOf(userId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('notification_outbox')
    .select('template')
    .where('user_id', '=', userId)
    .where('channel', '=', 'in_app')
    .orderBy('id')
    .execute();
  return rows.map((r) => r.template);
}

const cny = (amountMinor: bigint | number) => ({ amountMinor: String(amountMinor), currency: 'CNY' });

/** A Luhn-valid 16-digit UnionPay number ending in `last4`. */
function cardEnding(last4: string, variant: number): string {
  for (let d = 0; d < 10; d++) {
    const number = `622202${String(variant).padStart(5, '0')}${d}${last4}`;
    if (luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable: one digit reaches every check residue');
}

async function linkCard(client: Client): Promise<string> {
  const r = await call(client, 'POST', '/api/v1/me/cards', { cardNumber: cardEnding('4321', counter) });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id;
}

let requestCounter = 0;
function withdraw(client: Client, cardId: string, amountMinor: number) {
  return call(client, 'POST', '/api/v1/funding/withdrawals', {
    cardId,
    amount: cny(amountMinor),
    paymentPassword: PIN,
    clientRequestId: `cov-${++requestCounter}`,
  });
}

async function available(client: Client): Promise<bigint> {
  const r = await call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  return BigInt(r.json().accounts[0].available.amountMinor);
}

async function settleAll(): Promise<void> {
  clock.advance(SIMULATOR_SETTLE_DELAY_MS);
  while ((await modules.funding.settleDue()) > 0) {}
}

/** Rules for these tests: the defaults plus one per decision, keyed on an event detail or an
 *  amount nothing else uses. */
const TEST_RULES = {
  rules: [
    ...DEFAULT_RULE_SET.rules,
    {
      id: 't_deny_limits',
      kinds: ['security_change'],
      when: { field: 'detail.change', op: '==', value: 'limits_raised' },
      outcome: 'deny',
      reason: 't_deny_limits',
    },
    {
      id: 't_review_password_free',
      kinds: ['security_change'],
      when: { field: 'detail.change', op: '==', value: 'password_free_on' },
      outcome: 'review',
      reason: 't_review_password_free',
    },
    {
      id: 't_freeze_lock_off',
      kinds: ['security_change'],
      when: { field: 'detail.change', op: '==', value: 'security_lock_off' },
      outcome: 'freeze',
      reason: 't_freeze_lock_off',
    },
    {
      id: 't_withdrawal_challenge',
      kinds: ['withdrawal'],
      when: { field: 'amountMinor', op: '==', value: 11_100 },
      outcome: 'challenge',
      reason: 't_withdrawal_challenge',
    },
    {
      id: 't_withdrawal_review',
      kinds: ['withdrawal'],
      when: { field: 'amountMinor', op: 'in', value: [22_200, 22_300, 22_400] },
      outcome: 'review',
      reason: 't_withdrawal_review',
    },
    {
      id: 't_withdrawal_deny',
      kinds: ['withdrawal'],
      when: { field: 'amountMinor', op: '==', value: 33_300 },
      outcome: 'deny',
      reason: 't_withdrawal_deny',
    },
    {
      id: 't_new_payee_deny',
      kinds: ['new_payee'],
      when: { field: 'amountMinor', op: '==', value: 44_400 },
      outcome: 'deny',
      reason: 't_new_payee_deny',
    },
  ],
};

describe('risk coverage: security changes, withdrawals, new payees', () => {
  before(async () => {
    const saved = await operator('POST', '/api/v1/operator/risk/rules', {
      body: TEST_RULES,
      note: 'coverage',
    });
    assert.equal(saved.statusCode, 201, saved.body);
  });

  test('allow: a new account changes its password; the decision is recorded, the payment model skipped', async () => {
    const user = await newUser('新用户', 0n);
    await stepUpWithPin(user);
    const r = await call(user, 'POST', '/api/v1/me/password', { newPassword: 'another long passphrase 1' });
    assert.equal(r.statusCode, 200, r.body);
    const [row] = await decisionsOf(user.userId, 'security_change');
    assert.ok(row);
    assert.equal(row.decision, 'allow');
    assert.equal(row.model_version, null, 'the payment model does not score security changes');
    assert.equal(row.score, null);
    assert.equal((row.event as { detail: Record<string, string> }).detail.change, 'password');
    assert.equal((row.event as { detail: Record<string, string> }).detail.newDevice, 'false');
    assert.ok(Object.keys(row.feature_values).length > 0, 'feature values recorded');
  });

  test('challenge: an old account on a fresh device needs a second factor; the payment password is not enough', async () => {
    const owner = await newUser('老用户', 0n);
    clock.advance(3 * DAY_MS);
    const thief = await onNewDevice(owner);
    await stepUpWithPin(thief);
    const refused = await call(thief, 'POST', '/api/v1/me/payment-password', {
      newPaymentPassword: '730194',
    });
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'risk_second_factor_required');
    assert.ok(refused.json().error.message.length > 0);
    // Nothing changed: the old payment password still verifies.
    const verify = await call(thief, 'POST', '/api/v1/me/payment-password/verify', { paymentPassword: PIN });
    assert.equal(verify.statusCode, 200, verify.body);
    assert.ok((await templatesOf(owner.userId)).includes('risk_challenge'), 'the owner is alerted');
    const [row] = await decisionsOf(owner.userId, 'security_change');
    assert.ok(row);
    assert.equal(row.decision, 'challenge');
    assert.ok(
      (row.rule_hits as { ruleId: string }[]).some((h) => h.ruleId === 'security_change_fresh_device'),
    );

    await stepUpWithSms(thief);
    const changed = await call(thief, 'POST', '/api/v1/me/payment-password', {
      newPaymentPassword: '730194',
    });
    assert.equal(changed.statusCode, 200, changed.body);
  });

  test('deny: a limit raise refused with security_change_denied changes nothing; lowering is not scored', async () => {
    const user = await newUser('限额', 0n);
    const limitsOf = async () =>
      (await call(user, 'GET', '/api/v1/me/limits'))
        .json()
        .channels.find((c: { channel: string }) => c.channel === 'balance');
    const initial = await limitsOf();
    const lowered = await call(user, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: cny(BigInt(initial.perPayment.amountMinor) - 100n),
      perDay: initial.perDay,
    });
    assert.equal(lowered.statusCode, 200, lowered.body);
    const before = await limitsOf();
    await stepUpWithPin(user);
    const raised = await call(user, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: initial.perPayment,
      perDay: initial.perDay,
    });
    assert.equal(raised.statusCode, 403, raised.body);
    assert.equal(raised.json().error.code, 'security_change_denied');
    assert.match(raised.json().error.message, /客服/);
    assert.deepEqual(await limitsOf(), before, 'limits unchanged');
    assert.ok((await templatesOf(user.userId)).includes('risk_declined'));
    assert.equal((await decisionsOf(user.userId, 'security_change')).length, 1, 'only the raise was scored');
  });

  test('review: turning password-free on is refused ("contact customer service") and opens a case', async () => {
    const user = await newUser('免密', 0n);
    await stepUpWithPin(user);
    const r = await call(user, 'PUT', '/api/v1/me/password-free', { enabled: true });
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().error.code, 'security_change_review');
    assert.equal((await call(user, 'GET', '/api/v1/me/password-free')).json().enabled, false);
    const cases = (await operator('GET', `/api/v1/operator/cases?kind=alert&userId=${user.userId}`)).json();
    assert.equal(cases.cases.length, 1);
    assert.equal(cases.cases[0].details.change, 'password_free_on');
  });

  test('freeze: turning the lock off on the strongest signal is refused and freezes the account', async () => {
    const user = await newUser('安全锁', 0n);
    await stepUpWithPin(user);
    const on = await call(user, 'PUT', '/api/v1/me/security-lock', { enabled: true });
    assert.equal(on.statusCode, 200, on.body);
    const off = await call(user, 'PUT', '/api/v1/me/security-lock', { enabled: false });
    assert.equal(off.statusCode, 403, off.body);
    assert.equal(off.json().error.code, 'security_change_denied');
    const frozen = await store.db
      .selectFrom('users')
      .select('frozen_at')
      .where('id', '=', user.userId)
      .executeTakeFirstOrThrow();
    assert.ok(frozen.frozen_at, 'frozen');
    assert.equal((await call(user, 'GET', '/api/v1/me')).statusCode, 401, 'sessions ended');
    const lock = await store.db
      .selectFrom('security_locks')
      .select('enabled')
      .where('user_id', '=', user.userId)
      .executeTakeFirstOrThrow();
    assert.equal(lock.enabled, true, 'the lock stays on');
  });

  test('factor removal is scored: a fresh device removing the authenticator needs a second factor', async () => {
    const owner = await newUser('因子', 0n);
    clock.advance(3 * DAY_MS);
    const other = await onNewDevice(owner);
    await stepUpWithPin(other);
    const r = await call(other, 'DELETE', '/api/v1/me/totp');
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().error.code, 'risk_second_factor_required');
    const [row] = await decisionsOf(owner.userId, 'security_change');
    assert.ok(row);
    assert.equal((row.event as { detail: Record<string, string> }).detail.change, 'totp_removed');
  });

  test('withdrawal allow: scored with the card as payee, sent to the bank as before', async () => {
    const user = await newUser('提现', 1_000_000n);
    const cardId = await linkCard(user);
    const r = await withdraw(user, cardId, 10_000);
    assert.equal(r.statusCode, 201, r.body);
    await settleAll();
    const op = await call(user, 'GET', `/api/v1/funding/operations/${r.json().id}`);
    assert.equal(op.json().status, 'succeeded');
    const [row] = await decisionsOf(user.userId, 'withdrawal');
    assert.ok(row);
    assert.equal(row.decision, 'allow');
    assert.equal(row.model_version, null);
    assert.match(String((row.event as { payeeKey: string }).payeeKey), /^card:/);
    assert.equal((row.event as { detail: Record<string, string> }).detail.firstTimePayee, 'true');
  });

  test('withdrawal challenge: refused until a second-factor step-up; nothing held meanwhile', async () => {
    const user = await newUser('提现挑战', 1_000_000n);
    const cardId = await linkCard(user);
    const refused = await withdraw(user, cardId, 11_100);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'risk_second_factor_required');
    assert.equal(await available(user), 1_000_000n);
    assert.ok((await templatesOf(user.userId)).includes('risk_challenge'));
    await stepUpWithSms(user);
    const ok = await withdraw(user, cardId, 11_100);
    assert.equal(ok.statusCode, 201, ok.body);
  });

  test('withdrawal deny: withdrawal_declined, no hold, no operation, the user alerted', async () => {
    const user = await newUser('提现拒绝', 1_000_000n);
    const cardId = await linkCard(user);
    const r = await withdraw(user, cardId, 33_300);
    assert.equal(r.statusCode, 403, r.body);
    assert.equal(r.json().error.code, 'withdrawal_declined');
    assert.equal(await available(user), 1_000_000n);
    const ops = await store.db
      .selectFrom('funding_operations')
      .select('id')
      .where('user_id', '=', user.userId)
      .execute();
    assert.equal(ops.length, 0);
    assert.ok((await templatesOf(user.userId)).includes('risk_declined'));
  });

  test('withdrawal review: held, not sent to the bank; approved → settled; rejected → money back; overdue → voided', async () => {
    const user = await newUser('提现审核', 1_000_000n);
    const cardId = await linkCard(user);
    const held = await withdraw(user, cardId, 22_200);
    assert.equal(held.statusCode, 201, held.body);
    assert.equal(held.json().status, 'pending');
    assert.ok(held.json().inReviewUntil, 'the user sees it is in review');
    assert.equal(await available(user), 1_000_000n - 22_200n, 'the money is held');
    // The alert names a withdrawal (not a payment), its amount and that the card has not got it.
    const templates = await templatesOf(user.userId);
    assert.ok(templates.includes('withdrawal_held'), templates.join(','));
    assert.ok(!templates.includes('payment_held'), 'a withdrawal is not announced as a payment');
    const notice = await store.db
      .selectFrom('notification_outbox')
      .select(['locale', 'subject', 'body'])
      .where('user_id', '=', user.userId)
      .where('channel', '=', 'in_app')
      .where('template', '=', 'withdrawal_held')
      .executeTakeFirstOrThrow();
    assert.equal(notice.locale, 'zh-CN');
    assert.equal(notice.subject, 'Rampart 提现安全审核中');
    assert.match(notice.body, /^您的提现 CNY 222\.00 正在安全审核，资金已暂时冻结、尚未转到银行卡/);
    await settleAll();
    await settleAll();
    const row = await store.db
      .selectFrom('funding_operations')
      .select(['status', 'bank_reference', 'review_deadline_at'])
      .where('id', '=', held.json().id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'pending');
    assert.equal(row.bank_reference, null, 'the bank has not seen it');
    assert.ok(row.review_deadline_at);

    const list = (await operator('GET', '/api/v1/operator/cases?kind=withdrawal_hold&status=open')).json();
    const found = list.cases.find((c: { operationId: string }) => c.operationId === held.json().id);
    assert.ok(found, 'a withdrawal_hold case');
    const approved = await operator('POST', `/api/v1/operator/cases/${found.id}/approve`, {});
    assert.equal(approved.statusCode, 200, approved.body);
    await settleAll();
    const settled = await call(user, 'GET', `/api/v1/funding/operations/${held.json().id}`);
    assert.equal(settled.json().status, 'succeeded');

    const second = await withdraw(user, cardId, 22_300);
    assert.equal(second.statusCode, 201, second.body);
    const case2 = (await operator('GET', '/api/v1/operator/cases?kind=withdrawal_hold&status=open'))
      .json()
      .cases.find((c: { operationId: string }) => c.operationId === second.json().id);
    const rejected = await operator('POST', `/api/v1/operator/cases/${case2.id}/reject`, {
      note: 'not the owner',
    });
    assert.equal(rejected.statusCode, 200, rejected.body);
    const failed = await call(user, 'GET', `/api/v1/funding/operations/${second.json().id}`);
    assert.equal(failed.json().status, 'failed');
    assert.equal(failed.json().failureReason, 'risk_rejected');
    assert.equal(await available(user), 1_000_000n - 22_200n, 'the rejected amount is back');
    const again = await operator('POST', `/api/v1/operator/cases/${case2.id}/approve`, {});
    assert.equal(again.statusCode, 409, 'a closed case is not decided twice');

    const third = await withdraw(user, cardId, 22_400);
    assert.equal(third.statusCode, 201, third.body);
    clock.advance(REVIEW_DEADLINE_MS + 1);
    assert.ok((await modules.cases.expireOverdue()) >= 1);
    await signIn(user); // the session itself went idle meanwhile
    const expired = await call(user, 'GET', `/api/v1/funding/operations/${third.json().id}`);
    assert.equal(expired.json().status, 'failed');
    assert.equal(expired.json().failureReason, 'review_expired');
    assert.equal(await available(user), 1_000_000n - 22_200n);
  });

  test('default rule: withdrawing most of the balance right after a password change is held for review', async () => {
    const user = await newUser('改密提现', 100_000n);
    const cardId = await linkCard(user);
    await stepUpWithPin(user);
    const changed = await call(user, 'POST', '/api/v1/me/password', {
      newPassword: 'yet another long passphrase',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    const r = await withdraw(user, cardId, 90_000);
    assert.equal(r.statusCode, 201, r.body);
    const [row] = await decisionsOf(user.userId, 'withdrawal');
    assert.ok(row);
    assert.equal(row.decision, 'review');
    assert.ok((row.reasons as string[]).includes('drain_after_security_change'));
  });

  test('new payee: the first payment to a payee is its own event; a refused one pays nothing, a known payee is not one', async () => {
    const payer = await newUser('付款', 1_000_000n);
    const payee = await newUser('收款', 0n);
    const pay = (amountMinor: number) =>
      call(payer, 'POST', '/api/v1/payments/intents', {
        payee: { phone: payee.phone },
        amount: cny(amountMinor),
        channel: 'balance',
        clientRequestId: `cov-pay-${++requestCounter}`,
      });
    const refused = await pay(44_400);
    assert.equal(refused.statusCode, 403, refused.body);
    assert.equal(refused.json().error.code, 'payment_declined');
    const events = await decisionsOf(payer.userId, 'new_payee');
    assert.equal(events.length, 1);
    assert.equal(events[0]?.decision, 'deny');
    assert.equal(events[0]?.model_version, null);
    assert.equal((await decisionsOf(payer.userId, 'transfer')).length, 0, 'the payment was not scored');
    assert.equal(await available(payer), 1_000_000n);

    const created = await pay(1_000);
    assert.equal(created.statusCode, 201, created.body);
    const confirmed = await call(payer, 'POST', `/api/v1/payments/intents/${created.json().id}/confirm`, {
      paymentPassword: PIN,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal((await decisionsOf(payer.userId, 'new_payee')).length, 2);
    const paidAgain = await pay(1_000);
    assert.equal(paidAgain.statusCode, 201, paidAgain.body);
    assert.equal((await decisionsOf(payer.userId, 'new_payee')).length, 2, 'a known payee is not new');
    const transfers = await decisionsOf(payer.userId, 'transfer');
    assert.equal(transfers.at(-1)?.model_version, 'fake-1', 'the model still scores payments');
  });

  test('the ledger verifies after withdrawals held, approved, rejected and expired', async () => {
    const report = await verifyLedger(store.db, { nowMs: clock.nowMs() });
    assert.equal(report.ok, true, JSON.stringify(report));
  });
});

describe('risk console: operator accounts and roles', () => {
  const tokens = new Map<string, string>();
  before(async () => {
    await modules.recovery.seedDemo();
    for (const op of DEMO_OPERATORS) {
      clock.advance(30_000); // a fresh TOTP step per sign-in
      const code = new TOTP({ secret: Secret.fromBase32(op.totpSecret), digits: 6, period: 30 }).generate({
        timestamp: clock.nowMs(),
      });
      const r = await app.inject({
        method: 'POST',
        url: '/api/v1/ops/sign-in',
        payload: { username: op.username, password: DEMO_OPERATOR_PASSWORD, code },
      });
      assert.equal(r.statusCode, 200, r.body);
      tokens.set(op.username, r.json().token);
    }
  });

  function as(username: string, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
    return app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${tokens.get(username)}` },
      ...(payload ? { payload } : {}),
    });
  }

  const entry = (value: string) => ({ list: 'block', subject: 'ip', value, reason: 'role test' });

  test('agents see cases but not the rules; auditors read both and change nothing', async () => {
    assert.equal((await as('demo-agent', 'GET', '/api/v1/operator/cases')).statusCode, 200);
    const agentRules = await as('demo-agent', 'GET', '/api/v1/operator/risk/rules');
    assert.equal(agentRules.statusCode, 403);
    assert.equal(agentRules.json().error.code, 'operator_role');
    assert.equal((await as('demo-auditor', 'GET', '/api/v1/operator/risk/rules')).statusCode, 200);
    assert.equal((await as('demo-auditor', 'GET', '/api/v1/operator/cases')).statusCode, 200);
    const validate = await as('demo-auditor', 'POST', '/api/v1/operator/risk/rules/validate', {
      body: DEFAULT_RULE_SET,
    });
    assert.equal(validate.statusCode, 200, validate.body);
    const before = (await as('demo-auditor', 'GET', '/api/v1/operator/risk/lists')).json();
    for (const [username, url, payload] of [
      ['demo-auditor', '/api/v1/operator/risk/lists', entry('10.99.0.1')],
      ['demo-agent', '/api/v1/operator/risk/lists', entry('10.99.0.2')],
      ['demo-auditor', '/api/v1/operator/risk/rules', { body: DEFAULT_RULE_SET }],
    ] as const) {
      const r = await as(username, 'POST', url, payload);
      assert.equal(r.statusCode, 403, `${username} ${url}`);
      assert.equal(r.json().error.code, 'operator_role');
    }
    assert.deepEqual((await as('demo-auditor', 'GET', '/api/v1/operator/risk/lists')).json(), before);
    const cases = (await as('demo-agent', 'GET', '/api/v1/operator/cases?status=open')).json().cases;
    assert.ok(cases.length > 0);
    const note = await as('demo-agent', 'POST', `/api/v1/operator/cases/${cases[0].id}/note`, { note: 'x' });
    assert.equal(note.statusCode, 403);
  });

  test('a risk analyst edits lists and works cases; each action is audited with the operator and role', async () => {
    const added = await as('demo-analyst', 'POST', '/api/v1/operator/risk/lists', entry('10.99.0.3'));
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(added.json().createdBy, 'operator:demo-analyst');
    const cases = (await as('demo-analyst', 'GET', '/api/v1/operator/cases?status=open')).json().cases;
    const note = await as('demo-analyst', 'POST', `/api/v1/operator/cases/${cases[0].id}/note`, {
      note: 'called the customer',
    });
    assert.equal(note.statusCode, 200, note.body);
    const removed = await as('demo-supervisor', 'DELETE', `/api/v1/operator/risk/lists/${added.json().id}`);
    assert.equal(removed.statusCode, 204, removed.body);
    const audit = await store.db
      .selectFrom('audit_log')
      .select(['action', 'actor_role', 'subject_id'])
      .where('action', 'in', ['risk_list_added', 'risk_case_note', 'risk_list_removed'])
      .orderBy('id')
      .execute();
    assert.deepEqual(audit, [
      { action: 'risk_list_added', actor_role: 'risk_analyst', subject_id: added.json().id },
      { action: 'risk_case_note', actor_role: 'risk_analyst', subject_id: cases[0].id },
      { action: 'risk_list_removed', actor_role: 'supervisor', subject_id: added.json().id },
    ]);
  });
});
