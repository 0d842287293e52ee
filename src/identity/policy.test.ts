// Proves the pure rules of sign-in security: password and payment-password policies, phone and
// e-mail parsing (fast-check: never throws, only ever yields E.164 or null), and the new-device /
// new-country / impossible-travel decision.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { checkLoginPassword, checkPaymentPassword } from './password-policy.ts';
import { maskPhone, normalizePhone } from './phone.ts';
import { assessSignInRisk, distanceKm } from './sign-in-risk.ts';
import { normalizeEmail } from './sign-up.ts';

describe('login password policy (NIST SP 800-63B)', () => {
  test('length 8–128 counted in characters, common passwords refused, phone digits refused', () => {
    assert.deepEqual(checkLoginPassword('1234567', {}), { ok: false, reason: 'length' });
    assert.deepEqual(checkLoginPassword('x'.repeat(129), {}), { ok: false, reason: 'length' });
    assert.deepEqual(checkLoginPassword('密码密码密码密码', {}), { ok: true });
    for (const common of ['password', 'Password', '12345678', 'qwertyuiop', 'iloveyou']) {
      assert.deepEqual(checkLoginPassword(common, {}), { ok: false, reason: 'common' }, common);
    }
    assert.deepEqual(checkLoginPassword('me13800138000!', { phoneE164: '+8613800138000' }), {
      ok: false,
      reason: 'contains_phone',
    });
    assert.deepEqual(checkLoginPassword('correct horse battery', { phoneE164: '+8613800138000' }), {
      ok: true,
    });
  });
});

describe('payment password policy', () => {
  test('six digits, none trivial', () => {
    const refused: [string, string][] = [
      ['12345', 'format'],
      ['12345a', 'format'],
      ['000000', 'repeated'],
      ['123456', 'sequential'],
      ['890123', 'sequential'],
      ['654321', 'sequential'],
      ['121212', 'pattern'],
      ['123123', 'pattern'],
      ['112233', 'pattern'],
    ];
    for (const [pin, reason] of refused)
      assert.deepEqual(checkPaymentPassword(pin, {}), { ok: false, reason }, pin);
    for (const pin of ['880512', '051288', '120588', '198805']) {
      assert.deepEqual(
        checkPaymentPassword(pin, { birthDate: '1988-05-12' }),
        { ok: false, reason: 'birth_date' },
        pin,
      );
    }
    assert.deepEqual(checkPaymentPassword('138000', { phoneE164: '+8613800138000' }), {
      ok: false,
      reason: 'phone',
    });
    assert.deepEqual(
      checkPaymentPassword('583917', { birthDate: '1988-05-12', phoneE164: '+8613800138000' }),
      { ok: true },
    );
  });

  test('every refusal is stable: a random 6-digit pin is either ok or refused for a named reason', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 999_999 }), (n) => {
        const verdict = checkPaymentPassword(String(n).padStart(6, '0'), {});
        return verdict.ok || ['repeated', 'sequential', 'pattern'].includes(verdict.reason);
      }),
    );
  });
});

describe('phone and e-mail parsing', () => {
  test('normalises to E.164 with China as the default region', () => {
    assert.equal(normalizePhone('13800138000'), '+8613800138000');
    assert.equal(normalizePhone('+86 138-0013-8000'), '+8613800138000');
    assert.equal(normalizePhone('+1 415 555 2671'), '+14155552671');
    assert.equal(normalizePhone('12345'), null);
    assert.equal(normalizePhone(''), null);
    assert.equal(maskPhone('+8613800138000'), '+86138****8000');
  });

  test('never throws, and yields only E.164 or null, for any input', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^\+?[0-9 ()-]{0,20}$/)), (input) => {
        const phone = normalizePhone(input);
        return phone === null || /^\+[1-9][0-9]{6,14}$/.test(phone);
      }),
      { numRuns: 2000 },
    );
  });

  test('e-mail: one plain address or nothing', () => {
    assert.equal(normalizeEmail(' Alice@Example.CN '), 'alice@example.cn');
    for (const bad of [
      'a@b',
      'x,y@example.com',
      '<a>@b.com',
      'a b@c.de',
      '"q"@x.org',
      `${'a'.repeat(65)}@x.org`,
    ]) {
      assert.equal(normalizeEmail(bad), null, bad);
    }
    fc.assert(
      fc.property(fc.string(), (input) => {
        const email = normalizeEmail(input);
        return email === null || (!/[\s,;<>"()[\]\\]/.test(email) && email.split('@').length === 2);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('sign-in risk', () => {
  const beijing = { lat: 39.9, lon: 116.4 };
  const shanghai = { lat: 31.2, lon: 121.5 };
  const newYork = { lat: 40.7, lon: -74.0 };
  const base = {
    knownDevice: true,
    country: 'CN',
    knownCountries: ['CN'],
    nowMs: 10 * 3_600_000,
    twoFactorEnabled: false,
  };

  test('a known device at home needs nothing more', () => {
    assert.deepEqual(
      assessSignInRisk({ ...base, location: beijing, lastSignIn: { ...beijing, atMs: 0 } }),
      [],
    );
  });

  test('new device, new country, impossible travel and TOTP each ask for a second factor', () => {
    assert.deepEqual(assessSignInRisk({ ...base, knownDevice: false, location: null, lastSignIn: null }), [
      'new_device',
    ]);
    assert.deepEqual(assessSignInRisk({ ...base, country: 'US', location: null, lastSignIn: null }), [
      'new_country',
    ]);
    const hourAgo = base.nowMs - 3_600_000;
    assert.ok(distanceKm(beijing, shanghai) > 1000 && distanceKm(beijing, shanghai) < 1100);
    assert.deepEqual(
      assessSignInRisk({ ...base, location: shanghai, lastSignIn: { ...beijing, atMs: hourAgo } }),
      ['impossible_travel'],
    );
    assert.deepEqual(
      assessSignInRisk({
        ...base,
        location: shanghai,
        lastSignIn: { ...beijing, atMs: hourAgo - 2 * 3_600_000 },
      }),
      [],
    );
    assert.deepEqual(
      assessSignInRisk({
        ...base,
        country: 'US',
        location: newYork,
        lastSignIn: { ...beijing, atMs: hourAgo },
      }),
      ['new_country', 'impossible_travel'],
    );
    assert.deepEqual(
      assessSignInRisk({ ...base, twoFactorEnabled: true, location: null, lastSignIn: null }),
      ['two_factor_enabled'],
    );
  });

  test('the first sign-in anywhere has no country to compare with', () => {
    assert.deepEqual(
      assessSignInRisk({ ...base, knownCountries: [], country: 'US', location: newYork, lastSignIn: null }),
      [],
    );
  });
});
