// Proves the transactional outbox: an event row exists exactly when its state change committed
// (posted ledger movements, account freezes; none for refused transfers or mere holds), the
// publisher delivers at least once and keeps events through a transport outage, and the
// consumer applies each event once however often it arrives — in-process and through
// JetStream with msgID de-duplication.
import assert from 'node:assert/strict';
import { createConnection } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { balanceOf } from '../ledger/index.ts';
import { openTestApp, type TestApp } from '../testing/test-app.ts';
import {
  createAccountActivityConsumer,
  createEventPublisher,
  createLocalTransport,
  createNatsTransport,
  type DomainEvent,
  type EventTransport,
  subjectMatches,
} from './index.ts';

let t: TestApp;

before(async () => {
  t = await openTestApp({ demo: true });
});
after(async () => {
  await t?.close();
});

async function outboxFor(transferId: string) {
  return t.store.db
    .selectFrom('event_outbox')
    .selectAll()
    .where('event_id', '=', `ledger.posted:${transferId}`)
    .execute();
}

async function openAccounts() {
  const { ledger } = t.modules;
  const bank = await ledger.systemAccount('external_funding', 'CNY');
  const a = await ledger.createAccount({ kind: 'wallet', currency: 'CNY' });
  const b = await ledger.createAccount({ kind: 'wallet', currency: 'CNY' });
  return { bank: bank.id, a: a.id, b: b.id };
}

