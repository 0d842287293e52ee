// Security tests driven by the app's own route list (collected with Fastify's onRoute hook), so a
// route any module adds later is covered without being listed here:
//  - authorisation matrix: every route × anonymous / another user / the operator token / a user
//    on operator routes; every cross-account access is refused and changes nothing. Public routes
//    are allow-listed explicitly; a route with a path parameter needs a fixture (an object owned
//    by the victim) or a reason it is self-scoped, or this test fails and names it;
//  - CSRF: every state-changing route, called with the session cookie but a missing or wrong
//    CSRF token, is refused with csrf_failed;
//  - operator roles: every operator route × agent, risk analyst, supervisor, auditor (signed in
//    with password + TOTP): allowed where the role's permissions grant the route, 403
//    operator_role otherwise; the routes that take only the bootstrap token refuse every role;
//  - security headers: the strict Content-Security-Policy and helmet's headers on the web app.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Secret, TOTP } from 'otpauth';
import { luhnCheckDigit } from '../funding/index.ts';
import {
  DEMO_OPERATOR_PASSWORD,
  DEMO_OPERATORS,
  mayDo,
  OPERATOR_ROLES,
  type OperatorPermission,
  type OperatorRole,
} from '../recovery/index.ts';
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
  'POST /api/v1/ops/sign-in', // operator sign-in: name + password (+ TOTP), rate-limited
  'POST /api/v1/ops/sign-in/passkey-options', // a fresh challenge, rate-limited per IP; names no one
]);
/**
 * Signed-out account recovery and freeze (forgot password, lost phone, stolen-phone freeze,
 * manual review): public by design, since the user cannot sign in. Each one is rate-limited and
 * answers the same whether or not the phone or ID number is known (docs/recovery.md).
 */
const isSignedOutRecovery = (r: RegisteredRoute) => r.url.startsWith('/api/v1/recovery/');
/**
 * The Alipay-compatible gateway (`/gateway.do`, `/v3/alipay/...`, the signed bill download
 * link): authenticated by the merchant's RSA signature over the request, not by a session.
 * Checked below: an unsigned request is refused with Alipay's error envelope.
 */
const isGateway = (r: RegisteredRoute) =>
  r.url === '/gateway.do' || r.url.startsWith('/v3/alipay/') || r.url.startsWith('/gateway/');
const isPublic = (r: RegisteredRoute) =>
  PUBLIC.has(`${r.method} ${r.url}`) ||
  isSignedOutRecovery(r) ||
  isGateway(r) ||
  r.url === '/' ||
  r.url.startsWith('/docs');

/**
 * Operator routes: the static operator token (bootstrap) or an operator session with a role
 * (src/recovery), never a user session. The merchant-side agreement routes use the operator token
 * until merchants call them through the open API.
 */
const isOperator = (r: RegisteredRoute) =>
  r.url.startsWith('/api/v1/ledger/') ||
  r.url === '/api/v1/merchants/:id/qr' ||
  r.url.startsWith('/api/v1/merchants/:merchantId/agreements') ||
  r.url.startsWith('/api/v1/operator/') ||
  (r.url.startsWith('/api/v1/ops/') && !PUBLIC.has(`${r.method} ${r.url}`));

/** Merchant console routes: app id header + console token; neither a user session nor the operator. */
const isMerchantConsole = (r: RegisteredRoute) => r.url.startsWith('/api/v1/merchant-console/');

/** Path parameters that name the caller's own settings, not an object: nothing cross-account. */
const SELF_SCOPED = new Set([
  'PUT /api/v1/me/limits/:channel',
  'GET /api/v1/me/bills/:month',
  'GET /api/v1/me/bills/:month.pdf',
]);

/**
 * Cashier links: the trade number in a merchant's payment link is what lets any signed-in wallet
 * user view and pay an OPEN merchant order (Alipay's cashier works the same way). These routes
 * are covered by the gateway's own tests; here they are listed so the "another user" check does
 * not silently skip them. `GET /api/v1/orders/:tradeNo` has a fixture instead: Alice's PAID order,
 * which only she may read.
 */
