// Proves issue 4's payments over HTTP (app.inject on a real store, PGlite or PostgreSQL): transfer
// by phone in two steps with the payee's masked name, merchant payments, confirmation by payment
// password or by a passkey bound to one intent's amount and payee, idempotent intents and
// confirmations, limits per channel (lower any time, raise after step-up, platform maxima,
// re-checked at confirmation), password-free payments and their caps, the risk hook's decision,
// every bad input as a 4xx code with no money moved, 10 concurrent confirmations of one intent
// posting one transfer, the phone look-up budget, audit rows, and `verifyLedger` at the end.
// Users sign in through the SMS challenge (codes read from the notification outbox); the clock is
// a manual one starting at 10:00 Beijing time so "today" is stable.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { DEMO_MERCHANT, DEMO_USERS, seedDemo } from '../demo/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { createModules, type Modules } from '../main.ts';
import {
  PAYEE_LOOKUPS_PER_HOUR_MAX,
  PLATFORM_LIMITS_MINOR,
  type RiskAssessment,
  type RiskHook,
} from '../payments/index.ts';
import { ManualClock } from '../shared/index.ts';
import { fundWallet } from '../testing/fund-wallet.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { STEP_UP_FRESH_MS } from './auth.ts';

/** Monday 2 March 2026, 10:00 in Beijing. */
const START_MS = Date.UTC(2026, 2, 2, 2, 0, 0);
const clock = new ManualClock(START_MS);
/** The risk hook under test: allow/low unless a test sets `riskNext`. */
let riskNext: RiskAssessment | undefined;
const riskHook: RiskHook = {
  assess: async () => riskNext ?? { decision: 'allow', level: 'low', reasons: ['test_allow'] },
};

let store: TestStore;
let modules: Modules;
let app: FastifyInstance;

before(async () => {
  store = await openTestStore();
  const config = loadConfig({}, { logLevel: 'silent', webDistDir: '/nonexistent' });
  modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
    riskHook,
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
  readonly phone: string;
  readonly password: string;
  readonly paymentPassword: string;
  readonly ip: string;
  userId: string;
  token: string;
  deviceKey: string | undefined;
}

let ipCounter = 0;
let phoneCounter = 0;
const PAYER_PASSWORD = 'payer-login-2026';
const PAYER_PIN = '583917';

function latestCode(phone: string): Promise<string> {
  return lastSentCode(store.db, phone);
}

/** Signs in with the password; a new device answers the SMS challenge with the code from the
 *  outbox (like src/http/auth-routes.test.ts). A two-factor sign-in counts as a step-up. */
async function signIn(client: Client): Promise<void> {
  const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  const inject = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, headers, remoteAddress: client.ip });
  let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: client.password });
  assert.equal(response.statusCode, 200, response.body);
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    clock.advance(61_000); // past the resend cool-down of any earlier code
    const sent = await inject('/api/v1/auth/sign-in/send-code', { challengeToken });
    assert.equal(sent.statusCode, 200, sent.body);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await latestCode(client.phone),
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  client.token = response.json().token;
  client.userId = response.json().user.id;
  client.deviceKey = response.cookies.find((c) => c.name === 'rampart_device')?.value ?? client.deviceKey;
}

function newClient(input: { phone: string; password: string; paymentPassword: string }): Client {
  ipCounter++;
  return {
    ...input,
    ip: `10.20.${ipCounter >> 8}.${ipCounter & 255}`,
    userId: '',
    token: '',
    deviceKey: undefined,
  };
}

/** A new user with a funded CNY wallet, signed in. */
async function newPayer(displayName: string, balanceMinor: bigint): Promise<Client> {
  phoneCounter++;
  const phone = `+86137${String(20_000_000 + phoneCounter)}`;
  const user = await modules.identity.createUser({
    phoneE164: phone,
    displayName,
    password: PAYER_PASSWORD,
    paymentPassword: PAYER_PIN,
  });
  await topUp(user.id, balanceMinor);
  const client = newClient({ phone, password: PAYER_PASSWORD, paymentPassword: PAYER_PIN });
  await signIn(client);
  return client;
}

const topUp = (userId: string, amountMinor: bigint) => fundWallet(modules, userId, amountMinor);

