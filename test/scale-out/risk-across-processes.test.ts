// The risk engine's velocity windows are shared by every API process in the scale-out mode
// (REDIS_URL set: the Redis feature state). Two payments through process A, then one through
// process B: the decision B records saw A's two payments in the payer's one-hour window (with
// the in-process state B would see none). Every decision is also on the risk event stream:
// one `risk.decided` outbox event each, published to JetStream. PostgreSQL only.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { DEMO_MERCHANT } from '../../src/demo/index.ts';
import { type Payer, provisionPayers, startApiCluster } from '../../src/testing/api-cluster.ts';
import { testStoreKind } from '../../src/testing/test-store.ts';

async function post(url: string, token: string, body: object) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function pay(baseUrl: string, payer: Payer, key: string): Promise<void> {
  const intent = await post(`${baseUrl}/api/v1/payments/intents`, payer.token, {
    payee: { merchantId: DEMO_MERCHANT.id },
    amount: { amountMinor: '250', currency: 'CNY' },
    channel: 'balance',
    clientRequestId: key,
  });
  assert.ok(intent.status === 200 || intent.status === 201, JSON.stringify(intent.body));
  const confirmed = await post(
    `${baseUrl}/api/v1/payments/intents/${String(intent.body.id)}/confirm`,
    payer.token,
    intent.body.confirmation === 'none' ? {} : { paymentPassword: payer.paymentPassword },
  );
  assert.equal(confirmed.status, 200, JSON.stringify(confirmed.body));
  assert.equal(confirmed.body.status, 'succeeded');
}

describe('risk velocity windows across processes', {
  skip: testStoreKind() !== 'postgres' && 'PostgreSQL only: run with --pg',
  timeout: 120_000,
}, () => {
  test('payments through A count in the window B reads; each decision is on the risk stream', async () => {
    const cluster = await startApiCluster({ processes: 2, redis: true, nats: true });
    try {
      const [a, b] = cluster.processes as [(typeof cluster.processes)[0], (typeof cluster.processes)[0]];
      const [payer] = await provisionPayers(cluster, {
        count: 1,
        balanceMinor: 10_000n,
        phonePrefix: `+86135${String(randomInt(0, 10_000)).padStart(4, '0')}`,
      });
      await pay(a.url, payer!, 'risk-a-1');
      await pay(a.url, payer!, 'risk-a-2');
      await pay(b.url, payer!, 'risk-b-1');

      const { db } = cluster.platform.store;
      const decisions = await db
        .selectFrom('risk_decisions')
        .select(['event_id', 'feature_values', 'created_at'])
        .where('user_id', '=', payer!.userId)
        .where('kind', '=', 'payment')
        .orderBy('created_at')
        .execute();
      assert.equal(decisions.length, 3, 'one decision per payment');
      const seen = decisions.map((d) => (d.feature_values as Record<string, number>).user_payments_1h);
      assert.deepEqual(seen, [0, 1, 2], 'the third payment, decided on B, saw the two made through A');

      // The risk event stream: one outbox event per decision, published to JetStream.
      const deadline = Date.now() + 15_000;
      let events: { event_id: string; published_at: Date | null }[] = [];
      while (Date.now() < deadline) {
        events = await db
          .selectFrom('event_outbox')
          .select(['event_id', 'published_at'])
          .where(
            'event_id',
            'in',
            decisions.map((d) => `risk.decided:${d.event_id}`),
          )
          .execute();
        if (events.length === 3 && events.every((e) => e.published_at !== null)) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(events.length, 3);
      assert.ok(
        events.every((e) => e.published_at !== null),
        'every risk.decided event reached JetStream',
      );
    } finally {
      await cluster.close();
    }
  });
});
