// Proves issue 9 point 3 over HTTP (PGlite or PostgreSQL): a first payment of 200.00 CNY or more
// to a payee, or any first payment the risk hook challenges, carries `fraudWarning`; confirming it
// without `warningAcknowledged: true` is refused (warning_not_acknowledged) before the payment
// password is even checked, and moves no money; acknowledged, it pays and the acknowledgement is
// kept on the intent and in the audit. A payee paid before, or a small first payment, has no
// warning. A scanned merchant code says whether the merchant's name was verified and if it is new.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { createModules, type Modules } from '../main.ts';
import type { RiskAssessment, RiskHook } from '../payments/index.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { TEST_OPERATOR_TOKEN, TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';

const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
let riskNext: RiskAssessment | undefined;
const riskHook: RiskHook = {
  assess: async () => riskNext ?? { decision: 'allow', level: 'low', reasons: ['test_allow'] },
};
let store: TestStore;
let modules: Modules;
let app: FastifyInstance;

before(async () => {
  store = await openTestStore();
  const config = loadConfig(
    {},
    { logLevel: 'silent', webDistDir: '/nonexistent', operatorToken: TEST_OPERATOR_TOKEN },
  );
  modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
    riskHook,
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
  readonly phone: string;
  readonly ip: string;
  readonly userId: string;
  readonly token: string;
}
const PASSWORD = 'warned-payer-2026';
const PIN = '583917';
let counter = 0;

async function newUser(): Promise<Client> {
  counter++;
  const phone = `+86135${String(50_000_000 + counter)}`;
  const user = await modules.identity.createUser({
    phoneE164: phone,
    displayName: `李${counter}明`,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  const wallet = await modules.wallet.openWallet(user.id, 'CNY');
  const bank = await modules.ledger.systemAccount('external_funding', 'CNY');
  const [topUp] = await modules.ledger.createTransfers([
    {
      id: `warn-topup-${counter}`,
      kind: 'posted',
      code: 'top_up',
      legs: [
        { debitAccountId: bank.id, creditAccountId: wallet.id, amountMinor: 1_000_000n, currency: 'CNY' },
      ],
    },
  ]);
  assert.equal(topUp?.status, 'created');
  const ip = `10.42.0.${counter}`;
  const inject = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  let response = await inject('/api/v1/auth/sign-in', { phone, password: PASSWORD });
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    clock.advance(61_000);
    await inject('/api/v1/auth/sign-in/send-code', { challengeToken });
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await lastSentCode(store.db, phone),
    });
  }
  assert.equal(response.statusCode, 200, response.body);
  return { phone, ip, userId: response.json().user.id, token: response.json().token };
}

