// Proves issue 7's user paths over HTTP (app.inject on PGlite or PostgreSQL): verified identity
// (validated, encrypted, masked, set once), emergency freeze signed in and signed out (same answer
// for unknown phones; a frozen account sends no money but still receives it; every channel told),
// unfreeze (ID + second factor + new passwords), forgot login / payment password (second factor
// never skipped; human check; expired and reused attempts), "my account was stolen" (sessions
// ended, password-free off, activity listed, claim opened), and the recovery report.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_USERS } from '../demo/index.ts';
import { composeIdNumber } from '../recovery/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { SoftAuthenticator } from '../testing/soft-authenticator.ts';
import { openTestApp, TEST_PUBLIC_URL, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
before(async () => {
  t = await openTestApp();
  await t.modules.recovery.seedDemo();
});
after(async () => {
  await t?.close();
});

interface Client {
  readonly phone: string;
  readonly ip: string;
  password: string;
  pin: string;
  userId: string;
  token: string;
  deviceKey: string | undefined;
}

let counter = 0;
const PASSWORD = 'recover-login-2026';
const PIN = '583917';

function post(url: string, payload: object, ip: string, headers: Record<string, string> = {}) {
  return t.app.inject({ method: 'POST', url, payload, remoteAddress: ip, headers });
}

function call(client: Client, method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) {
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${client.token}` },
    remoteAddress: client.ip,
    ...(payload ? { payload } : {}),
  });
}

async function signIn(client: Client): Promise<number> {
  const headers: Record<string, string> = client.deviceKey ? { 'x-rampart-device': client.deviceKey } : {};
  let response = await post(
    '/api/v1/auth/sign-in',
    { phone: client.phone, password: client.password },
    client.ip,
    headers,
  );
  if (response.statusCode !== 200) return response.statusCode;
  if (response.json().status !== 'signed_in') {
    const { challengeToken } = response.json();
    t.clock.advance(61_000);
    assert.equal(
      (await post('/api/v1/auth/sign-in/send-code', { challengeToken }, client.ip)).statusCode,
      200,
    );
    response = await post(
      '/api/v1/auth/sign-in/verify',
      { challengeToken, method: 'sms', code: await lastSentCode(t.store.db, client.phone) },
      client.ip,
      headers,
    );
    if (response.statusCode !== 200) return response.statusCode;
  }
  client.userId = response.json().user.id;
  client.token = response.json().token;
  const cookie = response.cookies.find((c) => c.name === 'rampart_device');
  if (cookie) client.deviceKey = cookie.value;
  return 200;
}

async function newUser(): Promise<Client> {
  counter++;
  const phone = `+86137${String(40_000_000 + counter)}`;
  const user = await t.modules.identity.createUser({
    phoneE164: phone,
    displayName: `Owner ${counter}`,
    password: PASSWORD,
    paymentPassword: PIN,
  });
  await t.modules.wallet.openWallet(user.id, 'CNY');
  const client: Client = {
    phone,
    ip: `10.70.0.${counter}`,
    password: PASSWORD,
    pin: PIN,
    userId: user.id,
    token: '',
    deviceKey: undefined,
  };
  assert.equal(await signIn(client), 200);
  return client;
}

async function stepUp(client: Client) {
  const r = await call(client, 'POST', '/api/v1/me/step-up', {
    method: 'payment_password',
    paymentPassword: client.pin,
  });
  assert.equal(r.statusCode, 200, r.body);
}

/** A valid, unused ID number per user. */
const idFor = (n: number) =>
  composeIdNumber({ region: '440305', birthDate: '1991-05-17', sequence: 100 + n });

async function verifyIdentity(client: Client, n: number, realName = '王小明') {
  await stepUp(client);
  const r = await call(client, 'PUT', '/api/v1/me/identity', { realName, idNumber: idFor(n) });
  assert.equal(r.statusCode, 200, r.body);
  return r.json();
}

async function fund(client: Client, amountMinor: bigint) {
  const bank = await t.modules.ledger.systemAccount('external_funding', 'CNY');
  const [wallet] = await t.modules.wallet.getWalletAccounts(client.userId);
  const [result] = await t.modules.ledger.createTransfers([
    {
      id: `test-fund-${client.userId}-${amountMinor}`,
      kind: 'posted',
      code: 'top_up',
      legs: [{ debitAccountId: bank.id, creditAccountId: wallet!.account.id, amountMinor, currency: 'CNY' }],
    },
  ]);
  assert.ok(result && result.status !== 'rejected');
}

async function pay(payer: Client, payee: Client, amountMinor: bigint) {
  const created = await call(payer, 'POST', '/api/v1/payments/intents', {
    channel: 'balance',
    clientRequestId: `rec-pay-${++counter}`,
    payee: { phone: payee.phone },
    amount: { amountMinor: String(amountMinor), currency: 'CNY' },
  });
  if (created.statusCode !== 201) return created;
  return call(payer, 'POST', `/api/v1/payments/intents/${created.json().id}/confirm`, {
    paymentPassword: payer.pin,
  });
}

async function balance(client: Client): Promise<bigint> {
  const [wallet] = await t.modules.wallet.getWalletAccounts(client.userId);
  return wallet!.balance.postedMinor;
}

async function outboxTemplates(userId: string, template: string) {
  const rows = await t.store.db
    .selectFrom('notification_outbox')
    .select('channel')
    .where('user_id', '=', userId)
    .where('template', '=', template)
    .execute();
  return rows.map((r) => r.channel).sort();
}

/** start → code → verify-code, for the signed-out flows. */
async function startAndVerify(kind: string, phone: string, ip: string) {
  t.clock.advance(61_000);
  const started = await post(`/api/v1/recovery/${kind}/start`, { phone }, ip);
  assert.equal(started.statusCode, 200, started.body);
  const { attemptToken, humanCheck } = started.json();
  const code = await lastSentCode(t.store.db, phone);
  const verified = await post(`/api/v1/recovery/${kind}/verify-code`, { attemptToken, code }, ip);
  return { attemptToken, humanCheck: humanCheck as string | null, verified };
}

function solve(question: string): string {
  const [a, op, b] = question.split(' ');
  return String(op === '+' ? Number(a) + Number(b) : Number(a) - Number(b));
}

describe('identity data', () => {
  test('real name and ID number: validated, set once, masked, encrypted at rest, unique by keyed hash', async () => {
    const owner = await newUser();
    await stepUp(owner);
    const bad = await call(owner, 'PUT', '/api/v1/me/identity', {
      realName: '王小明',
      idNumber:
        `${idFor(1).slice(0, 17)}0` === idFor(1) ? `${idFor(1).slice(0, 17)}1` : `${idFor(1).slice(0, 17)}0`,
    });
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.code, 'invalid_id_number');
    const badDate = await call(owner, 'PUT', '/api/v1/me/identity', {
      realName: '王小明',
      idNumber: composeIdNumber({ region: '440305', birthDate: '1991-02-30', sequence: 1 }),
    });
    assert.equal(badDate.json().error.code, 'invalid_id_number');
    assert.equal(
      (await call(owner, 'GET', '/api/v1/me/identity')).json().verified,
      false,
      'nothing was stored',
    );

    const view = await verifyIdentity(owner, 1);
    const id = idFor(1);
    assert.equal(view.idNumberMasked, `${id.slice(0, 4)}**********${id.slice(14)}`);
    assert.equal(view.realNameMasked, '*小明');
    const again = await call(owner, 'PUT', '/api/v1/me/identity', { realName: '王小明', idNumber: id });
    assert.equal(again.statusCode, 409);
    assert.equal(again.json().error.code, 'identity_already_set');

    const other = await newUser();
    await stepUp(other);
    const taken = await call(other, 'PUT', '/api/v1/me/identity', { realName: '李四', idNumber: id });
    assert.equal(taken.json().error.code, 'id_number_in_use');

    const row = await t.store.db
      .selectFrom('identity_records')
      .selectAll()
      .where('user_id', '=', owner.userId)
      .executeTakeFirstOrThrow();
    const stored = JSON.stringify(row);
    assert.ok(
      !stored.includes(id) && !stored.includes('王小明'),
      'neither the number nor the name is stored in clear',
    );
    assert.equal(row.key_id, 'local-v1');
    assert.ok(row.wrapped_dek.length > 40, 'a wrapped per-record data key');

    const noStepUp = await newUser();
    t.clock.advance(6 * 60_000); // the SMS sign-in counted as a step-up; let it go stale
    const refused = await call(noStepUp, 'PUT', '/api/v1/me/identity', {
      realName: '赵六',
      idNumber: idFor(3),
    });
    assert.equal(refused.json().error.code, 'step_up_required');
  });
});

describe('emergency freeze', () => {
  test('signed in: sessions end, no money out, money still comes in, no security change, every channel told', async () => {
    const owner = await newUser();
    const friend = await newUser();
    await fund(owner, 50_000n);
    await fund(friend, 50_000n);
    const card = await call(owner, 'POST', '/api/v1/me/cards', { cardNumber: '4111 1111 1111 1111' });
    assert.equal(card.statusCode, 201, card.body);
    const cardId = card.json().id as string;
    const r = await call(owner, 'POST', '/api/v1/me/freeze');
    assert.equal(r.statusCode, 200, r.body);
    assert.equal((await call(owner, 'GET', '/api/v1/me')).statusCode, 401, 'the session ended');
    assert.deepEqual(await outboxTemplates(owner.userId, 'account_frozen'), ['in_app', 'sms']);

    // A known device may still sign in, but cannot pay, withdraw or change a security setting.
    assert.equal(await signIn(owner), 200);
    const paid = await pay(owner, friend, 1_000n);
    assert.equal(paid.statusCode, 423);
    assert.equal(paid.json().error.code, 'account_frozen');
    const stepUpRefused = await call(owner, 'POST', '/api/v1/me/step-up', {
      method: 'payment_password',
      paymentPassword: owner.pin,
    });
    assert.equal(stepUpRefused.json().error.code, 'account_frozen');
    const withdrawal = await call(owner, 'POST', '/api/v1/funding/withdrawals', {
      clientRequestId: 'frozen-withdrawal',
      cardId,
      amount: { amountMinor: '100', currency: 'CNY' },
      paymentPassword: owner.pin,
    });
    assert.equal(withdrawal.statusCode, 423, withdrawal.body);
    assert.equal(withdrawal.json().error.code, 'account_frozen');

    const before = await balance(owner);
    const incoming = await pay(friend, owner, 2_500n);
    assert.equal(incoming.statusCode, 200, incoming.body);
    assert.equal(await balance(owner), before + 2_500n, 'incoming money still arrives');

    // A new device cannot sign in at all while frozen.
    const stranger: Client = { ...owner, ip: '10.99.0.1', deviceKey: undefined };
    assert.equal(await signIn(stranger), 423);
  });

  test('signed out with phone + SMS code; unknown phones get the same answer and never pass', async () => {
    const owner = await newUser();
    t.clock.advance(61_000);
    const known = await post('/api/v1/recovery/freeze/start', { phone: owner.phone }, '10.71.0.1');
    const unknown = await post('/api/v1/recovery/freeze/start', { phone: '+8613711112222' }, '10.71.0.1');
    assert.equal(known.statusCode, 200);
    assert.equal(unknown.statusCode, 200);
    assert.deepEqual(Object.keys(known.json()).sort(), Object.keys(unknown.json()).sort());
    assert.equal(known.json().humanCheck, unknown.json().humanCheck);

    const miss = await post(
      '/api/v1/recovery/freeze/verify-code',
      { attemptToken: unknown.json().attemptToken, code: '123456' },
      '10.71.0.1',
    );
    assert.equal(miss.statusCode, 400);
    assert.equal(miss.json().error.code, 'invalid_code');
    const wrong = await post(
      '/api/v1/recovery/freeze/verify-code',
      { attemptToken: known.json().attemptToken, code: '000000' },
      '10.71.0.1',
    );
    assert.equal(wrong.json().error.code, 'invalid_code', 'a wrong code reads the same as an unknown phone');

    const code = await lastSentCode(t.store.db, owner.phone);
    const ok = await post(
      '/api/v1/recovery/freeze/verify-code',
      { attemptToken: known.json().attemptToken, code },
      '10.71.0.1',
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await call(owner, 'GET', '/api/v1/me')).statusCode, 401);
    assert.equal((await t.modules.identity.security.overview(owner.userId)).frozen, true);
    const reused = await post(
      '/api/v1/recovery/freeze/verify-code',
      { attemptToken: known.json().attemptToken, code },
      '10.71.0.1',
    );
    assert.equal(reused.json().error.code, 'attempt_invalid');
  });
});

describe('freeze by ID check (phone lost)', () => {
  test('phone + real name + ID number freezes; wrong details and unknown phones get the same 202', async () => {
    const owner = await newUser();
    await verifyIdentity(owner, 50, '许三');
    const wrong = await post(
      '/api/v1/recovery/freeze/by-id',
      { phone: owner.phone, realName: '许三', idNumber: idFor(51) },
      '10.77.0.1',
    );
    const unknown = await post(
      '/api/v1/recovery/freeze/by-id',
      { phone: '+8613733334444', realName: '许三', idNumber: idFor(50) },
      '10.77.0.1',
    );
    assert.equal(wrong.statusCode, 202);
    assert.equal(unknown.body, wrong.body);
    assert.equal(
      (await t.modules.identity.security.overview(owner.userId)).frozen,
      false,
      'wrong details change nothing',
    );
    const right = await post(
      '/api/v1/recovery/freeze/by-id',
      { phone: owner.phone, realName: '许三', idNumber: idFor(50) },
      '10.77.0.1',
    );
    assert.equal(right.body, wrong.body);
    assert.equal((await t.modules.identity.security.overview(owner.userId)).frozen, true);
    assert.equal((await call(owner, 'GET', '/api/v1/me')).statusCode, 401);
    const bad = await post(
      '/api/v1/recovery/freeze/by-id',
      { phone: 'not a phone', realName: 'x', idNumber: 'y' },
      '10.77.0.1',
    );
    assert.equal(bad.json().error.code, 'invalid_phone');
  });
});

describe('unfreeze', () => {
  test('needs SMS + real name + ID number + a second factor, and sets new passwords', async () => {
    const owner = await newUser();
    await verifyIdentity(owner, 10, '周杰');
    const backup = await t.modules.factors.backupCodes.generate(owner.userId);
    assert.equal((await call(owner, 'POST', '/api/v1/me/freeze')).statusCode, 200);

    const { attemptToken, verified } = await startAndVerify('unfreeze', owner.phone, '10.72.0.1');
    assert.equal(verified.statusCode, 200, verified.body);
    assert.deepEqual(verified.json(), {
      totp: false,
      passkey: false,
      backupCode: true,
      idCheck: true,
      operatorApproved: false,
    });

    const base = { attemptToken, newPassword: 'fresh-login-pass-77', newPaymentPassword: '704162' };
    const noFactor = await post(
      '/api/v1/recovery/unfreeze/complete',
      { ...base, realName: '周杰', idNumber: idFor(10) },
      '10.72.0.1',
    );
    assert.equal(noFactor.json().error.code, 'second_factor_required', 'never skipped silently');
    const wrongId = await post(
      '/api/v1/recovery/unfreeze/complete',
      { ...base, realName: '周杰', idNumber: idFor(11), factor: { method: 'backup_code', code: backup[0] } },
      '10.72.0.1',
    );
    assert.equal(wrongId.statusCode, 400);
    assert.equal(wrongId.json().error.code, 'verification_failed');
    const wrongName = await post(
      '/api/v1/recovery/unfreeze/complete',
      { ...base, realName: '周伦', idNumber: idFor(10), factor: { method: 'backup_code', code: backup[0] } },
      '10.72.0.1',
    );
    assert.equal(wrongName.json().error.code, 'verification_failed');
    assert.equal((await t.modules.identity.security.overview(owner.userId)).frozen, true, 'nothing changed');

    const ok = await post(
      '/api/v1/recovery/unfreeze/complete',
      {
        ...base,
        realName: ' 周杰 ',
        idNumber: idFor(10).toLowerCase(),
        factor: { method: 'backup_code', code: backup[0] },
      },
      '10.72.0.1',
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await t.modules.identity.security.overview(owner.userId)).frozen, false);
    assert.deepEqual(await outboxTemplates(owner.userId, 'account_unfrozen'), ['in_app', 'sms']);
    assert.notEqual(await signIn(owner), 200, 'the old password no longer works');
    owner.password = 'fresh-login-pass-77';
    owner.pin = '704162';
    assert.equal(await signIn(owner), 200);
    await stepUp(owner);

    const reused = await post(
      '/api/v1/recovery/unfreeze/complete',
      { ...base, factor: { method: 'backup_code', code: backup[1] } },
      '10.72.0.1',
    );
    assert.equal(reused.json().error.code, 'attempt_invalid', 'an attempt completes once');
  });
});

describe('forgot passwords', () => {
  test('login password: SMS + one more factor (ID check here); expired attempts refused', async () => {
    const owner = await newUser();
    await verifyIdentity(owner, 20, '陈一');
    const { attemptToken, verified } = await startAndVerify('forgot-login', owner.phone, '10.73.0.1');
    assert.equal(verified.json().idCheck, true);
    const none = await post(
      '/api/v1/recovery/forgot-login/reset',
      { attemptToken, newPassword: 'brand-new-login-1' },
      '10.73.0.1',
    );
    assert.equal(none.json().error.code, 'second_factor_required');
    const weak = await post(
      '/api/v1/recovery/forgot-login/reset',
      {
        attemptToken,
        newPassword: 'password',
        factor: { method: 'id_check', realName: '陈一', idNumber: idFor(20) },
      },
      '10.73.0.1',
    );
    assert.equal(weak.json().error.code, 'common_password');
    const ok = await post(
      '/api/v1/recovery/forgot-login/reset',
      {
        attemptToken,
        newPassword: 'brand-new-login-1',
        factor: { method: 'id_check', realName: '陈一', idNumber: idFor(20) },
      },
      '10.73.0.1',
    );
    assert.equal(ok.statusCode, 200, ok.body);
    assert.equal((await call(owner, 'GET', '/api/v1/me')).statusCode, 401, 'every session ended');
    owner.password = 'brand-new-login-1';
    assert.equal(await signIn(owner), 200);

    const late = await startAndVerify('forgot-login', owner.phone, '10.73.0.2');
    t.clock.advance(16 * 60_000);
    const expired = await post(
      '/api/v1/recovery/forgot-login/reset',
      {
        attemptToken: late.attemptToken,
        newPassword: 'another-login-22',
        factor: { method: 'id_check', realName: '陈一', idNumber: idFor(20) },
      },
      '10.73.0.2',
    );
    assert.equal(expired.json().error.code, 'attempt_invalid');
  });

  test('login password: SMS + passkey; the ceremony is spent once, and another key or a forged answer fails', async () => {
    const owner = await newUser();
    await stepUp(owner);
    const authenticator = new SoftAuthenticator({ origin: TEST_PUBLIC_URL });
    const registration = await call(owner, 'POST', '/api/v1/me/passkeys/options');
    assert.equal(registration.statusCode, 200, registration.body);
    const added = await call(owner, 'POST', '/api/v1/me/passkeys', {
      ceremonyId: registration.json().ceremonyId,
      name: 'Phone',
      response: authenticator.createCredential(registration.json().options),
    });
    assert.equal(added.statusCode, 201, added.body);

    const ip = '10.73.1.1';
    const { attemptToken, verified } = await startAndVerify('forgot-login', owner.phone, ip);
    assert.equal(verified.json().passkey, true, 'the passkey is offered once the SMS code proved the phone');
    const options = await post('/api/v1/recovery/forgot-login/passkey-options', { attemptToken }, ip);
    assert.equal(options.statusCode, 200, options.body);
    const { ceremonyId } = options.json();
    // A stranger's key (never registered on this account) is refused and changes nothing.
    const stranger = new SoftAuthenticator({ origin: TEST_PUBLIC_URL });
    stranger.createCredential(registration.json().options);
    const strangerKey = [...stranger.credentials.keys()][0];
    const forged = await post(
      '/api/v1/recovery/forgot-login/reset',
      {
        attemptToken,
        newPassword: 'passkey-reset-login-1',
        factor: {
          method: 'passkey',
          ceremonyId,
          response: stranger.getAssertion(options.json().options, { credentialId: strangerKey }),
        },
      },
      ip,
    );
    assert.equal(forged.statusCode, 400, forged.body);
    assert.equal(forged.json().error.code, 'verification_failed');
    assert.equal(await signIn(owner), 200, 'the old password still works: nothing changed');

    const again = await post('/api/v1/recovery/forgot-login/passkey-options', { attemptToken }, ip);
    const assertion = authenticator.getAssertion(again.json().options);
    const factor = { method: 'passkey', ceremonyId: again.json().ceremonyId, response: assertion };
    const ok = await post(
      '/api/v1/recovery/forgot-login/reset',
      { attemptToken, newPassword: 'passkey-reset-login-1', factor },
      ip,
    );
    assert.equal(ok.statusCode, 200, ok.body);
    owner.password = 'passkey-reset-login-1';
    assert.equal(await signIn(owner), 200);

    // The same signed answer cannot serve a second attempt.
    const second = await startAndVerify('forgot-login', owner.phone, '10.73.1.2');
    const replay = await post(
      '/api/v1/recovery/forgot-login/reset',
      { attemptToken: second.attemptToken, newPassword: 'passkey-reset-login-2', factor },
      '10.73.1.2',
    );
    assert.equal(replay.statusCode, 400, replay.body);
    assert.equal(replay.json().error.code, 'verification_failed');
  });

  test('payment password: real name + ID + SMS + human check', async () => {
    const owner = await newUser();
    await verifyIdentity(owner, 30, '林二');
    const { attemptToken, humanCheck, verified } = await startAndVerify(
      'forgot-payment',
      owner.phone,
      '10.74.0.1',
    );
    assert.equal(verified.statusCode, 200);
    assert.ok(humanCheck);
    const base = { attemptToken, realName: '林二', idNumber: idFor(30), newPaymentPassword: '640271' };
    const wrongHuman = await post(
      '/api/v1/recovery/forgot-payment/reset',
      { ...base, humanAnswer: String(Number(solve(humanCheck)) + 1) },
      '10.74.0.1',
    );
    assert.equal(wrongHuman.json().error.code, 'human_check_failed');
    const wrongId = await post(
      '/api/v1/recovery/forgot-payment/reset',
      { ...base, idNumber: idFor(31), humanAnswer: solve(humanCheck) },
      '10.74.0.1',
    );
    assert.equal(wrongId.json().error.code, 'verification_failed');
    const ok = await post(
      '/api/v1/recovery/forgot-payment/reset',
      { ...base, humanAnswer: solve(humanCheck) },
      '10.74.0.1',
    );
    assert.equal(ok.statusCode, 200, ok.body);
    owner.pin = '640271';
    assert.equal(await signIn(owner), 200);
    await stepUp(owner);
  });

  test('no identity and no factor: the reset is refused, never silently allowed', async () => {
    const owner = await newUser();
    const { attemptToken, verified } = await startAndVerify('forgot-login', owner.phone, '10.75.0.1');
    assert.deepEqual(verified.json(), {
      totp: false,
      passkey: false,
      backupCode: false,
      idCheck: false,
      operatorApproved: false,
    });
    const tried = await post(
      '/api/v1/recovery/forgot-login/reset',
      {
        attemptToken,
        newPassword: 'brand-new-login-3',
        factor: { method: 'id_check', realName: '无名', idNumber: idFor(40) },
      },
      '10.75.0.1',
    );
    assert.equal(tried.json().error.code, 'verification_failed');
  });
});

describe('my account was stolen', () => {
  test('freezes, ends sessions, turns password-free off, lists activity, opens a claim; a second claim is refused', async () => {
    const owner = await newUser();
    const thief = await newUser();
    await fund(owner, 100_000n);
    const since = new Date(t.clock.nowMs() - 60_000).toISOString();
    const stolenPayment = await pay(owner, thief, 12_300n);
    assert.equal(stolenPayment.statusCode, 200, stolenPayment.body);
    const transferId = stolenPayment.json().transferId as string;
    assert.ok(transferId);

    const r = await call(owner, 'POST', '/api/v1/me/stolen', { suspectedSince: since });
    assert.equal(r.statusCode, 200, r.body);
    const report = r.json();
    assert.equal(report.frozen, true);
    assert.equal(report.passwordFreeTurnedOff, true);
    assert.equal(report.grantsSuspended, 0, 'no agreements module wired in this build');
    assert.ok(
      report.activity.some(
        (a: { id: string; kind: string }) => a.kind === 'money_out' && a.id === transferId,
      ),
    );
    assert.equal((await call(owner, 'GET', '/api/v1/me')).statusCode, 401);

    const listed = await post(
      '/api/v1/recovery/stolen/activity',
      { reportToken: report.reportToken },
      owner.ip,
    );
    assert.equal(listed.statusCode, 200);
    const claim = await post(
      '/api/v1/recovery/stolen/claim',
      {
        reportToken: report.reportToken,
        transferIds: [transferId],
        credentialsShared: false,
        statement: 'not me',
      },
      owner.ip,
    );
    assert.equal(claim.statusCode, 201, claim.body);
    assert.equal(claim.json().status, 'submitted');
    assert.equal(claim.json().eligible, true);
    assert.equal(claim.json().totalMinor, '12300');
    assert.deepEqual(await outboxTemplates(owner.userId, 'claim_update'), ['in_app', 'sms']);

    const twice = await post(
      '/api/v1/recovery/stolen/claim',
      { reportToken: report.reportToken, transferIds: [transferId], credentialsShared: false },
      owner.ip,
    );
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().error.code, 'already_refunded');
    const notMine = await post(
      '/api/v1/recovery/stolen/claim',
      { reportToken: report.reportToken, transferIds: ['demo-topup-x'], credentialsShared: false },
      owner.ip,
    );
    assert.equal(notMine.json().error.code, 'claim_item_invalid');
    const badToken = await post(
      '/api/v1/recovery/stolen/activity',
      { reportToken: 'x'.repeat(43) },
      owner.ip,
    );
    assert.equal(badToken.json().error.code, 'attempt_invalid');
  });
});

describe('recovery report', () => {
  test('counts self-service attempts on real accounts apart from unknown phones', async () => {
    const unknown = await post(
      '/api/v1/recovery/forgot-login/start',
      { phone: '+8613722223333' },
      '10.76.0.1',
    );
    assert.equal(unknown.statusCode, 200);
    const report = await t.modules.recovery.report();
    assert.ok(report.selfService.started >= 4);
    assert.ok(report.selfService.succeeded >= 3);
    assert.ok(report.selfService.startedForUnknownPhones >= 1);
    assert.ok(
      report.selfService.successRate !== null &&
        report.selfService.successRate > 0 &&
        report.selfService.successRate <= 1,
    );
    assert.ok(report.selfService.medianMs !== null && report.selfService.medianMs >= 0);
  });

  test('a cohort (the accounts of a simulated population) is counted alone', async () => {
    const owner = await newUser();
    await verifyIdentity(owner, 40, '郑二');
    const startedMs = t.clock.nowMs();
    const { attemptToken } = await startAndVerify('forgot-login', owner.phone, '10.76.1.1');
    t.clock.advance(90_000);
    const ok = await post(
      '/api/v1/recovery/forgot-login/reset',
      {
        attemptToken,
        newPassword: 'cohort-login-2026',
        factor: { method: 'id_check', realName: '郑二', idNumber: idFor(40) },
      },
      '10.76.1.1',
    );
    assert.equal(ok.statusCode, 200, ok.body);
    const cohort = await t.modules.recovery.report({ userIds: [owner.userId] });
    assert.equal(cohort.selfService.started, 1);
    assert.equal(cohort.selfService.succeeded, 1);
    assert.equal(cohort.selfService.startedForUnknownPhones, 0, 'unknown phones belong to no cohort');
    assert.equal(cohort.selfService.medianMs, t.clock.nowMs() - startedMs - 61_000);
    const nobody = await t.modules.recovery.report({ userIds: [] });
    assert.equal(nobody.selfService.started, 0);
    assert.equal(nobody.selfService.successRate, null);
  });
});

void DEMO_USERS;
