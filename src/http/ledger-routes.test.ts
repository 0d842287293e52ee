// Proves the operator ledger API end to end over HTTP: idempotent transfers, holds, and that every
// kind of bad input gets a 4xx with a stable code while the journal stays exactly as it was.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { openTestApp, TEST_OPERATOR_TOKEN, type TestApp } from '../testing/test-app.ts';

let t: TestApp;
const auth = { authorization: `Bearer ${TEST_OPERATOR_TOKEN}` };
let bank: string;
let walletA: string;
let walletB: string;
let walletUsd: string;

before(async () => {
  t = await openTestApp({ demo: false });
  const open = async (body: object) => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ledger/accounts',
      headers: auth,
      payload: body,
    });
    assert.equal(r.statusCode, 201, r.body);
    return r.json().id as string;
  };
  bank = await open({ kind: 'external_funding', currency: 'CNY', negativeLimitMinor: null });
  walletA = await open({ kind: 'wallet', currency: 'CNY', label: 'A' });
  walletB = await open({ kind: 'wallet', currency: 'CNY', label: 'B' });
  walletUsd = await open({ kind: 'wallet', currency: 'USD', label: 'USD' });
  const r = await post({ id: 'fund-a', kind: 'posted', code: 'top_up', legs: [leg(bank, walletA, '10000')] });
  assert.equal(r.statusCode, 201, r.body);
});
after(async () => {
  await t?.close();
});

function leg(debitAccountId: string, creditAccountId: string, amountMinor: string, currency = 'CNY') {
  return { debitAccountId, creditAccountId, amount: { amountMinor, currency } };
}

function post(payload: object, headers: Record<string, string> = auth) {
  return t.app.inject({ method: 'POST', url: '/api/v1/ledger/transfers', headers, payload });
}

async function journalSize(): Promise<string> {
  const r = await sql<{ n: string }>`SELECT (SELECT count(*) FROM ledger_transfers)::text || '/' ||
    (SELECT count(*) FROM ledger_entries)::text || '/' || (SELECT sum(credits_posted_minor) FROM ledger_accounts)::text AS n`.execute(
    t.store.db,
  );
  return r.rows[0]!.n;
}

async function balance(id: string) {
  const r = await t.app.inject({ method: 'GET', url: `/api/v1/ledger/accounts/${id}`, headers: auth });
  assert.equal(r.statusCode, 200);
  return r.json();
}