describe('event outbox', () => {
  test('a posted transfer writes one event with its legs; a refused one and a hold write none', async () => {
    const { ledger } = t.modules;
    const { bank, a, b } = await openAccounts();
    const [funded] = await ledger.createTransfers([
      {
        id: `ev-fund-${a}`,
        kind: 'posted',
        code: 'top_up',
        legs: [{ debitAccountId: bank, creditAccountId: a, amountMinor: 1_000n, currency: 'CNY' }],
      },
    ]);
    assert.equal(funded?.status, 'created');
    const [event] = await outboxFor(`ev-fund-${a}`);
    assert.ok(event, 'the posted transfer has its event');
    assert.equal(event.subject, 'rampart.ledger.posted.top_up');
    const payload = event.payload as {
      transferId: string;
      legs: { accountId: string; amountMinor: string }[];
    };
    assert.equal(payload.transferId, `ev-fund-${a}`);
    assert.deepEqual(
      payload.legs.map((l) => [l.accountId, l.amountMinor]).sort(),
      [
        [a, '1000'],
        [bank, '1000'],
      ].sort(),
    );

    const [refused] = await ledger.createTransfers([
      {
        id: `ev-too-much-${a}`,
        kind: 'posted',
        code: 'p2p',
        legs: [{ debitAccountId: a, creditAccountId: b, amountMinor: 5_000n, currency: 'CNY' }],
      },
    ]);
    assert.equal(refused?.status, 'rejected');
    assert.deepEqual(await outboxFor(`ev-too-much-${a}`), [], 'no event for a change that did not happen');

    const [hold] = await ledger.createTransfers([
      {
        id: `ev-hold-${a}`,
        kind: 'pending',
        code: 'withdrawal',
        legs: [{ debitAccountId: a, creditAccountId: b, amountMinor: 300n, currency: 'CNY' }],
        timeoutMs: 60_000,
      },
    ]);
    assert.equal(hold?.status, 'created');
    assert.deepEqual(await outboxFor(`ev-hold-${a}`), [], 'a hold moves no posted money');
    const [posted] = await ledger.createTransfers([
      { id: `ev-post-${a}`, kind: 'post_pending', pendingId: `ev-hold-${a}`, code: 'withdrawal' },
    ]);
    assert.equal(posted?.status, 'created');
    assert.equal((await outboxFor(`ev-post-${a}`)).length, 1, 'posting the hold moves money: one event');
  });

  test('a rolled-back transaction leaves no event; a freeze commits its event with it', async () => {
    const { bank, a } = await openAccounts();
    await assert.rejects(
      t.store.db.transaction().execute(async (trx) => {
        await t.modules.ledger.createTransfersInTransaction(trx, [
          {
            id: `ev-rollback-${a}`,
            kind: 'posted',
            code: 'top_up',
            legs: [{ debitAccountId: bank, creditAccountId: a, amountMinor: 1n, currency: 'CNY' }],
          },
        ]);
        throw new Error('something later in the same transaction failed');
      }),
    );
    assert.deepEqual(await outboxFor(`ev-rollback-${a}`), []);

    const user = await t.store.db.selectFrom('users').select('id').orderBy('id').executeTakeFirstOrThrow();
    await t.store.db
      .updateTable('users')
      .set({ frozen_at: new Date(), frozen_reason: 'test' })
      .where('id', '=', user.id)
      .execute();
    const frozen = await t.store.db
      .selectFrom('event_outbox')
      .selectAll()
      .where('subject', '=', 'rampart.account.frozen')
      .execute();
    assert.equal(frozen.length, 1);
    assert.equal((frozen[0]!.payload as { userId: string }).userId, user.id);
    await t.store.db
      .updateTable('users')
      .set({ frozen_at: null, frozen_reason: null })
      .where('id', '=', user.id)
      .execute();
  });

  test('a risk decision commits its risk.decided event; the same event assessed again adds none', async () => {
    const user = await t.store.db.selectFrom('users').select('id').orderBy('id').executeTakeFirstOrThrow();
    const riskEvent = {
      eventId: `ev-risk-${user.id}`,
      kind: 'payment',
      userId: user.id,
      atMs: Date.now(),
      amountMinor: 1_200n,
      currency: 'CNY',
      payeeKey: 'user:someone',
      balanceMinor: 50_000n,
      deviceKey: 'device-ev',
      ip: '10.0.0.9',
      country: 'CN',
      detail: {},
    };
    const first = await t.modules.riskEngine.assess(riskEvent);
    await t.modules.riskEngine.assess(riskEvent);
    const rows = await t.store.db
      .selectFrom('event_outbox')
      .selectAll()
      .where('event_id', '=', `risk.decided:ev-risk-${user.id}`)
      .execute();
    assert.equal(rows.length, 1, 'one event per decision, however often it is assessed');
    assert.equal(rows[0]!.subject, 'rampart.risk.decided.payment');
    const payload = rows[0]!.payload as Record<string, unknown>;
    assert.equal(payload.type, 'risk.decided');
    assert.equal(payload.userId, user.id);
    assert.equal(payload.decision, first.decision);
    assert.equal(payload.ip, undefined, 'no IP, device or feature values on the stream');
    assert.equal(payload.featureValues, undefined);
  });

  test('published in-process: the projection matches the ledger, and a second delivery changes nothing', async () => {
    const { db } = t.store;
    const consumer = createAccountActivityConsumer({ db, nowMs: () => t.clock.nowMs() });
    const publisher = createEventPublisher({
      db,
      clock: t.clock,
      transport: createLocalTransport([consumer]),
    });
    await publisher.drain();
    const { bank, a, b } = await openAccounts();
    const { ledger } = t.modules;
    await ledger.createTransfers([
      {
        id: `ev-p-fund-${a}`,
        kind: 'posted',
        code: 'top_up',
        legs: [{ debitAccountId: bank, creditAccountId: a, amountMinor: 900n, currency: 'CNY' }],
      },
    ]);
    for (let i = 0; i < 3; i++) {
      await ledger.createTransfers([
        {
          id: `ev-p-${i}-${a}`,
          kind: 'posted',
          code: 'p2p',
          legs: [{ debitAccountId: a, creditAccountId: b, amountMinor: 100n, currency: 'CNY' }],
        },
      ]);
    }
    assert.ok((await publisher.drain()) >= 4);
    const check = async () => {
      const rows = await db
        .selectFrom('event_account_activity')
        .selectAll()
        .where('account_id', 'in', [a, b])
        .execute();
      const byId = new Map(rows.map((r) => [r.account_id, r]));
      assert.equal(byId.get(a)?.posted_events, 4n);
      assert.equal(
        byId.get(a)!.credited_minor - byId.get(a)!.debited_minor,
        balanceOf((await ledger.getAccount(a))!).postedMinor,
      );
      assert.equal(byId.get(b)?.credited_minor, 300n);
    };
    await check();
    // A publisher crash after delivery but before its commit: the same rows go out again.
    await db.updateTable('event_outbox').set({ published_at: null }).execute();
    await publisher.drain();
    await check();
  });

  test('a transport outage keeps the events: nothing is marked published, all go out afterwards', async () => {
    const { db } = t.store;
    const delivered: DomainEvent[] = [];
    let down = true;
    const flaky: EventTransport = {
      kind: 'local',
      async publish(event) {
        if (down) throw new Error('NATS unreachable');
        delivered.push(event);
      },
      async close() {},
    };
    const publisher = createEventPublisher({ db, clock: t.clock, transport: flaky });
    await createEventPublisher({ db, clock: t.clock, transport: createLocalTransport([]) }).drain();
    const { bank, a } = await openAccounts();
    await t.modules.ledger.createTransfers([
      {
        id: `ev-outage-${a}`,
        kind: 'posted',
        code: 'top_up',
        legs: [{ debitAccountId: bank, creditAccountId: a, amountMinor: 5n, currency: 'CNY' }],
      },
    ]);
    await assert.rejects(publisher.publishDue(), /NATS unreachable/);
    assert.equal((await outboxFor(`ev-outage-${a}`))[0]?.published_at, null);
    down = false;
    assert.equal(await publisher.drain(), 1);
    assert.deepEqual(
      delivered.map((e) => e.eventId),
      [`ev-outage-${a}`].map((id) => `ledger.posted:${id}`),
    );
  });

  test('subject patterns', () => {
    assert.ok(subjectMatches('rampart.ledger.posted.>', 'rampart.ledger.posted.p2p'));
    assert.ok(!subjectMatches('rampart.ledger.posted.>', 'rampart.ledger.posted'));
    assert.ok(subjectMatches('rampart.*.frozen', 'rampart.account.frozen'));
    assert.ok(!subjectMatches('rampart.account.frozen', 'rampart.account.frozen.x'));
  });
});

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function natsReachable(): Promise<boolean> {
  const url = new URL(NATS_URL);
  return new Promise((resolve) => {
    const socket = createConnection({ host: url.hostname, port: Number(url.port || 4222) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

describe('event outbox through NATS JetStream', async () => {
  const reachable = await natsReachable();
  test('published twice, stored once (msgID), consumed once; the projection matches', {
    skip: !reachable && `no NATS at ${NATS_URL}`,
  }, async () => {
    const { db } = t.store;
    const stream = `TEST_EV_${process.pid}_${Date.now() % 100_000}`;
    const consumer = createAccountActivityConsumer({ db, nowMs: () => t.clock.nowMs() });
    const nats = await createNatsTransport({
      url: NATS_URL,
      stream,
      subjectRoot: stream.toLowerCase(),
      consumers: [consumer],
      onError: () => {},
    });
    try {
      await createEventPublisher({ db, clock: t.clock, transport: createLocalTransport([]) }).drain();
      const { bank, a } = await openAccounts();
      const ids = Array.from({ length: 20 }, (_, i) => `ev-nats-${i}-${a}`);
      await t.modules.ledger.createTransfers(
        ids.map((id) => ({
          id,
          kind: 'posted' as const,
          code: 'top_up',
          legs: [{ debitAccountId: bank, creditAccountId: a, amountMinor: 7n, currency: 'CNY' as const }],
        })),
      );
      const publisher = createEventPublisher({ db, clock: t.clock, transport: nats });
      assert.equal(await publisher.drain(), 20);
      // The publisher "crashed" before its commit: every row goes out again.
      await db
        .updateTable('event_outbox')
        .set({ published_at: null })
        .where(
          'event_id',
          'in',
          ids.map((id) => `ledger.posted:${id}`),
        )
        .execute();
      assert.equal(await publisher.drain(), 20);
      const { jetstreamManager } = await import('@nats-io/jetstream');
      const info = await (await jetstreamManager(nats.connection)).streams.info(stream);
      assert.equal(info.state.messages, 20, 'the stream dropped the repeats by msgID');

      await nats.startConsuming();
      const deadline = Date.now() + 15_000;
      let row: { posted_events: bigint; credited_minor: bigint } | undefined;
      while (Date.now() < deadline) {
        row = await db
          .selectFrom('event_account_activity')
          .select(['posted_events', 'credited_minor'])
          .where('account_id', '=', a)
          .executeTakeFirst();
        if (row?.posted_events === 20n) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      assert.equal(row?.posted_events, 20n);
      assert.equal(row?.credited_minor, 140n);
      const manager = await jetstreamManager(nats.connection);
      await manager.streams.delete(stream);
    } finally {
      await nats.close();
    }
  });
});
