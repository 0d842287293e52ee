// Proves the /api/v1/me second-factor routes over HTTP (app.inject on a real store): TOTP
// enrol/confirm/remove, backup codes, passkeys add/list/rename/remove with a software
// authenticator; step-up where docs/identity.md says so; WebAuthn refusals as 4xx codes with
// nothing changed; malformed WebAuthn JSON refused by the schema. The plugin is mounted on a
// bare Fastify here (as buildApp would); sessions are rows made directly in the store and read
// back by a small `authenticate`, so these tests stand apart from the sign-in code.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import fastifyCookie from '@fastify/cookie';
import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { Secret, TOTP } from 'otpauth';
import type { Identity } from '../identity/index.ts';
import { createSecondFactors } from '../identity/second-factors.ts';
import { createIdentitySecrets } from '../identity/secrets.ts';
import { listSecurityEvents } from '../identity/security-events.ts';
import { ManualClock, newId, newSecretToken } from '../shared/index.ts';
import { insertTestUser, RecordingNotifier, type TestUser } from '../testing/factor-test-kit.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { STEP_UP_FRESH_MS } from './auth.ts';
import { installErrorHandling } from './errors.ts';
import { factorRoutes } from './routes/factor-routes.ts';

const ORIGIN = 'http://localhost:8080';
let store: TestStore;
let app: FastifyInstance;
const clock = new ManualClock();
const notifier = new RecordingNotifier();
const sha256Hex = (text: string) => createHash('sha256').update(text).digest('hex');

/** The session behind a bearer token: enough of identity.authenticate for these routes. */
const identity: Pick<Identity, 'authenticate'> = {
  async authenticate(token) {
    const row = await store.db
      .selectFrom('sessions as s')
      .innerJoin('users as u', 'u.id', 's.user_id')
      .select([
        's.id as session_id',
        's.csrf_token',
        's.device_id',
        's.step_up_at',
        'u.id',
        'u.phone_e164',
        'u.display_name',
      ])
      .where('s.token_sha256', '=', sha256Hex(token))
      .where('s.ended_at', 'is', null)
      .executeTakeFirst();
    return (
      row && {
        sessionId: row.session_id,
        user: { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name },
        csrfToken: row.csrf_token,
        tokenSha256: sha256Hex(token),
        deviceId: row.device_id,
        stepUpAt: row.step_up_at,
      }
    );
  },
};

before(async () => {
  store = await openTestStore();
  const factors = createSecondFactors({
    db: store.db,
    clock,
    secrets: createIdentitySecrets(randomBytes(32)),
    notifier,
    webauthn: { rpId: 'localhost', rpName: 'Rampart', expectedOrigins: [ORIGIN] },
  });
  app = Fastify({ logger: false });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.decorateRequest('session', null);
  installErrorHandling(app);
  await app.register(fastifyCookie);
  await app.register(factorRoutes, { identity, factors, nowMs: () => clock.nowMs() });
  await app.ready();
});
after(async () => {
  await app?.close();
  await store?.close();
});

interface Signed {
  readonly user: TestUser;
  readonly sessionId: string;
  readonly headers: { authorization: string };
}

/** A user and a bearer session, made directly in the store; `stepUpAgoMs` sets a step-up. */
async function signedIn(stepUpAgoMs: number | null = 0): Promise<Signed> {
  const user = await insertTestUser(store.db, { nowMs: clock.nowMs() });
  const token = newSecretToken();
  const sessionId = newId('ses');
  const nowMs = clock.nowMs();
  await store.db
    .insertInto('sessions')
    .values({
      id: sessionId,
      token_sha256: sha256Hex(token),
      user_id: user.id,
      csrf_token: newSecretToken(),
      created_at: new Date(nowMs),
      last_seen_at: new Date(nowMs),
      expires_at: new Date(nowMs + 12 * 3_600_000),
      ended_at: null,
      user_agent: null,
      ip: null,
      step_up_at: stepUpAgoMs === null ? null : new Date(nowMs - stepUpAgoMs),
    })
    .execute();
  return { user, sessionId, headers: { authorization: `Bearer ${token}` } };
}

async function stepUp(signed: Signed): Promise<void> {
  await store.db
    .updateTable('sessions')
    .set({ step_up_at: new Date(clock.nowMs()) })
    .where('id', '=', signed.sessionId)
    .execute();
}

