// Proves the ledger stays exact with several OS processes on one PostgreSQL database: three
// workers pay one hot merchant account from shared payers, half of the ids submitted by more than
// one process. Each id is created exactly once, balances match, and verifyLedger passes.
// PostgreSQL only (PGlite is one process by design).
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { balanceOf, createLedger, type Ledger, verifyLedger } from '../src/ledger/index.ts';
import { systemClock } from '../src/shared/index.ts';
import { openTestStore, type TestStore, testStoreKind } from '../src/testing/test-store.ts';

const WORKERS = 3;
const TRANSFERS_PER_WORKER = 400;
const PAYERS = 20;

let store: TestStore;
let ledger: Ledger;

before(async () => {
  if (testStoreKind() !== 'postgres') return;
  store = await openTestStore();
  ledger = createLedger({ db: store.db, clock: systemClock, batchesInFlightMax: 2 });
});
after(async () => {
  await store?.close();
});

function runWorker(
  databaseUrl: string,
  index: number,
  accounts: object,
): Promise<{ created: number; replayed: number; rejected: number; createdIds: string[] }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        resolve(import.meta.dirname, 'fixtures/ledger-worker.ts'),
        databaseUrl,
        String(index),
        String(TRANSFERS_PER_WORKER),
        JSON.stringify(accounts),
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
    });
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) reject(new Error(`worker ${index} exited ${code}`));
      else resolvePromise(JSON.parse(out.trim().split('\n').pop() ?? '{}'));
    });
  });
}

describe('ledger across processes', {
  skip: testStoreKind() !== 'postgres' && 'PostgreSQL only: run with npm run test:pg',
}, () => {
  test('three processes, one hot account, overlapping ids: every id once, money exact', async () => {
    const bank = await ledger.systemAccount('external_funding', 'CNY');
    const payers: string[] = [];
    for (let i = 0; i < PAYERS; i++)
      payers.push((await ledger.createAccount({ kind: 'wallet', currency: 'CNY' })).id);
    const merchant = (await ledger.createAccount({ kind: 'merchant_settlement', currency: 'CNY' })).id;
    // Each payer can afford only part of what is asked of it, so some payments must be refused.
    const results = await ledger.createTransfers(
      payers.map((payer, i) => ({
        id: `fund-${i}`,
        kind: 'posted' as const,
        code: 'top_up',
        legs: [
          { debitAccountId: bank.id, creditAccountId: payer, amountMinor: 3_000n, currency: 'CNY' as const },
        ],
      })),
    );
    assert.ok(results.every((r) => r.status === 'created'));

    const tallies = await Promise.all(
      Array.from({ length: WORKERS }, (_, i) => runWorker(store.databaseUrl!, i, { payers, merchant })),
    );
    const createdIds = tallies.flatMap((t) => t.createdIds);
    assert.equal(new Set(createdIds).size, createdIds.length, 'no id created by two processes');
    const created = createdIds.length;
    const rejected = tallies.reduce((n, t) => n + t.rejected, 0);
    assert.ok(rejected > 0, 'some payments were refused for insufficient funds');
    assert.ok(tallies.reduce((n, t) => n + t.replayed, 0) > 0, 'shared ids were replayed, not re-applied');

    const merchantBalance = balanceOf((await ledger.getAccount(merchant))!).postedMinor;
    assert.equal(merchantBalance, BigInt(created) * 100n);
    const payerTotal = (await ledger.getAccounts(payers)).reduce(
      (sum, a) => sum + balanceOf(a).postedMinor,
      0n,
    );
    assert.equal(payerTotal + merchantBalance, BigInt(PAYERS) * 3_000n, 'money neither created nor lost');
    const report = await verifyLedger(store.db, { nowMs: Date.now() });
    assert.deepEqual(report.violations, []);
  });
});
