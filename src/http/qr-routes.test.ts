// Proves issue 4 point 3 over HTTP (app.inject on a real store, PGlite or PostgreSQL): a merchant
// code issued with the operator token is resolved to the verified name and paid end to end (intent,
// then confirmation with the payer's payment password); a collect-money code between demo users;
// forged, changed, unknown-version, malformed and expired (ManualClock) codes refused with
// qr_invalid / qr_expired and no intent created; a fixed amount that cannot be changed; and
// (fast-check) single-character changes to a valid code refused by the endpoint.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { DEMO_MERCHANT, DEMO_USERS } from '../demo/index.ts';
import { maskName } from '../payments/index.ts';
import { decodeQrCode, deriveQrSigningKey, encodeQrCode, QR_COLLECT_TTL_MS } from '../qr/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';

let t: TestApp;

interface Client {
  readonly phone: string;
  readonly password: string;
  readonly paymentPassword: string;
  readonly ip: string;
  token: string;
  deviceKey: string | undefined;
}

before(async () => {
  t = await openTestApp();
});
after(async () => {
  await t?.close();
});

function latestCode(phone: string): Promise<string> {
  return lastSentCode(t.store.db, phone);
}

/** Signs in with the password; a new device answers the SMS challenge (as payment-routes.test). */
async function signIn(client: Client): Promise<void> {
  const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  const inject = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, headers, remoteAddress: client.ip });
  let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: client.password });
  assert.equal(response.statusCode, 200, response.body);
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    t.clock.advance(61_000);
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
  client.deviceKey = response.cookies.find((c) => c.name === 'rampart_device')?.value ?? client.deviceKey;
}