function call(client: Client, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

let requests = 0;
async function intentTo(payer: Client, payee: Client, amountMinor: number) {
  const response = await call(payer, 'POST', '/api/v1/payments/intents', {
    payee: { phone: payee.phone },
    amount: { amountMinor: String(amountMinor), currency: 'CNY' },
    channel: 'balance',
    clientRequestId: `warn-${++requests}`,
  });
  assert.equal(response.statusCode, 201, response.body);
  return response.json();
}

async function postedMinor(client: Client): Promise<bigint> {
  const wallet = await call(client, 'GET', '/api/v1/wallet');
  return BigInt(wallet.json().accounts[0].posted.amountMinor);
}

test('a large first payment needs the warning acknowledged; the acknowledgement is recorded', async () => {
  const payer = await newUser();
  const payee = await newUser();
  const small = await intentTo(payer, payee, 19_999);
  assert.equal(small.fraudWarning, false, 'below 200.00: no warning');

  const large = await intentTo(payer, payee, 20_000);
  assert.equal(large.fraudWarning, true);
  assert.equal(large.warningAcknowledgedAt, null);
  const before = await postedMinor(payer);
  const refused = await call(payer, 'POST', `/api/v1/payments/intents/${large.id}/confirm`, {
    paymentPassword: '000000',
  });
  assert.equal(refused.statusCode, 422, refused.body);
  assert.equal(refused.json().error.code, 'warning_not_acknowledged');
  const notTicked = await call(payer, 'POST', `/api/v1/payments/intents/${large.id}/confirm`, {
    paymentPassword: PIN,
    warningAcknowledged: false,
  });
  assert.equal(notTicked.json().error.code, 'warning_not_acknowledged');
  assert.equal(await postedMinor(payer), before, 'no money moved');
  const failures = await store.db
    .selectFrom('users')
    .select('payment_failures')
    .where('id', '=', payer.userId)
    .executeTakeFirstOrThrow();
  assert.equal(failures.payment_failures, 0, 'the wrong password was never tried');

  const paid = await call(payer, 'POST', `/api/v1/payments/intents/${large.id}/confirm`, {
    paymentPassword: PIN,
    warningAcknowledged: true,
  });
  assert.equal(paid.statusCode, 200, paid.body);
  assert.equal(paid.json().status, 'succeeded');
  assert.ok(paid.json().warningAcknowledgedAt);
  assert.equal(await postedMinor(payer), before - 20_000n);
  const audit = await store.db
    .selectFrom('payment_audit')
    .select(['type', 'details'])
    .where('intent_id', '=', large.id)
    .orderBy('id')
    .execute();
  assert.equal(audit.find((a) => a.type === 'intent_created')?.details.fraudWarning, true);
  assert.equal(audit.find((a) => a.type === 'intent_confirmed')?.details.fraudWarningAcknowledged, true);
  assert.deepEqual(
    audit.filter((a) => a.type === 'confirm_refused').map((a) => a.details.code),
    ['warning_not_acknowledged', 'warning_not_acknowledged'],
  );

  const again = await intentTo(payer, payee, 50_000);
  assert.equal(again.fraudWarning, false, 'a payee paid before is not new');
});

test('a small first payment the risk hook challenges carries the warning too', async () => {
  const payer = await newUser();
  const payee = await newUser();
  riskNext = { decision: 'challenge', level: 'medium', reasons: ['test_challenge'] };
  const risky = await intentTo(payer, payee, 500);
  riskNext = undefined;
  assert.equal(risky.fraudWarning, true);
});

test('a scanned merchant code says whether the merchant is verified and new', async () => {
  const payer = await newUser();
  const settlement = await modules.ledger.createAccount({
    kind: 'merchant_settlement',
    currency: 'CNY',
    ownerId: 'm_unverified',
    label: 'Unverified shop settlement',
  });
  await store.db
    .insertInto('merchants')
    .values({
      id: 'm_unverified',
      name: 'Quick Shop',
      settlement_account_id: settlement.id,
      currency: 'CNY',
      created_at: new Date(clock.nowMs() - 60 * 86_400_000),
    })
    .execute();
  const issued = await app.inject({
    method: 'GET',
    url: '/api/v1/merchants/m_unverified/qr',
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
  });
  assert.equal(issued.statusCode, 200, issued.body);
  const resolved = await call(payer, 'POST', '/api/v1/qr/resolve', { code: issued.json().code });
  assert.equal(resolved.statusCode, 200, resolved.body);
  assert.deepEqual(resolved.json().payee, {
    kind: 'merchant',
    merchantId: 'm_unverified',
    name: 'Quick Shop',
    verified: false,
    isNew: false,
  });
});

test('a payment reaches both inboxes; a payee who switched payment SMS off gets none', async () => {
  const payer = await newUser();
  const payee = await newUser();
  const off = await call(payee, 'PUT', '/api/v1/me/notification-preferences', {
    category: 'payments',
    channel: 'sms',
    enabled: false,
  });
  assert.equal(off.statusCode, 200, off.body);
  const intent = await intentTo(payer, payee, 1_234);
  const paid = await call(payer, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
    paymentPassword: PIN,
  });
  assert.equal(paid.statusCode, 200, paid.body);

  const payerInbox = (await call(payer, 'GET', '/api/v1/me/inbox?category=payments')).json().messages;
  assert.equal(payerInbox.length, 1);
  assert.equal(payerInbox[0].template, 'payment_sent');
  assert.match(payerInbox[0].body, /12\.34/);
  const payeeInbox = (await call(payee, 'GET', '/api/v1/me/inbox?category=payments')).json().messages;
  assert.equal(payeeInbox.length, 1);
  assert.equal(payeeInbox[0].template, 'payment_received');
  assert.equal(payeeInbox[0].critical, false);
  const sms = await store.db
    .selectFrom('notification_outbox')
    .select('id')
    .where('user_id', '=', payee.userId)
    .where('template', '=', 'payment_received')
    .where('channel', '=', 'sms')
    .execute();
  assert.equal(sms.length, 0, 'switched off by the payee');
});
