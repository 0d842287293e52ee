// Proves the real ledger agrees with an independent model over seeded random operations (checked every step) and never overdraws under concurrency, on PGlite or PostgreSQL (--pg).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import {
  balanceOf,
  createLedger,
  type Ledger,
  type TransferRequest,
  type TransferResult,
  verifyLedger,
} from './index.ts';
import {
  drawSimulationOps,
  SIM_SEED_MAX,
  SimulationMismatch,
  type SimulationReport,
  simulateLedger,
} from './simulate-ledger.ts';

/** Long enough to cross every kind of operation many times; short enough for ~20 s on PGlite.
 *  RAMPART_SIM_STEPS=5000 makes a soak run. */
const STEPS_DEFAULT = 200;
const STEPS_PER_SEED = Number(process.env.RAMPART_SIM_STEPS ?? STEPS_DEFAULT);
const FIXED_SEEDS = [1, 7, 20_260_101] as const;
/** A new seed each run, in the test's name: replay one with RAMPART_SIM_SEED=<seed>. */
const FRESH_SEED = Number(process.env.RAMPART_SIM_SEED ?? Date.now() % SIM_SEED_MAX);
/** PostgreSQL runs four batches at once (true row-lock contention); PGlite has one connection. */
const BATCHES_IN_FLIGHT_PG = 4;

let store: TestStore;
let ledger: Ledger;
const clock = new ManualClock();
const fixedReports: SimulationReport[] = [];

before(async () => {
  store = await openTestStore();
  ledger = createLedger({
    db: store.db,
    clock,
    batchesInFlightMax: store.kind === 'postgres' ? BATCHES_IN_FLIGHT_PG : store.concurrencyMax,
  });
});
after(async () => {
  await ledger?.drain();
  await store?.close();
});

function run(
  seed: number,
  steps: number,
  extra: { idPrefix?: string; ledger?: Ledger; onStep?: (step: number) => Promise<void> } = {},
) {
  const { ledger: chosen, ...rest } = extra;
  return simulateLedger({ ledger: chosen ?? ledger, db: store.db, clock, seed, steps, ...rest });
}