const CASHIER_LINK = new Set([
  'POST /api/v1/orders/:tradeNo/pay',
  'POST /api/v1/orders/:tradeNo/return',
  // A merchant's agreement signing link (page.sign): the first signed-in user who opens it owns
  // the request; anyone else then gets 404 (src/http/gateway-agreements.test.ts proves it).
  'POST /api/v1/agreement-requests/:id/claim',
  'POST /api/v1/agreement-requests/:id/return',
]);

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
  fixtures.set('POST /api/v1/payments/intents/:id/cancel', { id: intentId });
  fixtures.set('DELETE /api/v1/me/cards/:id', { id: cardId });
  fixtures.set('GET /api/v1/funding/operations/:id', { id: operationId });
  fixtures.set('POST /api/v1/payments/intents/:id/sms-code', { id: intentId });
  // The order-payment confirm path runs the same ownership check on a payment intent.
  fixtures.set('POST /api/v1/orders/payments/:intentId/confirm', { intentId });
  // An order Alice paid (written as the gateway's settlement leaves it): its number is no secret,
  // its details are hers.
  const paidTradeNo = `2026${'0'.repeat(23)}1`;
  await t.store.db
    .insertInto('gateway_trades')
    .values({
      trade_no: paidTradeNo,
      app_id: '2021000000000001',
      merchant_id: 'mch_demo_coffee',
      out_trade_no: 'matrix-paid-order',
      method: 'alipay.trade.page.pay',
      fingerprint: 'matrix',
      subject: 'Alice private order',
      body: null,
      product_code: 'FAST_INSTANT_TRADE_PAY',
      total_minor: 990n,
      currency: 'CNY',
      status: 'TRADE_SUCCESS',
      notify_url: null,
      return_url: null,
      passback_params: null,
      buyer_user_id: alice.userId,
      buyer_account_id: null,
      paid_intent_id: null,
      qr_code: null,
      expires_at: new Date(t.clock.nowMs() + 3_600_000),
      created_at: new Date(t.clock.nowMs()),
      paid_at: new Date(t.clock.nowMs()),
      closed_at: null,
    })
    .execute();
  fixtures.set('GET /api/v1/orders/:tradeNo', { tradeNo: paidTradeNo });
  assert.equal(
    (await asUser(alice, 'GET', `/api/v1/orders/${paidTradeNo}`)).statusCode,
    200,
    'the payer reads it',
  );
  // An agreement a merchant asked Alice to sign (merchant side: the operator token).
  const agreement = await t.app.inject({
    method: 'POST',
    url: '/api/v1/merchants/mch_demo_coffee/agreements',
    headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
    payload: {
      userId: alice.userId,
      purpose: 'Monthly coffee subscription',
      perDebitCap: { amountMinor: '3000', currency: 'CNY' },
      monthlyCap: { amountMinor: '9000', currency: 'CNY' },
      externalAgreementNo: 'matrix-agreement',
    },
  });
  assert.equal(agreement.statusCode, 201, agreement.body);
  const agreementId = agreement.json().id as string;
  for (const action of ['', '/confirm', '/cancel', '/review']) {
    fixtures.set(`${action ? 'POST' : 'GET'} /api/v1/me/agreements/:id${action}`, { id: agreementId });
  }
  // A family card Alice gives Carol: Bob is neither its owner nor its member.
  const carol = await newUser();
  const familyCard = await asUser(alice, 'POST', '/api/v1/me/family-cards', {
    memberPhone: (
      await t.store.db
        .selectFrom('users')
        .select('phone_e164')
        .where('id', '=', carol.userId)
        .executeTakeFirstOrThrow()
    ).phone_e164,
    monthlyCap: { amountMinor: '5000', currency: 'CNY' },
    paymentPassword: PIN,
  });
  assert.equal(familyCard.statusCode, 201, familyCard.body);
  const familyCardId = familyCard.json().id as string;
  for (const key of [
    'POST /api/v1/me/family-cards/:id/accept',
    'POST /api/v1/me/family-cards/:id/cancel',
    'GET /api/v1/me/family-cards/:id/payments',
    'POST /api/v1/me/family-cards/:id/payments',
  ]) {
    fixtures.set(key, { id: familyCardId });
  }
  // An app Alice authorised (granted through the open API's user authorisation).
  const authorisedAppId = 'matrix-alice-app';
  await t.store.db
    .insertInto('authorised_apps')
    .values({
      id: authorisedAppId,
      user_id: alice.userId,
      merchant_id: 'mch_demo_coffee',
      app_id: '2021000000000001',
      app_name: 'Coffee app',
      scopes: 'auth_base',
      granted_at: new Date(t.clock.nowMs()),
      last_used_at: null,
      revoked_at: null,
    })
    .execute();
  fixtures.set('DELETE /api/v1/me/authorised-apps/:id', { id: authorisedAppId });
  // A message in Alice's inbox (her sign-in and card notices put some there).
  const message = await t.store.db
    .selectFrom('inbox_messages')
    .select('id')
    .where('user_id', '=', alice.userId)
    .executeTakeFirst();
  assert.ok(message, 'Alice has an inbox message');
  fixtures.set('POST /api/v1/me/inbox/:id/read', { id: String(message.id) });
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
function refusedAsStranger(response: { statusCode: number; body: string }): boolean {
  if (response.statusCode === 401) return true;
  return response.statusCode === 400 && errorCode(response) === 'validation_failed';
}