function call(
  signed: Signed | null,
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
  url: string,
  payload?: object,
) {
  return app.inject({ method, url, headers: signed?.headers ?? {}, ...(payload ? { payload } : {}) });
}

describe('second-factor routes: access', () => {
  test('no session: 401; no step-up or a stale one: 403 step_up_required where the doc says step-up', async () => {
    assert.equal((await call(null, 'GET', '/api/v1/me/passkeys')).json().error.code, 'unauthenticated');
    const fresh = await signedIn(null);
    const stale = await signedIn(STEP_UP_FRESH_MS + 1_000);
    for (const signed of [fresh, stale]) {
      for (const [method, url] of [
        ['POST', '/api/v1/me/totp/enroll'],
        ['DELETE', '/api/v1/me/totp'],
        ['POST', '/api/v1/me/backup-codes'],
        ['POST', '/api/v1/me/passkeys/options'],
        ['DELETE', '/api/v1/me/passkeys/abc'],
      ] as const) {
        const response = await call(signed, method, url);
        assert.equal(response.statusCode, 403, `${method} ${url}`);
        assert.equal(response.json().error.code, 'step_up_required');
      }
    }
    assert.equal(
      (await call(fresh, 'GET', '/api/v1/me/passkeys')).statusCode,
      200,
      'listing needs no step-up',
    );
    await stepUp(stale);
    assert.equal(
      (await call(stale, 'POST', '/api/v1/me/backup-codes')).statusCode,
      200,
      'after a new step-up',
    );
    clock.advance(STEP_UP_FRESH_MS + 1);
    assert.equal((await call(stale, 'POST', '/api/v1/me/backup-codes')).statusCode, 403, '5 minutes later');
  });
});

describe('TOTP routes', () => {
  test('enrol (step-up) → confirm with a code → enabled; then removal (step-up), each recorded', async () => {
    const signed = await signedIn();
    const enroll = await call(signed, 'POST', '/api/v1/me/totp/enroll');
    assert.equal(enroll.statusCode, 200);
    const { secret, otpauthUrl, qrSvg } = enroll.json();
    assert.match(otpauthUrl, /^otpauth:\/\/totp\//);
    assert.match(qrSvg, /^<svg/);

    const wrong = await call(signed, 'POST', '/api/v1/me/totp/confirm', { code: '000000' });
    assert.equal(wrong.statusCode, 400);
    assert.equal(wrong.json().error.code, 'invalid_totp_code');
    const code = TOTP.generate({ secret: Secret.fromBase32(secret), timestamp: clock.nowMs() });
    const confirm = await call(signed, 'POST', '/api/v1/me/totp/confirm', { code });
    assert.equal(confirm.statusCode, 200);
    assert.deepEqual(confirm.json(), { enabled: true });
    const again = await call(signed, 'POST', '/api/v1/me/totp/enroll');
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'totp_already_enabled');

    const removed = await call(signed, 'DELETE', '/api/v1/me/totp');
    assert.equal(removed.statusCode, 204);
    const gone = await call(signed, 'DELETE', '/api/v1/me/totp');
    assert.equal(gone.json().error.code, 'totp_not_enrolled');
    const events = await listSecurityEvents(store.db, { userId: signed.user.id, limit: 5 });
    assert.deepEqual(
      events.map((e) => e.type),
      ['totp_disabled', 'totp_enabled'],
    );
    const [disabled] = await store.db
      .selectFrom('security_events')
      .select(['session_id'])
      .where('user_id', '=', signed.user.id)
      .orderBy('id', 'desc')
      .execute();
    assert.equal(disabled?.session_id, signed.sessionId);
  });

  test('the confirm body is validated', async () => {
    const signed = await signedIn();
    for (const payload of [{}, { code: 123456 }, { code: '123456', extra: 1 }]) {
      const response = await call(signed, 'POST', '/api/v1/me/totp/confirm', payload);
      assert.equal(response.statusCode, 400);
      assert.equal(response.json().error.code, 'validation_failed');
    }
  });
});

describe('backup code routes', () => {
  test('generate (step-up) returns 10 codes once', async () => {
    const signed = await signedIn();
    const response = await call(signed, 'POST', '/api/v1/me/backup-codes');
    assert.equal(response.statusCode, 200);
    const { codes } = response.json();
    assert.equal(codes.length, 10);
    assert.equal(new Set(codes).size, 10);
    assert.ok(notifier.take().some((n) => n.userId === signed.user.id && n.vars.change === 'backup_codes'));
  });
});