describe('ledger simulation', () => {
  for (const seed of FIXED_SEEDS) {
    test(`seed ${seed}: ${STEPS_PER_SEED} random steps agree with the model`, async (t) => {
      const report = await run(seed, STEPS_PER_SEED);
      t.diagnostic(JSON.stringify(report));
      assert.equal(report.steps, STEPS_PER_SEED);
      assert.ok(report.transfersCreated > STEPS_PER_SEED / 4, 'a meaningful share of transfers went through');
      assert.ok(report.verifications >= 1);
      fixedReports.push(report);
    });
  }

  test(`fresh seed ${FRESH_SEED}: ${STEPS_PER_SEED} random steps agree with the model`, async (t) => {
    console.log(`ledger simulation fresh seed: ${FRESH_SEED} (replay: RAMPART_SIM_SEED=${FRESH_SEED})`);
    const report = await run(FRESH_SEED, STEPS_PER_SEED);
    t.diagnostic(JSON.stringify(report));
    assert.ok(report.transfersCreated > 0);
  });

  const fewSteps = STEPS_PER_SEED < STEPS_DEFAULT && `needs ${STEPS_DEFAULT} steps per seed`;
  test('the fixed seeds reach every outcome the simulator aims for', { skip: fewSteps }, () => {
    assert.equal(fixedReports.length, FIXED_SEEDS.length, 'the fixed-seed runs completed');
    const reasons = new Set(fixedReports.flatMap((r) => Object.keys(r.rejectedByReason)));
    for (const reason of [
      'invalid_amount',
      'invalid_id',
      'accounts_must_be_different',
      'debit_account_not_found',
      'credit_account_not_found',
      'currency_mismatch',
      'exceeds_credits',
      'exceeds_credit_limit',
      'exists_with_different_fields',
      'pending_transfer_not_found',
      'pending_transfer_already_posted',
      'pending_transfer_already_voided',
      'pending_transfer_expired',
    ]) {
      assert.ok(reasons.has(reason), `some run was rejected with ${reason}`);
    }
    const sum = (pick: (r: SimulationReport) => number) => fixedReports.reduce((n, r) => n + pick(r), 0);
    assert.ok(sum((r) => r.replays) > 0, 'replays');
    assert.ok(sum((r) => r.holdsPosted) > 0, 'holds posted');
    assert.ok(sum((r) => r.holdsVoided) > 0, 'holds voided');
    assert.ok(sum((r) => r.holdsExpired) > 0, 'holds expired');
    assert.ok(sum((r) => r.concurrentCopies) > 0, 'concurrent retries');
    for (const kind of ['single', 'batch', 'concurrent', 'advance', 'hot', 'race', 'deadline']) {
      assert.ok(sum((r) => r.opsByKind[kind] ?? 0) > 0, `operations of kind ${kind}`);
    }
  });

  test('a seed always draws the same operations, prefix-stable in the step count', () => {
    const ops = drawSimulationOps(42, 200);
    assert.deepEqual(drawSimulationOps(42, 200), ops);
    assert.deepEqual(drawSimulationOps(42, 50), ops.slice(0, 50));
    assert.notDeepEqual(drawSimulationOps(43, 200), ops);
  });

  test('replaying a seed reproduces the run', async () => {
    const steps = 60;
    const first = await run(99, steps);
    const second = await run(99, steps);
    assert.notEqual(first.idPrefix, second.idPrefix);
    assert.equal(second.opsSha256, first.opsSha256);
    if (store.kind === 'pglite') {
      // One connection: every race has the same winner, so the whole run repeats. On PostgreSQL
      // post-versus-void races may go either way, so only the operations repeat.
      const { idPrefix: _a, elapsedMs: _b, ...expected } = first;
      const { idPrefix: _c, elapsedMs: _d, ...actual } = second;
      assert.deepEqual(actual, expected);
    }
  });

  test('a balance edited behind the ledger is caught at the next step, naming seed and step', async () => {
    const idPrefix = 'sabotage';
    const edited = `${idPrefix}-c0`;
    const edit = (deltaMinor: bigint) =>
      store.db
        .updateTable('ledger_accounts')
        .set((eb) => ({ credits_posted_minor: eb('credits_posted_minor', '+', deltaMinor) }))
        .where('id', '=', edited)
        .execute();
    let editedAtStep = 0;
    try {
      await assert.rejects(
        run(4242, 40, {
          idPrefix,
          onStep: async (step) => {
            if (step !== 5) return;
            editedAtStep = step;
            await edit(1n);
          },
        }),
        (error: unknown) => {
          assert.ok(error instanceof SimulationMismatch, String(error));
          assert.equal(error.seed, 4242);
          assert.equal(error.step, 6);
          assert.match(error.message, /seed 4242/);
          assert.match(error.message, new RegExp(`account ${edited} balances`));
          return true;
        },
      );
    } finally {
      if (editedAtStep > 0) await edit(-1n);
    }
    assert.equal(editedAtStep, 5);
  });

  test('a ledger that reports a replay as a new transfer is caught', async () => {
    const asCreated = (r: TransferResult): TransferResult =>
      r.status === 'replayed' ? { status: 'created', transfer: r.transfer } : r;
    const lying: Ledger = {
      ...ledger,
      createTransfers: async (requests) => (await ledger.createTransfers(requests)).map(asCreated),
      submitTransfer: async (request) => asCreated(await ledger.submitTransfer(request)),
    };
    await assert.rejects(run(5, 200, { ledger: lying }), (error: unknown) => {
      assert.ok(error instanceof SimulationMismatch, String(error));
      assert.match(error.message, /ledger says created, model expects replayed/);
      return true;
    });
  });

  test('concurrent conflicting transfers on a hot account: no overdraft, one winner per id', async () => {
    // Separate transactions through the pool plus group-committed batches, four in flight:
    // truly parallel on PostgreSQL (row locks decide), serialized on PGlite.
    const parallel = createLedger({ db: store.db, clock, batchesInFlightMax: BATCHES_IN_FLIGHT_PG });
    const bank = await parallel.createAccount({ kind: 'external_funding', currency: 'CNY' });
    const hot = await parallel.createAccount({ kind: 'wallet', currency: 'CNY' });
    const sinks = await Promise.all(
      Array.from({ length: 4 }, () => parallel.createAccount({ kind: 'wallet', currency: 'CNY' })),
    );
    const [funded] = await parallel.createTransfers([
      {
        id: `hot-fund-${hot.id}`,
        kind: 'posted',
        code: 'top_up',
        legs: [{ debitAccountId: bank.id, creditAccountId: hot.id, amountMinor: 1_000n, currency: 'CNY' }],
      },
    ]);
    assert.equal(funded?.status, 'created');

    const spend = (i: number): TransferRequest => ({
      id: `hot-${i}-${hot.id}`,
      kind: 'posted',
      code: 'p2p',
      legs: [
        {
          debitAccountId: hot.id,
          creditAccountId: sinks[i % sinks.length]!.id,
          amountMinor: 30n,
          currency: 'CNY',
        },
      ],
    });
    const results = await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2 === 0
          ? parallel.createTransfers([spend(i)]).then((r) => r[0]!)
          : parallel.submitTransfer(spend(i)),
      ),
    );
    // 1,000 / 30: exactly 33 fit, whichever they are.
    assert.equal(results.filter((r) => r.status === 'created').length, 33);
    assert.equal(results.filter((r) => r.status === 'rejected' && r.reason === 'exceeds_credits').length, 7);
    assert.equal(balanceOf((await parallel.getAccount(hot.id))!).postedMinor, 10n);
    const sinkTotal = (await parallel.getAccounts(sinks.map((s) => s.id))).reduce(
      (n, a) => n + balanceOf(a).postedMinor,
      0n,
    );
    assert.equal(sinkTotal, 990n);

    // One id retried at once in eight transactions: created once, replayed seven times.
    const retry: TransferRequest = {
      id: `hot-retry-${hot.id}`,
      kind: 'posted',
      code: 'top_up',
      legs: [{ debitAccountId: bank.id, creditAccountId: hot.id, amountMinor: 50n, currency: 'CNY' }],
    };
    const retries = await Promise.all(Array.from({ length: 8 }, () => parallel.createTransfers([retry])));
    assert.deepEqual(retries.map((r) => r[0]?.status).sort(), ['created', ...Array(7).fill('replayed')]);
    assert.equal(balanceOf((await parallel.getAccount(hot.id))!).postedMinor, 60n);

    // One id with different fields on disjoint accounts, raced: the unique key decides, the loser
    // retries its batch and sees the winner, so exactly one is created.
    const other = await parallel.createAccount({ kind: 'wallet', currency: 'CNY' });
    for (let round = 0; round < 10; round++) {
      const id = `hot-race-${round}-${hot.id}`;
      const [a, b] = await Promise.all([
        parallel.createTransfers([
          {
            id,
            kind: 'posted',
            code: 'p2p',
            legs: [{ debitAccountId: bank.id, creditAccountId: other.id, amountMinor: 1n, currency: 'CNY' }],
          },
        ]),
        parallel.createTransfers([
          {
            id,
            kind: 'posted',
            code: 'p2p',
            legs: [
              { debitAccountId: bank.id, creditAccountId: sinks[0]!.id, amountMinor: 2n, currency: 'CNY' },
            ],
          },
        ]),
      ]);
      const statuses = [a[0], b[0]].map((r) => (r?.status === 'rejected' ? r.reason : r?.status)).sort();
      assert.deepEqual(statuses, ['created', 'exists_with_different_fields'], `round ${round}`);
    }
    await parallel.drain();
    const report = await verifyLedger(store.db, { nowMs: clock.nowMs() });
    assert.deepEqual(report.violations, []);
  });
});