/** The error envelope's code, or undefined when the answer is not JSON (an HTML page). */
function errorCode(response: { body: string }): string | undefined {
  try {
    return (JSON.parse(response.body) as { error?: { code?: string } }).error?.code;
  } catch {
    return undefined;
  }
}

/**
 * Alipay answers an unsigned gateway call with an error envelope, never data: the form gateway
 * with HTTP 200 and a `*_response` whose code is not 10000 (or the cashier's error page for GET),
 * v3 with a 4xx and `{ code, message }`.
 */
function unsignedRefused(route: RegisteredRoute, response: { statusCode: number; body: string }): boolean {
  if (response.statusCode >= 500) return false;
  if (response.statusCode >= 400) return true;
  let parsed: unknown;
  try {
    parsed = JSON.parse(response.body);
  } catch {
    return false;
  }
  const envelopes = Object.entries(parsed as Record<string, unknown>).filter(([key]) =>
    key.endsWith('_response'),
  );
  return (
    route.url === '/gateway.do' &&
    envelopes.length > 0 &&
    envelopes.every(([, value]) => (value as { code?: string }).code !== '10000')
  );
}

/** A body that passes the route's schema where it can: so a refusal is about who, not what. */
function plausibleBody(route: RegisteredRoute): object | undefined {
  if (!route.bodySchema) return route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
  const bodies: Record<string, object> = {
    'PATCH /api/v1/me/devices/:id': { name: 'renamed by bob' },
    'PATCH /api/v1/me/passkeys/:id': { name: 'renamed by bob' },
    'POST /api/v1/payments/intents/:id/confirm': { paymentPassword: PIN },
    'POST /api/v1/orders/payments/:intentId/confirm': { paymentPassword: PIN },
    'POST /api/v1/me/agreements/:id/confirm': { paymentPassword: PIN },
    'POST /api/v1/me/family-cards/:id/payments': {
      merchantId: 'mch_demo_coffee',
      amount: { amountMinor: '100', currency: 'CNY' },
      paymentPassword: PIN,
      clientRequestId: 'matrix-family-payment',
    },
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

  test('a user session is not a merchant console login: every console route answers 401', async () => {
    const consoleRoutes = routes().filter(isMerchantConsole);
    assert.ok(consoleRoutes.length >= 3);
    const wrong: string[] = [];
    for (const route of consoleRoutes) {
      const response = await asUser(bob, route.method, fill(route.url, { id: '1' }), plausibleBody(route));
      if (!refusedAsStranger(response)) wrong.push(`${route.method} ${route.url}: ${response.statusCode}`);
    }
    assert.deepEqual(wrong, []);
  });

  test("gateway: an unsigned request (with or without a session) is refused with Alipay's error envelope", async () => {
    const gatewayRoutes = routes().filter(isGateway);
    assert.ok(gatewayRoutes.length >= 8);
    const wrong: string[] = [];
    for (const route of gatewayRoutes) {
      for (const headers of [
        {},
        { authorization: `Bearer ${bob.token}` },
        { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
      ]) {
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: route.url,
          headers,
          ...(route.method === 'POST' ? { payload: {} } : {}),
        });
        if (!unsignedRefused(route, response)) {
          wrong.push(`${route.method} ${route.url}: ${response.statusCode} ${response.body.slice(0, 160)}`);
        }
      }
    }
    assert.deepEqual(wrong, []);
  });

  test("another user: every route naming one of Alice's objects is refused and changes nothing", async () => {
    const withParams = routes().filter((r) => r.url.includes(':') && !isPublic(r) && !isOperator(r));
    const missing = withParams.filter(
      (r) =>
        !fixtures.has(`${r.method} ${r.url}`) &&
        !SELF_SCOPED.has(`${r.method} ${r.url}`) &&
        !CASHIER_LINK.has(`${r.method} ${r.url}`) &&
        !isMerchantConsole(r),
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
    const app = await t.store.db
      .selectFrom('authorised_apps')
      .select('revoked_at')
      .where('id', '=', 'matrix-alice-app')
      .executeTakeFirstOrThrow();
    assert.equal(app.revoked_at, null, "Alice's authorised app is not revoked");
    const agreement = await asUser(
      alice,
      'GET',
      fill('/api/v1/me/agreements/:id', fixtures.get('GET /api/v1/me/agreements/:id')!),
    );
    assert.equal(agreement.statusCode, 200, agreement.body);
    assert.equal(
      agreement.json().agreement.status,
      'pending',
      "Alice's agreement is neither signed nor cancelled by Bob",
    );
    const message = await t.store.db
      .selectFrom('inbox_messages')
      .select('read_at')
      .where('id', '=', BigInt(fixtures.get('POST /api/v1/me/inbox/:id/read')!.id!))
      .executeTakeFirstOrThrow();
    assert.equal(message.read_at, null, "Bob did not mark Alice's message read");
  });
});

