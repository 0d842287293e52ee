/**
 * Signed-in wallet users for HTTP tests (the credit line, the security lock, the risk engine's
 * payment-password rule): created through identity, funded by a ledger top-up, signed in through
 * the SMS challenge of a new device (codes read from the outbox). Tests only.
 */
import assert from 'node:assert/strict';
import { fundWallet } from './fund-wallet.ts';
import { lastSentCode } from './outbox-codes.ts';
import type { TestApp } from './test-app.ts';

export interface WalletClient {
  readonly phone: string;
  readonly paymentPassword: string;
  readonly ip: string;
  readonly userId: string;
  token: string;
  /** The device cookie sign-in bound, sent back as x-rampart-device (kits with bindDevice only). */
  deviceKey?: string;
}

export const CLIENT_PASSWORD = 'wallet-login-2026';
export const CLIENT_PIN = '583917';

export const cny = (amountMinor: bigint | number | string) => ({
  amountMinor: String(amountMinor),
  currency: 'CNY',
});

/**
 * `options.bindDevice`: keep the device sign-in bound and send it with every later request, so
 * payments come from a known device as an owner's would (the risk engine scores devices).
 */
export function createClientKit(
  t: TestApp,
  prefix: { phone: string; ip: string },
  options: { bindDevice?: boolean } = {},
) {
  let counter = 0;
  let requests = 0;
  const { app, clock, modules, store } = t;

  const topUp = (userId: string, amountMinor: bigint) => fundWallet(modules, userId, amountMinor);

  async function newClient(balanceMinor: bigint): Promise<WalletClient> {
    counter++;
    // prefix: "+86" and five digits, e.g. "+8613561"; six more make a mainland number.
    const phone = `${prefix.phone}${String(100_000 + counter)}`;
    const user = await modules.identity.createUser({
      phoneE164: phone,
      displayName: `Tester ${counter}`,
      password: CLIENT_PASSWORD,
      paymentPassword: CLIENT_PIN,
    });
    await topUp(user.id, balanceMinor);
    const client: WalletClient = {
      phone,
      paymentPassword: CLIENT_PIN,
      ip: `${prefix.ip}.${counter}`,
      userId: user.id,
      token: '',
    };
    await signIn(client);
    return client;
  }

  /** Signs in again (after the manual clock jumped past the session's lifetime). */
  async function signIn(client: WalletClient): Promise<void> {
    const inject = (url: string, payload: object) =>
      app.inject({ method: 'POST', url, payload, headers: deviceHeader(client), remoteAddress: client.ip });
    let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: CLIENT_PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    if (response.json().status !== 'signed_in') {
      const { challengeToken } = response.json();
      clock.advance(61_000);
      assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
      response = await inject('/api/v1/auth/sign-in/verify', {
        challengeToken,
        method: 'sms',
        code: await lastSentCode(store.db, client.phone),
      });
      assert.equal(response.statusCode, 200, response.body);
    }
    assert.equal(response.json().user.id, client.userId);
    client.token = response.json().token;
    if (options.bindDevice)
      client.deviceKey = response.cookies.find((c) => c.name === 'rampart_device')?.value ?? client.deviceKey;
  }

  function deviceHeader(client: WalletClient): Record<string, string> {
    return client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  }

  function call(client: WalletClient, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
    return app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${client.token}`, ...deviceHeader(client) },
      remoteAddress: client.ip,
      ...(payload ? { payload } : {}),
    });
  }

  async function balanceOf(client: WalletClient): Promise<bigint> {
    const r = await call(client, 'GET', '/api/v1/wallet');
    assert.equal(r.statusCode, 200, r.body);
    return BigInt(r.json().accounts[0].posted.amountMinor);
  }

  function createIntent(
    client: WalletClient,
    body: { payee: object; amount: object; channel?: string; clientRequestId?: string },
  ) {
    return call(client, 'POST', '/api/v1/payments/intents', {
      channel: 'balance',
      clientRequestId: nextRequestId(),
      ...body,
    });
  }

  function confirm(client: WalletClient, intentId: string, body: object = {}) {
    return call(client, 'POST', `/api/v1/payments/intents/${intentId}/confirm`, body);
  }

  function nextRequestId(): string {
    return `req-${++requests}`;
  }

  /** Step-up by an SMS code (a second factor, unlike the payment password). */
  async function stepUpBySms(client: WalletClient): Promise<void> {
    clock.advance(61_000); // past the resend cool-down of any earlier code
    const sent = await call(client, 'POST', '/api/v1/me/step-up/send-code', {});
    assert.equal(sent.statusCode, 200, sent.body);
    const r = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'sms',
      code: await lastSentCode(store.db, client.phone),
    });
    assert.equal(r.statusCode, 200, r.body);
  }

  async function stepUpByPassword(client: WalletClient): Promise<void> {
    const r = await call(client, 'POST', '/api/v1/me/step-up', {
      method: 'payment_password',
      paymentPassword: client.paymentPassword,
    });
    assert.equal(r.statusCode, 200, r.body);
  }

  async function transferCount(): Promise<number> {
    const rows = await store.db.selectFrom('ledger_transfers').select('id').execute();
    return rows.length;
  }

  return {
    newClient,
    signIn,
    topUp,
    call,
    balanceOf,
    createIntent,
    confirm,
    nextRequestId,
    stepUpBySms,
    stepUpByPassword,
    transferCount,
  };
}
