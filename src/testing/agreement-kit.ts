/**
 * Users, sessions, money and agreement requests for the agreement tests over HTTP (both test
 * files share them; each passes its own phone and IP ranges so their users never collide).
 */
import assert from 'node:assert/strict';
import { DEMO_MERCHANT } from '../demo/index.ts';
import { fundWallet } from './fund-wallet.ts';
import { lastSentCode } from './outbox-codes.ts';
import { TEST_OPERATOR_TOKEN, type TestApp } from './test-app.ts';

export interface AgreementClient {
  readonly phone: string;
  readonly ip: string;
  userId: string;
  token: string;
}

export const cny = (amountMinor: bigint | number) => ({ amountMinor: String(amountMinor), currency: 'CNY' });

export function createAgreementKit(
  app: () => TestApp,
  options: { phoneBase: number; ipPrefix: string; password: string; pin: string },
) {
  const MERCHANT: string = DEMO_MERCHANT.id;
  const { password: PASSWORD, pin: PIN } = options;
  let counter = 0;
  let agreementCounter = 0;

  async function createUser(): Promise<{ phone: string; userId: string }> {
    const t = app();
    counter++;
    const phone = `+86135${String(options.phoneBase + counter)}`;
    const user = await t.modules.identity.createUser({
      phoneE164: phone,
      displayName: `Signer ${counter}`,
      password: PASSWORD,
      paymentPassword: PIN,
    });
    await t.modules.wallet.openWallet(user.id, 'CNY');
    return { phone, userId: user.id };
  }

  async function signIn(phone: string): Promise<AgreementClient> {
    const t = app();
    counter++;
    const ip = `${options.ipPrefix}.${Math.floor(counter / 200)}.${counter % 200}`;
    const inject = (url: string, payload: object) =>
      t.app.inject({ method: 'POST', url, payload, remoteAddress: ip });
    let response = await inject('/api/v1/auth/sign-in', { phone, password: PASSWORD });
    assert.equal(response.statusCode, 200, response.body);
    if (response.json().status !== 'signed_in') {
      const { challengeToken } = response.json();
      assert.equal((await inject('/api/v1/auth/sign-in/send-code', { challengeToken })).statusCode, 200);
      response = await inject('/api/v1/auth/sign-in/verify', {
        challengeToken,
        method: 'sms',
        code: await lastSentCode(t.store.db, phone),
      });
      assert.equal(response.statusCode, 200, response.body);
    }
    return { phone, ip, userId: response.json().user.id, token: response.json().token };
  }

  async function newUser(): Promise<AgreementClient> {
    const { phone } = await createUser();
    return signIn(phone);
  }

  function call(client: AgreementClient, method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) {
    return app().app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${client.token}` },
      remoteAddress: client.ip,
      ...(payload ? { payload } : {}),
    });
  }

  function merchantCall(method: 'GET' | 'POST', url: string, payload?: object) {
    return app().app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` },
      ...(payload ? { payload } : {}),
    });
  }

  const topUp = (userId: string, amountMinor: bigint) => fundWallet(app().modules, userId, amountMinor);

  async function balanceOf(accountId: string): Promise<bigint> {
    const row = await app()
      .store.db.selectFrom('ledger_accounts')
      .select(['credits_posted_minor', 'debits_posted_minor'])
      .where('id', '=', accountId)
      .executeTakeFirstOrThrow();
    return row.credits_posted_minor - row.debits_posted_minor;
  }

  async function walletBalance(userId: string): Promise<bigint> {
    return balanceOf((await app().modules.wallet.openWallet(userId, 'CNY')).id);
  }

  async function merchantBalance(merchantId = MERCHANT): Promise<bigint> {
    const row = await app()
      .store.db.selectFrom('merchants')
      .select('settlement_account_id')
      .where('id', '=', merchantId)
      .executeTakeFirstOrThrow();
    return balanceOf(row.settlement_account_id);
  }

  async function requestAgreement(
    userId: string,
    caps: { perDebit: number; monthly: number },
    merchantId = MERCHANT,
  ): Promise<string> {
    const r = await merchantCall('POST', `/api/v1/merchants/${merchantId}/agreements`, {
      userId,
      purpose: 'Video streaming monthly plan',
      perDebitCap: cny(caps.perDebit),
      monthlyCap: cny(caps.monthly),
      externalAgreementNo: `ext-${++agreementCounter}`,
    });
    assert.equal(r.statusCode, 201, r.body);
    assert.equal(r.json().status, 'pending');
    return r.json().id;
  }

  async function signedAgreement(
    client: AgreementClient,
    caps: { perDebit: number; monthly: number },
  ): Promise<string> {
    const id = await requestAgreement(client.userId, caps);
    const r = await call(client, 'POST', `/api/v1/me/agreements/${id}/confirm`, { paymentPassword: PIN });
    assert.equal(r.statusCode, 200, r.body);
    assert.equal(r.json().status, 'active');
    return id;
  }

  function debit(agreementId: string, amountMinor: number, key: string, merchantId = MERCHANT) {
    return merchantCall('POST', `/api/v1/merchants/${merchantId}/agreements/${agreementId}/debits`, {
      amount: cny(amountMinor),
      idempotencyKey: key,
    });
  }

  /** The merchant's number of the last agreement requested (replays reuse it). */
  const lastExternalAgreementNo = () => `ext-${agreementCounter}`;

  return {
    lastExternalAgreementNo,
    createUser,
    signIn,
    newUser,
    call,
    merchantCall,
    topUp,
    balanceOf,
    walletBalance,
    merchantBalance,
    requestAgreement,
    signedAgreement,
    debit,
  };
}