/** Operator routes that take operator sessions with roles (the others: the bootstrap token only). */
const takesRoles = (r: RegisteredRoute) =>
  (r.url.startsWith('/api/v1/ops/') && !PUBLIC.has(`${r.method} ${r.url}`)) ||
  r.url.startsWith('/api/v1/operator/cases') ||
  r.url.startsWith('/api/v1/operator/risk/');

/**
 * What each operator-session route needs (the spec this test holds the routes to); null: any
 * signed-in operator. A new such route must be added here or the test names it.
 */
const OPS_ROUTE_PERMISSION: Readonly<Record<string, OperatorPermission | null>> = {
  // The case queue: risk analysts work it (src/cases), auditors read it.
  'GET /api/v1/operator/cases': 'cases.read',
  'GET /api/v1/operator/cases/:id': 'cases.read',
  'POST /api/v1/operator/cases/:id/assign': 'cases.decide',
  'POST /api/v1/operator/cases/:id/note': 'cases.decide',
  'POST /api/v1/operator/cases/:id/approve': 'cases.decide',
  'POST /api/v1/operator/cases/:id/reject': 'cases.decide',
  'POST /api/v1/operator/cases/:id/freeze': 'cases.decide',
  'POST /api/v1/operator/cases/:id/unfreeze': 'cases.decide',
  'POST /api/v1/operator/cases/:id/confirm-fraud': 'cases.decide',
  'POST /api/v1/operator/cases/:id/clear': 'cases.decide',
  // The rule set and lists: analysts and supervisors edit, auditors read (validate and backtest
  // change nothing, so reading is enough).
  'GET /api/v1/operator/risk/rules': 'rules.read',
  'GET /api/v1/operator/risk/rules/history': 'rules.read',
  'POST /api/v1/operator/risk/rules/validate': 'rules.read',
  'POST /api/v1/operator/risk/backtest': 'rules.read',
  'POST /api/v1/operator/risk/rules': 'rules.edit',
  'GET /api/v1/operator/risk/lists': 'rules.read',
  'POST /api/v1/operator/risk/lists': 'rules.edit',
  'DELETE /api/v1/operator/risk/lists/:id': 'rules.edit',
  'GET /api/v1/ops/me': null,
  'GET /api/v1/ops/roles': null,
  // Each operator's own passkeys (any role; adding one needs a recent sign-in, which these have).
  'GET /api/v1/ops/me/passkeys': null,
  'POST /api/v1/ops/me/passkeys/options': null,
  'POST /api/v1/ops/me/passkeys': null,
  'POST /api/v1/ops/users/lookup': 'users.read',
  'GET /api/v1/ops/users/:id': 'users.read',
  'POST /api/v1/ops/users/:id/freeze': 'users.freeze',
  'POST /api/v1/ops/users/:id/approve-unfreeze': 'users.unfreeze',
  'GET /api/v1/ops/recoveries': 'recoveries.read',
  'GET /api/v1/ops/recoveries/:id': 'recoveries.read',
  'GET /api/v1/ops/recoveries/:id/documents/:documentId': 'recoveries.read',
  'POST /api/v1/ops/recoveries/:id/decision': 'recoveries.decide',
  'GET /api/v1/ops/claims': 'claims.read',
  'POST /api/v1/ops/claims/:id/decision': 'claims.decide',
  'GET /api/v1/ops/audit': 'audit.read',
  'GET /api/v1/ops/operators': 'operators.manage',
  'POST /api/v1/ops/operators': 'operators.manage',
  // Last: it ends the session the other rows use.
  'POST /api/v1/ops/sign-out': null,
};

