// Proves the delivery worker: SMS reaches the developer inbox and the outbox keeps only a masked
// copy; a failing provider is retried on the 10 s × 3ⁿ schedule (ManualClock, no sleeping) and
// marked failed after DELIVERY_ATTEMPTS_MAX; codes past their 5 minutes are not sent; a claim
// whose worker died comes back after the lease; two workers deliver each message once; and on
// PostgreSQL a row locked by another claimer is skipped, not waited for (SKIP LOCKED).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import pino from 'pino';
import { ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore, testStoreKind } from '../testing/test-store.ts';
import {
  createDeliveryWorker,
  DELIVERY_ATTEMPTS_MAX,
  DELIVERY_CLAIM_LEASE_MS,
  type DeliveryLogger,
  deliveryBackoffMs,
} from './delivery-worker.ts';
import { createDevInbox } from './dev-inbox.ts';
import { createNotifier } from './outbox.ts';
import { createDevInboxEmailProvider, createDevInboxSmsProvider, type SmsProvider } from './providers.ts';

let store: TestStore;
const clock = new ManualClock(Date.UTC(2026, 2, 1, 8, 0, 0));
const notifier = createNotifier({ clock });

interface LogEntry {
  level: 'warn' | 'error';
  details: Record<string, unknown>;
  message: string;
}
function memoryLogger(): DeliveryLogger & { entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return {
    entries,
    warn: (details, message) => entries.push({ level: 'warn', details, message }),
    error: (details, message) => entries.push({ level: 'error', details, message }),
  };
}

before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store?.close();
});
beforeEach(async () => {
  await store.db.deleteFrom('notification_outbox').execute();
});

async function queueSms(phone: string, code = '246810'): Promise<void> {
  await notifier.enqueue(store.db, {
    userId: null,
    channel: 'sms',
    destination: phone,
    template: 'otp_code',
    locale: 'zh-CN',
    vars: { code, purpose: 'sign_in', minutes: '5' },
  });
}

async function queueAlert(phone: string): Promise<void> {
  await notifier.enqueue(store.db, {
    userId: null,
    channel: 'sms',
    destination: phone,
    template: 'security_change',
    locale: 'en',
    vars: { change: 'password', time: new Date(clock.nowMs()).toISOString() },
  });
}

const onlyRow = async () => {
  const rows = await store.db.selectFrom('notification_outbox').selectAll().execute();
  assert.equal(rows.length, 1);
  return rows[0]!;
};

function failingSms(message: string): SmsProvider & { calls: number } {
  const provider = {
    calls: 0,
    async send() {
      provider.calls += 1;
      throw Object.assign(new Error(message), { code: 'EPROVIDER' });
    },
  };
  return provider;
}

