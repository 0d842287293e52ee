// Proves the TOTP factor (RFC 6238): enrolment stores the seed encrypted and unconfirmed, a code
// confirms it, codes are accepted ±1 step and refused at ±2, a step is accepted once, and every
// change is recorded and notified in its own transaction. Real store, a ManualClock, codes made
// with otpauth from the seed the user would scan.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { DomainError, ManualClock } from '../shared/index.ts';
import { insertTestUser, RecordingNotifier } from '../testing/factor-test-kit.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { createIdentitySecrets } from './secrets.ts';
import { listSecurityEvents } from './security-events.ts';
import { createTotpFactor, TOTP_PERIOD_S } from './totp.ts';

const STEP_MS = TOTP_PERIOD_S * 1000;
let store: TestStore;
const clock = new ManualClock(Date.UTC(2026, 0, 1) + 5_000); // 5 s into a step: no boundary ambiguity
const notifier = new RecordingNotifier();
const secrets = createIdentitySecrets(randomBytes(32));
let totp: ReturnType<typeof createTotpFactor>;

before(async () => {
  store = await openTestStore();
  totp = createTotpFactor({ db: store.db, clock, secrets, notifier, issuer: 'Rampart' });
});
after(async () => {
  await store?.close();
});

/** The code an authenticator app shows `steps` steps away from now. */
function codeAt(secret: string, steps = 0): string {
  return TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.nowMs() + steps * STEP_MS });
}

async function rejects(promise: Promise<unknown>, code: string) {
  await assert.rejects(promise, (error: unknown) => error instanceof DomainError && error.code === code);
}

async function enabledUser() {
  const user = await insertTestUser(store.db);
  const { secret } = await totp.enroll(user.id, user.phoneE164);
  await totp.confirm(user.id, codeAt(secret));
  notifier.take();
  return { user, secret };
}

describe('TOTP enrolment', () => {
  test('enrol gives a base32 seed, an otpauth URL and an SVG QR code; the seed is stored encrypted', async () => {
    const user = await insertTestUser(store.db);
    const enrollment = await totp.enroll(user.id, user.phoneE164);
    assert.match(enrollment.secret, /^[A-Z2-7]{32}$/, '160-bit seed in base32');
    const url = new URL(enrollment.otpauthUrl);
    assert.equal(url.protocol, 'otpauth:');
    assert.equal(url.searchParams.get('issuer'), 'Rampart');
    assert.equal(url.searchParams.get('secret'), enrollment.secret);
    assert.equal(url.searchParams.get('digits'), '6');
    assert.equal(url.searchParams.get('period'), '30');
    assert.ok(decodeURIComponent(url.pathname).includes(user.phoneE164));
    assert.match(enrollment.qrSvg, /^<svg[\s\S]*<\/svg>\s*$/);
    const row = await store.db
      .selectFrom('totp_factors')
      .selectAll()
      .where('user_id', '=', user.id)
      .executeTakeFirstOrThrow();
    assert.ok(!row.secret_encrypted.includes(enrollment.secret), 'no plaintext seed in the database');
    assert.equal(secrets.decrypt(row.secret_encrypted), enrollment.secret);
    assert.equal(row.confirmed_at, null);
    assert.equal(await totp.isEnabled(user.id), false);
    assert.equal(
      await totp.verify(user.id, codeAt(enrollment.secret)),
      false,
      'an unconfirmed seed signs nothing in',
    );
  });

  test('a wrong code does not confirm; the right one does, records totp_enabled and notifies in the transaction', async () => {
    const user = await insertTestUser(store.db);
    const { secret } = await totp.enroll(user.id, user.phoneE164);
    notifier.take();
    await rejects(totp.confirm(user.id, '000000'), 'invalid_totp_code');
    await rejects(totp.confirm(user.id, 'abc'), 'invalid_totp_code');
    assert.equal(await totp.isEnabled(user.id), false);
    assert.deepEqual(notifier.take(), []);

    const code = codeAt(secret);
    await totp.confirm(user.id, code, { sessionId: 'ses_test', ip: '203.0.113.9' });
    assert.equal(await totp.isEnabled(user.id), true);
    assert.equal(await totp.verify(user.id, code), false, 'the confirming code cannot be used again');
    const [event] = await listSecurityEvents(store.db, { userId: user.id, limit: 5 });
    assert.equal(event?.type, 'totp_enabled');
    assert.equal(event?.ip, '203.0.113.9');
    const notices = notifier.take();
    assert.deepEqual(
      notices.map((n) => [n.channel, n.destination, n.template, n.vars.change, n.inTransaction]),
      [
        ['sms', user.phoneE164, 'security_change', 'totp', true],
        ['email', user.email, 'security_change', 'totp', true],
        ['in_app', user.id, 'security_change', 'totp', true],
      ],
    );
    await rejects(totp.confirm(user.id, codeAt(secret, 1)), 'totp_already_enabled');
    await rejects(totp.enroll(user.id, user.phoneE164), 'totp_already_enabled');
  });

  test('confirming before enrolling is refused; re-enrolling before confirming replaces the seed', async () => {
    const user = await insertTestUser(store.db, { emailVerified: false });
    await rejects(totp.confirm(user.id, '123456'), 'totp_not_enrolled');
    const first = await totp.enroll(user.id, user.phoneE164);
    const second = await totp.enroll(user.id, user.phoneE164);
    assert.notEqual(first.secret, second.secret);
    if (codeAt(first.secret) !== codeAt(second.secret)) {
      await rejects(totp.confirm(user.id, codeAt(first.secret)), 'invalid_totp_code');
    }
    await totp.confirm(user.id, codeAt(second.secret));
    assert.deepEqual(
      notifier.take().map((n) => n.channel),
      ['sms', 'in_app'],
      'an unverified e-mail address gets nothing',
    );
  });

  test('when the notice cannot be queued, the confirmation rolls back with it', async () => {
    const user = await insertTestUser(store.db);
    const { secret } = await totp.enroll(user.id, user.phoneE164);
    notifier.failNext = true;
    await assert.rejects(totp.confirm(user.id, codeAt(secret)), /notifier outbox unavailable/);
    assert.equal(await totp.isEnabled(user.id), false);
    assert.deepEqual(await listSecurityEvents(store.db, { userId: user.id, limit: 5 }), []);
  });
});