/** Valid bodies, so an allowed role reaches the handler (a made-up id then answers 404). */
const OPS_BODIES: Readonly<Record<string, (role: OperatorRole) => object>> = {
  'POST /api/v1/operator/cases/:id/assign': () => ({ assignee: 'demo-analyst' }),
  'POST /api/v1/operator/cases/:id/note': () => ({ note: 'matrix' }),
  'POST /api/v1/operator/cases/:id/approve': () => ({ note: 'matrix' }),
  'POST /api/v1/operator/cases/:id/reject': () => ({ note: 'matrix' }),
  'POST /api/v1/operator/cases/:id/freeze': () => ({ note: 'matrix' }),
  'POST /api/v1/operator/cases/:id/unfreeze': () => ({ note: 'matrix' }),
  'POST /api/v1/operator/cases/:id/confirm-fraud': () => ({ note: 'matrix' }),
  'POST /api/v1/operator/cases/:id/clear': () => ({ note: 'matrix' }),
  'POST /api/v1/ops/users/lookup': () => ({ phone: '+8613500000001' }),
  'POST /api/v1/ops/users/:id/freeze': () => ({ note: 'matrix' }),
  'POST /api/v1/ops/users/:id/approve-unfreeze': () => ({ note: 'matrix' }),
  'POST /api/v1/ops/recoveries/:id/decision': () => ({ approve: false, note: 'matrix' }),
  'POST /api/v1/ops/claims/:id/decision': () => ({ approve: false, note: 'matrix' }),
  'POST /api/v1/ops/operators': (role) => ({
    username: `matrix-${role.replace('_', '-')}`,
    displayName: 'Matrix operator',
    role: 'agent',
    password: 'matrix-operator-password-2026',
  }),
  'POST /api/v1/ops/sign-out': () => ({}),
};