function call(client: Client, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

async function balanceOf(client: Client): Promise<bigint> {
  const r = await call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  return BigInt(r.json().accounts[0].posted.amountMinor);
}

async function ledgerTransfers(id: string): Promise<number> {
  const rows = await store.db.selectFrom('ledger_transfers').select('id').where('id', '=', id).execute();
  return rows.length;
}

async function transferCount(): Promise<number> {
  const rows = await store.db.selectFrom('ledger_transfers').select('id').execute();
  return rows.length;
}

const cny = (amountMinor: bigint | number | string) => ({
  amountMinor: String(amountMinor),
  currency: 'CNY',
});
let requestCounter = 0;
const nextRequestId = () => `req-${++requestCounter}`;

function createIntent(
  client: Client,
  body: { payee?: object; amount?: object; channel?: string; note?: string; clientRequestId?: string },
) {
  return call(client, 'POST', '/api/v1/payments/intents', {
    channel: 'balance',
    clientRequestId: nextRequestId(),
    ...body,
  });
}

function confirm(client: Client, intentId: string, body: object = {}) {
  return call(client, 'POST', `/api/v1/payments/intents/${intentId}/confirm`, body);
}

async function stepUp(client: Client): Promise<void> {
  const r = await call(client, 'POST', '/api/v1/me/step-up', {
    method: 'payment_password',
    paymentPassword: client.paymentPassword,
  });
  assert.equal(r.statusCode, 200, r.body);
}

/** Makes every session's step-up stale. */
function letStepUpGoStale(): void {
  clock.advance(STEP_UP_FRESH_MS + 60_000);
}

async function auditTypes(userId: string): Promise<string[]> {
  const rows = await store.db
    .selectFrom('payment_audit')
    .select('type')
    .where('user_id', '=', userId)
    .orderBy('id')
    .execute();
  return rows.map((r) => r.type);
}

/** A payment from `payer` to `payee` (by phone), confirmed with the payment password. */
async function pay(payer: Client, payee: Client, amountMinor: bigint) {
  const created = await createIntent(payer, { payee: { phone: payee.phone }, amount: cny(amountMinor) });
  assert.equal(created.statusCode, 201, created.body);
  const confirmed = await confirm(payer, created.json().id, { paymentPassword: payer.paymentPassword });
  assert.equal(confirmed.statusCode, 200, confirmed.body);
  return confirmed.json();
}

const aliceDemo = DEMO_USERS[0]!;
const bobDemo = DEMO_USERS[1]!;
let alice: Client;
let bob: Client;

describe('payments', () => {
  before(async () => {
    alice = newClient({ ...aliceDemo, phone: aliceDemo.phoneE164 });
    bob = newClient({ ...bobDemo, phone: bobDemo.phoneE164 });
    await signIn(alice);
    await signIn(bob);
  });

  test('transfer by phone: the intent shows the masked name and what to confirm; confirming moves the money once', async () => {
    const aliceBefore = await balanceOf(alice);
    const bobBefore = await balanceOf(bob);
    const body = {
      payee: { phone: '13900139000' }, // Bob, typed without +86
      amount: cny(1234),
      note: 'lunch',
      clientRequestId: 'alice-lunch-1',
    };
    const created = await createIntent(alice, body);
    assert.equal(created.statusCode, 201, created.body);
    const intent = created.json();
    assert.equal(intent.status, 'awaiting_confirmation');
    assert.deepEqual(intent.payee, { kind: 'user', maskedName: '*****i', maskedPhone: '+86139****9000' });
    assert.deepEqual(intent.amount, cny(1234));
    assert.equal(intent.note, 'lunch');
    assert.equal(intent.confirmation, 'payment_password', 'password-free payments are off by default');
    assert.deepEqual(intent.allowanceLeftToday, cny(PLATFORM_LIMITS_MINOR.balance.perDayMinor));
    assert.equal(Date.parse(intent.expiresAt) - Date.parse(intent.createdAt), 10 * 60_000);
    assert.equal(intent.transferId, null);

    // The same clientRequestId answers the same intent; with another request it is refused.
    const again = await createIntent(alice, body);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().id, intent.id);
    const reused = await createIntent(alice, { ...body, amount: cny(9999) });
    assert.equal(reused.statusCode, 409);
    assert.equal(reused.json().error.code, 'client_request_id_reused');

    // Bob can neither see nor confirm Alice's intent.
    assert.equal(
      (await call(bob, 'GET', `/api/v1/payments/intents/${intent.id}`)).json().error.code,
      'intent_not_found',
    );
    const foreign = await confirm(bob, intent.id, { paymentPassword: bob.paymentPassword });
    assert.equal(foreign.json().error.code, 'intent_not_found');

    // No confirmation, then a wrong payment password: identity's code passes through, no money moves.
    const bare = await confirm(alice, intent.id);
    assert.equal(bare.statusCode, 403);
    assert.equal(bare.json().error.code, 'confirmation_required');
    const wrong = await confirm(alice, intent.id, { paymentPassword: '000000' });
    assert.equal(wrong.statusCode, 401);
    assert.equal(wrong.json().error.code, 'wrong_payment_password');
    assert.equal(wrong.json().error.details.attemptsLeft, 2);
    assert.equal(await balanceOf(alice), aliceBefore);

    const done = await confirm(alice, intent.id, { paymentPassword: alice.paymentPassword });
    assert.equal(done.statusCode, 200, done.body);
    const receipt = done.json();
    assert.equal(receipt.status, 'succeeded');
    assert.equal(receipt.transferId, `pay:${intent.id}`);
    assert.deepEqual(receipt.allowanceLeftToday, cny(PLATFORM_LIMITS_MINOR.balance.perDayMinor - 1234n));
    assert.equal(await balanceOf(alice), aliceBefore - 1234n);
    assert.equal(await balanceOf(bob), bobBefore + 1234n);

    // A second confirmation answers the same receipt and posts nothing.
    const replay = await confirm(alice, intent.id, { paymentPassword: alice.paymentPassword });
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().transferId, receipt.transferId);
    assert.equal(replay.json().confirmedAt, receipt.confirmedAt);
    assert.equal(await ledgerTransfers(`pay:${intent.id}`), 1);
    assert.equal(await balanceOf(alice), aliceBefore - 1234n);
    const fetched = await call(alice, 'GET', `/api/v1/payments/intents/${intent.id}`);
    assert.equal(fetched.json().status, 'succeeded');

    // Bob's activity shows the incoming p2p transfer.
    const activity = await call(bob, 'GET', '/api/v1/wallet/activity?limit=5');
    const entry = activity
      .json()
      .entries.find((e: { transferId: string }) => e.transferId === receipt.transferId);
    assert.equal(entry.code, 'p2p');
    assert.equal(entry.direction, 'in');

    // The audit trail: the look-up, the intent, the refusals and the confirmation.
    const types = await auditTypes(alice.userId);
    assert.deepEqual(types.slice(-5), [
      'payee_lookup',
      'intent_created',
      'confirm_refused',
      'confirm_refused',
      'intent_confirmed',
    ]);
    // Alice's limits show what she spent today.
    const limits = (await call(alice, 'GET', '/api/v1/me/limits')).json();
    const balance = limits.channels.find((c: { channel: string }) => c.channel === 'balance');
    assert.deepEqual(balance.spentToday, cny(1234));
  });

  test('pay a merchant by id: its verified name is shown and its settlement account is credited', async () => {
    const created = await createIntent(alice, { payee: { merchantId: DEMO_MERCHANT.id }, amount: cny(2500) });
    assert.equal(created.statusCode, 201, created.body);
    assert.deepEqual(created.json().payee, {
      kind: 'merchant',
      merchantId: DEMO_MERCHANT.id,
      name: DEMO_MERCHANT.name,
    });
    const merchant = await store.db
      .selectFrom('merchants')
      .select('settlement_account_id')
      .where('id', '=', DEMO_MERCHANT.id)
      .executeTakeFirstOrThrow();
    const before = await modules.ledger.getAccount(merchant.settlement_account_id);
    const done = await confirm(alice, created.json().id, { paymentPassword: alice.paymentPassword });
    assert.equal(done.statusCode, 200, done.body);
    const afterAccount = await modules.ledger.getAccount(merchant.settlement_account_id);
    assert.equal(
      (afterAccount?.creditsPostedMinor ?? 0n) - (before?.creditsPostedMinor ?? 0n),
      2500n,
      'the merchant received the amount',
    );
    const transfer = await modules.ledger.getTransfer(done.json().transferId);
    assert.equal(transfer?.code, 'merchant_pay');
  });

  test('bad input at intent creation: a clear code each, no intent and no money moved', async () => {
    const transfersBefore = await transferCount();
    const intentsBefore = (await store.db.selectFrom('payment_intents').select('id').execute()).length;
    const aliceBefore = await balanceOf(alice);
    const cases: [object, number, string][] = [
      [{ payee: { phone: aliceDemo.phoneE164 }, amount: cny(100) }, 422, 'cannot_pay_self'],
      [{ payee: { phone: '+8613600000000' }, amount: cny(100) }, 404, 'payee_not_found'],
      [{ payee: { merchantId: 'mch_nobody' }, amount: cny(100) }, 404, 'payee_not_found'],
      [{ payee: { phone: '12345' }, amount: cny(100) }, 400, 'invalid_phone'],
      [
        { payee: { phone: bob.phone }, amount: { amountMinor: '100', currency: 'USD' } },
        422,
        'currency_mismatch',
      ],
      [
        { payee: { phone: bob.phone }, amount: { amountMinor: '100', currency: 'XYZ' } },
        400,
        'invalid_currency',
      ],
      [{ payee: { phone: bob.phone }, amount: cny(0) }, 400, 'invalid_amount'],
      [{ payee: { phone: bob.phone }, amount: cny('-5') }, 400, 'invalid_amount'],
      [{ payee: { phone: bob.phone }, amount: cny('1.50') }, 400, 'invalid_amount'],
      [
        { payee: { phone: bob.phone }, amount: { amountMinor: 100, currency: 'CNY' } },
        400,
        'validation_failed',
      ],
      [{ payee: { phone: bob.phone }, amount: cny(100), channel: 'bank_card' }, 422, 'channel_not_available'],
      [{ payee: { phone: bob.phone }, amount: cny(100), channel: 'cash' }, 400, 'validation_failed'],
      [
        { payee: { phone: bob.phone, merchantId: DEMO_MERCHANT.id }, amount: cny(100) },
        400,
        'validation_failed',
      ],
      [
        { payee: { phone: bob.phone }, amount: cny(PLATFORM_LIMITS_MINOR.balance.perPaymentMinor + 1n) },
        422,
        'limit_exceeded',
      ],
    ];
    for (const [body, status, code] of cases) {
      const r = await createIntent(alice, body);
      assert.equal(r.json().error?.code, code, `${JSON.stringify(body)} → ${r.body}`);
      assert.equal(r.statusCode, status, JSON.stringify(body));
    }
    const merchantUsd = await createIntent(alice, {
      payee: { merchantId: DEMO_MERCHANT.id },
      amount: { amountMinor: '100', currency: 'USD' },
    });
    assert.equal(merchantUsd.json().error.code, 'currency_mismatch');
    const overLimit = await createIntent(alice, {
      payee: { phone: bob.phone },
      amount: cny(PLATFORM_LIMITS_MINOR.balance.perPaymentMinor + 1n),
    });
    assert.equal(overLimit.json().error.details.exceeded, 'per_payment');
    assert.ok(overLimit.json().error.details.allowanceLeftToday.amountMinor);

    assert.equal(await transferCount(), transfersBefore);
    assert.equal((await store.db.selectFrom('payment_intents').select('id').execute()).length, intentsBefore);
    assert.equal(await balanceOf(alice), aliceBefore);
    const refused = await store.db
      .selectFrom('payment_audit')
      .select('details')
      .where('user_id', '=', alice.userId)
      .where('type', '=', 'intent_refused')
      .execute();
    const codes = refused.map((r) => r.details.code);
    for (const code of ['cannot_pay_self', 'payee_not_found', 'currency_mismatch', 'limit_exceeded']) {
      assert.ok(codes.includes(code), `refusal ${code} audited`);
    }
  });

  test('insufficient funds: refused with no money moved; the intent can be confirmed after a top-up', async () => {
    const payer = await newPayer('钱不够', 1_000n);
    const created = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(2_000) });
    assert.equal(created.statusCode, 201, created.body);
    const bobBefore = await balanceOf(bob);
    const refused = await confirm(payer, created.json().id, { paymentPassword: payer.paymentPassword });
    assert.equal(refused.statusCode, 422);
    assert.equal(refused.json().error.code, 'insufficient_funds');
    assert.equal(await ledgerTransfers(`pay:${created.json().id}`), 0);
    assert.equal(await balanceOf(payer), 1_000n);
    const limits = (await call(payer, 'GET', '/api/v1/me/limits')).json();
    assert.deepEqual(limits.channels[0].spentToday, cny(0), 'a refused payment uses no allowance');

    await topUp(payer.userId, 1_000n);
    const done = await confirm(payer, created.json().id, { paymentPassword: payer.paymentPassword });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(await balanceOf(payer), 0n);
    assert.equal(await balanceOf(bob), bobBefore + 2_000n);
  });

  test('a frozen payer can neither start nor confirm a payment', async () => {
    const payer = await newPayer('冻结', 10_000n);
    const created = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(500) });
    assert.equal(created.statusCode, 201);
    await store.db
      .updateTable('users')
      .set({ frozen_at: new Date(clock.nowMs()), frozen_reason: 'test' })
      .where('id', '=', payer.userId)
      .execute();
    const refused = await confirm(payer, created.json().id, { paymentPassword: payer.paymentPassword });
    assert.equal(refused.statusCode, 423);
    assert.equal(refused.json().error.code, 'account_frozen');
    const again = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(500) });
    assert.equal(again.json().error.code, 'account_frozen');
    assert.equal(await balanceOf(payer), 10_000n);
  });

  test('an intent expires after 10 minutes: confirming it or asking for passkey options is refused', async () => {
    const created = await createIntent(alice, { payee: { phone: bob.phone }, amount: cny(300) });
    assert.equal(created.statusCode, 201);
    const id = created.json().id;
    clock.advance(10 * 60_000);
    const expired = await confirm(alice, id, { paymentPassword: alice.paymentPassword });
    assert.equal(expired.statusCode, 410);
    assert.equal(expired.json().error.code, 'intent_expired');
    const options = await call(alice, 'POST', `/api/v1/payments/intents/${id}/passkey-options`);
    assert.equal(options.json().error.code, 'intent_expired');
    assert.equal((await call(alice, 'GET', `/api/v1/payments/intents/${id}`)).json().status, 'expired');
    assert.equal(await ledgerTransfers(`pay:${id}`), 0);
    const row = await store.db
      .selectFrom('payment_intents')
      .select('status')
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
    assert.equal(row.status, 'expired');
  });

  test('passkey confirmation is bound to one intent: its amount and payee; another intent refuses it', async () => {
    await stepUp(alice);
    const authenticator = new SoftAuthenticator({ origin: TEST_PUBLIC_URL });
    const registration = await call(alice, 'POST', '/api/v1/me/passkeys/options');
    assert.equal(registration.statusCode, 200, registration.body);
    const added = await call(alice, 'POST', '/api/v1/me/passkeys', {
      ceremonyId: registration.json().ceremonyId,
      name: 'Test phone',
      response: authenticator.createCredential(registration.json().options),
    });
    assert.equal(added.statusCode, 201, added.body);

    const intentA = (await createIntent(alice, { payee: { phone: bob.phone }, amount: cny(200) })).json();
    const intentB = (await createIntent(alice, { payee: { phone: bob.phone }, amount: cny(300) })).json();
    assert.equal(intentA.confirmation, 'passkey_or_payment_password', 'a payer with a passkey may use it');

    // An assertion made for A cannot confirm B (another amount): nothing moves, B stays open.
    const optionsA = (
      await call(alice, 'POST', `/api/v1/payments/intents/${intentA.id}/passkey-options`)
    ).json();
    const assertionA = authenticator.getAssertion(optionsA.options);
    const mismatch = await confirm(alice, intentB.id, {
      passkey: { ceremonyId: optionsA.ceremonyId, response: assertionA },
    });
    assert.equal(mismatch.statusCode, 400);
    assert.equal(mismatch.json().error.code, 'passkey_subject_mismatch');
    assert.equal(await ledgerTransfers(`pay:${intentB.id}`), 0);

    // The same assertion confirms A, once; its ceremony cannot be replayed on B.
    const aliceBefore = await balanceOf(alice);
    const done = await confirm(alice, intentA.id, {
      passkey: { ceremonyId: optionsA.ceremonyId, response: assertionA },
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal(done.json().status, 'succeeded');
    assert.equal(await balanceOf(alice), aliceBefore - 200n);
    const replayed = await confirm(alice, intentB.id, {
      passkey: { ceremonyId: optionsA.ceremonyId, response: assertionA },
    });
    assert.equal(replayed.json().error.code, 'passkey_challenge_invalid', 'a ceremony is used once');

    // B with its own ceremony works; options for a paid intent are refused.
    const optionsB = (
      await call(alice, 'POST', `/api/v1/payments/intents/${intentB.id}/passkey-options`)
    ).json();
    const doneB = await confirm(alice, intentB.id, {
      passkey: { ceremonyId: optionsB.ceremonyId, response: authenticator.getAssertion(optionsB.options) },
    });
    assert.equal(doneB.statusCode, 200, doneB.body);
    const paid = await call(alice, 'POST', `/api/v1/payments/intents/${intentA.id}/passkey-options`);
    assert.equal(paid.json().error.code, 'intent_already_confirmed');
    const audit = await store.db
      .selectFrom('payment_audit')
      .select('details')
      .where('intent_id', '=', intentB.id)
      .where('type', '=', 'intent_confirmed')
      .executeTakeFirstOrThrow();
    assert.equal(audit.details.confirmedBy, 'passkey');
  });

  test('an intent cannot be re-pointed: the confirm body takes no amount or payee, and the row refuses it', async () => {
    const created = (await createIntent(alice, { payee: { phone: bob.phone }, amount: cny(100) })).json();
    const repoint = await confirm(alice, created.id, {
      paymentPassword: alice.paymentPassword,
      amount: cny(1),
    });
    assert.equal(repoint.statusCode, 400);
    assert.equal(repoint.json().error.code, 'validation_failed');
    const both = await confirm(alice, created.id, {
      paymentPassword: alice.paymentPassword,
      passkey: { ceremonyId: 'wac_x', response: {} },
    });
    assert.equal(both.json().error.code, 'validation_failed');
    await assert.rejects(
      store.db
        .updateTable('payment_intents')
        .set({ amount_minor: 1n })
        .where('id', '=', created.id)
        .execute(),
      /cannot be re-pointed/,
    );
    const merchant = await store.db
      .selectFrom('merchants')
      .select('settlement_account_id')
      .executeTakeFirstOrThrow();
    await assert.rejects(
      store.db
        .updateTable('payment_intents')
        .set({ payee_account_id: merchant.settlement_account_id })
        .where('id', '=', created.id)
        .execute(),
      /cannot be re-pointed/,
    );
    assert.equal(await ledgerTransfers(`pay:${created.id}`), 0);
  });

  test('10 concurrent confirmations of one intent: one transfer, the same receipt for all, right balances', async () => {
    const payer = await newPayer('并发', 100_000n);
    const bobBefore = await balanceOf(bob);
    const created = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(12_345) });
    assert.equal(created.statusCode, 201);
    const id = created.json().id;
    const responses = await Promise.all(
      Array.from({ length: 10 }, () => confirm(payer, id, { paymentPassword: payer.paymentPassword })),
    );
    for (const r of responses) assert.equal(r.statusCode, 200, r.body);
    const transferIds = new Set(responses.map((r) => r.json().transferId));
    assert.deepEqual([...transferIds], [`pay:${id}`]);
    assert.equal(new Set(responses.map((r) => r.json().confirmedAt)).size, 1);
    assert.equal(await ledgerTransfers(`pay:${id}`), 1);
    assert.equal(await balanceOf(payer), 100_000n - 12_345n);
    assert.equal(await balanceOf(bob), bobBefore + 12_345n);
    const confirmations = await store.db
      .selectFrom('payment_audit')
      .select('id')
      .where('intent_id', '=', id)
      .where('type', '=', 'intent_confirmed')
      .execute();
    assert.equal(confirmations.length, 1);
    const limits = (await call(payer, 'GET', '/api/v1/me/limits')).json();
    assert.deepEqual(limits.channels[0].spentToday, cny(12_345), 'counted once against the limit');
  });

  test('concurrent confirmations of different intents cannot together exceed the daily limit', async () => {
    const payer = await newPayer('限额并发', 100_000n);
    const set = await call(payer, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: cny(10_000),
      perDay: cny(30_000),
    });
    assert.equal(set.statusCode, 200, set.body);
    const intents = [];
    for (let i = 0; i < 5; i++) {
      const r = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(10_000) });
      assert.equal(r.statusCode, 201, r.body);
      intents.push(r.json().id);
    }
    const responses = await Promise.all(
      intents.map((id) => confirm(payer, id, { paymentPassword: payer.paymentPassword })),
    );
    const ok = responses.filter((r) => r.statusCode === 200);
    const refused = responses.filter((r) => r.statusCode !== 200);
    assert.equal(ok.length, 3);
    for (const r of refused) {
      assert.equal(r.json().error.code, 'limit_exceeded');
      assert.deepEqual(r.json().error.details.allowanceLeftToday, cny(0));
    }
    assert.equal(await balanceOf(payer), 70_000n);
  });

  test('limits: lower any time, raise only after step-up, never above the platform maxima; checked again at confirmation', async () => {
    const payer = await newPayer('限额', 100_000n);
    const initial = (await call(payer, 'GET', '/api/v1/me/limits')).json();
    assert.equal(initial.day, '2026-03-02');
    assert.deepEqual(
      initial.channels.map((c: { channel: string; available: boolean }) => [c.channel, c.available]),
      [
        ['balance', true],
        ['bank_card', false],
        ['credit_line', true],
      ],
    );
    for (const c of initial.channels) {
      const platform = PLATFORM_LIMITS_MINOR[c.channel as keyof typeof PLATFORM_LIMITS_MINOR];
      assert.deepEqual(c.perPayment, cny(platform.perPaymentMinor), 'defaults are the platform maxima');
      assert.deepEqual(c.perDay, cny(platform.perDayMinor));
      assert.deepEqual(c.platformMaxPerDay, cny(platform.perDayMinor));
      assert.deepEqual(c.allowanceLeftToday, cny(platform.perDayMinor));
    }

    letStepUpGoStale();
    const lowered = await call(payer, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: cny(10_000),
      perDay: cny(15_000),
    });
    assert.equal(lowered.statusCode, 200, 'lowering needs no step-up');
    assert.deepEqual(lowered.json().perPayment, cny(10_000));

    const tooBig = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(12_000) });
    assert.equal(tooBig.statusCode, 422);
    assert.equal(tooBig.json().error.code, 'limit_exceeded');
    assert.deepEqual(tooBig.json().error.details, {
      exceeded: 'per_payment',
      limit: cny(10_000),
      allowanceLeftToday: cny(15_000),
    });

    const first = await pay(payer, bob, 8_000n);
    assert.deepEqual(first.allowanceLeftToday, cny(7_000));
    const overDay = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(8_000) });
    assert.equal(overDay.json().error.code, 'limit_exceeded');
    assert.deepEqual(overDay.json().error.details, {
      exceeded: 'per_day',
      limit: cny(15_000),
      allowanceLeftToday: cny(7_000),
    });

    // Made within the limits, then the limit is lowered: confirmation checks again.
    const pending = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(6_000) });
    assert.equal(pending.statusCode, 201);
    await call(payer, 'PUT', '/api/v1/me/limits/balance', { perPayment: cny(5_000), perDay: cny(15_000) });
    const recheck = await confirm(payer, pending.json().id, { paymentPassword: payer.paymentPassword });
    assert.equal(recheck.json().error.code, 'limit_exceeded');
    assert.equal(await balanceOf(payer), 100_000n - 8_000n);

    const inverted = await call(payer, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: cny(5_000),
      perDay: cny(4_000),
    });
    assert.equal(inverted.statusCode, 400);
    assert.equal(inverted.json().error.code, 'invalid_limits');
    const raise = { perPayment: cny(20_000), perDay: cny(50_000) };
    const stale = await call(payer, 'PUT', '/api/v1/me/limits/balance', raise);
    assert.equal(stale.statusCode, 403);
    assert.equal(stale.json().error.code, 'step_up_required');
    const raisingOne = await call(payer, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: cny(4_000),
      perDay: cny(16_000),
    });
    assert.equal(raisingOne.json().error.code, 'step_up_required', 'raising either limit needs step-up');
    await stepUp(payer);
    const raised = await call(payer, 'PUT', '/api/v1/me/limits/balance', raise);
    assert.equal(raised.statusCode, 200, raised.body);
    assert.deepEqual(raised.json().allowanceLeftToday, cny(42_000));
    const notice = await store.db
      .selectFrom('notification_outbox')
      .select('template')
      .where('destination', '=', payer.phone)
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.equal(notice.template, 'security_change', 'raising a limit is told to the owner');

    const aboveMax = await call(payer, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: cny(PLATFORM_LIMITS_MINOR.balance.perPaymentMinor + 1n),
      perDay: cny(PLATFORM_LIMITS_MINOR.balance.perDayMinor),
    });
    assert.equal(aboveMax.statusCode, 422);
    assert.equal(aboveMax.json().error.code, 'limit_above_platform_max');
    const usd = await call(payer, 'PUT', '/api/v1/me/limits/balance', {
      perPayment: { amountMinor: '100', currency: 'USD' },
      perDay: { amountMinor: '100', currency: 'USD' },
    });
    assert.equal(usd.json().error.code, 'currency_mismatch');
    const card = await call(payer, 'PUT', '/api/v1/me/limits/bank_card', {
      perPayment: cny(100),
      perDay: cny(100),
    });
    assert.equal(card.statusCode, 200, 'every channel has its own limits');
    const unknown = await call(payer, 'PUT', '/api/v1/me/limits/cash', {
      perPayment: cny(100),
      perDay: cny(100),
    });
    assert.equal(unknown.statusCode, 400);

    const changes = await store.db
      .selectFrom('payment_audit')
      .select('details')
      .where('user_id', '=', payer.userId)
      .where('type', '=', 'limits_changed')
      .orderBy('id')
      .execute();
    assert.deepEqual(
      changes.map((c) => c.details.raised),
      [false, false, true, false],
    );
  });

  test('password-free payments: off by default; on after step-up; only small payments to known payees at low risk', async () => {
    const payer = await newPayer('免密', 200_000n);
    const initial = (await call(payer, 'GET', '/api/v1/me/password-free')).json();
    assert.deepEqual(initial, {
      enabled: false,
      perPaymentCap: cny(20_000),
      dailyCap: cny(100_000),
      ceiling: cny(100_000),
      usedToday: cny(0),
      leftToday: cny(100_000),
    });

    letStepUpGoStale();
    const stale = await call(payer, 'PUT', '/api/v1/me/password-free', { enabled: true });
    assert.equal(stale.statusCode, 403);
    assert.equal(stale.json().error.code, 'step_up_required');
    await stepUp(payer);
    const on = await call(payer, 'PUT', '/api/v1/me/password-free', { enabled: true });
    assert.equal(on.statusCode, 200, on.body);
    assert.equal(on.json().enabled, true);

    // First payment to Bob: a first-time payee needs the password.
    const first = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(5_000) })).json();
    assert.equal(first.confirmation, 'payment_password');
    await confirm(payer, first.id, { paymentPassword: payer.paymentPassword });

    // Bob again, under the caps, low risk: no confirmation at all.
    const second = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(5_000) })).json();
    assert.equal(second.confirmation, 'none');
    const secondDone = await confirm(payer, second.id);
    assert.equal(secondDone.statusCode, 200, secondDone.body);
    assert.equal(secondDone.json().status, 'succeeded');
    const noneAudit = await store.db
      .selectFrom('payment_audit')
      .select('details')
      .where('intent_id', '=', second.id)
      .where('type', '=', 'intent_confirmed')
      .executeTakeFirstOrThrow();
    assert.equal(noneAudit.details.confirmedBy, 'none');
    assert.deepEqual((await call(payer, 'GET', '/api/v1/me/password-free')).json().usedToday, cny(5_000));

    // Above the per-payment cap, or with risk above low: the password again.
    const big = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(25_000) })).json();
    assert.equal(big.confirmation, 'payment_password');
    riskNext = { decision: 'challenge', level: 'medium', reasons: ['test_challenge'] };
    const risky = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(1_000) })).json();
    riskNext = undefined;
    // Issue 5: a challenged payment needs the payment password plus an SMS code or a passkey.
    assert.equal(risky.confirmation, 'payment_password_and_second_factor');
    const riskyRow = await store.db
      .selectFrom('payment_intents')
      .select(['risk_decision', 'risk_level', 'risk_reasons'])
      .where('id', '=', risky.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(riskyRow, {
      risk_decision: 'challenge',
      risk_level: 'medium',
      risk_reasons: ['test_challenge'],
    });

    // Lowering the daily cap needs no step-up; the daily password-free total counts.
    letStepUpGoStale();
    const lowered = await call(payer, 'PUT', '/api/v1/me/password-free', {
      enabled: true,
      dailyCap: cny(30_000),
    });
    assert.equal(lowered.statusCode, 200, lowered.body);
    const fits = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(20_000) })).json();
    assert.equal(fits.confirmation, 'none');
    assert.equal((await confirm(payer, fits.id)).statusCode, 200);
    const over = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(10_000) })).json();
    assert.equal(over.confirmation, 'payment_password', '250.00 used + 100.00 > the 300.00 daily cap');

    // Made password-free, then password-free is turned off (one tap, no step-up): confirming
    // without the password is refused, with it the payment goes through.
    const small = (await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(4_000) })).json();
    assert.equal(small.confirmation, 'none');
    const off = await call(payer, 'PUT', '/api/v1/me/password-free', { enabled: false });
    assert.equal(off.statusCode, 200, 'turning it off needs no verification');
    const refused = await confirm(payer, small.id);
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'confirmation_required');
    assert.equal(refused.json().error.details.confirmation, 'payment_password');
    assert.equal(
      (await confirm(payer, small.id, { paymentPassword: payer.paymentPassword })).statusCode,
      200,
    );

    // Caps: never above the PBoC ceiling, per payment at most the daily cap, raising needs step-up.
    const aboveCeiling = await call(payer, 'PUT', '/api/v1/me/password-free', {
      enabled: false,
      dailyCap: cny(100_001),
    });
    assert.equal(aboveCeiling.statusCode, 422);
    assert.equal(aboveCeiling.json().error.code, 'limit_above_platform_max');
    const inverted = await call(payer, 'PUT', '/api/v1/me/password-free', {
      enabled: false,
      perPaymentCap: cny(20_000),
      dailyCap: cny(10_000),
    });
    assert.equal(inverted.json().error.code, 'invalid_limits');
    const raiseWhileOff = await call(payer, 'PUT', '/api/v1/me/password-free', {
      enabled: false,
      dailyCap: cny(100_000),
    });
    assert.equal(raiseWhileOff.json().error.code, 'step_up_required');
    const settings = (await call(payer, 'GET', '/api/v1/me/password-free')).json();
    assert.equal(settings.enabled, false);
    assert.deepEqual(settings.dailyCap, cny(30_000));
    assert.deepEqual(settings.usedToday, cny(25_000));
  });

  test('one-tap pay (payNow): a password-free payment settles in one request; otherwise the intent waits; a refusal leaves no intent', async () => {
    const payer = await newPayer('一键', 8_000n);
    await stepUp(payer);
    assert.equal((await call(payer, 'PUT', '/api/v1/me/password-free', { enabled: true })).statusCode, 200);
    const payNow = (amountMinor: number, clientRequestId = nextRequestId()) =>
      call(payer, 'POST', '/api/v1/payments/intents', {
        payee: { phone: bob.phone },
        amount: cny(amountMinor),
        channel: 'balance',
        clientRequestId,
        payNow: true,
      });

    // A first payment to Bob needs the password: payNow only creates the intent.
    const first = await payNow(1_000);
    assert.equal(first.statusCode, 201, first.body);
    assert.equal(first.json().status, 'awaiting_confirmation');
    assert.equal(first.json().confirmation, 'payment_password');
    assert.equal(first.json().transferId, null);
    assert.equal(await balanceOf(payer), 8_000n, 'nothing moved before the confirmation');
    const confirmed = await confirm(payer, first.json().id, { paymentPassword: payer.paymentPassword });
    assert.equal(confirmed.statusCode, 200, confirmed.body);

    // Bob again, password-free: one request, and the answer is the receipt.
    const before = await transferCount();
    const requestId = nextRequestId();
    const paid = await payNow(5_000, requestId);
    assert.equal(paid.statusCode, 201, paid.body);
    const receipt = paid.json();
    assert.equal(receipt.status, 'succeeded');
    assert.equal(receipt.confirmation, 'none');
    assert.equal(receipt.transferId, `pay:${receipt.id}`);
    assert.equal(await ledgerTransfers(receipt.transferId), 1);
    assert.equal(await balanceOf(payer), 2_000n);
    const limits = (await call(payer, 'GET', '/api/v1/me/limits')).json();
    const balanceLimits = limits.channels.find((c: { channel: string }) => c.channel === 'balance');
    assert.deepEqual(receipt.allowanceLeftToday, balanceLimits.allowanceLeftToday);
    assert.deepEqual((await call(payer, 'GET', '/api/v1/me/password-free')).json().usedToday, cny(5_000));
    const audit = await store.db
      .selectFrom('payment_audit')
      .select(['type', 'details'])
      .where('intent_id', '=', receipt.id)
      .orderBy('id')
      .execute();
    assert.deepEqual(
      audit.map((a) => a.type),
      ['intent_created', 'intent_confirmed'],
    );
    assert.equal(audit[1]?.details.confirmedBy, 'none');
    const notices = await store.db
      .selectFrom('inbox_messages')
      .select('template')
      .where('user_id', '=', payer.userId)
      .where('template', '=', 'payment_sent')
      .execute();
    assert.equal(notices.length, 2, 'a receipt notice for each payment');

    // The same clientRequestId again: the same receipt, nothing posted twice.
    const again = await payNow(5_000, requestId);
    assert.equal(again.statusCode, 200, again.body);
    assert.equal(again.json().id, receipt.id);
    assert.equal(again.json().status, 'succeeded');
    assert.equal(await transferCount(), before + 1);

    // Password-free, but more than the balance: refused with its code, and since the intent and
    // its settlement commit together, no intent is left behind, only the audit entry.
    const refusedId = nextRequestId();
    const refused = await payNow(3_000, refusedId);
    assert.equal(refused.statusCode, 422, refused.body);
    assert.equal(refused.json().error.code, 'insufficient_funds');
    const leftBehind = await store.db
      .selectFrom('payment_intents')
      .select('id')
      .where('payer_id', '=', payer.userId)
      .where('client_request_id', '=', refusedId)
      .execute();
    assert.deepEqual(leftBehind, []);
    assert.equal((await auditTypes(payer.userId)).at(-1), 'intent_refused');
    assert.equal(await balanceOf(payer), 2_000n);
    assert.equal(await transferCount(), before + 1);
  });

  test('the risk hook: deny refuses the payment (review holds it: src/http/risk-routes.test.ts); the decision is recorded on every intent', async () => {
    const created = (await createIntent(alice, { payee: { phone: bob.phone }, amount: cny(100) })).json();
    const row = await store.db
      .selectFrom('payment_intents')
      .select(['risk_decision', 'risk_level', 'risk_reasons'])
      .where('id', '=', created.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(row, { risk_decision: 'allow', risk_level: 'low', risk_reasons: ['test_allow'] });
    for (const decision of ['deny', 'deny'] as const) {
      riskNext = { decision, level: 'high', reasons: [`test_${decision}`] };
      const refused = await createIntent(alice, { payee: { phone: bob.phone }, amount: cny(100) });
      riskNext = undefined;
      assert.equal(refused.statusCode, 403);
      assert.equal(refused.json().error.code, 'payment_declined');
      assert.doesNotMatch(refused.body, /test_/, 'risk reasons are not shown to the payer');
    }
    const audits = await store.db
      .selectFrom('payment_audit')
      .select('details')
      .where('user_id', '=', alice.userId)
      .where('type', '=', 'intent_refused')
      .orderBy('id', 'desc')
      .limit(2)
      .execute();
    assert.deepEqual(
      audits.map((a) => a.details.riskReasons),
      [['test_deny'], ['test_deny']],
    );
  });

  test('phone look-ups are budgeted per payer (found or not); merchant payments are not look-ups', async () => {
    const payer = await newPayer('查询', 10_000n);
    for (let i = 0; i < PAYEE_LOOKUPS_PER_HOUR_MAX; i++) {
      const phone = i % 2 === 0 ? bob.phone : `+86136${String(10_000_000 + i)}`;
      const r = await createIntent(payer, { payee: { phone }, amount: cny(100) });
      assert.ok([201, 404].includes(r.statusCode), r.body);
    }
    const limited = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(100) });
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.json().error.code, 'rate_limited');
    const retryAfterMs = limited.json().error.details.retryAfterMs;
    assert.ok(retryAfterMs > 0 && retryAfterMs <= 3_600_000, String(retryAfterMs));
    const merchant = await createIntent(payer, { payee: { merchantId: DEMO_MERCHANT.id }, amount: cny(100) });
    assert.equal(merchant.statusCode, 201, merchant.body);
    // An idempotent replay of an earlier intent is not a new look-up.
    const first = await store.db
      .selectFrom('payment_intents')
      .select(['client_request_id'])
      .where('payer_id', '=', payer.userId)
      .where('payee_kind', '=', 'user')
      .orderBy('created_at')
      .executeTakeFirstOrThrow();
    const replay = await createIntent(payer, {
      payee: { phone: bob.phone },
      amount: cny(100),
      clientRequestId: first.client_request_id,
    });
    assert.equal(replay.statusCode, 200, replay.body);
  });

  test('allowances reset at midnight Beijing time; the ledger verifies at the end', async () => {
    const payer = await newPayer('明日', 50_000n);
    await call(payer, 'PUT', '/api/v1/me/limits/balance', { perPayment: cny(10_000), perDay: cny(10_000) });
    await pay(payer, bob, 10_000n);
    const full = await createIntent(payer, { payee: { phone: bob.phone }, amount: cny(1) });
    assert.equal(full.json().error.code, 'limit_exceeded');

    const midnight = Date.UTC(2026, 2, 2, 16, 0, 0); // 00:00 on 3 March in Beijing
    clock.set(Math.max(midnight, clock.nowMs()) + 60_000);
    await signIn(payer);
    const limits = (await call(payer, 'GET', '/api/v1/me/limits')).json();
    assert.equal(limits.day, '2026-03-03');
    assert.deepEqual(limits.channels[0].spentToday, cny(0));
    assert.deepEqual(limits.channels[0].allowanceLeftToday, cny(10_000));
    await pay(payer, bob, 10_000n);
    assert.equal(await balanceOf(payer), 30_000n);

    const report = await verifyLedger(store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    assert.ok(report.ok);
  });
});
