// Proves issue 3's flows over HTTP on a real store: sign-up with SMS codes and password rules,
// sign-in with new-device / new-country / impossible-travel challenges, the "this wasn't me" link,
// lockouts and their expiry (manual clock), step-up before sensitive changes, the payment
// password's 3-strike lock, sessions and devices. Codes are read from the notification outbox,
// exactly what the SMS provider would deliver.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
const CN_IP = '114.114.114.114';
const US_IP = '8.8.8.8';
let phoneCounter = 0;

before(async () => {
  t = await openTestApp({ demo: false });
});
after(async () => {
  await t?.close();
});

interface Client {
  cookies: Map<string, string>;
  ip: string;
  bearer?: string;
}

function newClient(ip = CN_IP): Client {
  return { cookies: new Map(), ip };
}

async function call(
  client: Client,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  const headers: Record<string, string> = {
    'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) Chrome/156.0 Safari/537.36',
  };
  if (client.cookies.size > 0) headers.cookie = [...client.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
  const csrf = client.cookies.get('rampart_csrf');
  if (csrf && method !== 'GET') headers['x-csrf-token'] = csrf;
  if (client.bearer) headers.authorization = `Bearer ${client.bearer}`;
  const response = await t.app.inject({ method, url, payload, headers, remoteAddress: client.ip });
  for (const cookie of response.cookies) {
    if (cookie.value === '' || cookie.maxAge === 0) client.cookies.delete(cookie.name);
    else client.cookies.set(cookie.name, cookie.value);
  }
  return response;
}

async function lastMessage(
  destination: string,
  template?: string,
): Promise<{ body: string; template: string } | undefined> {
  let query = t.store.db
    .selectFrom('notification_outbox')
    .select(['body', 'template'])
    .where('destination', '=', destination)
    .orderBy('id', 'desc')
    .limit(1);
  if (template) query = query.where('template', '=', template);
  return query.executeTakeFirst();
}

function lastCode(destination: string): Promise<string> {
  return lastSentCode(t.store.db, destination);
}

function nextPhone(): string {
  phoneCounter++;
  return `+86139${String(10_000_000 + phoneCounter).slice(-8)}`;
}

const PASSWORD = 'correct horse battery';
const PAY = '583917';

async function signUp(client: Client, phone = nextPhone()) {
  const start = await call(client, 'POST', '/api/v1/auth/sign-up/start', { phone });
  assert.equal(start.statusCode, 200, start.body);
  const done = await call(client, 'POST', '/api/v1/auth/sign-up/complete', {
    signUpId: start.json().signUpId,
    phoneCode: await lastCode(phone),
    displayName: 'Test User',
    password: PASSWORD,
    paymentPassword: PAY,
  });
  assert.equal(done.statusCode, 201, done.body);
  return { phone, user: done.json().user };
}

async function stepUpWithPayPassword(client: Client) {
  const r = await call(client, 'POST', '/api/v1/me/step-up', {
    method: 'payment_password',
    paymentPassword: PAY,
  });
  assert.equal(r.statusCode, 200, r.body);
}

describe('sign-up', () => {
  test('phone code, passwords, then a session, a device cookie and an opened wallet', async () => {
    const client = newClient();
    const { phone } = await signUp(client);
    assert.ok(client.cookies.get('rampart_device'), 'device cookie set');
    const me = await call(client, 'GET', '/api/v1/me');
    assert.equal(me.json().user.phone, phone);
    const wallet = await call(client, 'GET', '/api/v1/wallet');
    assert.equal(wallet.json().accounts.length, 1);
    assert.equal(wallet.json().accounts[0].posted.amountMinor, '0');
  });

  test('a registered phone gets the same answer and a warning, never a code', async () => {
    const { phone } = await signUp(newClient());
    const again = await call(newClient(), 'POST', '/api/v1/auth/sign-up/start', { phone });
    assert.equal(again.statusCode, 200);
    assert.deepEqual(Object.keys(again.json()).sort(), [
      'email',
      'expiresAt',
      'phone',
      'resendAfterMs',
      'signUpId',
    ]);
    assert.equal((await lastMessage(phone))?.template, 'sign_up_existing');
  });

  test('bad input: each refused with its own code, and no account is created', async () => {
    const bad = await call(newClient(), 'POST', '/api/v1/auth/sign-up/start', { phone: '12345' });
    assert.equal(bad.json().error.code, 'invalid_phone');
    const badEmail = await call(newClient(), 'POST', '/api/v1/auth/sign-up/start', {
      phone: nextPhone(),
      email: 'not-an-email',
    });
    assert.equal(badEmail.json().error.code, 'invalid_email');

    const phone = nextPhone();
    const client = newClient();
    const start = (await call(client, 'POST', '/api/v1/auth/sign-up/start', { phone })).json();
    const code = await lastCode(phone);
    const base = {
      signUpId: start.signUpId,
      phoneCode: code,
      displayName: 'X',
      password: PASSWORD,
      paymentPassword: PAY,
    };
    const cases: [object, string][] = [
      [{ password: 'short' }, 'weak_password'],
      [{ password: 'password123' }, 'common_password'],
      [{ password: `my${phone.slice(3)}pass` }, 'password_contains_phone'],
      [{ paymentPassword: '12345' }, 'invalid_payment_password'],
      [{ paymentPassword: '123456' }, 'trivial_payment_password'],
      [{ paymentPassword: '111111' }, 'trivial_payment_password'],
      [{ paymentPassword: '654321' }, 'trivial_payment_password'],
      [{ paymentPassword: '900512', birthDate: '1990-05-12' }, 'trivial_payment_password'],
      [{ phoneCode: code === '000000' ? '000001' : '000000' }, 'invalid_code'],
      [{ birthDate: 'yesterday' }, 'validation_failed'],
    ];
    for (const [patch, expected] of cases) {
      const r = await call(client, 'POST', '/api/v1/auth/sign-up/complete', { ...base, ...patch });
      assert.equal(r.json().error?.code, expected, `${JSON.stringify(patch)} → ${r.body}`);
    }
    const users = await t.store.db.selectFrom('users').select('id').where('phone_e164', '=', phone).execute();
    assert.equal(users.length, 0);
    // The one wrong code cost one attempt; the right code still works.
    const ok = await call(client, 'POST', '/api/v1/auth/sign-up/complete', base);
    assert.equal(ok.statusCode, 201, ok.body);
  });

  test('codes: single use, 5 attempts, 5 minutes, a resend cool-down, bound to their purpose', async () => {
    const phone = nextPhone();
    const client = newClient();
    const start = (await call(client, 'POST', '/api/v1/auth/sign-up/start', { phone })).json();
    const tooSoon = await call(client, 'POST', '/api/v1/auth/sign-up/resend', {
      signUpId: start.signUpId,
      channel: 'sms',
    });
    assert.equal(tooSoon.statusCode, 429);
    assert.equal(tooSoon.json().error.code, 'resend_too_soon');
    const code = await lastCode(phone);
    const wrong = code === '999999' ? '999998' : '999999';
    const base = { signUpId: start.signUpId, displayName: 'X', password: PASSWORD, paymentPassword: PAY };
    for (let i = 0; i < 5; i++) {
      const r = await call(client, 'POST', '/api/v1/auth/sign-up/complete', { ...base, phoneCode: wrong });
      assert.equal(r.json().error.code, 'invalid_code');
    }
    const burned = await call(client, 'POST', '/api/v1/auth/sign-up/complete', { ...base, phoneCode: code });
    assert.equal(burned.json().error.code, 'invalid_code', 'the right code after 5 wrong tries is refused');

    t.clock.advance(61_000);
    assert.equal(
      (
        await call(client, 'POST', '/api/v1/auth/sign-up/resend', {
          signUpId: start.signUpId,
          channel: 'sms',
        })
      ).statusCode,
      200,
    );
    const fresh = await lastCode(phone);
    t.clock.advance(5 * 60_000);
    const expired = await call(client, 'POST', '/api/v1/auth/sign-up/complete', {
      ...base,
      phoneCode: fresh,
    });
    assert.equal(expired.json().error.code, 'invalid_code', 'expired after 5 minutes');
  });
});

describe('sign-in', () => {
  test('the same device signs in with the password alone; a new device needs an SMS code and raises an alert', async () => {
    const first = newClient();
    const { phone, user } = await signUp(first);
    const again = await call(first, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(again.json().status, 'signed_in');

    const stranger = newClient();
    const challenged = await call(stranger, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(challenged.statusCode, 200);
    const challenge = challenged.json();
    assert.equal(challenge.status, 'second_factor_required');
    assert.deepEqual(challenge.reasons, ['new_device']);
    assert.ok(challenge.methods.includes('sms'));
    assert.equal(stranger.cookies.get('rampart_session'), undefined, 'no session before the second factor');

    t.clock.advance(61_000);
    assert.equal(
      (
        await call(stranger, 'POST', '/api/v1/auth/sign-in/send-code', {
          challengeToken: challenge.challengeToken,
        })
      ).statusCode,
      200,
    );
    const code = await lastCode(phone);
    // A sign-in code cannot be used for anything else, e.g. a step-up.
    const verified = await call(stranger, 'POST', '/api/v1/auth/sign-in/verify', {
      challengeToken: challenge.challengeToken,
      method: 'sms',
      code,
    });
    assert.equal(verified.json().status, 'signed_in', verified.body);
    const replay = await call(newClient(), 'POST', '/api/v1/auth/sign-in/verify', {
      challengeToken: challenge.challengeToken,
      method: 'sms',
      code,
    });
    assert.equal(replay.json().error.code, 'challenge_invalid');

    const alert = await lastMessage(phone, 'new_sign_in');
    const link = alert?.body.match(/not-me\?token=([A-Za-z0-9_-]+)/)?.[1];
    assert.ok(link, 'the alert carries a "this wasn\'t me" link');
    const events = (await call(first, 'GET', '/api/v1/me/security-events?limit=50'))
      .json()
      .events.map((e: { type: string }) => e.type);
    assert.ok(events.includes('sign_in_challenged') && events.includes('sign_in'));

    // "This wasn't me": frozen at once, every session ended, new devices refused.
    const notMe = await call(newClient(), 'POST', '/api/v1/alerts/not-me', { token: link });
    assert.equal(notMe.statusCode, 200);
    assert.equal((await call(first, 'GET', '/api/v1/me')).statusCode, 401);
    assert.equal((await call(stranger, 'GET', '/api/v1/me')).statusCode, 401);
    const frozen = await call(newClient(), 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(frozen.statusCode, 423);
    assert.equal(frozen.json().error.code, 'account_frozen');
    // The reported device is forgotten, so the intruder's own browser is refused too.
    const intruder = await call(stranger, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(intruder.json().error?.code, 'account_frozen', intruder.body);
    // The owner's own device may still sign in, to see what happened and recover (issue 7).
    assert.equal(
      (await call(first, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD })).json().status,
      'signed_in',
    );
    const twice = await call(newClient(), 'POST', '/api/v1/alerts/not-me', { token: link });
    assert.equal(twice.json().error.code, 'link_invalid');
    const row = await t.store.db
      .selectFrom('users')
      .select('frozen_at')
      .where('id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.ok(row.frozen_at);
  });

  test('a known device in a new country, an ocean away minutes later: new_country and impossible_travel', async () => {
    const client = newClient(CN_IP);
    const { phone } = await signUp(client);
    t.clock.advance(10 * 60_000);
    client.ip = US_IP;
    const r = await call(client, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(r.json().status, 'second_factor_required');
    assert.deepEqual(r.json().reasons.sort(), ['impossible_travel', 'new_country']);
  });

  test('5 wrong passwords lock password sign-in for 15 minutes, for unknown numbers too', async () => {
    const client = newClient();
    const { phone } = await signUp(client);
    for (let i = 1; i <= 4; i++) {
      const r = await call(client, 'POST', '/api/v1/auth/sign-in', {
        phone,
        password: `wrong-password-${i}`,
      });
      assert.equal(r.json().error.code, 'invalid_credentials');
    }
    const fifth = await call(client, 'POST', '/api/v1/auth/sign-in', { phone, password: 'wrong-password-5' });
    assert.equal(fifth.statusCode, 423);
    assert.equal(fifth.json().error.code, 'login_locked');
    assert.ok(fifth.json().error.details.lockedUntil);
    const rightButLocked = await call(client, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(rightButLocked.json().error.code, 'login_locked');
    assert.equal((await lastMessage(phone))?.template !== undefined, true);
    t.clock.advance(15 * 60_000);
    const unlocked = await call(client, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(unlocked.json().status, 'signed_in', unlocked.body);

    const ghost = nextPhone();
    const answers = [];
    for (let i = 0; i < 5; i++)
      answers.push(
        (
          await call(newClient('1.2.4.8'), 'POST', '/api/v1/auth/sign-in', {
            phone: ghost,
            password: 'whatever-1',
          })
        ).json().error.code,
      );
    assert.deepEqual(answers, [
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'invalid_credentials',
      'login_locked',
    ]);
  });
});

describe('the signed-in user', () => {
  test('sensitive changes need a fresh step-up; a password change ends other sessions and notifies', async () => {
    const client = newClient();
    const { phone } = await signUp(client);
    t.clock.advance(6 * 60_000); // the sign-up's own freshness has passed
    const other = newClient();
    other.cookies.set('rampart_device', client.cookies.get('rampart_device')!);
    assert.equal(
      (await call(other, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD })).json().status,
      'signed_in',
    );

    const refused = await call(client, 'POST', '/api/v1/me/password', {
      newPassword: 'a new long passphrase',
    });
    assert.equal(refused.statusCode, 403);
    assert.equal(refused.json().error.code, 'step_up_required');
    await stepUpWithPayPassword(client);
    const pinOnly = await call(client, 'POST', '/api/v1/me/password', {
      newPassword: 'a new long passphrase',
    });
    assert.equal(pinOnly.json().error?.code, 'identity_check_required', 'the payment password is not enough');
    // The login password changes after the identity check (the current password with a code).
    await call(client, 'POST', '/api/v1/me/step-up/send-code');
    const checked = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'sms',
      code: await lastCode(phone),
      password: PASSWORD,
    });
    assert.equal(checked.statusCode, 200, checked.body);
    const changed = await call(client, 'POST', '/api/v1/me/password', {
      newPassword: 'a new long passphrase',
    });
    assert.equal(changed.statusCode, 200, changed.body);
    assert.equal((await call(other, 'GET', '/api/v1/me')).statusCode, 401, 'the other session ended');
    assert.equal((await call(client, 'GET', '/api/v1/me')).statusCode, 200, 'this one stays');
    assert.equal((await lastMessage(phone))?.template, 'security_change');
    t.clock.advance(5 * 60_000 + 1);
    const stale = await call(client, 'POST', '/api/v1/me/payment-password', { newPaymentPassword: '394857' });
    assert.equal(stale.json().error.code, 'step_up_required', 'a step-up lasts 5 minutes');
  });

  test('3 wrong payment passwords lock payments for 3 hours; the login password with an SMS step-up lifts it', async () => {
    const client = newClient();
    const { phone } = await signUp(client);
    const answers: string[] = [];
    for (let i = 0; i < 3; i++) {
      answers.push(
        (
          await call(client, 'POST', '/api/v1/me/payment-password/verify', { paymentPassword: '000123' })
        ).json().error.code,
      );
    }
    assert.deepEqual(answers, ['wrong_payment_password', 'wrong_payment_password', 'payment_locked']);
    const locked = await call(client, 'POST', '/api/v1/me/payment-password/verify', { paymentPassword: PAY });
    assert.equal(locked.statusCode, 423);
    const viaPin = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'payment_password',
      paymentPassword: PAY,
    });
    assert.equal(viaPin.json().error.code, 'payment_locked', 'the locked factor cannot step up');
    // A code sent for another purpose (here: a sign-in challenge on another device) cannot step up.
    const elsewhere = newClient('1.2.4.8');
    const challenge = (
      await call(elsewhere, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD })
    ).json();
    t.clock.advance(61_000);
    await call(elsewhere, 'POST', '/api/v1/auth/sign-in/send-code', {
      challengeToken: challenge.challengeToken,
    });
    const signInCode = await lastCode(phone);
    const wrongPurpose = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'sms',
      code: signInCode,
    });
    assert.equal(wrongPurpose.json().error.code, 'invalid_code');
    await call(client, 'POST', '/api/v1/me/step-up/send-code');
    const stepUpCode = await lastCode(phone);
    const viaSms = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'sms',
      code: stepUpCode,
      password: PASSWORD,
    });
    assert.equal(viaSms.statusCode, 200, viaSms.body);
    assert.equal((await call(client, 'POST', '/api/v1/me/payment-password/unlock')).statusCode, 200);
    assert.equal(
      (await call(client, 'POST', '/api/v1/me/payment-password/verify', { paymentPassword: PAY })).statusCode,
      200,
    );
  });

  test('sessions and devices: list, name, end one, end all others', async () => {
    const a = newClient();
    const { phone } = await signUp(a);
    const b = newClient('1.2.4.8');
    const challenge = (await call(b, 'POST', '/api/v1/auth/sign-in', { phone, password: PASSWORD })).json();
    t.clock.advance(61_000);
    await call(b, 'POST', '/api/v1/auth/sign-in/send-code', { challengeToken: challenge.challengeToken });
    assert.equal(
      (
        await call(b, 'POST', '/api/v1/auth/sign-in/verify', {
          challengeToken: challenge.challengeToken,
          method: 'sms',
          code: await lastCode(phone),
        })
      ).statusCode,
      200,
    );

    const sessions = (await call(a, 'GET', '/api/v1/me/sessions')).json().sessions;
    assert.equal(sessions.length, 2);
    assert.equal(sessions.filter((s: { current: boolean }) => s.current).length, 1);
    const devices = (await call(a, 'GET', '/api/v1/me/devices')).json().devices;
    assert.equal(devices.length, 2);
    const otherDevice = devices.find((d: { current: boolean }) => !d.current);
    assert.equal(
      (await call(a, 'PATCH', `/api/v1/me/devices/${otherDevice.id}`, { name: 'Work laptop' })).statusCode,
      204,
    );
    assert.equal(
      (await call(a, 'GET', '/api/v1/me/devices'))
        .json()
        .devices.find((d: { id: string }) => d.id === otherDevice.id).name,
      'Work laptop',
    );
    const ended = await call(a, 'POST', '/api/v1/me/sessions/end-others');
    assert.equal(ended.json().ended, 1);
    assert.equal((await call(b, 'GET', '/api/v1/me')).statusCode, 401);
    // Another user's device is "not found", never someone else's to touch.
    const stranger = newClient();
    await signUp(stranger);
    assert.equal((await call(stranger, 'DELETE', `/api/v1/me/devices/${otherDevice.id}`)).statusCode, 404);
    assert.equal((await call(a, 'DELETE', `/api/v1/me/devices/${otherDevice.id}`)).statusCode, 204);
  });

  test('security events record sign-ins with their location and never a secret', async () => {
    const client = newClient(CN_IP);
    await signUp(client);
    const events = (await call(client, 'GET', '/api/v1/me/security-events')).json().events;
    const signUpEvent = events.find((e: { type: string }) => e.type === 'sign_up');
    assert.equal(signUpEvent.country, 'CN');
    assert.equal(signUpEvent.ip, CN_IP);
    const raw = await sql<{ details: string }>`SELECT details::text AS details FROM security_events`.execute(
      t.store.db,
    );
    for (const row of raw.rows) assert.doesNotMatch(row.details, new RegExp(`${PASSWORD}|${PAY}`));
  });
});
