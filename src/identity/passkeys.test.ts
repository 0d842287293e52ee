// Proves passkeys end to end with a software authenticator (node:crypto P-256, CBOR, 'none'
// attestation): register, list, rename, remove; assertions for sign-in, second factor and
// payment; and that a wrong origin, a wrong, reused or expired challenge, a counter going
// backwards, or an assertion made for another payment is refused with its own 4xx code while
// nothing changes (no passkey row added, counter unchanged). Real store, ManualClock.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DomainError, ManualClock } from '../shared/index.ts';
import { insertTestUser, RecordingNotifier, type TestUser } from '../testing/factor-test-kit.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { createPasskeys, PASSKEY_CEREMONY_TTL_MS, type PasskeyPurpose } from './passkeys.ts';
import { listSecurityEvents } from './security-events.ts';

const ORIGIN = 'http://localhost:8080';
let store: TestStore;
const clock = new ManualClock();
const notifier = new RecordingNotifier();
let passkeys: ReturnType<typeof createPasskeys>;

before(async () => {
  store = await openTestStore();
  passkeys = createPasskeys({
    db: store.db,
    clock,
    notifier,
    webauthn: { rpId: 'localhost', rpName: 'Rampart', expectedOrigins: [ORIGIN] },
  });
});
after(async () => {
  await store?.close();
});