describe('TOTP verification', () => {
  test('codes one step early or late are accepted, two steps away refused', async () => {
    const { user, secret } = await enabledUser();
    clock.advance(10 * STEP_MS);
    assert.equal(await totp.verify(user.id, codeAt(secret, -2)), false, '60 s old');
    assert.equal(await totp.verify(user.id, codeAt(secret, 2)), false, '60 s ahead');
    assert.equal(await totp.verify(user.id, codeAt(secret, -1)), true, '30 s old');
    assert.equal(await totp.verify(user.id, codeAt(secret, 0)), true, 'current');
    assert.equal(await totp.verify(user.id, codeAt(secret, 1)), true, '30 s ahead');
  });

  test('a step is accepted once, and never an earlier one after a later one', async () => {
    const { user, secret } = await enabledUser();
    clock.advance(10 * STEP_MS);
    const current = codeAt(secret);
    assert.equal(await totp.verify(user.id, current), true);
    assert.equal(await totp.verify(user.id, current), false, 'replayed within its step');
    assert.equal(await totp.verify(user.id, codeAt(secret, -1)), false, 'an older step after a newer one');
    assert.equal(
      await totp.verify(user.id, ` ${codeAt(secret, 1).slice(0, 3)} ${codeAt(secret, 1).slice(3)} `),
      true,
    );
    clock.advance(STEP_MS);
    assert.equal(await totp.verify(user.id, codeAt(secret)), false, 'the step just used, now current');
    clock.advance(STEP_MS);
    assert.equal(await totp.verify(user.id, codeAt(secret)), true, 'a new step');
  });

  test('two concurrent uses of one code: exactly one succeeds', async () => {
    const { user, secret } = await enabledUser();
    clock.advance(10 * STEP_MS);
    const code = codeAt(secret);
    const results = await Promise.all([1, 2, 3, 4].map(() => totp.verify(user.id, code)));
    assert.equal(results.filter(Boolean).length, 1);
  });

  test("wrong codes and other users' codes are refused", async () => {
    const { user, secret } = await enabledUser();
    const other = await enabledUser();
    clock.advance(10 * STEP_MS);
    assert.equal(await totp.verify(user.id, codeAt(other.secret)), codeAt(other.secret) === codeAt(secret));
    for (const bad of ['', '12345', '1234567', 'abcdef', '12345a'])
      assert.equal(await totp.verify(user.id, bad), false);
    assert.equal(await totp.verify('usr_nobody', codeAt(secret)), false);
  });
});

describe('TOTP removal', () => {
  test('disable removes the factor, records totp_disabled and notifies; a second disable is refused', async () => {
    const { user, secret } = await enabledUser();
    await totp.disable(user.id);
    assert.equal(await totp.isEnabled(user.id), false);
    clock.advance(10 * STEP_MS);
    assert.equal(await totp.verify(user.id, codeAt(secret)), false);
    const [event] = await listSecurityEvents(store.db, { userId: user.id, limit: 5 });
    assert.equal(event?.type, 'totp_disabled');
    assert.deepEqual(
      notifier.take().map((n) => [n.template, n.vars.change, n.vars.action]),
      [
        ['security_change', 'totp', 'disabled'],
        ['security_change', 'totp', 'disabled'],
        ['security_change', 'totp', 'disabled'],
      ],
    );
    await rejects(totp.disable(user.id), 'totp_not_enrolled');
  });

  test('abandoning an unconfirmed enrolment records nothing', async () => {
    const user = await insertTestUser(store.db);
    await totp.enroll(user.id, user.phoneE164);
    await totp.disable(user.id);
    assert.deepEqual(await listSecurityEvents(store.db, { userId: user.id, limit: 5 }), []);
    assert.deepEqual(notifier.take(), []);
  });
});