describe('delivery worker', () => {
  test('the backoff is 10 s × 3ⁿ, capped at one hour', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 7, 8, 50].map(deliveryBackoffMs),
      [10_000, 30_000, 90_000, 270_000, 810_000, 2_430_000, 3_600_000, 3_600_000, 3_600_000],
    );
  });

  test('an SMS goes to the developer inbox once; the outbox keeps it sent, code masked', async () => {
    const inbox = createDevInbox({ clock });
    const worker = createDeliveryWorker({
      db: store.db,
      clock,
      email: createDevInboxEmailProvider(inbox),
      sms: createDevInboxSmsProvider(inbox),
      logger: pino({ level: 'silent' }), // pino fits the logger interface
    });
    await queueSms('+8613900000001', '135790');
    assert.equal(await worker.runOnce(), 1);
    assert.equal(await worker.runOnce(), 0, 'nothing left to deliver');
    const [message, ...others] = inbox.list({ to: '+86 139-0000-0001', limit: 10 });
    assert.equal(others.length, 0);
    assert.equal(message?.channel, 'sms');
    assert.equal(message?.subject, null);
    assert.equal(message?.text, '【Rampart】验证码 135790，5分钟内有效。请勿告诉任何人，包括客服。');
    const row = await onlyRow();
    assert.equal(row.sent_at?.getTime(), clock.nowMs());
    assert.equal(row.attempts, 1);
    assert.doesNotMatch(row.body, /135790/, 'the delivered code does not stay in the outbox');
    assert.match(row.body, /验证码 \*{6}，/);
  });

  test('a failing provider is retried with backoff and marked failed after the last attempt', async () => {
    const sms = failingSms('gateway said no');
    const logger = memoryLogger();
    const inbox = createDevInbox({ clock });
    const worker = createDeliveryWorker({
      db: store.db,
      clock,
      email: createDevInboxEmailProvider(inbox),
      sms,
      logger,
    });
    await queueAlert('+8613900000002');
    for (let attempt = 1; attempt <= DELIVERY_ATTEMPTS_MAX; attempt++) {
      assert.equal(await worker.runOnce(), 0);
      assert.equal(sms.calls, attempt);
      const row = await onlyRow();
      assert.equal(row.attempts, attempt);
      assert.equal(row.last_error, 'EPROVIDER: gateway said no');
      if (attempt < DELIVERY_ATTEMPTS_MAX) {
        assert.equal(row.failed_at, null);
        const waitMs = deliveryBackoffMs(attempt);
        assert.equal(row.next_attempt_at.getTime(), clock.nowMs() + waitMs);
        clock.advance(waitMs - 1);
        assert.equal(await worker.runOnce(), 0);
        assert.equal(sms.calls, attempt, 'not before the backoff has passed');
        clock.advance(1);
      } else {
        assert.equal(row.failed_at?.getTime(), clock.nowMs());
      }
    }
    clock.advance(24 * 60 * 60_000);
    assert.equal(await worker.runOnce(), 0);
    assert.equal(sms.calls, DELIVERY_ATTEMPTS_MAX, 'a failed message is never tried again');
    assert.deepEqual(
      logger.entries.map((e) => e.level),
      [...Array(DELIVERY_ATTEMPTS_MAX - 1).fill('warn'), 'error'],
    );
    assert.equal(logger.entries[0]?.details.template, 'security_change');
  });

  test('a one-time code not delivered within its 5 minutes is given up unsent; errors never keep the code', async () => {
    const sms = failingSms('rejected text: 【Rampart】验证码 112233，5分钟内有效。');
    const worker = createDeliveryWorker({
      db: store.db,
      clock,
      email: failingSms('unused'),
      sms,
      logger: memoryLogger(),
    });
    await queueSms('+8613900000003', '112233');
    assert.equal(await worker.runOnce(), 0);
    let row = await onlyRow();
    assert.doesNotMatch(row.last_error ?? '', /112233/, 'last_error is masked like the body');
    assert.match(row.last_error ?? '', /\*{6}/);
    clock.advance(5 * 60_000);
    assert.equal(await worker.runOnce(), 0);
    row = await onlyRow();
    assert.equal(sms.calls, 1, 'the expired code was not sent again');
    assert.ok(row.failed_at);
    assert.match(row.last_error ?? '', /^expired/);
    assert.doesNotMatch(row.body, /112233/);
  });

  test('a slow provider times out and is retried; a claim whose worker died comes back after the lease', async () => {
    const inbox = createDevInbox({ clock });
    let hang = true;
    const sms: SmsProvider = {
      send: (message) =>
        hang ? new Promise<void>(() => {}) : createDevInboxSmsProvider(inbox).send(message),
    };
    const worker = createDeliveryWorker({
      db: store.db,
      clock,
      email: createDevInboxEmailProvider(inbox),
      sms,
      logger: memoryLogger(),
      sendTimeoutMs: 50,
    });
    await queueAlert('+8613900000004');
    assert.equal(await worker.runOnce(), 0);
    assert.match((await onlyRow()).last_error ?? '', /^send_timeout: no answer within 50 ms/);
    hang = false;
    clock.advance(deliveryBackoffMs(1));

    // Simulate a worker that claimed the row (attempt 2, leased) and then died before reporting.
    await store.db
      .updateTable('notification_outbox')
      .set({ attempts: 2, next_attempt_at: new Date(clock.nowMs() + DELIVERY_CLAIM_LEASE_MS) })
      .execute();
    assert.equal(await worker.runOnce(), 0, 'leased rows are invisible');
    clock.advance(DELIVERY_CLAIM_LEASE_MS);
    assert.equal(await worker.runOnce(), 1, 'after the lease another worker delivers it');
    assert.equal((await onlyRow()).attempts, 3);
    assert.equal(inbox.list({ limit: 10 }).length, 1);
  });

  test('a row whose last attempt never reported back is marked failed, not sent again', async () => {
    const sms = failingSms('unused');
    const worker = createDeliveryWorker({ db: store.db, clock, email: sms, sms, logger: memoryLogger() });
    await queueAlert('+8613900000005');
    await store.db.updateTable('notification_outbox').set({ attempts: DELIVERY_ATTEMPTS_MAX }).execute();
    assert.equal(await worker.runOnce(), 0);
    assert.equal(sms.calls, 0);
    assert.ok((await onlyRow()).failed_at);
  });

  test('in-app rows are never claimed', async () => {
    const sms = failingSms('unused');
    const worker = createDeliveryWorker({ db: store.db, clock, email: sms, sms, logger: memoryLogger() });
    await store.db
      .insertInto('users')
      .values({
        id: 'usr_in_app',
        phone_e164: '+8613900000006',
        display_name: 'In app',
        login_password_hash: 'x',
        created_at: new Date(clock.nowMs()),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
    await notifier.enqueue(store.db, {
      userId: 'usr_in_app',
      channel: 'in_app',
      destination: 'usr_in_app',
      template: 'account_locked',
      locale: 'zh-CN',
      vars: { until: '2026-03-01T08:15:00.000Z' },
    });
    assert.equal(await worker.runOnce(), 0);
    assert.equal(sms.calls, 0);
    assert.equal((await onlyRow()).attempts, 0);
  });

  test('two workers running at once deliver every message exactly once', async () => {
    const MESSAGES = 60;
    const sent = new Map<string, number>();
    const slowSms = (worker: string, counts: Map<string, number>): SmsProvider => ({
      async send(message) {
        await new Promise((resolve) => setTimeout(resolve, 1 + Math.floor(Math.random() * 4)));
        sent.set(message.to, (sent.get(message.to) ?? 0) + 1);
        counts.set(worker, (counts.get(worker) ?? 0) + 1);
      },
    });
    const perWorker = new Map<string, number>();
    const workers = ['a', 'b'].map((name) =>
      createDeliveryWorker({
        db: store.db,
        clock,
        email: failingSms('unused'),
        sms: slowSms(name, perWorker),
        logger: memoryLogger(),
        batchMax: 5,
      }),
    );
    for (let i = 0; i < MESSAGES; i++) await queueAlert(`+86139100${String(i).padStart(5, '0')}`);
    const drain = async (worker: (typeof workers)[number]) => {
      let delivered = 0;
      for (let round = 0; round < MESSAGES; round++) {
        const n = await worker.runOnce();
        if (n === 0) break;
        delivered += n;
      }
      return delivered;
    };
    const totals = await Promise.all(workers.map(drain));
    assert.equal(totals[0]! + totals[1]!, MESSAGES);
    assert.equal(sent.size, MESSAGES);
    assert.ok(
      [...sent.values()].every((n) => n === 1),
      'no message sent twice',
    );
    const unsent = await store.db
      .selectFrom('notification_outbox')
      .select('id')
      .where('sent_at', 'is', null)
      .execute();
    assert.equal(unsent.length, 0);
    if (testStoreKind() === 'postgres') {
      assert.ok(
        totals.every((n) => n > 0),
        `both workers took part: ${totals.join(' + ')}`,
      );
    }
  });

  test('a row locked by another claimer is skipped, not waited for (FOR UPDATE SKIP LOCKED)', {
    skip: testStoreKind() !== 'postgres' && 'needs two connections: PostgreSQL only (npm run test:pg)',
  }, async () => {
    const inbox = createDevInbox({ clock });
    const worker = createDeliveryWorker({
      db: store.db,
      clock,
      email: createDevInboxEmailProvider(inbox),
      sms: createDevInboxSmsProvider(inbox),
      logger: memoryLogger(),
    });
    await queueAlert('+8613900000011');
    await queueAlert('+8613900000012');
    const [first] = await store.db.selectFrom('notification_outbox').select('id').orderBy('id').execute();
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let lockTaken!: () => void;
    const locked = new Promise<void>((resolve) => {
      lockTaken = resolve;
    });
    const holder = store.db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('notification_outbox')
        .select('id')
        .where('id', '=', first!.id)
        .forUpdate()
        .execute();
      lockTaken();
      await released;
    });
    await locked;
    try {
      assert.equal(await worker.runOnce(), 1, 'the unlocked row is delivered at once');
      assert.deepEqual(
        inbox.list({ limit: 10 }).map((m) => m.to),
        ['+8613900000012'],
      );
    } finally {
      release();
      await holder;
    }
    assert.equal(await worker.runOnce(), 1, 'the other row once its lock is gone');
  });

  test('start() delivers in the background; stop() waits for the run in progress', async () => {
    const inbox = createDevInbox({ clock });
    const worker = createDeliveryWorker({
      db: store.db,
      clock,
      email: createDevInboxEmailProvider(inbox),
      sms: createDevInboxSmsProvider(inbox),
      logger: memoryLogger(),
    });
    await queueSms('+8613900000021');
    worker.start(10);
    assert.throws(() => worker.start(10), /started once/);
    const deadline = Date.now() + 5_000;
    while (inbox.list({ limit: 1 }).length === 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    await worker.stop();
    assert.equal(inbox.list({ limit: 10 }).length, 1);
    assert.ok((await onlyRow()).sent_at);
  });
});
