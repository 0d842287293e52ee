// Proves the adapter sign-in and step-up use (toSecondFactorChecks): each check reaches its
// factor, and a passkey assertion arriving as untyped JSON is validated before verification
// (malformed → passkey_verification_failed, reason 'malformed', ceremony untouched).
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { DomainError, ManualClock } from '../shared/index.ts';
import { insertTestUser, RecordingNotifier } from '../testing/factor-test-kit.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import type { SecondFactorChecks } from './context.ts';
import { createSecondFactors, type SecondFactors, toSecondFactorChecks } from './second-factors.ts';
import { createIdentitySecrets } from './secrets.ts';

const ORIGIN = 'http://localhost:8080';
let store: TestStore;
const clock = new ManualClock();
let factors: SecondFactors;
let checks: SecondFactorChecks;

before(async () => {
  store = await openTestStore();
  factors = createSecondFactors({
    db: store.db,
    clock,
    secrets: createIdentitySecrets(randomBytes(32)),
    notifier: new RecordingNotifier(),
    webauthn: { rpId: 'localhost', rpName: 'Rampart', expectedOrigins: [ORIGIN] },
  });
  checks = toSecondFactorChecks(factors);
});
after(async () => {
  await store?.close();
});

describe('second-factor checks for sign-in and step-up', () => {
  test('TOTP and backup codes', async () => {
    const user = await insertTestUser(store.db);
    assert.equal(await checks.totpEnabled(user.id), false);
    const { secret } = await factors.totp.enroll(user.id, user.phoneE164);
    const code = () => TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.nowMs() });
    await factors.totp.confirm(user.id, code());
    assert.equal(await checks.totpEnabled(user.id), true);
    clock.advance(30_000);
    assert.equal(await checks.verifyTotp(user.id, code()), true);
    assert.equal(await checks.verifyTotp(user.id, code()), false);

    assert.equal(await checks.backupCodesLeft(user.id), 0);
    const [first] = await factors.backupCodes.generate(user.id);
    assert.equal(await checks.consumeBackupCode(user.id, first!), true);
    assert.equal(await checks.consumeBackupCode(user.id, first!), false);
    assert.equal(await checks.backupCodesLeft(user.id), 9);
  });

  test('passkeys: options and verification from untyped JSON; malformed JSON is refused', async () => {
    const user = await insertTestUser(store.db);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const reg = await factors.passkeys.registrationOptions(user);
    await factors.passkeys.verifyRegistration(
      user.id,
      reg.ceremonyId,
      authenticator.createCredential(reg.options),
      'Phone',
    );
    assert.equal(await checks.passkeyCount(user.id), 1);

    const subjectId = 'pay:pmt_1:100:mch_1';
    const { ceremonyId, options } = await checks.passkeyOptions({
      userId: user.id,
      purpose: 'payment',
      subjectId,
    });
    const response: unknown = JSON.parse(
      JSON.stringify(authenticator.getAssertion(options as Parameters<SoftAuthenticator['getAssertion']>[0])),
    );
    for (const malformed of [null, 'x', {}, { id: 'a', rawId: 'a', type: 'public-key', response: {} }]) {
      await assert.rejects(
        checks.verifyPasskey({
          ceremonyId,
          response: malformed,
          expectedUserId: user.id,
          purpose: 'payment',
          subjectId,
        }),
        (error: unknown) =>
          error instanceof DomainError &&
          error.code === 'passkey_verification_failed' &&
          error.details?.reason === 'malformed',
      );
    }
    const verified = await checks.verifyPasskey({
      ceremonyId,
      response,
      expectedUserId: user.id,
      purpose: 'payment',
      subjectId,
    });
    assert.equal(verified.userId, user.id);
  });
});
