// Proves operators' own passkeys over HTTP (PGlite or PostgreSQL), with a software authenticator:
// an operator signed in with password + TOTP within 10 minutes adds a passkey (an older session
// and the bootstrap token may not); then password + passkey signs in; the same failure answer for
// a wrong password, another operator's passkey, a user's passkey ceremony, a replayed ceremony and
// a missing factor; nothing is signed in by a passkey alone.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { DEMO_OPERATOR_PASSWORD, DEMO_OPERATORS } from '../recovery/index.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, TEST_PUBLIC_URL, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
before(async () => {
  t = await openTestApp();
  await t.modules.recovery.seedDemo();
});
after(async () => {
  await t?.close();
});

function totpCode(username: string): string {
  const op = DEMO_OPERATORS.find((o) => o.username === username);
  assert.ok(op);
  return new TOTP({
    secret: Secret.fromBase32(op.totpSecret),
    digits: 6,
    period: 30,
    algorithm: 'SHA1',
  }).generate({ timestamp: t.clock.nowMs() });
}

const signIn = (payload: object, ip = '10.91.0.1') =>
  t.app.inject({ method: 'POST', url: '/api/v1/ops/sign-in', payload, remoteAddress: ip });

async function signInWithTotp(username: string): Promise<string> {
  t.clock.advance(30_000);
  const r = await signIn({ username, password: DEMO_OPERATOR_PASSWORD, code: totpCode(username) });
  assert.equal(r.statusCode, 200, r.body);
  return r.json().token;
}

const asOperator = (token: string, method: 'GET' | 'POST', url: string, payload?: object) =>
  t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });

async function addPasskey(token: string, authenticator: SoftAuthenticator, name: string) {
  const options = await asOperator(token, 'POST', '/api/v1/ops/me/passkeys/options');
  if (options.statusCode !== 200) return options;
  return asOperator(token, 'POST', '/api/v1/ops/me/passkeys', {
    ceremonyId: options.json().ceremonyId,
    name,
    response: authenticator.createCredential(options.json().options),
  });
}

async function passkeyAssertion(authenticator: SoftAuthenticator) {
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/ops/sign-in/passkey-options',
    remoteAddress: '10.91.0.2',
  });
  assert.equal(r.statusCode, 200, r.body);
  assert.equal(r.json().options.allowCredentials, undefined, 'the options name no operator');
  return {
    ceremonyId: r.json().ceremonyId as string,
    response: authenticator.getAssertion(r.json().options),
  };
}

describe('operator passkeys', () => {
  const agentKey = new SoftAuthenticator({ origin: TEST_PUBLIC_URL });
  const analystKey = new SoftAuthenticator({ origin: TEST_PUBLIC_URL });

  test('adding one needs a sign-in within 10 minutes; the bootstrap token cannot hold one', async () => {
    const token = await signInWithTotp('demo-agent');
    t.clock.advance(11 * 60_000);
    const stale = await asOperator(token, 'POST', '/api/v1/ops/me/passkeys/options');
    assert.equal(stale.statusCode, 403);
    assert.equal(stale.json().error.code, 'operator_reauth_required');
    const bootstrap = await asOperator(TEST_OPERATOR_TOKEN, 'POST', '/api/v1/ops/me/passkeys/options');
    assert.equal(bootstrap.json().error.code, 'operator_reauth_required');

    const fresh = await signInWithTotp('demo-agent');
    const added = await addPasskey(fresh, agentKey, 'Desk key');
    assert.equal(added.statusCode, 201, added.body);
    assert.equal(added.json().name, 'Desk key');
    const listed = await asOperator(fresh, 'GET', '/api/v1/ops/me/passkeys');
    assert.deepEqual(
      listed.json().items.map((p: { name: string }) => p.name),
      ['Desk key'],
    );
    const analyst = await signInWithTotp('demo-analyst');
    assert.equal((await addPasskey(analyst, analystKey, 'Analyst key')).statusCode, 201);
    assert.deepEqual(
      (await asOperator(analyst, 'GET', '/api/v1/ops/me/passkeys'))
        .json()
        .items.map((p: { name: string }) => p.name),
      ['Analyst key'],
      'each operator sees only their own',
    );
    const audit = await t.store.db
      .selectFrom('audit_log')
      .select('actor_id')
      .where('action', '=', 'operator_passkey_added')
      .execute();
    assert.equal(audit.length, 2);
  });

  test('password + passkey signs in; every other combination gets the same refusal', async () => {
    const ok = await signIn({
      username: 'demo-agent',
      password: DEMO_OPERATOR_PASSWORD,
      passkey: await passkeyAssertion(agentKey),
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal(ok.json().operator.username, 'demo-agent');
    const me = await asOperator(ok.json().token, 'GET', '/api/v1/ops/me');
    assert.equal(me.json().role, 'agent');

    const refusals = [
      // wrong password, right passkey
      { username: 'demo-agent', password: 'not-the-password', passkey: await passkeyAssertion(agentKey) },
      // another operator's passkey
      {
        username: 'demo-agent',
        password: DEMO_OPERATOR_PASSWORD,
        passkey: await passkeyAssertion(analystKey),
      },
    ];
    for (const payload of refusals) {
      const r = await signIn(payload);
      assert.equal(r.statusCode, 401, r.body);
      assert.equal(r.json().error.code, 'operator_sign_in_failed');
    }
    // A ceremony is spent by its first use, whatever the outcome.
    const once = await passkeyAssertion(agentKey);
    assert.equal(
      (await signIn({ username: 'demo-agent', password: DEMO_OPERATOR_PASSWORD, passkey: once })).statusCode,
      200,
    );
    const replay = await signIn({ username: 'demo-agent', password: DEMO_OPERATOR_PASSWORD, passkey: once });
    assert.equal(replay.json().error.code, 'operator_sign_in_failed');
    // Neither factor missing, nor both given.
    const none = await signIn({ username: 'demo-agent', password: DEMO_OPERATOR_PASSWORD });
    assert.equal(none.statusCode, 400);
    // A user's passkey ceremony (the people's sign-in) cannot open the console.
    const userOptions = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/passkey/options',
      payload: {},
      remoteAddress: '10.91.0.3',
    });
    assert.equal(userOptions.statusCode, 200, userOptions.body);
    const foreign = await signIn({
      username: 'demo-agent',
      password: DEMO_OPERATOR_PASSWORD,
      passkey: {
        ceremonyId: userOptions.json().ceremonyId,
        response: agentKey.getAssertion(userOptions.json().options),
      },
    });
    assert.equal(foreign.json().error.code, 'operator_sign_in_failed');
  });
});
