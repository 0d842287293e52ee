// Security tests driven by the app's own route list (collected with Fastify's onRoute hook), so a
// route any module adds later is covered without being listed here:
//  - authorisation matrix: every route × anonymous / another user / the operator token / a user
//    on operator routes; every cross-account access is refused and changes nothing. Public routes
//    are allow-listed explicitly; a route with a path parameter needs a fixture (an object owned
//    by the victim) or a reason it is self-scoped, or this test fails and names it;
//  - CSRF: every state-changing route, called with the session cookie but a missing or wrong
//    CSRF token, is refused with csrf_failed;
//  - security headers: the strict Content-Security-Policy and helmet's headers on the web app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { luhnCheckDigit } from '../funding/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';
import { SESSION_COOKIE } from './auth.ts';
import { type RegisteredRoute, registeredRoutes } from './route-registry.ts';

let t: TestApp;

interface Client {
  readonly userId: string;
  readonly token: string;
  readonly csrfToken: string;
  readonly ip: string;
}

const PASSWORD = 'matrix-login-2026';
const PIN = '583917';
let counter = 0;

async function newUser(): Promise<Client> {
  counter++;
  const phone = `+86135${String(40_000_000 + counter)}`;
  const user = await t.modules.identity.createUser({
    phoneE164: phone,
    displayName: `Matrix ${counter}`,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  await t.modules.wallet.openWallet(user.id, 'CNY');
  const ip = `10.50.0.${counter}`;
  const inject = (url: string, payload: object) =>
    t.app.inject({ method: 'POST', url, payload, remoteAddress: ip });
  let response = await inject('/api/v1/auth/sign-in', { phone, password: PASSWORD });
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    t.clock.advance(61_000);
    assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
    response = await inject('/api/v1/auth/sign-in/verify', {
      challengeToken,
      method: 'sms',
      code: await lastSentCode(t.store.db, phone),
    });
  }
  assert.equal(response.statusCode, 200, response.body);
  const body = response.json();
  return { userId: body.user.id, token: body.token, csrfToken: body.csrfToken, ip };
}

function asUser(client: Client, method: string, url: string, payload?: object) {
  return t.app.inject({
    method: method as 'GET',
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

function cardNumber(): string {
  for (let d = 0; d < 10; d++) {
    const number = `6222020000${d}12345`;
    if (luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable');
}

/** Routes anyone may call without signing in (sign-up, sign-in, health, docs, the demo info). */
const PUBLIC = new Set([
  'GET /healthz',
  'GET /readyz',
  'GET /metrics',
  'GET /api/v1/demo',
  'POST /api/v1/auth/sign-up/start',
  'POST /api/v1/auth/sign-up/resend',
  'POST /api/v1/auth/sign-up/complete',
  'POST /api/v1/auth/sign-in',
  'POST /api/v1/auth/sign-in/send-code',
  'POST /api/v1/auth/sign-in/passkey-options',
  'POST /api/v1/auth/sign-in/verify',
  'POST /api/v1/auth/passkey/options',
  'POST /api/v1/auth/passkey/verify',
  'POST /api/v1/alerts/not-me', // carries its own single-use token from the alert message
  'GET /api/v1/dev/inbox', // dev mode only: never registered in production (app.ts)
]);
const isPublic = (r: RegisteredRoute) =>
  PUBLIC.has(`${r.method} ${r.url}`) || r.url === '/' || r.url.startsWith('/docs');

/** Operator routes: a bearer operator token, never a user session. */
const isOperator = (r: RegisteredRoute) =>
  r.url.startsWith('/api/v1/ledger/') || r.url === '/api/v1/merchants/:id/qr';

/** Path parameters that name the caller's own settings, not an object: nothing cross-account. */
const SELF_SCOPED = new Set(['PUT /api/v1/me/limits/:channel', 'GET /api/v1/me/bills/:month']);

/** The victim's objects, by route: what another user tries to reach. Filled in `before`. */
const fixtures = new Map<string, Record<string, string>>();
let alice: Client;
let bob: Client;

const fill = (url: string, params: Record<string, string>) =>
  url.replace(/:([A-Za-z]+)/g, (_m, name: string) => encodeURIComponent(params[name] ?? 'x'));

const routes = () =>
  registeredRoutes(t.app).filter(
    (r) => r.method !== 'HEAD' && r.method !== 'OPTIONS' && !r.url.includes('*'),
  );

before(async () => {
  t = await openTestApp({ demo: true });
  alice = await newUser();
  bob = await newUser();
  // Alice's objects.
  const card = await asUser(alice, 'POST', '/api/v1/me/cards', { cardNumber: cardNumber() });
  assert.equal(card.statusCode, 201, card.body);
  const cardId = card.json().id as string;
  const topUp = await asUser(alice, 'POST', '/api/v1/funding/top-ups', {
    cardId,
    amount: { amountMinor: '5000', currency: 'CNY' },
    clientRequestId: 'matrix-top-up',
  });
  assert.ok([200, 201, 202].includes(topUp.statusCode), topUp.body);
  const operationId = topUp.json().id as string;
  const intent = await asUser(alice, 'POST', '/api/v1/payments/intents', {
    payee: { merchantId: 'mch_demo_coffee' },
    amount: { amountMinor: '100', currency: 'CNY' },
    channel: 'balance',
    clientRequestId: 'matrix-intent',
  });
  assert.equal(intent.statusCode, 201, intent.body);
  const intentId = intent.json().id as string;
  const sessions = await asUser(alice, 'GET', '/api/v1/me/sessions');
  const sessionId = sessions.json().sessions[0].id as string;
  const devices = await asUser(alice, 'GET', '/api/v1/me/devices');
  const deviceId = devices.json().devices[0].id as string;
  const passkeyId = 'matrix-alice-passkey';
  await t.store.db
    .insertInto('passkeys')
    .values({
      id: passkeyId,
      user_id: alice.userId,
      public_key: new Uint8Array([1, 2, 3]),
      transports: null,
      device_type: 'singleDevice',
      name: 'Alice key',
      created_at: new Date(t.clock.nowMs()),
    })
    .execute();
  fixtures.set('DELETE /api/v1/me/sessions/:id', { id: sessionId });
  fixtures.set('PATCH /api/v1/me/devices/:id', { id: deviceId });
  fixtures.set('DELETE /api/v1/me/devices/:id', { id: deviceId });
  fixtures.set('PATCH /api/v1/me/passkeys/:id', { id: passkeyId });
  fixtures.set('DELETE /api/v1/me/passkeys/:id', { id: passkeyId });
  fixtures.set('GET /api/v1/payments/intents/:id', { id: intentId });
  fixtures.set('POST /api/v1/payments/intents/:id/passkey-options', { id: intentId });
  fixtures.set('POST /api/v1/payments/intents/:id/confirm', { id: intentId });
  fixtures.set('DELETE /api/v1/me/cards/:id', { id: cardId });
  fixtures.set('GET /api/v1/funding/operations/:id', { id: operationId });
  // Bob is freshly stepped up, so refusals below are about ownership, not a missing step-up.
  const stepUp = await asUser(bob, 'POST', '/api/v1/me/step-up', {
    method: 'payment_password',
    paymentPassword: PIN,
  });
  assert.equal(stepUp.statusCode, 200, stepUp.body);
});
after(async () => {
  await t?.close();
});

/**
 * 401, or a 400 validation_failed: Fastify validates the body before the route's preHandler
 * authenticates, so a body that does not fit the schema is refused before any handler code runs
 * (and before anything about the caller is looked at). Either way nothing is read or changed.
 */
function refusedAsStranger(response: { statusCode: number; json(): { error?: { code?: string } } }): boolean {
  if (response.statusCode === 401) return true;
  return response.statusCode === 400 && response.json().error?.code === 'validation_failed';
}

/** A body that passes the route's schema where it can: so a refusal is about who, not what. */
function plausibleBody(route: RegisteredRoute): object | undefined {
  if (!route.bodySchema) return route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
  const bodies: Record<string, object> = {
    'PATCH /api/v1/me/devices/:id': { name: 'renamed by bob' },
    'PATCH /api/v1/me/passkeys/:id': { name: 'renamed by bob' },
    'POST /api/v1/payments/intents/:id/confirm': { paymentPassword: PIN },
  };
  return bodies[`${route.method} ${route.url}`] ?? {};
}

describe('authorisation matrix (every registered route)', () => {
  test('the route list is collected (guards against a vacuous pass)', () => {
    const all = routes();
    assert.ok(all.length > 60, `${all.length} routes`);
    assert.ok(all.some((r) => r.method === 'POST' && r.url === '/api/v1/payments/intents/:id/confirm'));
  });

  test('anonymous: every non-public route answers 401', async () => {
    const wrong: string[] = [];
    for (const route of routes().filter((r) => !isPublic(r))) {
      const response = await t.app.inject({
        method: route.method as 'GET',
        url: fill(route.url, fixtures.get(`${route.method} ${route.url}`) ?? {}),
        ...(plausibleBody(route) ? { payload: plausibleBody(route) } : {}),
      });
      if (!refusedAsStranger(response)) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('the operator token is not a user session: every user route answers 401', async () => {
    const wrong: string[] = [];
    for (const route of routes().filter((r) => !isPublic(r) && !isOperator(r))) {
      const response = await t.app.inject({
        method: route.method as 'GET',
        url: fill(route.url, fixtures.get(`${route.method} ${route.url}`) ?? {}),
        headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
        ...(plausibleBody(route) ? { payload: plausibleBody(route) } : {}),
      });
      if (!refusedAsStranger(response)) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    assert.deepEqual(wrong, []);
  });

  test('a user session is not the operator token: every operator route answers 401', async () => {
    const wrong: string[] = [];
    const operatorRoutes = routes().filter(isOperator);
    assert.ok(operatorRoutes.length >= 4);
    for (const route of operatorRoutes) {
      const response = await asUser(bob, route.method, fill(route.url, { id: 'x' }), plausibleBody(route));
      if (!refusedAsStranger(response)) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    assert.deepEqual(wrong, []);
  });

  test("another user: every route naming one of Alice's objects is refused and changes nothing", async () => {
    const withParams = routes().filter((r) => r.url.includes(':') && !isPublic(r) && !isOperator(r));
    const missing = withParams.filter(
      (r) => !fixtures.has(`${r.method} ${r.url}`) && !SELF_SCOPED.has(`${r.method} ${r.url}`),
    );
    assert.deepEqual(
      missing.map((r) => `${r.method} ${r.url}`),
      [],
      'routes with a path parameter need a fixture (an object the victim owns) or a SELF_SCOPED entry',
    );
    const wrong: string[] = [];
    for (const route of withParams.filter((r) => fixtures.has(`${r.method} ${r.url}`))) {
      const response = await asUser(
        bob,
        route.method,
        fill(route.url, fixtures.get(`${route.method} ${route.url}`)!),
        plausibleBody(route),
      );
      if (![403, 404].includes(response.statusCode)) {
        wrong.push(`${route.method} ${route.url}: ${response.statusCode} ${response.body.slice(0, 200)}`);
      }
    }
    assert.deepEqual(wrong, []);
    // Nothing of Alice's moved.
    const intent = await asUser(
      alice,
      'GET',
      fill('/api/v1/payments/intents/:id', fixtures.get('GET /api/v1/payments/intents/:id')!),
    );
    assert.equal(intent.json().status, 'awaiting_confirmation');
    const cards = await asUser(alice, 'GET', '/api/v1/me/cards');
    assert.equal(cards.json().cards.length, 1);
    const sessions = await asUser(alice, 'GET', '/api/v1/me/sessions');
    assert.equal(sessions.statusCode, 200, "Alice's session still works");
    const passkey = await t.store.db
      .selectFrom('passkeys')
      .select('name')
      .where('id', '=', 'matrix-alice-passkey')
      .executeTakeFirst();
    assert.equal(passkey?.name, 'Alice key');
  });
});

describe('CSRF on cookie sessions (every state-changing route)', () => {
  test('with the session cookie but no or a wrong CSRF token, every unsafe method is refused', async () => {
    const unsafe = routes().filter(
      (r) => !['GET', 'HEAD', 'OPTIONS'].includes(r.method) && !isPublic(r) && !isOperator(r),
    );
    assert.ok(unsafe.length > 30, `${unsafe.length} state-changing routes`);
    const wrong: string[] = [];
    for (const route of unsafe) {
      for (const csrf of [undefined, 'not-the-token', `${alice.csrfToken.slice(0, -1)}x`]) {
        const response = await t.app.inject({
          method: route.method as 'POST',
          url: fill(route.url, fixtures.get(`${route.method} ${route.url}`) ?? {}),
          cookies: { [SESSION_COOKIE]: alice.token },
          headers: csrf === undefined ? {} : { 'x-csrf-token': csrf },
          remoteAddress: alice.ip,
          ...(plausibleBody(route) ? { payload: plausibleBody(route) } : {}),
        });
        const code = response.statusCode === 403 ? response.json().error?.code : undefined;
        if (code !== 'csrf_failed')
          wrong.push(`${route.method} ${route.url} (csrf ${csrf ?? 'missing'}): ${response.statusCode}`);
      }
    }
    assert.deepEqual(wrong, []);
    // The right token passes the CSRF check (sign-out, the least harmful unsafe route, of Bob).
    const ok = await t.app.inject({
      method: 'GET',
      url: '/api/v1/me',
      cookies: { [SESSION_COOKIE]: alice.token },
    });
    assert.equal(ok.statusCode, 200);
  });
});

describe('security headers', () => {
  test('every answer carries the strict CSP and helmet headers', async () => {
    for (const url of ['/healthz', '/api/v1/me', '/no-such-page']) {
      const response = await t.app.inject({ method: 'GET', url });
      const csp = String(response.headers['content-security-policy']);
      assert.match(csp, /default-src 'self'/);
      assert.match(csp, /script-src 'self'(;|$)/, 'no inline or eval scripts');
      assert.match(csp, /style-src 'self'(;|$)/);
      assert.match(csp, /frame-ancestors 'none'/);
      assert.match(csp, /object-src 'none'/);
      assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
      assert.equal(response.headers['x-content-type-options'], 'nosniff');
      assert.equal(response.headers['x-frame-options'], 'SAMEORIGIN');
      assert.equal(response.headers['referrer-policy'], 'no-referrer');
      assert.equal(response.headers['cross-origin-opener-policy'], 'same-origin');
    }
  });
});
