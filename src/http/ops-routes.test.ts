// Proves issue 7's operator side over HTTP (PGlite or PostgreSQL): operator sign-in with password
// + TOTP (replayed codes refused), the role-permission table enforced on every route (an operator
// outside their role gets 403 operator_role and nothing changes), the bootstrap token as a
// supervisor, lookup by phone and by ID number (masked, never the full number), freeze and
// unfreeze approval, loss claims paid from the insurance pool through the ledger with four eyes
// above the threshold, manual recovery with document uploads (magic-byte type check, size limit,
// stored encrypted outside the database), its 24-hour cool-down, one-click cancel and `runDue`,
// and the append-only audit log (UPDATE/DELETE refused by the database).
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import { verifyLedger } from '../ledger/index.ts';
import {
  composeIdNumber,
  DEMO_IDENTITIES,
  DEMO_OPERATOR_PASSWORD,
  DEMO_OPERATORS,
  MANUAL_COOLDOWN_MS,
} from '../recovery/index.ts';
import { lastSentCode } from '../testing/outbox-codes.ts';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';
import { createClientKit } from '../testing/wallet-clients.ts';

let t: TestApp;
const documentsDir = `/tmp/rampart-ops-test-docs-${process.pid}`;
before(async () => {
  mkdirSync(documentsDir, { recursive: true });
  t = await openTestApp({ documentsDir });
  await t.modules.recovery.seedDemo();
});
after(async () => {
  await t?.close();
  rmSync(documentsDir, { recursive: true, force: true });
});

const tokens = new Map<string, string>();

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

async function opSignIn(username: string): Promise<string> {
  t.clock.advance(30_000); // a fresh TOTP step: each step signs in once
  const r = await t.app.inject({
    method: 'POST',
    url: '/api/v1/ops/sign-in',
    payload: { username, password: DEMO_OPERATOR_PASSWORD, code: totpCode(username) },
  });
  assert.equal(r.statusCode, 200, r.body);
  tokens.set(username, r.json().token);
  return r.json().token;
}

function op(username: string, method: 'GET' | 'POST', url: string, payload?: object) {
  const token = username === 'bootstrap' ? TEST_OPERATOR_TOKEN : tokens.get(username);
  assert.ok(token, `${username} signed in`);
  return t.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
}

async function userId(phone: string): Promise<string> {
  const user = await t.modules.identity.findUserByPhone(phone);
  assert.ok(user);
  return user.id;
}

const PNG = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.alloc(200, 7),
]);

