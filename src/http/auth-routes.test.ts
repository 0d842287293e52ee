// Proves sign-in, cookie sessions with CSRF, bearer sessions, expiry and sign-out over HTTP
// (app.inject against a real store seeded with the demo users).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_USERS } from '../demo/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
const alice = DEMO_USERS[0]!;

before(async () => {
  t = await openTestApp();
});
after(async () => {
  await t?.close();
});

let deviceKey: string | undefined;

/** Signs Alice in; the first time from this "browser" answers the new-device SMS challenge
 *  with the code taken from the outbox, later times reuse the device cookie. */
async function signIn(password = alice.password) {
  const headers = deviceKey ? { cookie: `rampart_device=${deviceKey}` } : {};
  const first = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in',
    headers,
    payload: { phone: alice.phoneE164, password },
  });
  if (first.statusCode !== 200 || first.json().status === 'signed_in') return remember(first);
  const { challengeToken } = first.json();
  t.clock.advance(61_000); // past the resend cool-down of any earlier code
  const sent = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in/send-code',
    payload: { challengeToken },
  });
  assert.equal(sent.statusCode, 200, sent.body);
  const code = await lastSentCode(t.store.db, alice.phoneE164);
  const verified = await t.app.inject({
    method: 'POST',
    url: '/api/v1/auth/sign-in/verify',
    payload: { challengeToken, method: 'sms', code },
  });
  assert.equal(verified.statusCode, 200, verified.body);
  return remember(verified);
}

function remember<T extends { cookies: { name: string; value: string }[] }>(response: T): T {
  deviceKey = response.cookies.find((c) => c.name === 'rampart_device')?.value ?? deviceKey;
  return response;
}

function cookieHeader(response: Awaited<ReturnType<typeof signIn>>): string {
  return response.cookies.map((c) => `${c.name}=${c.value}`).join('; ');
}

describe('sign-in and sessions', () => {
  test('right password opens a session: HttpOnly session cookie, readable CSRF cookie', async () => {
    const response = await signIn();
    assert.equal(response.statusCode, 200);
    const session = response.cookies.find((c) => c.name === 'rampart_session');
    const csrf = response.cookies.find((c) => c.name === 'rampart_csrf');
    assert.ok(session?.httpOnly);
    assert.equal(session?.sameSite, 'Lax');
    assert.ok(csrf && !csrf.httpOnly);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { cookie: cookieHeader(response) },
    });
    assert.equal(me.statusCode, 200);
    assert.equal(me.json().user.displayName, alice.displayName);
  });

  test('wrong password and unknown phone give the same 401 code and message', async () => {
    const wrong = await signIn('not-the-password');
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: { phone: '+8613000000000', password: 'whatever-password' },
    });
    assert.equal(wrong.statusCode, 401);
    assert.deepEqual(wrong.json(), unknown.json());
    assert.equal(wrong.json().error.code, 'invalid_credentials');
    assert.equal(wrong.cookies.length, 0);
  });

  test('cookie sessions need the CSRF header on unsafe methods; bearer sessions do not', async () => {
    const response = await signIn();
    const { token, csrfToken } = response.json();
    const noCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie: cookieHeader(response) },
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal(noCsrf.json().error.code, 'csrf_failed');
    const badCsrf = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie: cookieHeader(response), 'x-csrf-token': `${csrfToken}x` },
    });
    assert.equal(badCsrf.statusCode, 403);
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(me.statusCode, 200);
    const out = await t.app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-out',
      headers: { cookie: cookieHeader(response), 'x-csrf-token': csrfToken },
    });
    assert.equal(out.statusCode, 204);
    const after = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(after.statusCode, 401);
  });

  test('a session ends after 30 idle minutes and after 12 hours in any case', async () => {
    const { token } = (await signIn()).json();
    const me = () =>
      t.app.inject({ method: 'GET', url: '/api/v1/me', headers: { authorization: `Bearer ${token}` } });
    t.clock.advance(29 * 60_000);
    assert.equal((await me()).statusCode, 200);
    t.clock.advance(29 * 60_000);
    assert.equal((await me()).statusCode, 200, 'activity keeps the session alive');
    t.clock.advance(30 * 60_000);
    assert.equal((await me()).statusCode, 401, 'idle for 30 minutes');

    const second = (await signIn()).json().token;
    for (let i = 0; i < 25; i++) {
      t.clock.advance(29 * 60_000);
      const r = await t.app.inject({
        method: 'GET',
        url: '/api/v1/me',
        headers: { authorization: `Bearer ${second}` },
      });
      if (i < 24) assert.equal(r.statusCode, 200, `alive at ${(i + 1) * 29} minutes`);
      else assert.equal(r.statusCode, 401, 'past the 12-hour lifetime');
    }
  });

  test('no session, a forged token, or a malformed header: 401 unauthenticated', async () => {
    for (const headers of [
      {},
      { authorization: 'Bearer AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
      { authorization: 'Basic abc' },
    ]) {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/wallet', headers });
      assert.equal(r.statusCode, 401);
      assert.equal(r.json().error.code, 'unauthenticated');
    }
  });
});

describe('wallet', () => {
  test("shows the user's own balance and activity, newest first, with a cursor", async () => {
    const { token } = (await signIn()).json();
    const auth = { authorization: `Bearer ${token}` };
    const wallet = await t.app.inject({ method: 'GET', url: '/api/v1/wallet', headers: auth });
    assert.equal(wallet.statusCode, 200);
    const [account] = wallet.json().accounts;
    assert.deepEqual(account.posted, { amountMinor: alice.openingBalanceMinor.toString(), currency: 'CNY' });

    // Add more activity through the ledger, then page through it.
    const { ledger } = t.modules;
    const bank = await ledger.systemAccount('external_funding', 'CNY');
    for (let i = 0; i < 5; i++) {
      const [r] = await ledger.createTransfers([
        {
          id: `wallet-test-${i}`,
          kind: 'posted',
          code: 'top_up',
          legs: [
            {
              debitAccountId: bank.id,
              creditAccountId: account.accountId,
              amountMinor: BigInt(100 + i),
              currency: 'CNY',
            },
          ],
        },
      ]);
      assert.equal(r?.status, 'created');
    }
    const first = await t.app.inject({
      method: 'GET',
      url: '/api/v1/wallet/activity?limit=4',
      headers: auth,
    });
    assert.equal(first.statusCode, 200);
    const page1 = first.json();
    assert.equal(page1.entries.length, 4);
    assert.equal(page1.entries[0].amount.amountMinor, '104');
    assert.equal(page1.entries[0].direction, 'in');
    const second = await t.app.inject({
      method: 'GET',
      url: `/api/v1/wallet/activity?limit=4&before=${page1.nextBefore}`,
      headers: auth,
    });
    const page2 = second.json();
    assert.equal(page2.entries.length, 2);
    assert.equal(page2.nextBefore, null);
    assert.equal(page2.entries[1].code, 'top_up');
    assert.equal(page2.entries[1].amount.amountMinor, alice.openingBalanceMinor.toString());
    const bad = await t.app.inject({
      method: 'GET',
      url: '/api/v1/wallet/activity?limit=1000',
      headers: auth,
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'validation_failed');
  });
});
