// Proves the payment lock holds against a stolen unlocked phone, over HTTP on a real store (PGlite,
// or PostgreSQL with --pg): 3 wrong payment passwords lock payments; the SMS codes that reach the
// phone (a thief's, on the owner's open session) lift nothing and replace neither password; the
// owner's identity check (login password plus a second factor) lifts a first lock; a second lock
// within 24 hours lasts 24 hours and only a new payment password ends it; wrong login passwords at
// the identity check count toward the login lockout. Codes are read from the notification outbox,
// exactly what the SMS provider would deliver; the clock is manual.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
const PASSWORD = 'correct horse battery';
const PAY = '583917';
const HOUR_MS = 3_600_000;
let phoneCounter = 0;

before(async () => {
  t = await openTestApp({ demo: false });
});
after(async () => {
  await t?.close();
});

interface Client {
  readonly cookies: Map<string, string>;
  readonly ip: string;
}

async function call(client: Client, method: 'GET' | 'POST', url: string, payload?: object) {
  const headers: Record<string, string> = {};
  if (client.cookies.size > 0) headers.cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = client.cookies.get('rampart_csrf');
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  const response = await t.app.inject({ method, url, payload, headers, remoteAddress: client.ip });
  for (const cookie of response.cookies) {
    if (cookie.value === '' || cookie.maxAge === 0) client.cookies.delete(cookie.name);
    else client.cookies.set(cookie.name, cookie.value);
  }
  return response;
}

/** Signs a new person up, then (unless `fresh`) lets the sign-up's own freshness pass: a session
 *  opened with the password and an SMS code counts as the identity check for 5 minutes. */
async function signUp(
  options: { fresh?: boolean } = {},
): Promise<{ client: Client; phone: string; userId: string }> {
  const ip = '114.114.114.114';
  phoneCounter++;
  const phone = `+86138${String(20_000_000 + phoneCounter)}`;
  const client: Client = { cookies: new Map(), ip };
  const start = await call(client, 'POST', '/api/v1/auth/sign-up/start', { phone });
  assert.equal(start.statusCode, 200, start.body);
  const done = await call(client, 'POST', '/api/v1/auth/sign-up/complete', {
    signUpId: start.json().signUpId,
    phoneCode: await lastSentCode(t.store.db, phone),
    displayName: 'Lock Test',
    password: PASSWORD,
    paymentPassword: PAY,
  });
  assert.equal(done.statusCode, 201, done.body);
  if (!options.fresh) t.clock.advance(6 * 60_000);
  return { client, phone, userId: done.json().user.id };
}

async function verifyPin(client: Client, paymentPassword: string) {
  return call(client, 'POST', '/api/v1/me/payment-password/verify', { paymentPassword });
}

/** Three wrong payment passwords; answers the third refusal's details. */
async function lockPayments(client: Client): Promise<{ lockedUntil: string; liftableEarly: boolean }> {
  const codes: string[] = [];
  let last: { lockedUntil: string; liftableEarly: boolean } | undefined;
  for (let i = 0; i < 3; i++) {
    const r = await verifyPin(client, '000123');
    codes.push(r.json().error.code);
    last = r.json().error.details;
  }
  assert.deepEqual(codes, ['wrong_payment_password', 'wrong_payment_password', 'payment_locked']);
  assert.ok(last);
  return last;
}

/** An SMS step-up, with the login password when given (the identity check). */
async function stepUpBySms(client: Client, phone: string, password?: string) {
  t.clock.advance(61_000); // the resend cool-down of the previous code
  assert.equal((await call(client, 'POST', '/api/v1/me/step-up/send-code')).statusCode, 200);
  const code = await lastSentCode(t.store.db, phone);
  return call(client, 'POST', '/api/v1/me/step-up', {
    method: 'sms',
    code,
    ...(password === undefined ? {} : { password }),
  });
}

async function eventsOf(userId: string, type: string) {
  return t.store.db
    .selectFrom('security_events')
    .select(['details', 'session_id'])
    .where('user_id', '=', userId)
    .where('type', '=', type)
    .orderBy('id', 'asc')
    .execute();
}