function multipart(fields: Record<string, string>, files: { name: string; type: string; bytes: Buffer }[]) {
  const boundary = `----rampart${Math.random().toString(16).slice(2)}`;
  const chunks: Buffer[] = [];
  for (const [name, value] of Object.entries(fields)) {
    chunks.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  }
  files.forEach((file, i) => {
    chunks.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="document${i}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  });
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return {
    payload: Buffer.concat(chunks),
    headers: { 'content-type': `multipart/form-data; boundary=${boundary}` },
  };
}

describe('operators', () => {
  before(async () => {
    for (const o of DEMO_OPERATORS) await opSignIn(o.username);
  });

  test('sign-in needs the password and a fresh TOTP code; the same answer for every failure', async () => {
    const wrongCode = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ops/sign-in',
      payload: { username: 'demo-agent', password: DEMO_OPERATOR_PASSWORD, code: '000000' },
    });
    const unknown = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ops/sign-in',
      payload: { username: 'nobody-here', password: DEMO_OPERATOR_PASSWORD, code: '123456' },
    });
    assert.equal(wrongCode.statusCode, 401);
    assert.deepEqual(wrongCode.json(), unknown.json());
    const code = totpCode('demo-auditor');
    const replay = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ops/sign-in',
      payload: { username: 'demo-auditor', password: DEMO_OPERATOR_PASSWORD, code },
    });
    assert.equal(replay.statusCode, 401, 'a TOTP step already used to sign in is spent');
    const me = await op('demo-agent', 'GET', '/api/v1/ops/me');
    assert.equal(me.json().role, 'agent');
    assert.ok(!me.json().permissions.includes('claims.decide'));
    const boot = await op('bootstrap', 'GET', '/api/v1/ops/me');
    assert.equal(boot.json().role, 'supervisor');
    assert.equal(boot.json().bootstrap, true);
    const none = await t.app.inject({ method: 'GET', url: '/api/v1/ops/me' });
    assert.equal(none.statusCode, 401);
    // The console cookie alone does not authorise an unsafe request: it needs x-rampart-ops.
    const cookie = { rampart_ops: tokens.get('demo-agent') ?? '' };
    const bob = await userId('+8613900139000');
    const forged = await t.app.inject({
      method: 'POST',
      url: `/api/v1/ops/users/${bob}/freeze`,
      cookies: cookie,
      payload: { note: 'csrf' },
    });
    assert.equal(forged.statusCode, 403);
    assert.equal(forged.json().error.code, 'csrf_failed');
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/ops/me', cookies: cookie });
    assert.equal(read.statusCode, 200, 'safe requests work with the cookie');
    // An operator also signed in to the wallet in the same browser: the user's session cookie
    // (without the user's CSRF header) must not break the console's own unsafe requests.
    const wallet = await createClientKit(t, { phone: '+8613571', ip: '10.71.0' }).newClient(0n);
    const both = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ops/users/lookup',
      cookies: { ...cookie, rampart_session: wallet.token },
      headers: { 'x-rampart-ops': '1' },
      payload: { phone: '13900139000' },
    });
    assert.equal(both.statusCode, 200, both.body);
    assert.equal(both.json().items.length, 1);
  });

  test('lookup by phone or ID number is masked; the full number never leaves the server', async () => {
    const demo = DEMO_IDENTITIES[0]!;
    const byId = await op('demo-agent', 'POST', '/api/v1/ops/users/lookup', { idNumber: demo.idNumber });
    assert.equal(byId.statusCode, 200, byId.body);
    const [found] = byId.json().items;
    assert.equal(found.idNumberMasked, `${demo.idNumber.slice(0, 4)}**********${demo.idNumber.slice(14)}`);
    assert.equal(found.phoneMasked, '+86138****8000');
    const detail = await op('demo-agent', 'GET', `/api/v1/ops/users/${found.userId}`);
    assert.equal(detail.statusCode, 200, detail.body);
    for (const body of [byId.body, detail.body]) {
      assert.ok(!body.includes(demo.idNumber), 'no full ID number');
      assert.ok(!body.includes(demo.phoneE164), 'no full phone number');
      assert.ok(!body.includes('hash'), 'no password hash');
    }
    const byPhone = await op('demo-auditor', 'POST', '/api/v1/ops/users/lookup', { phone: '13900139000' });
    assert.equal(byPhone.json().items.length, 1);
    const nobody = await op('demo-agent', 'POST', '/api/v1/ops/users/lookup', { phone: '+8613700000001' });
    assert.deepEqual(nobody.json().items, []);
    const badId = await op('demo-agent', 'POST', '/api/v1/ops/users/lookup', {
      idNumber: '110105199003071230',
    });
    assert.equal(badId.json().error.code, 'invalid_id_number');
  });

  test('roles: an auditor cannot freeze, an agent cannot approve an unfreeze or read the audit log', async () => {
    const bob = await userId('+8613900139000');
    const auditorFreeze = await op('demo-auditor', 'POST', `/api/v1/ops/users/${bob}/freeze`, { note: 'x' });
    assert.equal(auditorFreeze.statusCode, 403);
    assert.equal(auditorFreeze.json().error.code, 'operator_role');
    assert.equal((await t.modules.identity.security.overview(bob)).frozen, false, 'nothing changed');
    assert.equal((await op('demo-agent', 'GET', '/api/v1/ops/audit')).json().error.code, 'operator_role');
    assert.equal(
      (await op('demo-agent', 'POST', `/api/v1/ops/users/${bob}/approve-unfreeze`, {})).json().error.code,
      'operator_role',
    );
    assert.equal(
      (
        await op('demo-analyst', 'POST', '/api/v1/ops/operators', {
          username: 'mallory',
          displayName: 'M',
          role: 'supervisor',
          password: 'long-enough-pass-1',
        })
      ).statusCode,
      403,
    );
  });

  test('freeze by an operator, then an approved unfreeze the owner finishes with an SMS code and new passwords', async () => {
    const bob = await userId('+8613900139000');
    const frozen = await op('demo-agent', 'POST', `/api/v1/ops/users/${bob}/freeze`, {
      note: 'caller reported theft',
    });
    assert.equal(frozen.statusCode, 200, frozen.body);
    assert.equal((await t.modules.identity.security.overview(bob)).frozen, true);
    const approved = await op('demo-analyst', 'POST', `/api/v1/ops/users/${bob}/approve-unfreeze`, {
      note: 'verified by video call',
    });
    assert.equal(approved.statusCode, 200, approved.body);

    t.clock.advance(61_000);
    const started = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/unfreeze/start',
      payload: { phone: '+8613900139000' },
    });
    const code = await lastSentCode(t.store.db, '+8613900139000');
    const methods = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/unfreeze/verify-code',
      payload: { attemptToken: started.json().attemptToken, code },
    });
    assert.equal(methods.json().operatorApproved, true);
    const done = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/unfreeze/complete',
      payload: {
        attemptToken: started.json().attemptToken,
        newPassword: 'bob-after-review-2026',
        newPaymentPassword: '815264',
      },
    });
    assert.equal(done.statusCode, 200, done.body);
    assert.equal((await t.modules.identity.security.overview(bob)).frozen, false);

    const audit = await op('demo-auditor', 'GET', `/api/v1/ops/audit?userId=${bob}`);
    const actions = audit
      .json()
      .items.map((e: { action: string; actorRole: string | null }) => `${e.action}:${e.actorRole ?? '-'}`);
    assert.ok(actions.includes('account_frozen:agent'));
    assert.ok(actions.includes('unfreeze_approved:risk_analyst'));
    assert.ok(actions.includes('account_unfrozen:-'));
  });

  test('the audit log is append-only: the database refuses UPDATE and DELETE', async () => {
    await assert.rejects(sql`UPDATE audit_log SET action = 'nothing'`.execute(t.store.db), /append-only/);
    await assert.rejects(sql`DELETE FROM audit_log`.execute(t.store.db), /append-only/);
    await assert.rejects(sql`TRUNCATE audit_log`.execute(t.store.db), /append-only/);
  });
});