describe('authorisation matrix: operator roles', () => {
  const roleTokens = new Map<OperatorRole, string>();

  before(async () => {
    const seeded = await t.store.db.selectFrom('operators').select('id').limit(1).execute();
    if (seeded.length === 0) await t.modules.recovery.seedDemo();
    for (const role of OPERATOR_ROLES) {
      const demo = DEMO_OPERATORS.find((o) => o.role === role);
      assert.ok(demo, `a demo operator with role ${role}`);
      t.clock.advance(30_000); // a fresh TOTP step: a code signs in once
      const code = new TOTP({ secret: Secret.fromBase32(demo.totpSecret), digits: 6, period: 30 }).generate({
        timestamp: t.clock.nowMs(),
      });
      const signedIn = await t.app.inject({
        method: 'POST',
        url: '/api/v1/ops/sign-in',
        payload: { username: demo.username, password: DEMO_OPERATOR_PASSWORD, code },
      });
      assert.equal(signedIn.statusCode, 200, signedIn.body);
      roleTokens.set(role, signedIn.json().token as string);
    }
  });

  test('routes that take only the bootstrap token refuse every operator role with 401', async () => {
    // The ledger, credit grants, merchant setup, broadcasts and merchant QR: the
    // configured token (the bootstrap supervisor) only, until they get role permissions.
    const tokenOnly = routes().filter((r) => isOperator(r) && !takesRoles(r));
    assert.ok(tokenOnly.length >= 4);
    for (const role of OPERATOR_ROLES) {
      const me = await t.app.inject({
        method: 'GET',
        url: '/api/v1/ops/me',
        headers: { authorization: `Bearer ${roleTokens.get(role)}` },
      });
      assert.equal(me.statusCode, 200, `${role}'s session is live, so a 401 below is the route's refusal`);
    }
    const wrong: string[] = [];
    for (const route of tokenOnly) {
      for (const role of OPERATOR_ROLES) {
        const response = await t.app.inject({
          method: route.method as 'GET',
          url: fill(route.url, { id: 'x' }),
          headers: { authorization: `Bearer ${roleTokens.get(role)}` },
          ...(plausibleBody(route) ? { payload: plausibleBody(route) } : {}),
        });
        if (!refusedAsStranger(response))
          wrong.push(`${role} ${route.method} ${route.url}: ${response.statusCode}`);
      }
    }
    assert.deepEqual(wrong, []);
  });

  test('every operator-session route × each role: allowed where the role permits, 403 otherwise', async () => {
    const opsRoutes = routes().filter(takesRoles);
    const keys = opsRoutes.map((r) => `${r.method} ${r.url}`);
    assert.deepEqual(
      keys.filter((k) => !(k in OPS_ROUTE_PERMISSION)),
      [],
      'every route taking operator roles has its permission in OPS_ROUTE_PERMISSION',
    );
    const ordered = Object.keys(OPS_ROUTE_PERMISSION).filter((k) => keys.includes(k));
    const wrong: string[] = [];
    const tally = new Map<OperatorRole, { allowed: number; refused: number }>();
    for (const key of ordered) {
      const [method, url] = key.split(' ') as [string, string];
      const permission = OPS_ROUTE_PERMISSION[key] ?? null;
      for (const role of OPERATOR_ROLES) {
        const response = await t.app.inject({
          method: method as 'GET',
          url: fill(url, { id: 'matrix-none', documentId: 'matrix-none' }),
          headers: { authorization: `Bearer ${roleTokens.get(role)}` },
          ...(OPS_BODIES[key] ? { payload: OPS_BODIES[key](role) } : {}),
        });
        const allowed = permission === null || mayDo(role, permission);
        const counts = tally.get(role) ?? { allowed: 0, refused: 0 };
        tally.set(role, counts);
        if (allowed) {
          counts.allowed++;
          // Reaching the handler: anything but an authentication or authorisation refusal.
          if (response.statusCode === 401 || response.statusCode === 403 || response.statusCode >= 500)
            wrong.push(
              `${role} ${key}: ${response.statusCode} ${response.body.slice(0, 120)} (should be allowed)`,
            );
        } else {
          counts.refused++;
          if (response.statusCode !== 403 || errorCode(response) !== 'operator_role')
            wrong.push(`${role} ${key}: ${response.statusCode} (should be 403 operator_role)`);
        }
      }
    }
    assert.deepEqual(wrong, []);
    // Not vacuous: every role but the supervisor is refused somewhere, and each is allowed somewhere.
    for (const role of OPERATOR_ROLES) {
      const counts = tally.get(role);
      assert.ok(counts && counts.allowed >= 3, `${role} allowed on some routes`);
      if (role !== 'supervisor') assert.ok(counts.refused >= 1, `${role} refused on some routes`);
    }
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