async function rejects(promise: Promise<unknown>, code: string, reason?: string) {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof DomainError, `a DomainError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.status >= 400 && error.status < 500);
    if (reason !== undefined) assert.equal(error.details?.reason, reason);
    return true;
  });
}

async function passkeyRows(userId: string) {
  return store.db.selectFrom('passkeys').selectAll().where('user_id', '=', userId).execute();
}

async function counterOf(passkeyId: string): Promise<bigint> {
  const row = await store.db
    .selectFrom('passkeys')
    .select('counter')
    .where('id', '=', passkeyId)
    .executeTakeFirstOrThrow();
  return BigInt(row.counter);
}

/** A user with one registered passkey on a fresh software authenticator. */
async function registered(options: { counter?: boolean } = {}) {
  const user = await insertTestUser(store.db);
  const authenticator = new SoftAuthenticator({ origin: ORIGIN, counter: options.counter ?? true });
  const { ceremonyId, options: creation } = await passkeys.registrationOptions(user);
  const view = await passkeys.verifyRegistration(
    user.id,
    ceremonyId,
    authenticator.createCredential(creation),
    'Laptop',
  );
  notifier.take();
  return { user, authenticator, passkeyId: view.id };
}

async function assertFor(
  user: TestUser,
  authenticator: SoftAuthenticator,
  purpose: PasskeyPurpose,
  subjectId?: string,
) {
  const { ceremonyId, options } = await passkeys.authenticationOptions({
    userId: user.id,
    purpose,
    subjectId,
  });
  return { ceremonyId, response: authenticator.getAssertion(options) };
}

describe('passkey registration', () => {
  test('registers with user verification required, lists it, records passkey_added and notifies', async () => {
    const user = await insertTestUser(store.db);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const { ceremonyId, options } = await passkeys.registrationOptions(user);
    assert.equal(options.rp.id, 'localhost');
    assert.equal(options.rp.name, 'Rampart');
    assert.equal(options.authenticatorSelection?.userVerification, 'required');
    assert.equal(options.authenticatorSelection?.residentKey, 'preferred');
    assert.equal(
      Buffer.from(options.user.id, 'base64url').toString(),
      user.id,
      'the user handle is the opaque id',
    );
    assert.equal(options.timeout, PASSKEY_CEREMONY_TTL_MS);

    const view = await passkeys.verifyRegistration(
      user.id,
      ceremonyId,
      authenticator.createCredential(options),
      '  My laptop  ',
      { sessionId: 'ses_1' },
    );
    assert.equal(view.name, 'My laptop');
    assert.deepEqual(view.transports, ['internal']);
    assert.equal(view.lastUsedAt, null);
    assert.deepEqual(
      (await passkeys.list(user.id)).map((p) => p.id),
      [view.id],
    );
    assert.equal(await passkeys.count(user.id), 1);
    const [event] = await listSecurityEvents(store.db, { userId: user.id, limit: 5 });
    assert.equal(event?.type, 'passkey_added');
    assert.equal(event?.details.passkeyId, view.id);
    assert.deepEqual(
      notifier.take().map((n) => [n.channel, n.template, n.vars.change, n.vars.action, n.inTransaction]),
      [
        ['sms', 'security_change', 'passkey', 'added', true],
        ['email', 'security_change', 'passkey', 'added', true],
        ['in_app', 'security_change', 'passkey', 'added', true],
      ],
    );

    const again = await passkeys.registrationOptions(user);
    assert.deepEqual(
      again.options.excludeCredentials?.map((c) => c.id),
      [view.id],
    );
    assert.throws(() => authenticator.createCredential(again.options), /InvalidStateError/);
  });

  test('a wrong origin, challenge or ceremony type is refused and adds no passkey', async () => {
    const user = await insertTestUser(store.db);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const cases: [Parameters<SoftAuthenticator['createCredential']>[1], string][] = [
      [{ origin: 'https://evil.example' }, 'origin_mismatch'],
      [{ origin: 'http://localhost:8081' }, 'origin_mismatch'],
      [{ challenge: Buffer.from('another challenge').toString('base64url') }, 'challenge_mismatch'],
      [{ type: 'webauthn.get' }, 'type_mismatch'],
      [{ rpId: 'evil.example' }, 'invalid_response'],
      [{ userVerified: false }, 'invalid_response'],
    ];
    for (const [overrides, reason] of cases) {
      const { ceremonyId, options } = await passkeys.registrationOptions(user);
      await rejects(
        passkeys.verifyRegistration(
          user.id,
          ceremonyId,
          authenticator.createCredential(options, overrides),
          'x',
        ),
        'passkey_verification_failed',
        reason,
      );
    }
    assert.deepEqual(await passkeyRows(user.id), []);
    assert.deepEqual(await listSecurityEvents(store.db, { userId: user.id, limit: 5 }), []);
    assert.deepEqual(notifier.take(), []);
  });

  test('a ceremony is single use, expires after 5 minutes, and belongs to its user', async () => {
    const user = await insertTestUser(store.db);
    const other = await insertTestUser(store.db);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });

    const first = await passkeys.registrationOptions(user);
    const response = authenticator.createCredential(first.options);
    await passkeys.verifyRegistration(user.id, first.ceremonyId, response, 'one');
    await rejects(
      passkeys.verifyRegistration(user.id, first.ceremonyId, response, 'replay'),
      'passkey_challenge_invalid',
    );

    const late = await passkeys.registrationOptions(user);
    const lateResponse = new SoftAuthenticator({ origin: ORIGIN }).createCredential(late.options);
    clock.advance(PASSKEY_CEREMONY_TTL_MS);
    await rejects(
      passkeys.verifyRegistration(user.id, late.ceremonyId, lateResponse, 'late'),
      'passkey_challenge_invalid',
    );

    const theirs = await passkeys.registrationOptions(other);
    const stolen = new SoftAuthenticator({ origin: ORIGIN }).createCredential(theirs.options);
    await rejects(
      passkeys.verifyRegistration(user.id, theirs.ceremonyId, stolen, 'x'),
      'passkey_subject_mismatch',
    );
    await rejects(
      passkeys.verifyRegistration(user.id, 'wac_unknown', stolen, 'x'),
      'passkey_challenge_invalid',
    );
    assert.equal((await passkeyRows(user.id)).length, 1);
    assert.equal((await passkeyRows(other.id)).length, 0);
  });

  test('a failed attempt spends the ceremony: a corrected retry needs new options', async () => {
    const user = await insertTestUser(store.db);
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const { ceremonyId, options } = await passkeys.registrationOptions(user);
    await rejects(
      passkeys.verifyRegistration(
        user.id,
        ceremonyId,
        authenticator.createCredential(options, { origin: 'https://evil.example' }),
        'x',
      ),
      'passkey_verification_failed',
    );
    await rejects(
      passkeys.verifyRegistration(
        user.id,
        ceremonyId,
        new SoftAuthenticator({ origin: ORIGIN }).createCredential(options),
        'x',
      ),
      'passkey_challenge_invalid',
    );
  });
});

describe('passkey assertions', () => {
  test('a second-factor assertion verifies, names the user and moves the counter', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const { ceremonyId, options } = await passkeys.authenticationOptions({
      userId: user.id,
      purpose: 'second_factor',
    });
    assert.equal(options.userVerification, 'required');
    assert.deepEqual(
      options.allowCredentials?.map((c) => c.id),
      [passkeyId],
    );
    clock.advance(1_000);
    const result = await passkeys.verifyAuthentication({
      ceremonyId,
      response: authenticator.getAssertion(options),
      expectedUserId: user.id,
      purpose: 'second_factor',
    });
    assert.deepEqual(result, { userId: user.id, passkeyId });
    assert.equal(await counterOf(passkeyId), 1n);
    const [view] = await passkeys.list(user.id);
    assert.equal(view?.lastUsedAt?.getTime(), clock.nowMs());
  });

  test('passwordless sign-in: no user up front, the credential tells who it is', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const { ceremonyId, options } = await passkeys.authenticationOptions({ purpose: 'sign_in' });
    assert.equal(options.allowCredentials, undefined, 'discoverable credentials');
    const result = await passkeys.verifyAuthentication({
      ceremonyId,
      response: authenticator.getAssertion(options),
      purpose: 'sign_in',
    });
    assert.deepEqual(result, { userId: user.id, passkeyId });
  });

  test('a wrong origin is refused and the counter stays', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const { ceremonyId, options } = await passkeys.authenticationOptions({
      userId: user.id,
      purpose: 'step_up',
    });
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId,
        response: authenticator.getAssertion(options, { origin: 'https://phish.example' }),
        expectedUserId: user.id,
        purpose: 'step_up',
      }),
      'passkey_verification_failed',
      'origin_mismatch',
    );
    assert.equal(await counterOf(passkeyId), 0n);
  });

  test('a wrong challenge, a reused one and an expired one are refused; the counter stays', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const a = await passkeys.authenticationOptions({ userId: user.id, purpose: 'step_up' });
    const b = await passkeys.authenticationOptions({ userId: user.id, purpose: 'step_up' });
    // The assertion signed over A's challenge, presented for ceremony B.
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: b.ceremonyId,
        response: authenticator.getAssertion(a.options),
        purpose: 'step_up',
        expectedUserId: user.id,
      }),
      'passkey_verification_failed',
      'challenge_mismatch',
    );
    assert.equal(await counterOf(passkeyId), 0n);

    const good = authenticator.getAssertion(a.options);
    await passkeys.verifyAuthentication({
      ceremonyId: a.ceremonyId,
      response: good,
      purpose: 'step_up',
      expectedUserId: user.id,
    });
    const counter = await counterOf(passkeyId);
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: a.ceremonyId,
        response: good,
        purpose: 'step_up',
        expectedUserId: user.id,
      }),
      'passkey_challenge_invalid',
    );
    const c = await passkeys.authenticationOptions({ userId: user.id, purpose: 'step_up' });
    clock.advance(PASSKEY_CEREMONY_TTL_MS + 1);
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: c.ceremonyId,
        response: authenticator.getAssertion(c.options),
        purpose: 'step_up',
        expectedUserId: user.id,
      }),
      'passkey_challenge_invalid',
    );
    assert.equal(await counterOf(passkeyId), counter);
  });

  test('a counter that goes backwards (or drops to 0) is refused and not stored', async () => {
    const { user, authenticator, passkeyId } = await registered();
    for (let i = 0; i < 3; i++) {
      const { ceremonyId, response } = await assertFor(user, authenticator, 'second_factor');
      await passkeys.verifyAuthentication({
        ceremonyId,
        response,
        purpose: 'second_factor',
        expectedUserId: user.id,
      });
    }
    assert.equal(await counterOf(passkeyId), 3n);
    for (const signCount of [2, 3, 0]) {
      const { ceremonyId, options } = await passkeys.authenticationOptions({
        userId: user.id,
        purpose: 'second_factor',
      });
      await rejects(
        passkeys.verifyAuthentication({
          ceremonyId,
          response: authenticator.getAssertion(options, { signCount }),
          purpose: 'second_factor',
          expectedUserId: user.id,
        }),
        'passkey_counter_regressed',
      );
      assert.equal(await counterOf(passkeyId), 3n, `counter ${signCount} not stored`);
    }
    const next = await assertFor(user, authenticator, 'second_factor');
    // The authenticator's own counter was moved back by the test; jump it past the stored one.
    const jumped = await passkeys.authenticationOptions({ userId: user.id, purpose: 'second_factor' });
    await passkeys.verifyAuthentication({
      ceremonyId: jumped.ceremonyId,
      response: authenticator.getAssertion(jumped.options, { signCount: 10 }),
      purpose: 'second_factor',
      expectedUserId: user.id,
    });
    assert.equal(await counterOf(passkeyId), 10n);
    await rejects(
      passkeys.verifyAuthentication({ ...next, purpose: 'second_factor', expectedUserId: user.id }),
      'passkey_counter_regressed',
    );
  });

  test('authenticators without a counter (always 0) keep working', async () => {
    const { user, authenticator, passkeyId } = await registered({ counter: false });
    for (let i = 0; i < 3; i++) {
      const { ceremonyId, response } = await assertFor(user, authenticator, 'second_factor');
      await passkeys.verifyAuthentication({
        ceremonyId,
        response,
        purpose: 'second_factor',
        expectedUserId: user.id,
      });
    }
    assert.equal(await counterOf(passkeyId), 0n);
  });

  test('a payment confirmation is bound to its payment: it cannot confirm another, nor serve another purpose', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const payA = 'pay:pmt_A:8888:mch_demo_coffee';
    const payB = 'pay:pmt_B:999900:mch_other';
    const a = await assertFor(user, authenticator, 'payment', payA);
    for (const wrong of [
      { purpose: 'payment' as const, subjectId: payB },
      { purpose: 'payment' as const, subjectId: undefined },
      { purpose: 'step_up' as const, subjectId: undefined },
      { purpose: 'sign_in' as const, subjectId: undefined },
    ]) {
      await rejects(
        passkeys.verifyAuthentication({ ...a, ...wrong, expectedUserId: user.id }),
        'passkey_subject_mismatch',
      );
    }
    assert.equal(await counterOf(passkeyId), 0n, 'nothing changed');
    // B's ceremony with A's assertion: the signature covers A's challenge, not B's.
    const b = await passkeys.authenticationOptions({ userId: user.id, purpose: 'payment', subjectId: payB });
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: b.ceremonyId,
        response: a.response,
        purpose: 'payment',
        subjectId: payB,
        expectedUserId: user.id,
      }),
      'passkey_verification_failed',
      'challenge_mismatch',
    );
    assert.equal(await counterOf(passkeyId), 0n, 'nothing changed');
    // A mismatch does not spend the ceremony: the right payment still confirms.
    const ok = await passkeys.verifyAuthentication({
      ...a,
      purpose: 'payment',
      subjectId: payA,
      expectedUserId: user.id,
    });
    assert.equal(ok.passkeyId, passkeyId);
  });

  test("another user's passkey, an unknown one, a bad signature or no user verification are refused", async () => {
    const alice = await registered();
    const bob = await registered();
    const { ceremonyId, options } = await passkeys.authenticationOptions({
      userId: bob.user.id,
      purpose: 'second_factor',
    });
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId,
        response: alice.authenticator.getAssertion(options, { credentialId: alice.passkeyId }),
        purpose: 'second_factor',
        expectedUserId: bob.user.id,
      }),
      'passkey_unknown',
    );
    const forSignIn = await passkeys.authenticationOptions({ purpose: 'sign_in' });
    const stranger = new SoftAuthenticator({ origin: ORIGIN });
    stranger.createCredential((await passkeys.registrationOptions(alice.user)).options); // never verified
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: forSignIn.ceremonyId,
        response: stranger.getAssertion(forSignIn.options),
        purpose: 'sign_in',
      }),
      'passkey_unknown',
    );

    const tampered = await assertFor(alice.user, alice.authenticator, 'second_factor');
    const signature = Buffer.from(tampered.response.response.signature, 'base64url');
    signature[signature.length - 1] = (signature.at(-1) ?? 0) ^ 0x01;
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: tampered.ceremonyId,
        response: {
          ...tampered.response,
          response: { ...tampered.response.response, signature: signature.toString('base64url') },
        },
        purpose: 'second_factor',
        expectedUserId: alice.user.id,
      }),
      'passkey_verification_failed',
    );
    const unverified = await passkeys.authenticationOptions({
      userId: alice.user.id,
      purpose: 'payment',
      subjectId: 'pay:x:1:y',
    });
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: unverified.ceremonyId,
        response: alice.authenticator.getAssertion(unverified.options, { userVerified: false }),
        purpose: 'payment',
        subjectId: 'pay:x:1:y',
        expectedUserId: alice.user.id,
      }),
      'passkey_verification_failed',
    );
    assert.equal(await counterOf(alice.passkeyId), 0n);
  });

  test('options for a user without passkeys are refused', async () => {
    const user = await insertTestUser(store.db);
    await rejects(passkeys.authenticationOptions({ userId: user.id, purpose: 'step_up' }), 'no_passkeys');
  });
});

describe('passkey management', () => {
  test('rename, remove (recorded and notified), and a removed passkey no longer signs in', async () => {
    const { user, authenticator, passkeyId } = await registered();
    const other = await insertTestUser(store.db);
    assert.equal((await passkeys.rename(user.id, passkeyId, 'Work phone')).name, 'Work phone');
    await rejects(passkeys.rename(other.id, passkeyId, 'mine now'), 'passkey_not_found');
    await rejects(passkeys.remove(other.id, passkeyId), 'passkey_not_found');

    const pending = await passkeys.authenticationOptions({ purpose: 'sign_in' });
    await passkeys.remove(user.id, passkeyId, { sessionId: 'ses_2' });
    assert.deepEqual(await passkeys.list(user.id), []);
    const [event] = await listSecurityEvents(store.db, { userId: user.id, limit: 5 });
    assert.equal(event?.type, 'passkey_removed');
    assert.deepEqual(
      notifier.take().map((n) => [n.template, n.vars.change, n.vars.action]),
      [
        ['security_change', 'passkey', 'removed'],
        ['security_change', 'passkey', 'removed'],
        ['security_change', 'passkey', 'removed'],
      ],
    );
    await rejects(passkeys.remove(user.id, passkeyId), 'passkey_not_found');
    await rejects(
      passkeys.verifyAuthentication({
        ceremonyId: pending.ceremonyId,
        response: authenticator.getAssertion(pending.options),
        purpose: 'sign_in',
      }),
      'passkey_unknown',
    );
  });

  test('expired ceremonies are swept', async () => {
    const user = await insertTestUser(store.db);
    await passkeys.registrationOptions(user);
    clock.advance(PASSKEY_CEREMONY_TTL_MS);
    assert.ok((await passkeys.sweepExpiredCeremonies()) >= 1);
    const left = await store.db
      .selectFrom('webauthn_challenges')
      .select('id')
      .where('expires_at', '<=', new Date(clock.nowMs()))
      .execute();
    assert.deepEqual(left, []);
  });
});