describe('passkey routes', () => {
  test('add (options behind step-up), list, rename, remove', async () => {
    const signed = await signedIn();
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const options = await call(signed, 'POST', '/api/v1/me/passkeys/options');
    assert.equal(options.statusCode, 200);
    const { ceremonyId, options: creation } = options.json();
    const added = await call(signed, 'POST', '/api/v1/me/passkeys', {
      ceremonyId,
      name: 'MacBook Touch ID',
      response: authenticator.createCredential(creation),
    });
    assert.equal(added.statusCode, 201, added.body);
    const passkey = added.json();
    assert.equal(passkey.name, 'MacBook Touch ID');
    assert.equal(passkey.lastUsedAt, null);
    assert.equal(typeof passkey.createdAt, 'string');

    const list = await call(signed, 'GET', '/api/v1/me/passkeys');
    assert.deepEqual(
      list.json().passkeys.map((p: { id: string }) => p.id),
      [passkey.id],
    );
    const renamed = await call(signed, 'PATCH', `/api/v1/me/passkeys/${passkey.id}`, { name: 'Work laptop' });
    assert.equal(renamed.statusCode, 200);
    assert.equal(renamed.json().name, 'Work laptop');
    const missing = await call(signed, 'PATCH', '/api/v1/me/passkeys/nope', { name: 'x' });
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'passkey_not_found');

    const someoneElse = await signedIn();
    const notTheirs = await call(someoneElse, 'DELETE', `/api/v1/me/passkeys/${passkey.id}`);
    assert.equal(notTheirs.statusCode, 404);
    const removed = await call(signed, 'DELETE', `/api/v1/me/passkeys/${passkey.id}`);
    assert.equal(removed.statusCode, 204);
    assert.deepEqual((await call(signed, 'GET', '/api/v1/me/passkeys')).json(), { passkeys: [] });
    const events = await listSecurityEvents(store.db, { userId: signed.user.id, limit: 5 });
    assert.deepEqual(
      events.map((e) => e.type),
      ['passkey_removed', 'passkey_added'],
    );
  });

  test('a wrong origin and a reused ceremony are 400s with their codes, and add nothing', async () => {
    const signed = await signedIn();
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const { ceremonyId, options } = (await call(signed, 'POST', '/api/v1/me/passkeys/options')).json();
    const phished = await call(signed, 'POST', '/api/v1/me/passkeys', {
      ceremonyId,
      name: 'x',
      response: authenticator.createCredential(options, { origin: 'https://rampart.example.phish' }),
    });
    assert.equal(phished.statusCode, 400);
    assert.equal(phished.json().error.code, 'passkey_verification_failed');
    assert.equal(phished.json().error.details.reason, 'origin_mismatch');
    const retried = await call(signed, 'POST', '/api/v1/me/passkeys', {
      ceremonyId,
      name: 'x',
      response: new SoftAuthenticator({ origin: ORIGIN }).createCredential(options),
    });
    assert.equal(retried.statusCode, 400);
    assert.equal(retried.json().error.code, 'passkey_challenge_invalid');
    assert.deepEqual((await call(signed, 'GET', '/api/v1/me/passkeys')).json(), { passkeys: [] });
  });

  test('malformed WebAuthn JSON is refused by the schema', async () => {
    const signed = await signedIn();
    const authenticator = new SoftAuthenticator({ origin: ORIGIN });
    const { ceremonyId, options } = (await call(signed, 'POST', '/api/v1/me/passkeys/options')).json();
    const good = authenticator.createCredential(options);
    for (const response of [
      {},
      { ...good, type: 'password' },
      { ...good, id: 'not base64url!' },
      { ...good, response: { ...good.response, attestationObject: 12 } },
      { ...good, response: { clientDataJSON: good.response.clientDataJSON } },
    ]) {
      const result = await call(signed, 'POST', '/api/v1/me/passkeys', { ceremonyId, name: 'x', response });
      assert.equal(result.statusCode, 400);
      assert.equal(result.json().error.code, 'validation_failed');
    }
    const blankName = await call(signed, 'POST', '/api/v1/me/passkeys', {
      ceremonyId,
      name: '   ',
      response: good,
    });
    assert.equal(blankName.json().error.code, 'validation_failed');
    // The schema refusals did not spend the ceremony.
    const ok = await call(signed, 'POST', '/api/v1/me/passkeys', {
      ceremonyId,
      name: 'Phone',
      response: good,
    });
    assert.equal(ok.statusCode, 201);
  });
});
