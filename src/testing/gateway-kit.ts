/**
 * A test bed for the open API: the platform on a real socket (port 0), a merchant onboarded
 * and approved through the operator API with one app, the real alipay-sdk configured for it,
 * and a test merchant HTTP server that records notifications and answers `success` (or what
 * the test queues).
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AlipaySdk } from 'alipay-sdk';
import type { LightMyRequestResponse } from 'fastify';
import { DEMO_USERS } from '../demo/index.ts';
import { generateRsaKeyPair } from '../gateway/index.ts';
import { lastSentCode } from './outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from './test-app.ts';

export interface WalletClient {
  readonly phone: string;
  readonly password: string;
  readonly paymentPassword: string;
  readonly ip: string;
  token: string;
  deviceKey: string | undefined;
}

export interface GatewayTestbed {
  readonly t: TestApp;
  readonly baseUrl: string;
  readonly notifyUrl: string;
  readonly appId: string;
  readonly merchantId: string;
  readonly merchantAccountId: string;
  readonly merchantPrivateKey: string;
  readonly merchantPublicKey: string;
  /** The platform's public key (base64 body), the SDK's alipayPublicKey. */
  readonly alipayPublicKey: string;
  readonly consoleToken: string;
  /** Notifications the merchant server received, parsed. */
  readonly received: Record<string, string>[];
  /** What the merchant server answers next (then `success`). */
  readonly merchantAnswers: string[];
  readonly alice: WalletClient;
  newSdk(options?: { alipayPublicKey?: string; privateKey?: string; appId?: string }): AlipaySdk;
  signIn(client: WalletClient): Promise<void>;
  call(
    client: WalletClient,
    method: 'GET' | 'POST',
    url: string,
    payload?: object,
  ): Promise<LightMyRequestResponse>;
  operator(method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function openGatewayTestbed(
  merchantId = 'mch_gw_test',
  appOptions: Parameters<typeof openTestApp>[0] = {},
): Promise<GatewayTestbed> {
  const t = await openTestApp(appOptions);
  await t.app.listen({ port: 0, host: '127.0.0.1' });
  const baseUrl = `http://127.0.0.1:${(t.app.server.address() as AddressInfo).port}`;
  const received: Record<string, string>[] = [];
  const merchantAnswers: string[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      received.push(Object.fromEntries(new URLSearchParams(body)));
      res.end(merchantAnswers.shift() ?? 'success');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const notifyUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/notify`;

  const operator = (method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
      ...(payload ? { payload } : {}),
    });
  const keys = generateRsaKeyPair();
  const onboarded = await operator('POST', '/api/v1/operator/merchants', {
    merchantId,
    name: 'Gateway Test Shop',
    feeRateBp: 60,
  });
  assert.equal(onboarded.statusCode, 201, onboarded.body);
  assert.equal((await operator('POST', `/api/v1/operator/merchants/${merchantId}/approve`)).statusCode, 200);
  const created = await operator('POST', `/api/v1/operator/merchants/${merchantId}/apps`, {
    name: 'shop',
    merchantPublicKey: keys.publicKeyPem,
  });
  assert.equal(created.statusCode, 201, created.body);
  const appId: string = created.json().appId;
  const alipayPublicKey: string = created.json().alipayPublicKey;

  const call = (client: WalletClient, method: 'GET' | 'POST', url: string, payload?: object) =>
    t.app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${client.token}` },
      remoteAddress: client.ip,
      ...(payload ? { payload } : {}),
    });
  const signIn = async (client: WalletClient) => {
    const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
    const inject = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, payload, headers, remoteAddress: client.ip });
    let response = await inject('/api/v1/auth/sign-in', { phone: client.phone, password: client.password });
    assert.equal(response.statusCode, 200, response.body);
    if (response.json().status !== 'signed_in') {
      const { challengeToken } = response.json();
      t.clock.advance(61_000);
      assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
      response = await inject('/api/v1/auth/sign-in/verify', {
        challengeToken,
        method: 'sms',
        code: await lastSentCode(t.store.db, client.phone),
      });
      assert.equal(response.statusCode, 200, response.body);
    }
    client.token = response.json().token;
    client.deviceKey = response.cookies.find((c) => c.name === 'rampart_device')?.value ?? client.deviceKey;
  };
  const [aliceDemo] = DEMO_USERS as [(typeof DEMO_USERS)[0]];
  const alice: WalletClient = {
    ...aliceDemo,
    phone: aliceDemo.phoneE164,
    ip: '10.60.0.1',
    token: '',
    deviceKey: undefined,
  };
  await signIn(alice);
  return {
    t,
    baseUrl,
    notifyUrl,
    appId,
    merchantId,
    merchantAccountId: onboarded.json().settlementAccountId,
    merchantPrivateKey: keys.privateKeyPem,
    merchantPublicKey: keys.publicKeyPem,
    alipayPublicKey,
    consoleToken: created.json().consoleToken,
    received,
    merchantAnswers,
    alice,
    newSdk: (options = {}) =>
      new AlipaySdk({
        appId: options.appId ?? appId,
        privateKey: options.privateKey ?? keys.privateKeyPem,
        keyType: 'PKCS8',
        alipayPublicKey: options.alipayPublicKey ?? alipayPublicKey,
        gateway: `${baseUrl}/gateway.do`,
        endpoint: baseUrl,
      }),
    signIn,
    call,
    operator,
    close: async () => {
      await new Promise((resolve) => server.close(resolve));
      await t.close();
    },
  };
}