function call(client: Client, method: 'GET' | 'POST', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

function operatorQr(merchantId: string, query = '') {
  return t.app.inject({
    method: 'GET',
    url: `/api/v1/merchants/${merchantId}/qr${query}`,
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
  });
}

async function balanceOf(client: Client): Promise<bigint> {
  const r = await call(client, 'GET', '/api/v1/wallet');
  assert.equal(r.statusCode, 200, r.body);
  return BigInt(r.json().accounts[0].posted.amountMinor);
}

async function intentCount(): Promise<number> {
  return (await t.store.db.selectFrom('payment_intents').select('id').execute()).length;
}

const cny = (amountMinor: bigint | number) => ({ amountMinor: String(amountMinor), currency: 'CNY' });
let requestCounter = 0;
const nextRequestId = () => `qr-req-${++requestCounter}`;

function resolve(client: Client, code: string) {
  return call(client, 'POST', '/api/v1/qr/resolve', { code });
}

function pay(client: Client, body: { code: string; amount?: object; clientRequestId?: string }) {
  return call(client, 'POST', '/api/v1/qr/pay', { clientRequestId: nextRequestId(), ...body });
}

/** Expects the refusal `code` from both resolve and pay, and no intent created. */
async function expectRefused(client: Client, qrCode: string, code: string, status: number) {
  const before = await intentCount();
  const resolved = await resolve(client, qrCode);
  assert.equal(resolved.statusCode, status, resolved.body);
  assert.equal(resolved.json().error.code, code);
  const paid = await pay(client, { code: qrCode, amount: cny(100) });
  assert.equal(paid.statusCode, status, paid.body);
  assert.equal(paid.json().error.code, code);
  assert.equal(await intentCount(), before, 'nothing else happened');
}

const [aliceDemo, bobDemo] = DEMO_USERS as [(typeof DEMO_USERS)[0], (typeof DEMO_USERS)[0]];
const alice: Client = {
  ...aliceDemo,
  phone: aliceDemo.phoneE164,
  ip: '10.30.0.1',
  token: '',
  deviceKey: undefined,
};
const bob: Client = {
  ...bobDemo,
  phone: bobDemo.phoneE164,
  ip: '10.30.0.2',
  token: '',
  deviceKey: undefined,
};

describe('qr codes', () => {
  before(async () => {
    await signIn(alice);
    await signIn(bob);
  });

  test('merchant code: issued with the operator token, resolved to the verified name, paid and confirmed', async () => {
    assert.equal((await t.app.inject({ url: `/api/v1/merchants/${DEMO_MERCHANT.id}/qr` })).statusCode, 401);
    assert.equal((await operatorQr('mch_nobody')).statusCode, 404);
    const issued = await operatorQr(DEMO_MERCHANT.id);
    assert.equal(issued.statusCode, 200, issued.body);
    const qr = issued.json();
    assert.match(qr.code, /^rampart:1:[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    assert.match(qr.svg, /^<svg/);
    assert.equal(qr.kind, 'merchant');
    assert.equal(qr.amount, null);
    // A static code lives a year.
    assert.equal(Date.parse(qr.expiresAt) - Date.parse(qr.issuedAt), 365 * 24 * 3600 * 1000);

    const resolved = await resolve(alice, qr.code);
    assert.equal(resolved.statusCode, 200, resolved.body);
    assert.equal(resolved.json().codeKind, 'merchant');
    assert.deepEqual(resolved.json().payee, {
      kind: 'merchant',
      merchantId: DEMO_MERCHANT.id,
      name: DEMO_MERCHANT.name,
      verified: true, // issue 9: the demo merchant's name is checked
      isNew: true, // seeded moments ago
    });
    assert.equal(resolved.json().amount, null);

    const before = await balanceOf(alice);
    const body = { code: qr.code, amount: cny(1500), clientRequestId: 'qr-coffee-1' };
    const created = await pay(alice, body);
    assert.equal(created.statusCode, 201, created.body);
    const intent = created.json();
    assert.equal(intent.status, 'awaiting_confirmation');
    assert.deepEqual(intent.payee, {
      kind: 'merchant',
      merchantId: DEMO_MERCHANT.id,
      name: DEMO_MERCHANT.name,
    });
    assert.deepEqual(intent.amount, cny(1500));
    assert.equal(intent.confirmation, 'payment_password');
    // Same shape as the intents endpoint.
    const fetched = await call(alice, 'GET', `/api/v1/payments/intents/${intent.id}`);
    assert.deepEqual(fetched.json(), intent);
    // Idempotent per payer.
    const replayed = await pay(alice, body);
    assert.equal(replayed.statusCode, 200, replayed.body);
    assert.equal(replayed.json().id, intent.id);
    assert.equal(await balanceOf(alice), before, 'no money moves before confirmation');

    const wrong = await call(alice, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: '000000',
    });
    assert.equal(wrong.statusCode, 401, wrong.body);
    const confirmed = await call(alice, 'POST', `/api/v1/payments/intents/${intent.id}/confirm`, {
      paymentPassword: alice.paymentPassword,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(confirmed.json().status, 'succeeded');
    assert.equal(await balanceOf(alice), before - 1500n);
  });

  test('collect-money code between demo users: masked name, pay, confirm; paying your own is refused', async () => {
    const issued = await call(bob, 'GET', '/api/v1/me/collect-qr');
    assert.equal(issued.statusCode, 200, issued.body);
    const qr = issued.json();
    assert.equal(qr.kind, 'collect');
    assert.equal(Date.parse(qr.expiresAt) - Date.parse(qr.issuedAt), QR_COLLECT_TTL_MS);

    const resolved = await resolve(alice, qr.code);
    assert.equal(resolved.statusCode, 200, resolved.body);
    assert.deepEqual(resolved.json().payee, { kind: 'user', maskedName: maskName(bobDemo.displayName) });
    assert.equal(resolved.json().codeKind, 'collect');
    assert.doesNotMatch(resolved.body, /13900139000|Bob/);

    const aliceBefore = await balanceOf(alice);
    const bobBefore = await balanceOf(bob);
    const noAmount = await pay(alice, { code: qr.code });
    assert.equal(noAmount.statusCode, 400, noAmount.body);
    assert.equal(noAmount.json().error.code, 'qr_amount_required');
    const created = await pay(alice, { code: qr.code, amount: cny(800) });
    assert.equal(created.statusCode, 201, created.body);
    assert.equal(created.json().payee.kind, 'user');
    assert.equal(created.json().payee.maskedName, maskName(bobDemo.displayName));
    const confirmed = await call(alice, 'POST', `/api/v1/payments/intents/${created.json().id}/confirm`, {
      paymentPassword: alice.paymentPassword,
    });
    assert.equal(confirmed.statusCode, 200, confirmed.body);
    assert.equal(await balanceOf(alice), aliceBefore - 800n);
    assert.equal(await balanceOf(bob), bobBefore + 800n);

    const own = await pay(bob, { code: qr.code, amount: cny(100) });
    assert.equal(own.statusCode, 422, own.body);
    assert.equal(own.json().error.code, 'cannot_pay_self');
  });

  test('fixed amount: shown on resolve, paid as is, a different amount refused', async () => {
    const issued = await operatorQr(DEMO_MERCHANT.id, '?amountMinor=2500&currency=CNY');
    assert.equal(issued.statusCode, 200, issued.body);
    const qr = issued.json();
    assert.deepEqual(qr.amount, cny(2500));
    assert.equal(
      Date.parse(qr.expiresAt) - Date.parse(qr.issuedAt),
      2 * 3600 * 1000,
      'an order code lives 2 h',
    );
    assert.deepEqual((await resolve(alice, qr.code)).json().amount, cny(2500));

    const before = await intentCount();
    const mismatch = await pay(alice, { code: qr.code, amount: cny(2400) });
    assert.equal(mismatch.statusCode, 422, mismatch.body);
    assert.equal(mismatch.json().error.code, 'qr_amount_mismatch');
    assert.equal(await intentCount(), before);
    const exact = await pay(alice, { code: qr.code, amount: cny(2500) });
    assert.equal(exact.statusCode, 201, exact.body);
    const implied = await pay(alice, { code: qr.code });
    assert.equal(implied.statusCode, 201, implied.body);
    assert.deepEqual(implied.json().amount, cny(2500));
  });

  test('forged MAC, changed payload, unknown version, malformed: qr_invalid and nothing else', async () => {
    const qr = (await operatorQr(DEMO_MERCHANT.id)).json();
    const decoded = decodeQrCode(Buffer.alloc(32), qr.code, t.clock.nowMs());
    assert.equal(decoded.ok, false, 'a code is bound to its key');
    // Forged: the same payload signed with a key that is not the server's.
    const [payloadPart, macPart] = qr.code.slice('rampart:1:'.length).split('.');
    const forgedKey = deriveQrSigningKey(randomBytes(32));
    const forged = encodeQrCode(forgedKey, {
      kind: 'merchant',
      subjectId: DEMO_MERCHANT.id,
      amount: { amountMinor: 1n, currency: 'CNY' },
      issuedAtMs: t.clock.nowMs(),
      expiresAtMs: t.clock.nowMs() + 3_600_000,
    });
    await expectRefused(alice, forged, 'qr_invalid', 400);
    // Changed payload under the original MAC: a fixed amount of 1 fen slipped in.
    const json = JSON.parse(Buffer.from(payloadPart, 'base64url').toString('utf8'));
    const changed = Buffer.from(JSON.stringify({ ...json, a: '1', c: 'CNY' })).toString('base64url');
    await expectRefused(alice, `rampart:1:${changed}.${macPart}`, 'qr_invalid', 400);
    await expectRefused(alice, qr.code.replace('rampart:1:', 'rampart:2:'), 'qr_invalid', 400);
    for (const malformed of ['hello', 'rampart:1:', `${qr.code}.`, `rampart:1:${payloadPart}`]) {
      await expectRefused(alice, malformed, 'qr_invalid', 400);
    }
  });

  test('property: single-character changes to a valid code are refused over HTTP', async () => {
    const qr = (await call(bob, 'GET', '/api/v1/me/collect-qr')).json();
    const code: string = qr.code;
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: code.length - 1 }),
        fc.constantFrom(...'ABQgw09_-.:xZ'.split('')),
        async (index, replacement) => {
          fc.pre(code[index] !== replacement);
          const changed = code.slice(0, index) + replacement + code.slice(index + 1);
          const r = await resolve(alice, changed);
          assert.equal(r.statusCode, 400, r.body);
          assert.equal(r.json().error.code, 'qr_invalid');
        },
      ),
      { numRuns: 60 },
    );
  });

  test('expired: a collect code past 24 h is refused with qr_expired', async () => {
    const qr = (await call(bob, 'GET', '/api/v1/me/collect-qr')).json();
    t.clock.advance(QR_COLLECT_TTL_MS + 1000);
    await signIn(alice); // the earlier session went idle meanwhile
    await expectRefused(alice, qr.code, 'qr_expired', 410);
  });
});