describe('the payment lock against a stolen unlocked phone', () => {
  test('a thief with the phone’s SMS codes lifts no lock and replaces neither password', async () => {
    const { client: thief, phone, userId } = await signUp();
    const lock = await lockPayments(thief);
    assert.equal(Date.parse(lock.lockedUntil), t.clock.nowMs() + 3 * HOUR_MS);
    assert.equal(lock.liftableEarly, true);

    const bare = await call(thief, 'POST', '/api/v1/me/payment-password/unlock');
    assert.equal(bare.statusCode, 403, bare.body);
    assert.equal(bare.json().error.code, 'identity_check_required');
    assert.equal(bare.json().error.details.acceptsPaymentPassword, false);

    const sms = await stepUpBySms(thief, phone);
    assert.equal(sms.statusCode, 200, 'the SMS step-up itself works: the code is on the phone');
    const unlock = await call(thief, 'POST', '/api/v1/me/payment-password/unlock');
    assert.equal(unlock.statusCode, 403, unlock.body);
    assert.equal(unlock.json().error.code, 'identity_check_required');
    const reset = await call(thief, 'POST', '/api/v1/me/payment-password', { newPaymentPassword: '730194' });
    assert.equal(reset.json().error?.code, 'identity_check_required', reset.body);
    assert.equal(reset.json().error.details.acceptsPaymentPassword, true);
    const newLogin = await call(thief, 'POST', '/api/v1/me/password', {
      newPassword: 'thief chosen passphrase',
    });
    assert.equal(newLogin.json().error?.code, 'identity_check_required', newLogin.body);

    const guessed = await stepUpBySms(thief, phone, 'guessed password 1');
    assert.equal(guessed.statusCode, 401, guessed.body);
    assert.equal(guessed.json().error.code, 'wrong_password');
    assert.equal(guessed.json().error.details.attemptsLeft, 4);
    const failed = await eventsOf(userId, 'identity_check_failed');
    assert.equal(failed.length, 1);
    assert.equal(failed[0]?.details.reason, 'password');
    assert.equal((await call(thief, 'POST', '/api/v1/me/payment-password/unlock')).statusCode, 403);

    const still = await verifyPin(thief, PAY);
    assert.equal(still.statusCode, 423, 'the right payment password still meets the lock');
    const overview = (await call(thief, 'GET', '/api/v1/me/security')).json();
    assert.equal(overview.paymentLockedUntil, lock.lockedUntil);
    assert.equal(overview.paymentLockLiftable, true);
    assert.equal((await eventsOf(userId, 'payment_unlocked')).length, 0);
    assert.equal((await eventsOf(userId, 'payment_password_changed')).length, 0);
    assert.equal((await eventsOf(userId, 'password_changed')).length, 0);
  });

  test('the owner lifts a first lock with the login password and an SMS code', async () => {
    const { client, phone, userId } = await signUp();
    await lockPayments(client);
    const check = await stepUpBySms(client, phone, PASSWORD);
    assert.equal(check.statusCode, 200, check.body);
    const [stepUp] = (await eventsOf(userId, 'step_up')).slice(-1);
    assert.deepEqual(stepUp?.details, { method: 'sms', password: true });

    const unlock = await call(client, 'POST', '/api/v1/me/payment-password/unlock');
    assert.equal(unlock.statusCode, 200, unlock.body);
    assert.deepEqual(unlock.json(), { ok: true, unlocked: true });
    const unlocked = await eventsOf(userId, 'payment_unlocked');
    assert.equal(unlocked.length, 1);
    assert.ok(unlocked[0]?.session_id, 'the event names the session that lifted it');
    const notice = await t.store.db
      .selectFrom('notification_outbox')
      .select('body')
      .where('destination', '=', phone)
      .where('template', '=', 'security_change')
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    assert.match(notice.body, /支付锁定已提前解除/, 'the phone is told, in its own language');

    assert.equal((await verifyPin(client, PAY)).statusCode, 200, 'payments work again');
    const again = await call(client, 'POST', '/api/v1/me/payment-password/unlock');
    assert.deepEqual(again.json(), { ok: true, unlocked: false }, 'nothing left to lift');
    const overview = (await call(client, 'GET', '/api/v1/me/security')).json();
    assert.equal(overview.paymentLockedUntil, null);
    assert.equal(overview.paymentLockLiftable, false);
  });

  test('a second lock within 24 hours lasts 24 hours, cannot be lifted early, and ends with a new payment password', async () => {
    const { client: first, phone, userId } = await signUp();
    await lockPayments(first);
    assert.equal((await stepUpBySms(first, phone, PASSWORD)).statusCode, 200);
    assert.equal((await call(first, 'POST', '/api/v1/me/payment-password/unlock')).json().unlocked, true);

    t.clock.advance(HOUR_MS);
    const client = await signIn(first, phone); // the session went idle meanwhile
    const second = await lockPayments(client);
    assert.equal(Date.parse(second.lockedUntil), t.clock.nowMs() + 24 * HOUR_MS);
    assert.equal(second.liftableEarly, false);
    const [, event] = await eventsOf(userId, 'payment_locked');
    assert.equal(event?.details.repeat, true);

    assert.equal((await stepUpBySms(client, phone, PASSWORD)).statusCode, 200);
    const refused = await call(client, 'POST', '/api/v1/me/payment-password/unlock');
    assert.equal(refused.statusCode, 423, refused.body);
    assert.equal(refused.json().error.code, 'payment_lock_not_liftable');
    assert.equal(refused.json().error.details.lockedUntil, second.lockedUntil);
    assert.equal((await call(client, 'GET', '/api/v1/me/security')).json().paymentLockLiftable, false);

    t.clock.advance(3 * HOUR_MS + 1);
    const later = await signIn(client, phone);
    const pinLater = await verifyPin(later, PAY);
    assert.equal(pinLater.statusCode, 423, 'still locked after the first lock’s 3 hours');
    assert.equal(pinLater.json().error.details.liftableEarly, false);

    assert.equal((await stepUpBySms(later, phone, PASSWORD)).statusCode, 200);
    const changed = await call(later, 'POST', '/api/v1/me/payment-password', {
      newPaymentPassword: '730194',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await verifyPin(later, '730194')).statusCode, 200, 'the new password ends the lock');

    t.clock.advance(25 * HOUR_MS);
    const nextDay = await signIn(later, phone);
    const fresh = await lockPayments(nextDay);
    assert.equal(fresh.liftableEarly, true, 'a lock more than 24 hours after the last is a first lock');
    assert.equal(Date.parse(fresh.lockedUntil), t.clock.nowMs() + 3 * HOUR_MS);
  });

  test('wrong login passwords at the identity check count toward the login lockout', async () => {
    const { client, phone } = await signUp();
    t.clock.advance(61_000);
    assert.equal((await call(client, 'POST', '/api/v1/me/step-up/send-code')).statusCode, 200);
    const code = await lastSentCode(t.store.db, phone);
    const answers: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await call(client, 'POST', '/api/v1/me/step-up', {
        method: 'sms',
        code,
        password: `wrong ${i}`,
      });
      answers.push(r.json().error.code);
    }
    assert.deepEqual(answers, [
      'wrong_password',
      'wrong_password',
      'wrong_password',
      'wrong_password',
      'login_locked',
    ]);
    const right = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'sms',
      code,
      password: PASSWORD,
    });
    assert.equal(right.json().error?.code, 'login_locked', 'locked: even the right password waits');
    const signIn = await call({ cookies: new Map(), ip: '114.114.114.114' }, 'POST', '/api/v1/auth/sign-in', {
      phone,
      password: PASSWORD,
    });
    assert.equal(signIn.json().error?.code, 'login_locked', 'one budget with password sign-in');
  });

  test('a fresh two-factor session counts as the check; a payment-password step-up replaces only the payment password', async () => {
    const { client } = await signUp({ fresh: true });
    const fresh = await call(client, 'POST', '/api/v1/me/password', {
      newPassword: 'another long passphrase',
    });
    assert.equal(fresh.statusCode, 200, `the sign-up (password plus SMS) was just now: ${fresh.body}`);

    t.clock.advance(6 * 60_000);
    const pin = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'payment_password',
      paymentPassword: PAY,
    });
    assert.equal(pin.statusCode, 200, pin.body);
    const login = await call(client, 'POST', '/api/v1/me/password', {
      newPassword: 'yet another passphrase',
    });
    assert.equal(
      login.json().error?.code,
      'identity_check_required',
      'the payment password is not the check',
    );
    const changed = await call(client, 'POST', '/api/v1/me/payment-password', {
      newPaymentPassword: '730194',
    });
    assert.equal(changed.statusCode, 200, `it proves the payment password it replaces: ${changed.body}`);
    const mixed = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'payment_password',
      paymentPassword: '730194',
      password: 'another long passphrase',
    });
    assert.equal(
      mixed.json().error?.code,
      'validation_failed',
      'the check is the login password plus a second factor',
    );
  });
});

/** Signs in again (the session went idle); a new device answers the SMS challenge. */
async function signIn(client: Client, phone: string): Promise<Client> {
  const fresh: Client = { cookies: new Map(client.cookies), ip: client.ip };
  fresh.cookies.delete('rampart_session');
  const r = await call(fresh, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
  assert.equal(r.statusCode, 200, r.body);
  if (r.json().status === 'signed_in') return fresh;
  t.clock.advance(61_000);
  const { challengeToken } = r.json();
  assert.equal(
    (await call(fresh, 'POST', '/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode,
    200,
  );
  const done = await call(fresh, 'POST', '/api/v1/auth/sign-in/verify', {
    challengeToken,
    method: 'sms',
    code: await lastSentCode(t.store.db, phone),
  });
  assert.equal(done.statusCode, 200, done.body);
  return fresh;
}