describe('loss claims', () => {
  test('paid from the insurance pool through the ledger; four eyes above the threshold; no double payment', async () => {
    const alice = await userId('+8613800138000');
    const bob = await userId('+8613900139000');
    const [aliceWallet] = await t.modules.wallet.getWalletAccounts(alice);
    const [bobWallet] = await t.modules.wallet.getWalletAccounts(bob);
    const move = async (id: string, amountMinor: bigint) => {
      const [r] = await t.modules.ledger.createTransfers([
        {
          id,
          kind: 'posted',
          code: 'p2p',
          legs: [
            {
              debitAccountId: aliceWallet!.account.id,
              creditAccountId: bobWallet!.account.id,
              amountMinor,
              currency: 'CNY',
            },
          ],
        },
      ]);
      assert.ok(r && r.status !== 'rejected');
    };
    await move('stolen-small', 30_000n);
    await move('stolen-big', 200_000n);
    const open = (transferIds: string[]) =>
      t.modules.recovery.claims.open(alice, {
        transferIds,
        credentialsShared: false,
        statement: 'stolen',
        suspectedSince: new Date(t.clock.nowMs() - 3600_000),
      });
    const small = await open(['stolen-small']);
    const big = await open(['stolen-big']);
    const pool = await t.modules.ledger.systemAccount('insurance_pool', 'CNY');
    const poolBefore = (await t.modules.ledger.getAccount(pool.id))!;

    const agentTry = await op('demo-agent', 'POST', `/api/v1/ops/claims/${small.id}/decision`, {
      approve: true,
    });
    assert.equal(agentTry.json().error.code, 'operator_role');

    const balanceBefore = (await t.modules.wallet.getWalletAccounts(alice))[0]!.balance.postedMinor;
    const paid = await op('demo-analyst', 'POST', `/api/v1/ops/claims/${small.id}/decision`, {
      approve: true,
      note: 'clear case',
    });
    assert.equal(paid.statusCode, 200, paid.body);
    assert.equal(paid.json().status, 'paid');
    assert.equal(
      (await t.modules.wallet.getWalletAccounts(alice))[0]!.balance.postedMinor,
      balanceBefore + 30_000n,
    );

    const first = await op('demo-supervisor', 'POST', `/api/v1/ops/claims/${big.id}/decision`, {
      approve: true,
    });
    assert.equal(first.json().status, 'awaiting_second');
    const same = await op('demo-supervisor', 'POST', `/api/v1/ops/claims/${big.id}/decision`, {
      approve: true,
    });
    assert.equal(same.statusCode, 409);
    assert.equal(same.json().error.code, 'same_operator');
    const second = await op('demo-supervisor2', 'POST', `/api/v1/ops/claims/${big.id}/decision`, {
      approve: true,
    });
    assert.equal(second.json().status, 'paid');
    assert.equal(second.json().firstApprover !== second.json().decidedBy, true);
    const poolAfter = (await t.modules.ledger.getAccount(pool.id))!;
    assert.equal(poolBefore.debitsPostedMinor + 230_000n, poolAfter.debitsPostedMinor);

    await assert.rejects(open(['stolen-small']), /already refunded|compensated/);
    const again = await op('demo-supervisor', 'POST', `/api/v1/ops/claims/${small.id}/decision`, {
      approve: true,
    });
    assert.equal(again.json().error.code, 'claim_state');
    const statuses = (
      await t.store.db
        .selectFrom('notification_outbox')
        .select('body')
        .where('user_id', '=', alice)
        .where('template', '=', 'claim_update')
        .where('channel', '=', 'in_app')
        .execute()
    ).length;
    assert.ok(statuses >= 5, 'the user heard of each step');
    const report = await verifyLedger(t.store.db, { nowMs: t.clock.nowMs() });
    assert.equal(report.ok, true, JSON.stringify(report));
  });
});