describe('ledger API', () => {
  test('a transfer is created once; a retry replays it; other fields are refused', async () => {
    const body = { id: 'pay-1', kind: 'posted', code: 'p2p', legs: [leg(walletA, walletB, '1250')] };
    const first = await post(body);
    assert.equal(first.statusCode, 201);
    assert.equal(first.json().replayed, false);
    assert.deepEqual(first.json().transfer.legs[0].amount, { amountMinor: '1250', currency: 'CNY' });
    const again = await post(body);
    assert.equal(again.statusCode, 200);
    assert.equal(again.json().replayed, true);
    const changed = await post({ ...body, legs: [leg(walletA, walletB, '1251')] });
    assert.equal(changed.statusCode, 409);
    assert.equal(changed.json().error.code, 'exists_with_different_fields');
    assert.equal((await balance(walletB)).posted.amountMinor, '1250');
    const read = await t.app.inject({ method: 'GET', url: '/api/v1/ledger/transfers/pay-1', headers: auth });
    assert.equal(read.json().id, 'pay-1');
  });

  test('a hold reserves, then is voided; available returns', async () => {
    const hold = await post({
      id: 'hold-1',
      kind: 'pending',
      code: 'withdraw',
      timeoutMs: 60_000,
      legs: [leg(walletA, bank, '700')],
    });
    assert.equal(hold.statusCode, 201);
    const during = await balance(walletA);
    assert.equal(BigInt(during.posted.amountMinor) - BigInt(during.available.amountMinor), 700n);
    const voided = await post({ id: 'void-1', kind: 'void_pending', pendingId: 'hold-1', code: 'withdraw' });
    assert.equal(voided.statusCode, 201);
    const twice = await post({ id: 'post-1', kind: 'post_pending', pendingId: 'hold-1', code: 'withdraw' });
    assert.equal(twice.statusCode, 409);
    assert.equal(twice.json().error.code, 'pending_transfer_already_voided');
    const afterVoid = await balance(walletA);
    assert.equal(afterVoid.posted.amountMinor, afterVoid.available.amountMinor);
  });

  const badTransfers: [string, object, number, string][] = [
    ['zero amount', { legs: [leg('A', 'B', '0')] }, 400, 'invalid_amount'],
    ['negative amount', { legs: [leg('A', 'B', '-5')] }, 400, 'invalid_amount'],
    ['fractional amount', { legs: [leg('A', 'B', '12.50')] }, 400, 'invalid_amount'],
    ['amount over range', { legs: [leg('A', 'B', '1000000000000000001')] }, 400, 'invalid_amount'],
    [
      'amount as a JSON number',
      { legs: [{ debitAccountId: 'A', creditAccountId: 'B', amount: { amountMinor: 5, currency: 'CNY' } }] },
      400,
      'validation_failed',
    ],
    ['unknown currency', { legs: [leg('A', 'B', '5', 'XXX')] }, 400, 'invalid_currency'],
    ['unknown debit account', { legs: [leg('acc_nope', 'B', '5')] }, 422, 'debit_account_not_found'],
    ['unknown credit account', { legs: [leg('A', 'acc_nope', '5')] }, 422, 'credit_account_not_found'],
    ['mixed currencies', { legs: [leg('A', 'USD', '5')] }, 422, 'currency_mismatch'],
    ['insufficient funds', { legs: [leg('A', 'B', '99999999')] }, 422, 'exceeds_credits'],
    ['same account both sides', { legs: [leg('A', 'A', '5')] }, 422, 'accounts_must_be_different'],
    ['no legs', { legs: [] }, 400, 'validation_failed'],
    ['bad id', { id: 'has spaces' }, 400, 'validation_failed'],
    ['unknown field', { extra: true }, 400, 'validation_failed'],
    ['timeout on a posted transfer', { timeoutMs: 1000 }, 400, 'invalid_timeout'],
    [
      'resolve an unknown hold',
      { kind: 'post_pending', pendingId: 'nope', legs: undefined },
      422,
      'pending_transfer_not_found',
    ],
  ];
  for (const [name, patch, status, code] of badTransfers) {
    test(`bad input: ${name} → ${status} ${code}, nothing written`, async () => {
      const ids: Record<string, string> = { A: walletA, B: walletB, USD: walletUsd };
      const base = { id: `bad-${code}-${status}`, kind: 'posted', code: 'p2p', legs: [leg('A', 'B', '5')] };
      const body = JSON.parse(JSON.stringify({ ...base, ...patch }), (key, value) =>
        (key === 'debitAccountId' || key === 'creditAccountId') && ids[value] ? ids[value] : value,
      );
      const before = await journalSize();
      const r = await post(body);
      assert.equal(r.statusCode, status, r.body);
      assert.equal(r.json().error.code, code);
      assert.equal(typeof r.json().error.message, 'string');
      assert.equal(await journalSize(), before);
    });
  }

  test('malformed JSON, a wrong content type and an oversize body are refused before any work', async () => {
    const before = await journalSize();
    const malformed = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ledger/transfers',
      headers: { ...auth, 'content-type': 'application/json' },
      payload: '{"id": "x", ',
    });
    assert.equal(malformed.statusCode, 400);
    assert.equal(malformed.json().error.code, 'malformed_json');
    const wrongType = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ledger/transfers',
      headers: { ...auth, 'content-type': 'text/plain' },
      payload: 'hello',
    });
    assert.equal(wrongType.statusCode, 415);
    assert.equal(wrongType.json().error.code, 'unsupported_media_type');
    const huge = await post({
      id: 'huge',
      kind: 'posted',
      code: 'p2p',
      legs: [leg(walletA, walletB, '5')],
      userData: 'x'.repeat(100_000),
    });
    assert.equal(huge.statusCode, 413);
    assert.equal(huge.json().error.code, 'body_too_large');
    assert.equal(await journalSize(), before);
  });

  test('the operator API needs the operator token', async () => {
    const none = await post(
      { id: 'anon', kind: 'posted', code: 'p2p', legs: [leg(walletA, walletB, '5')] },
      {},
    );
    assert.equal(none.statusCode, 401);
    const wrong = await post(
      { id: 'anon', kind: 'posted', code: 'p2p', legs: [leg(walletA, walletB, '5')] },
      { authorization: 'Bearer not-the-operator-token-at-all-0000' },
    );
    assert.equal(wrong.statusCode, 401);
    assert.equal(await t.modules.ledger.getTransfer('anon'), undefined);
  });

  test('accounts: only external funding and credit lines may go negative', async () => {
    const r = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ledger/accounts',
      headers: auth,
      payload: { kind: 'wallet', currency: 'CNY', negativeLimitMinor: '100' },
    });
    assert.equal(r.statusCode, 422);
    assert.equal(r.json().error.code, 'negative_not_allowed');
    const credit = await t.app.inject({
      method: 'POST',
      url: '/api/v1/ledger/accounts',
      headers: auth,
      payload: { kind: 'credit_line', currency: 'CNY', negativeLimitMinor: '50000' },
    });
    assert.equal(credit.statusCode, 201);
    const spend = await post({
      id: 'credit-spend',
      kind: 'posted',
      code: 'merchant_pay',
      legs: [leg(credit.json().id, walletB, '50001')],
    });
    assert.equal(spend.statusCode, 422);
    assert.equal(spend.json().error.code, 'exceeds_credit_limit');
    const ok = await post({
      id: 'credit-spend-ok',
      kind: 'posted',
      code: 'merchant_pay',
      legs: [leg(credit.json().id, walletB, '50000')],
    });
    assert.equal(ok.statusCode, 201);
    assert.equal((await balance(credit.json().id)).posted.amountMinor, '-50000');
  });
});
