// Fault test (issue 8 point 3): two API processes on PostgreSQL + Redis + NATS take concurrent
// payments from retrying clients (same idempotency key on every retry, duplicate copies in
// flight, old confirmations replayed out of order); one process is killed with SIGKILL in the
// middle and started again. Afterwards: `rampart ledger verify` passes, every payment a client
// was told succeeded moved money exactly once, none refused moved any, no idempotency key was
// applied twice, balances are exact, only 503 signalled trouble, and every payment's event was
// consumed exactly once; a third of the operations are merchant orders with a notify_url, and
// every order whose payment committed was notified to the test merchant server (duplicates
// allowed, missing not). Seeded (RAMPART_FAULT_SEED replays the choices). PostgreSQL only.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { provisionPayers, startApiCluster } from '../../src/testing/api-cluster.ts';
import { openMerchantOrders } from '../../src/testing/merchant-orders.ts';
import { checkPayments, drivePayments, waitForEventsConsumed } from '../../src/testing/payment-driver.ts';
import { testStoreKind } from '../../src/testing/test-store.ts';
import { faultSeed, runLedgerVerify, sleep } from './fault-support.ts';

const OPENING_MINOR = 30_000n;
/** A third of the operations are merchant orders with a notify_url (precreate, QR pay, confirm). */
const ORDER_SHARE = 0.3;

describe('fault: an API process killed mid-load', {
  skip: testStoreKind() !== 'postgres' && 'PostgreSQL only: run with --pg',
  timeout: 120_000,
}, () => {
  test('kill -9 and restart during concurrent retried payments: nothing lost, nothing twice', async () => {
    const seed = faultSeed();
    const cluster = await startApiCluster({ processes: 2, redis: true, nats: true });
    let closeMerchant = async () => {};
    try {
      const payers = await provisionPayers(cluster, {
        count: 8,
        balanceMinor: OPENING_MINOR,
        phonePrefix: `+86137${String(randomInt(0, 10_000)).padStart(4, '0')}`,
      });
      const victim = cluster.processes[1]!;
      const merchant = await openMerchantOrders(cluster);
      closeMerchant = () => merchant.close();
      const drive = drivePayments(cluster, {
        seed,
        payers,
        orders: { merchant, share: ORDER_SHARE },
        concurrency: 8,
        durationMs: 14_000,
        requestTimeoutMs: 4_000,
      });
      await sleep(4_000);
      await victim.kill('SIGKILL');
      await sleep(1_500);
      await victim.restart();
      const records = await drive;

      const check = await checkPayments(cluster.platform.store.db, records, payers, OPENING_MINOR);
      console.log(
        `payments: ${records.length} started, ${check.acked} acknowledged, ${check.refused} refused, ` +
          `${check.unknown} unknown (${check.unknownThatCommitted} of them committed), ${check.answers503} × 503`,
      );
      const refusals = new Map<string, number>();
      for (const r of records.filter((x) => x.outcome === 'refused')) {
        const code = JSON.stringify((r.refusal as { error?: { code?: string } })?.error?.code ?? r.refusal);
        refusals.set(code, (refusals.get(code) ?? 0) + 1);
      }
      console.log('refusals:', Object.fromEntries(refusals));
      for (const line of cluster.errorLines) console.log(line);
      assert.deepEqual(check.violations, []);
      assert.ok(check.acked >= 20, 'enough payments went through to mean something');
      assert.ok(
        records.some((r) => r.answers.includes('network') || r.answers.includes(503)),
        'the kill was felt by some client',
      );
      assert.deepEqual(await waitForEventsConsumed(cluster.platform.store.db, 30_000), []);
      const verify = await runLedgerVerify(cluster);
      assert.equal(verify.code, 0, verify.output);
      // Every committed order payment's notification reached the merchant (duplicates allowed).
      const orders = records.filter((r) => r.outTradeNo !== undefined);
      const unnotified = await merchant.checkNotifications(cluster.platform.store.db, records, 60_000);
      const repeats = [...merchant.paidNotices.values()].filter((n) => n > 1).length;
      console.log(
        `merchant orders: ${orders.length} started, ${orders.filter((r) => r.outcome === 'acked').length} acknowledged, ` +
          `${merchant.paidNotices.size} notified as paid (${repeats} more than once)`,
      );
      assert.ok(merchant.paidNotices.size >= 5, 'enough orders were paid and notified to mean something');
      assert.deepEqual(unnotified, []);
    } finally {
      await closeMerchant();
      await cluster.close();
    }
  });
});
