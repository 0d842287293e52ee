// Proves the ledger's core rules through its public API on a real store (PGlite, or PostgreSQL
// with --pg): balanced postings, idempotent ids, floors, two-phase holds and their expiry.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { balanceOf, createLedger, type Ledger, verifyLedger } from './index.ts';

let store: TestStore;
let ledger: Ledger;
const clock = new ManualClock();

before(async () => {
  store = await openTestStore();
  ledger = createLedger({ db: store.db, clock, batchesInFlightMax: store.concurrencyMax });
});
after(async () => {
  await store?.close();
});

async function fundedWallet(amountMinor: bigint) {
  const bank = await ledger.systemAccount('external_funding', 'CNY');
  const wallet = await ledger.createAccount({ kind: 'wallet', currency: 'CNY' });
  if (amountMinor > 0n) {
    const [r] = await ledger.createTransfers([
      {
        id: `fund-${wallet.id}`,
        kind: 'posted',
        code: 'top_up',
        legs: [{ debitAccountId: bank.id, creditAccountId: wallet.id, amountMinor, currency: 'CNY' }],
      },
    ]);
    assert.equal(r?.status, 'created');
  }
  return wallet;
}

describe('ledger', () => {
  test('a posted transfer moves money and balances', async () => {
    const a = await fundedWallet(10_000n);
    const b = await fundedWallet(0n);
    const [r] = await ledger.createTransfers([
      {
        id: `t1-${a.id}`,
        kind: 'posted',
        code: 'p2p',
        legs: [{ debitAccountId: a.id, creditAccountId: b.id, amountMinor: 2_500n, currency: 'CNY' }],
      },
    ]);
    assert.equal(r?.status, 'created');
    const [a2, b2] = [await ledger.getAccount(a.id), await ledger.getAccount(b.id)];
    assert.equal(balanceOf(a2!).postedMinor, 7_500n);
    assert.equal(balanceOf(b2!).postedMinor, 2_500n);
  });

  test('the same id replays; other fields are refused; nothing moves twice', async () => {
    const a = await fundedWallet(1_000n);
    const b = await fundedWallet(0n);
    const request = {
      id: `dup-${a.id}`,
      kind: 'posted' as const,
      code: 'p2p',
      legs: [{ debitAccountId: a.id, creditAccountId: b.id, amountMinor: 100n, currency: 'CNY' as const }],
    };
    const [first] = await ledger.createTransfers([request]);
    const [again] = await ledger.createTransfers([request]);
    const [other] = await ledger.createTransfers([
      { ...request, legs: [{ ...request.legs[0]!, amountMinor: 101n }] },
    ]);
    assert.equal(first?.status, 'created');
    assert.equal(again?.status, 'replayed');
    assert.deepEqual(other, { status: 'rejected', reason: 'exists_with_different_fields' });
    assert.equal(balanceOf((await ledger.getAccount(a.id))!).postedMinor, 900n);
  });

  test('insufficient funds, unknown accounts and mixed currencies are rejected and write nothing', async () => {
    const a = await fundedWallet(50n);
    const b = await fundedWallet(0n);
    const usd = await ledger.createAccount({ kind: 'wallet', currency: 'USD' });
    const leg = { debitAccountId: a.id, creditAccountId: b.id, currency: 'CNY' as const };
    const results = await ledger.createTransfers([
      { id: `nf-${a.id}`, kind: 'posted', code: 'p2p', legs: [{ ...leg, amountMinor: 51n }] },
      {
        id: `un-${a.id}`,
        kind: 'posted',
        code: 'p2p',
        legs: [{ ...leg, creditAccountId: 'acc_missing', amountMinor: 1n }],
      },
      {
        id: `cu-${a.id}`,
        kind: 'posted',
        code: 'p2p',
        legs: [{ ...leg, creditAccountId: usd.id, amountMinor: 1n }],
      },
      { id: `ze-${a.id}`, kind: 'posted', code: 'p2p', legs: [{ ...leg, amountMinor: 0n }] },
    ]);
    assert.deepEqual(
      results.map((r) => (r.status === 'rejected' ? r.reason : r.status)),
      ['exceeds_credits', 'credit_account_not_found', 'currency_mismatch', 'invalid_amount'],
    );
    assert.equal(await ledger.getTransfer(`nf-${a.id}`), undefined);
    assert.equal(balanceOf((await ledger.getAccount(a.id))!).postedMinor, 50n);
  });

  test('a multi-leg transfer is all or nothing', async () => {
    const a = await fundedWallet(100n);
    const b = await fundedWallet(0n);
    const fees = await ledger.systemAccount('fees', 'CNY');
    const [r] = await ledger.createTransfers([
      {
        id: `ml-${a.id}`,
        kind: 'posted',
        code: 'merchant_pay',
        legs: [
          { debitAccountId: a.id, creditAccountId: b.id, amountMinor: 90n, currency: 'CNY' },
          { debitAccountId: a.id, creditAccountId: fees.id, amountMinor: 11n, currency: 'CNY' },
        ],
      },
    ]);
    assert.deepEqual(r, { status: 'rejected', reason: 'exceeds_credits' });
    assert.equal(balanceOf((await ledger.getAccount(b.id))!).postedMinor, 0n);
  });

  test('a hold reserves funds, then posts exactly once; a second resolution is refused', async () => {
    const a = await fundedWallet(1_000n);
    const b = await fundedWallet(0n);
    const leg = { debitAccountId: a.id, creditAccountId: b.id, amountMinor: 600n, currency: 'CNY' as const };
    const [hold] = await ledger.createTransfers([
      { id: `h-${a.id}`, kind: 'pending', code: 'withdraw', legs: [leg], timeoutMs: 60_000 },
    ]);
    assert.equal(hold?.status, 'created');
    assert.equal(balanceOf((await ledger.getAccount(a.id))!).availableMinor, 400n);
    const [over] = await ledger.createTransfers([
      { id: `o-${a.id}`, kind: 'posted', code: 'p2p', legs: [{ ...leg, amountMinor: 401n }] },
    ]);
    assert.deepEqual(over, { status: 'rejected', reason: 'exceeds_credits' });
    const [post] = await ledger.createTransfers([
      { id: `p-${a.id}`, kind: 'post_pending', pendingId: `h-${a.id}`, code: 'withdraw' },
    ]);
    assert.equal(post?.status, 'created');
    const [voidAfter] = await ledger.createTransfers([
      { id: `v-${a.id}`, kind: 'void_pending', pendingId: `h-${a.id}`, code: 'withdraw' },
    ]);
    assert.deepEqual(voidAfter, { status: 'rejected', reason: 'pending_transfer_already_posted' });
    const a2 = balanceOf((await ledger.getAccount(a.id))!);
    assert.equal(a2.postedMinor, 400n);
    assert.equal(a2.pendingDebitsMinor, 0n);
    assert.equal(balanceOf((await ledger.getAccount(b.id))!).postedMinor, 600n);
  });

  test('a hold expires at its deadline and can no longer be posted', async () => {
    const a = await fundedWallet(1_000n);
    const b = await fundedWallet(0n);
    await ledger.createTransfers([
      {
        id: `e-${a.id}`,
        kind: 'pending',
        code: 'withdraw',
        timeoutMs: 1_000,
        legs: [{ debitAccountId: a.id, creditAccountId: b.id, amountMinor: 700n, currency: 'CNY' }],
      },
    ]);
    clock.advance(1_000);
    const [late] = await ledger.createTransfers([
      { id: `lp-${a.id}`, kind: 'post_pending', pendingId: `e-${a.id}`, code: 'withdraw' },
    ]);
    assert.deepEqual(late, { status: 'rejected', reason: 'pending_transfer_expired' });
    assert.ok((await ledger.expireHolds()) >= 1);
    assert.equal(balanceOf((await ledger.getAccount(a.id))!).availableMinor, 1_000n);
    assert.equal(balanceOf((await ledger.getAccount(b.id))!).pendingCreditsMinor, 0n);
  });

  test('group-committed submissions each get their own result', async () => {
    const a = await fundedWallet(1_000n);
    const b = await fundedWallet(0n);
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        ledger.submitTransfer({
          id: `g${i}-${a.id}`,
          kind: 'posted',
          code: 'p2p',
          legs: [{ debitAccountId: a.id, creditAccountId: b.id, amountMinor: 50n, currency: 'CNY' }],
        }),
      ),
    );
    assert.equal(results.filter((r) => r.status === 'created').length, 20);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason === 'exceeds_credits').length, 10);
    assert.equal(balanceOf((await ledger.getAccount(a.id))!).postedMinor, 0n);
  });

  test('posted entries cannot be edited or deleted, and verify passes on the journal', async () => {
    const { sql } = await import('kysely');
    await assert.rejects(
      sql`UPDATE ledger_entries SET posted_delta_minor = 0`.execute(store.db),
      /append-only/,
    );
    await assert.rejects(sql`DELETE FROM ledger_transfers`.execute(store.db), /append-only/);
    const report = await verifyLedger(store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
    assert.ok(report.transfersChecked > 10);
  });
});