describe('manual recovery', () => {
  const ownerPhone = '+8613711110001';
  let ownerId: string;
  const idNumber = composeIdNumber({ region: '510104', birthDate: '1985-08-09', sequence: 321 });

  before(async () => {
    const user = await t.modules.identity.createUser({
      phoneE164: ownerPhone,
      displayName: 'Phone Loser',
      password: 'lost-phone-login-1',
      paymentPassword: '583917',
    });
    ownerId = user.id;
    const wallet = await t.modules.wallet.openWallet(user.id, 'CNY');
    await t.modules.recovery.identityData.set(user.id, { realName: '刘洋', idNumber });
    // One movement on the account: the reviewer sees it beside what the applicant remembers.
    const bank = await t.modules.ledger.systemAccount('external_funding', 'CNY');
    const [topUp] = await t.modules.ledger.createTransfers([
      {
        id: 'ops-test-manual-top-up',
        kind: 'posted',
        code: 'top_up',
        legs: [{ debitAccountId: bank.id, creditAccountId: wallet.id, amountMinor: 1_800n, currency: 'CNY' }],
      },
    ]);
    assert.equal(topUp?.status, 'created');
  });

  async function submit(
    newPhone: string,
    oldPhone: string,
    files: { name: string; type: string; bytes: Buffer }[],
    ip = '10.80.0.1',
  ) {
    t.clock.advance(61_000);
    const sent = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/manual/new-phone-code',
      payload: { newPhone },
      remoteAddress: ip,
    });
    assert.equal(sent.statusCode, 200, sent.body);
    const code = await lastSentCode(t.store.db, newPhone);
    const form = multipart(
      {
        oldPhone,
        newPhone,
        newPhoneCode: code,
        realName: '刘洋',
        idNumber,
        rememberedTransactions: 'paid Demo Coffee 18.00 last week',
      },
      files,
    );
    return t.app.inject({ method: 'POST', url: '/api/v1/recovery/manual', remoteAddress: ip, ...form });
  }

  test('uploads: wrong type and oversize refused with nothing stored; the answer is the same for an unknown phone', async () => {
    const before = readdirSync(documentsDir, { withFileTypes: true }).length;
    const fake = await submit('+8613711110002', ownerPhone, [
      { name: 'id.png', type: 'image/png', bytes: Buffer.from('this is text, not a PNG') },
    ]);
    assert.equal(fake.statusCode, 415);
    assert.equal(fake.json().error.code, 'document_type');
    const big = await submit('+8613711110003', ownerPhone, [
      { name: 'id.png', type: 'image/png', bytes: Buffer.concat([PNG, Buffer.alloc(5 * 1024 * 1024)]) },
    ]);
    assert.equal(big.statusCode, 413);
    assert.equal(big.json().error.code, 'document_too_large');
    const six = await submit(
      '+8613711110006',
      ownerPhone,
      Array.from({ length: 6 }, () => ({ name: 'id.png', type: 'image/png', bytes: PNG })),
    );
    assert.equal(six.statusCode, 400, six.body);
    assert.equal(six.json().error.code, 'too_many_documents');
    assert.equal(readdirSync(documentsDir, { withFileTypes: true }).length, before, 'no file written');
    assert.equal(
      await t.store.db
        .selectFrom('manual_recoveries')
        .select('id')
        .where('user_id', '=', ownerId)
        .executeTakeFirst(),
      undefined,
    );

    const unknown = await submit('+8613711110004', '+8613700009999', [
      { name: 'id.png', type: 'image/png', bytes: PNG },
    ]);
    const known = await submit('+8613711110005', ownerPhone, [
      { name: 'id.png', type: 'image/png', bytes: PNG },
    ]);
    assert.equal(unknown.statusCode, 202);
    assert.equal(known.statusCode, 202);
    assert.deepEqual(Object.keys(unknown.json()), Object.keys(known.json()));
    const cancelLater = await op('demo-agent', 'GET', '/api/v1/ops/recoveries?status=pending_review');
    assert.ok(cancelLater.json().items.length >= 2);
  });

  test('approve → 24-hour cool-down with a cancel link to every channel; cancel stops it', async () => {
    const list = await op('demo-agent', 'GET', '/api/v1/ops/recoveries?status=pending_review');
    const mine = list.json().items.find((r: { userId: string | null }) => r.userId === ownerId);
    assert.ok(mine);
    assert.equal(mine.identityMatches, true);
    const detail = await op('demo-agent', 'GET', `/api/v1/ops/recoveries/${mine.id}`);
    assert.ok(!detail.body.includes(idNumber));
    assert.equal(detail.json().idNumberGivenMasked, `${idNumber.slice(0, 4)}**********${idNumber.slice(14)}`);
    assert.equal(detail.json().rememberedTransactions, 'paid Demo Coffee 18.00 last week');
    assert.deepEqual(
      detail
        .json()
        .recentActivity.map((a: { direction: string; code: string; amountMinor: string }) => [
          a.direction,
          a.code,
          a.amountMinor,
        ]),
      [['in', 'top_up', '1800']],
      "the account's movements, to compare with what the applicant remembers",
    );
    const unknownCase = list.json().items.find((r: { userId: string | null }) => r.userId === null);
    assert.ok(unknownCase);
    const unknownDetail = await op('demo-agent', 'GET', `/api/v1/ops/recoveries/${unknownCase.id}`);
    assert.deepEqual(unknownDetail.json().recentActivity, [], 'no account, no movements shown');
    const doc = await op(
      'demo-agent',
      'GET',
      `/api/v1/ops/recoveries/${mine.id}/documents/${mine.documents[0].id}`,
    );
    assert.equal(doc.statusCode, 200);
    assert.deepEqual(doc.rawPayload, PNG, 'the operator sees the document');
    const onDisk = readFileSync(`${documentsDir}/${mine.documents[0].id}.sealed`);
    assert.equal(onDisk.includes(PNG.subarray(0, 8)), false, 'stored encrypted');

    const approved = await op('demo-agent', 'POST', `/api/v1/ops/recoveries/${mine.id}/decision`, {
      approve: true,
      note: 'documents match',
    });
    assert.equal(approved.statusCode, 200, approved.body);
    assert.equal(approved.json().status, 'approved');
    assert.equal(
      (await t.modules.identity.security.overview(ownerId)).frozen,
      true,
      'frozen during the cool-down',
    );
    const notice = await t.store.db
      .selectFrom('notification_outbox')
      .select(['body', 'channel'])
      .where('user_id', '=', ownerId)
      .where('template', '=', 'recovery_update')
      .where('channel', '=', 'sms')
      .where('destination', '=', ownerPhone) // the old phone: the one the owner may still hold
      .orderBy('id', 'desc')
      .executeTakeFirstOrThrow();
    const cancelToken = notice.body.match(/token=([A-Za-z0-9_-]+)/)?.[1];
    assert.ok(cancelToken, 'the notice carries a one-click cancel link');
    const cancelled = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/manual/cancel',
      payload: { token: cancelToken },
    });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const twice = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/manual/cancel',
      payload: { token: cancelToken },
    });
    assert.equal(twice.json().error.code, 'link_invalid');
    t.clock.advance(MANUAL_COOLDOWN_MS + 1);
    assert.equal(await t.modules.recovery.runDue(t.clock.nowMs()), 0);
    assert.equal(
      (await t.modules.identity.findUserByPhone(ownerPhone))?.id,
      ownerId,
      'the phone did not change',
    );
  });

  test('after the cool-down runDue binds the new phone; the owner unfreezes with new passwords', async () => {
    const newPhone = '+8613711110009';
    // The previous test moved the clock a day on: operator sessions (30 minutes idle) expired.
    assert.equal((await op('demo-agent', 'GET', '/api/v1/ops/me')).statusCode, 401);
    await opSignIn('demo-agent');
    await opSignIn('demo-auditor');
    const submitted = await submit(newPhone, ownerPhone, [{ name: 'id.png', type: 'image/png', bytes: PNG }]);
    assert.equal(submitted.statusCode, 202, submitted.body);
    const list = await op('demo-agent', 'GET', '/api/v1/ops/recoveries?status=pending_review');
    const mine = list
      .json()
      .items.find(
        (r: { userId: string | null; newPhoneMasked: string }) =>
          r.userId === ownerId && r.newPhoneMasked.endsWith('0009'),
      );
    assert.equal(
      (
        await op('demo-auditor', 'POST', `/api/v1/ops/recoveries/${mine.id}/decision`, { approve: true })
      ).json().error.code,
      'operator_role',
    );
    assert.equal(
      (await op('demo-agent', 'POST', `/api/v1/ops/recoveries/${mine.id}/decision`, { approve: true }))
        .statusCode,
      200,
    );
    assert.equal(
      await t.modules.recovery.runDue(t.clock.nowMs() + MANUAL_COOLDOWN_MS - 1000),
      0,
      'not before 24 hours',
    );
    assert.equal(await t.modules.recovery.runDue(t.clock.nowMs() + MANUAL_COOLDOWN_MS + 1), 1);
    assert.equal((await t.modules.identity.findUserByPhone(newPhone))?.id, ownerId);
    const status = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/manual/status',
      payload: { statusToken: submitted.json().statusToken },
    });
    assert.equal(status.json().status, 'completed');

    t.clock.advance(61_000);
    const started = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/unfreeze/start',
      payload: { phone: newPhone },
    });
    const code = await lastSentCode(t.store.db, newPhone);
    const methods = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/unfreeze/verify-code',
      payload: { attemptToken: started.json().attemptToken, code },
    });
    assert.equal(methods.json().operatorApproved, true);
    const done = await t.app.inject({
      method: 'POST',
      url: '/api/v1/recovery/unfreeze/complete',
      payload: {
        attemptToken: started.json().attemptToken,
        newPassword: 'new-phone-login-2026',
        newPaymentPassword: '947203',
      },
    });
    assert.equal(done.statusCode, 200, done.body);
    const report = await t.modules.recovery.report();
    assert.equal(report.manual.succeeded, 1);
    assert.ok(report.manual.started >= 3);
    assert.equal(report.manual.cancelled, 1);
  });
});
