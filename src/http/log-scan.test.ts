// Secrets never reach the logs: the whole app runs at log level "trace" into a capturing stream
// while a suite of flows happens (sign-in with password and SMS code, wrong passwords, step-up
// with the payment password, a bank card, a top-up, payments confirmed with the payment
// password, bad input and failed calls). Then every captured line is scanned for each password,
// payment password, one-time code, session and CSRF token, the card number, and for anything
// shaped like a full card number (Luhn-valid 13–19 digits) or a full mainland ID number.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { buildApp } from '../app.ts';
import { loadConfig } from '../config.ts';
import { seedDemo } from '../demo/index.ts';
import { luhnCheckDigit, luhnValid } from '../funding/index.ts';
import { createModules } from '../main.ts';
import { ManualClock } from '../shared/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { TEST_OPERATOR_TOKEN, TEST_PUBLIC_URL } from '../testing/test-app.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';

const lines: string[] = [];
let store: TestStore;
let app: Awaited<ReturnType<typeof buildApp>>;
let modules: ReturnType<typeof createModules>;
const clock = new ManualClock(Date.now());
const secrets = new Set<string>();

before(async () => {
  store = await openTestStore();
  const config = loadConfig(
    {},
    { logLevel: 'trace', operatorToken: TEST_OPERATOR_TOKEN, webDistDir: '/nonexistent' },
  );
  modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
  });
  await seedDemo({ db: store.db, ...modules });
  app = await buildApp({
    config,
    clock,
    ping: store.ping,
    ...modules,
    demo: true,
    logStream: { write: (line: string) => void lines.push(line) },
  });
  await app.ready();
});
after(async () => {
  await app?.close();
  await modules?.ledger.drain();
  await store?.close();
});

function cardNumber(): string {
  for (let d = 0; d < 10; d++) {
    const number = `6222021111${d}98765`;
    if (luhnCheckDigit(number.slice(0, -1)) === Number(number.at(-1))) return number;
  }
  throw new Error('unreachable');
}

describe('no secret in the logs', () => {
  test('a suite of flows at log level trace leaves no password, code, token, card or ID number in any line', async () => {
    const phone = '+8613598765432';
    const password = `log-scan-${randomBytes(6).toString('hex')}`;
    const paymentPassword = '147036';
    secrets.add(password).add(paymentPassword).add(TEST_OPERATOR_TOKEN);
    await modules.identity.createUser({
      phoneE164: phone,
      displayName: 'Log Scan',
      password,
      paymentPassword,
    });
    await modules.wallet.openWallet(
      (
        await store.db
          .selectFrom('users')
          .select('id')
          .where('phone_e164', '=', phone)
          .executeTakeFirstOrThrow()
      ).id,
      'CNY',
    );
    const post = (url: string, payload: object, headers: Record<string, string> = {}) =>
      app.inject({ method: 'POST', url, payload, headers });

    // Wrong password first (an error path), then the real sign-in with its SMS code.
    await post('/api/v1/auth/sign-in', { phone, password: `${password}-wrong` });
    secrets.add(`${password}-wrong`);
    let r = await post('/api/v1/auth/sign-in', { phone, password });
    const { challengeToken } = r.json();
    if (challengeToken) secrets.add(challengeToken);
    clock.advance(61_000);
    await post('/api/v1/auth/sign-in/send-code', { challengeToken });
    const code = await lastSentCode(store.db, phone);
    secrets.add(code);
    await post('/api/v1/auth/sign-in/verify', { challengeToken, method: 'sms', code: '000000' });
    r = await post('/api/v1/auth/sign-in/verify', { challengeToken, method: 'sms', code });
    assert.equal(r.statusCode, 200, r.body);
    const { token, csrfToken } = r.json();
    secrets.add(token).add(csrfToken);
    const auth = { authorization: `Bearer ${token}` };
    // Cookie + CSRF (the browser's way) and bearer (the API's way).
    await app.inject({ method: 'GET', url: '/api/v1/me', cookies: { rampart_session: token } });
    await post('/api/v1/me/step-up', { method: 'payment_password', paymentPassword: '999999' }, auth);
    r = await post('/api/v1/me/step-up', { method: 'payment_password', paymentPassword }, auth);
    assert.equal(r.statusCode, 200, r.body);
    const number = cardNumber();
    secrets.add(number);
    r = await post('/api/v1/me/cards', { cardNumber: number }, auth);
    assert.equal(r.statusCode, 201, r.body);
    await post('/api/v1/me/cards', { cardNumber: `${number.slice(0, -1)}0` }, auth); // a bad number
    const cardId = r.json().id;
    await post(
      '/api/v1/funding/top-ups',
      { cardId, amount: { amountMinor: '50000', currency: 'CNY' }, clientRequestId: 'log-top-up' },
      auth,
    );
    await modules.funding.settleDue();
    clock.advance(60_000);
    await modules.funding.settleDue();
    r = await post(
      '/api/v1/payments/intents',
      {
        payee: { merchantId: 'mch_demo_coffee' },
        amount: { amountMinor: '1200', currency: 'CNY' },
        channel: 'balance',
        clientRequestId: 'log-pay',
      },
      auth,
    );
    const intentId = r.json().id;
    await post(`/api/v1/payments/intents/${intentId}/confirm`, { paymentPassword: '000111' }, auth);
    await post(`/api/v1/payments/intents/${intentId}/confirm`, { paymentPassword }, auth);
    // Hostile and broken input, and an operator call.
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/sign-in',
      payload: '{"phone":',
      headers: { 'content-type': 'application/json' },
    });
    await post('/api/v1/auth/sign-in', { phone, password, extra: number });
    await app.inject({
      method: 'GET',
      url: '/api/v1/ledger/accounts/nope',
      headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
    });
    await post('/api/v1/auth/sign-out', {}, auth);

    assert.ok(lines.length > 20, `the log captured the flows (${lines.length} lines)`);
    // pino's own epoch-millisecond timestamps are 13 digits: not card numbers.
    const text = lines.join('').replace(/"time":\d+/g, '"time":0');
    const leaks: string[] = [];
    for (const secret of secrets) if (text.includes(secret)) leaks.push(`secret ${secret.slice(0, 4)}…`);
    // Standing alone: not inside a hex id (pi_3f…) nor the decimals of a float (responseTime).
    for (const match of text.matchAll(/(?<![0-9A-Za-z_.])\d{13,19}(?![0-9A-Za-z_])/g)) {
      if (luhnValid(match[0])) {
        const at = match.index ?? 0;
        leaks.push(`card-like number …${match[0].slice(-4)} in ${text.slice(Math.max(0, at - 80), at + 30)}`);
      }
    }
    for (const match of text.matchAll(/(?<![\dA-Za-z])\d{17}[\dXx](?![\dA-Za-z])/g))
      leaks.push(`ID-like number …${match[0].slice(-4)}`);
    assert.deepEqual(leaks, []);
  });
});
