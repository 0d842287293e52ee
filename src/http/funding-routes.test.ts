// Proves issue 4 point 1 over HTTP (app.inject on a real store, PGlite or PostgreSQL): linking a
// card (Luhn-checked, stored as token + last four + BIN guess + HMAC, never the number), listing
// it masked, removing it; top-ups and withdrawals as pending holds that settleDue() posts when the
// simulated bank answers (2 s later on a manual clock) or voids when it declines (cards ending
// 0002), so a failed withdrawal returns the money; idempotency by clientRequestId; settlement
// after a "restart" (a second module set on the same store); every bad input as a 4xx code with
// no money moved; and verifyLedger at the end.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedDemo } from '../demo/index.ts';
import { luhnCheckDigit, SIMULATOR_SETTLE_DELAY_MS } from '../funding/index.ts';
import { verifyLedger } from '../ledger/index.ts';
import { createModules, type Modules } from '../main.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';

/** Monday 2 March 2026, 10:00 in Beijing. */
const clock = new ManualClock(Date.UTC(2026, 2, 2, 2, 0, 0));
const masterKey = randomBytes(32);
let store: TestStore;
let modules: Modules;
let app: FastifyInstance;

before(async () => {
  store = await openTestStore();
  const config = loadConfig({}, { logLevel: 'silent', webDistDir: '/nonexistent' });
  modules = createModules(store, config, clock, {
    masterKey,
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
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
  readonly ip: string;
  userId: string;
  token: string;
}

const PASSWORD = 'funder-login-2026';
const PIN = '583917';
let counter = 0;

function latestCode(phone: string): Promise<string> {
  return lastSentCode(store.db, phone);
}

/** A new user with a payment password, signed in through the SMS challenge of a new device. */
async function newUser(): Promise<Client> {
  counter++;
  const phone = `+86136${String(30_000_000 + counter)}`;
  const user = await modules.identity.createUser({
    phoneE164: phone,
    displayName: `Funder ${counter}`,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  await modules.wallet.openWallet(user.id, 'CNY');
  const ip = `10.40.0.${counter}`;
  const inject = (url: string, payload: object) =>
    app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  let response = await inject('/api/v1/auth/sign-in', { phone, password: PASSWORD });
  assert.equal(response.statusCode, 200, response.body);
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    clock.advance(61_000);
    assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await latestCode(phone),
    });
    assert.equal(response.statusCode, 200, response.body);
  }
  return { phone, ip, userId: response.json().user.id, token: response.json().token };
}

function call(client: Client, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
  return app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

/** A Luhn-valid 16-digit UnionPay (ICBC BIN) number ending in `last4`. */
function cardEnding(last4: string, variant = 0): string {
  for (let d = 0; d < 10; d++) {
    const number = `622202${String(variant).padStart(5, '0')}${d}${last4}`;
    const payload = number.slice(0, -1);
    if (luhnCheckDigit(payload) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable: one digit reaches every check residue');
}

const cny = (amountMinor: bigint | number) => ({ amountMinor: String(amountMinor), currency: 'CNY' });
let requestCounter = 0;
const nextRequestId = () => `fund-${++requestCounter}`;

async function balances(client: Client): Promise<{ posted: bigint; available: bigint }> {
  const r = await call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  const account = r.json().accounts[0];
  return { posted: BigInt(account.posted.amountMinor), available: BigInt(account.available.amountMinor) };
}

async function linkCard(client: Client, cardNumber: string): Promise<string> {
  const r = await call(client, 'POST', '/api/v1/me/cards', { cardNumber });
  assert.equal(r.statusCode, 201, r.body);
  return r.json().id;
}

function topUp(client: Client, body: { cardId: string; amount: object; clientRequestId?: string }) {
  return call(client, 'POST', '/api/v1/funding/top-ups', { clientRequestId: nextRequestId(), ...body });
}

function withdraw(
  client: Client,
  body: { cardId: string; amount: object; paymentPassword?: string; clientRequestId?: string },
) {
  return call(client, 'POST', '/api/v1/funding/withdrawals', {
    clientRequestId: nextRequestId(),
    paymentPassword: PIN,
    ...body,
  });
}

/** Lets the simulated bank answer, then settles what is due. */
async function bankAnswers(): Promise<void> {
  clock.advance(SIMULATOR_SETTLE_DELAY_MS);
  while ((await modules.funding.settleDue()) > 0) {}
}

async function transferCount(): Promise<number> {
  return (await store.db.selectFrom('ledger_transfers').select('id').execute()).length;
}

async function funded(client: Client, cardId: string, amountMinor: bigint): Promise<void> {
  const r = await topUp(client, { cardId, amount: cny(amountMinor) });
  assert.equal(r.statusCode, 201, r.body);
  await bankAnswers();
}

describe('funding', () => {
  let alice: Client;
  let bob: Client;
  let aliceCard: string;
  const aliceNumber = cardEnding('1234');

  before(async () => {
    alice = await newUser();
    bob = await newUser();
  });

  test('linking a card keeps a token, the last four, the issuer and an HMAC — never the number', async () => {
    const r = await call(alice, 'POST', '/api/v1/me/cards', {
      cardNumber: `${aliceNumber.slice(0, 4)} ${aliceNumber.slice(4)}`,
    });
    assert.equal(r.statusCode, 201, r.body);
    const card = r.json();
    aliceCard = card.id;
    assert.equal(card.masked, '**** 1234');
    assert.equal(card.last4, '1234');
    assert.equal(card.brand, 'UnionPay');
    assert.equal(card.bank, 'ICBC');
    assert.ok(!r.body.includes(aliceNumber));
    const row = await store.db
      .selectFrom('funding_cards')
      .selectAll()
      .where('id', '=', card.id)
      .executeTakeFirstOrThrow();
    assert.ok(
      !JSON.stringify(row).includes(aliceNumber.slice(0, 12)),
      'no more than the last four digits stored',
    );
    assert.match(row.number_hmac, /^[0-9a-f]{64}$/);
    assert.ok(row.token.length >= 32);

    const listed = await call(alice, 'GET', '/api/v1/me/cards');
    assert.equal(listed.statusCode, 200);
    assert.deepEqual(
      listed.json().cards.map((c: { masked: string }) => c.masked),
      ['**** 1234'],
    );
    assert.deepEqual((await call(bob, 'GET', '/api/v1/me/cards')).json().cards, []);
  });

  test('bad card numbers: luhn_failed, invalid_card_number, the same card twice', async () => {
    const wrongDigit = aliceNumber.slice(0, -1) + ((Number(aliceNumber.at(-1)) + 1) % 10);
    const r = await call(alice, 'POST', '/api/v1/me/cards', { cardNumber: wrongDigit });
    assert.equal(r.statusCode, 400);
    assert.equal(r.json().error.code, 'luhn_failed');
    assert.ok(!r.body.includes(wrongDigit));
    const short = await call(alice, 'POST', '/api/v1/me/cards', { cardNumber: '4111 1111' });
    assert.equal(short.json().error.code, 'invalid_card_number');
    const again = await call(alice, 'POST', '/api/v1/me/cards', { cardNumber: aliceNumber });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'card_already_linked');
    const extra = await call(alice, 'POST', '/api/v1/me/cards', { cardNumber: aliceNumber, cvv: '123' });
    assert.equal(extra.json().error.code, 'validation_failed');
  });

  test('a top-up is pending until the bank answers, then posted; replays answer the same operation', async () => {
    const before = await transferCount();
    const body = { cardId: aliceCard, amount: cny(50_000), clientRequestId: 'alice-topup-1' };
    const r = await topUp(alice, body);
    assert.equal(r.statusCode, 201, r.body);
    const op = r.json();
    assert.equal(op.status, 'pending');
    assert.equal(op.kind, 'top_up');
    assert.equal(op.card.masked, '**** 1234');
    assert.deepEqual(await balances(alice), { posted: 0n, available: 0n });

    const replay = await topUp(alice, body);
    assert.equal(replay.statusCode, 200);
    assert.equal(replay.json().id, op.id);
    const reused = await topUp(alice, { ...body, amount: cny(1) });
    assert.equal(reused.statusCode, 409);
    assert.equal(reused.json().error.code, 'client_request_id_reused');

    // Not due yet: nothing settles.
    clock.advance(SIMULATOR_SETTLE_DELAY_MS - 1);
    await modules.funding.settleDue();
    assert.equal((await call(alice, 'GET', `/api/v1/funding/operations/${op.id}`)).json().status, 'pending');
    clock.advance(1);
    while ((await modules.funding.settleDue()) > 0) {}
    const settled = await call(alice, 'GET', `/api/v1/funding/operations/${op.id}`);
    assert.equal(settled.json().status, 'succeeded');
    assert.ok(settled.json().settledAt);
    assert.deepEqual(await balances(alice), { posted: 50_000n, available: 50_000n });
    assert.equal(await transferCount(), before + 2, 'one hold, one post');
    assert.equal((await topUp(alice, body)).json().status, 'succeeded');
  });

  test('a withdrawal holds the money, then the bank takes it', async () => {
    const r = await withdraw(alice, { cardId: aliceCard, amount: cny(20_000) });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().status, 'pending');
    assert.deepEqual(await balances(alice), { posted: 50_000n, available: 30_000n });
    await bankAnswers();
    assert.equal(
      (await call(alice, 'GET', `/api/v1/funding/operations/${r.json().id}`)).json().status,
      'succeeded',
    );
    assert.deepEqual(await balances(alice), { posted: 30_000n, available: 30_000n });
  });

  test('a declined withdrawal (card ending 0002) returns the money; a declined top-up adds none', async () => {
    const declining = await linkCard(alice, cardEnding('0002'));
    const r = await withdraw(alice, { cardId: declining, amount: cny(10_000) });
    assert.equal(r.statusCode, 201, r.body);
    assert.deepEqual(await balances(alice), { posted: 30_000n, available: 20_000n });
    await bankAnswers();
    const op = (await call(alice, 'GET', `/api/v1/funding/operations/${r.json().id}`)).json();
    assert.equal(op.status, 'failed');
    assert.equal(op.failureReason, 'card_declined');
    assert.deepEqual(await balances(alice), { posted: 30_000n, available: 30_000n });

    const top = await topUp(alice, { cardId: declining, amount: cny(10_000) });
    await bankAnswers();
    assert.equal(
      (await call(alice, 'GET', `/api/v1/funding/operations/${top.json().id}`)).json().status,
      'failed',
    );
    assert.deepEqual(await balances(alice), { posted: 30_000n, available: 30_000n });
  });

  test('bad input: a clear 4xx code each, and no money moved', async () => {
    const bobCard = await linkCard(bob, cardEnding('5678', 1));
    const before = await transferCount();
    const cases: [Promise<{ statusCode: number; json(): { error: { code: string } } }>, number, string][] = [
      [withdraw(alice, { cardId: bobCard, amount: cny(100) }), 404, 'card_not_found'],
      [topUp(alice, { cardId: 'card_nope', amount: cny(100) }), 404, 'card_not_found'],
      [withdraw(alice, { cardId: aliceCard, amount: cny(0) }), 400, 'invalid_amount'],
      [withdraw(alice, { cardId: aliceCard, amount: cny(-5) }), 400, 'invalid_amount'],
      [
        topUp(alice, { cardId: aliceCard, amount: { amountMinor: '1.5', currency: 'CNY' } }),
        400,
        'invalid_amount',
      ],
      [
        topUp(alice, { cardId: aliceCard, amount: { amountMinor: '100', currency: 'USD' } }),
        422,
        'currency_mismatch',
      ],
      [
        topUp(alice, { cardId: aliceCard, amount: { amountMinor: '100', currency: 'XXX' } }),
        400,
        'invalid_currency',
      ],
      [withdraw(alice, { cardId: aliceCard, amount: cny(30_001) }), 422, 'insufficient_funds'],
      [
        withdraw(alice, { cardId: aliceCard, amount: cny(100), paymentPassword: '000000' }),
        401,
        'wrong_payment_password',
      ],
      [withdraw(alice, { cardId: aliceCard, amount: cny(5_000_001) }), 422, 'limit_exceeded'],
      [call(alice, 'GET', '/api/v1/funding/operations/fop_nope'), 404, 'operation_not_found'],
      [call(alice, 'DELETE', `/api/v1/me/cards/${bobCard}`), 404, 'card_not_found'],
    ];
    for (const [pending, status, code] of cases) {
      const r = await pending;
      assert.equal(r.statusCode, status, `${code}: ${JSON.stringify(r.json())}`);
      assert.equal(r.json().error.code, code);
    }
    // Bob's operation is not Alice's to read.
    await funded(bob, bobCard, 1_000n);
    const bobOp = await store.db
      .selectFrom('funding_operations')
      .select('id')
      .where('user_id', '=', bob.userId)
      .executeTakeFirstOrThrow();
    assert.equal((await call(alice, 'GET', `/api/v1/funding/operations/${bobOp.id}`)).statusCode, 404);
    assert.equal(await transferCount(), before + 2, "only Bob's own top-up moved money");
    assert.deepEqual(await balances(alice), { posted: 30_000n, available: 30_000n });
  });

  test('a frozen account cannot withdraw but can top up', async () => {
    const carol = await newUser();
    const card = await linkCard(carol, cardEnding('4321', 2));
    await funded(carol, card, 5_000n);
    await store.db
      .updateTable('users')
      .set({ frozen_at: new Date(clock.nowMs()), frozen_reason: 'test' })
      .where('id', '=', carol.userId)
      .execute();
    const refused = await withdraw(carol, { cardId: card, amount: cny(1_000) });
    assert.equal(refused.statusCode, 423);
    assert.equal(refused.json().error.code, 'account_frozen');
    const top = await topUp(carol, { cardId: card, amount: cny(1_000) });
    assert.equal(top.statusCode, 201, top.body);
    await bankAnswers();
    assert.deepEqual(await balances(carol), { posted: 6_000n, available: 6_000n });
  });

  test('removing a card: gone from the list, unusable, and its pending operation still settles', async () => {
    const dave = await newUser();
    const card = await linkCard(dave, cardEnding('7777', 3));
    const pending = await topUp(dave, { cardId: card, amount: cny(2_000) });
    assert.equal((await call(dave, 'DELETE', `/api/v1/me/cards/${card}`)).statusCode, 204);
    assert.deepEqual((await call(dave, 'GET', '/api/v1/me/cards')).json().cards, []);
    assert.equal((await topUp(dave, { cardId: card, amount: cny(1) })).json().error.code, 'card_not_found');
    await bankAnswers();
    assert.equal(
      (await call(dave, 'GET', `/api/v1/funding/operations/${pending.json().id}`)).json().status,
      'succeeded',
    );
    // The same number can be linked again after removal.
    await linkCard(dave, cardEnding('7777', 3));
  });

  test('a pending top-up survives a restart: new modules on the same store settle it', async () => {
    const erin = await newUser();
    const card = await linkCard(erin, cardEnding('8888', 4));
    const r = await topUp(erin, { cardId: card, amount: cny(3_000) });
    assert.equal(r.json().status, 'pending');
    const config = loadConfig({}, { logLevel: 'silent', webDistDir: '/nonexistent' });
    const restarted = createModules(store, config, clock, {
      masterKey,
      devMode: true,
      publicUrl: new URL(TEST_PUBLIC_URL),
    });
    clock.advance(SIMULATOR_SETTLE_DELAY_MS);
    while ((await restarted.funding.settleDue()) > 0) {}
    await restarted.ledger.drain();
    assert.equal(
      (await call(erin, 'GET', `/api/v1/funding/operations/${r.json().id}`)).json().status,
      'succeeded',
    );
    assert.deepEqual(await balances(erin), { posted: 3_000n, available: 3_000n });
  });

  test('the ledger verifies: balances equal the journal, every hold resolved once', async () => {
    const report = await verifyLedger(store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    assert.ok(report.ok);
    const pending = await store.db
      .selectFrom('funding_operations')
      .select('id')
      .where('status', '=', 'pending')
      .execute();
    assert.deepEqual(pending, []);
  });
});
