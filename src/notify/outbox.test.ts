// Proves the outbox Notifier writes in the caller's transaction (a rollback leaves no message, a
// commit leaves exactly one, rendered in the user's language), stores in-app messages as
// delivered with secrets masked, and refuses malformed destinations. Real store (PGlite, or
// PostgreSQL with --pg).
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import type { Notifier } from '../identity/index.ts';
import { AssertionError, ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import { createNotifier } from './outbox.ts';

let store: TestStore;
const clock = new ManualClock(Date.UTC(2026, 2, 1, 8, 0, 0));
// Typed as the port: createNotifier must satisfy identity's Notifier.
const notifier: Notifier = createNotifier({ clock });
const USER_ID = 'usr_outbox_test';

before(async () => {
  store = await openTestStore();
  await store.db
    .insertInto('users')
    .values({
      id: USER_ID,
      phone_e164: '+8613800000001',
      display_name: 'Outbox',
      login_password_hash: 'x',
      created_at: new Date(clock.nowMs()),
    })
    .execute();
});
after(async () => {
  await store?.close();
});
beforeEach(async () => {
  await store.db.deleteFrom('notification_outbox').execute();
});

const otpRequest = {
  userId: null,
  channel: 'sms',
  destination: '+8613800000001',
  template: 'otp_code',
  locale: 'zh-CN',
  vars: { code: '654321', purpose: 'sign_up', minutes: '5' },
} as const;

const rows = () => store.db.selectFrom('notification_outbox').selectAll().orderBy('id').execute();

describe('outbox notifier', () => {
  test('a transaction that rolls back leaves no outbox row', async () => {
    await assert.rejects(
      store.db.transaction().execute(async (trx) => {
        await notifier.enqueue(trx, otpRequest);
        assert.equal((await trx.selectFrom('notification_outbox').select('id').execute()).length, 1);
        throw new Error('the change this message reports failed');
      }),
      /the change this message reports failed/,
    );
    assert.deepEqual(await rows(), []);
  });

  test('a committed transaction leaves one rendered, due, unsent row', async () => {
    await store.db.transaction().execute(async (trx) => {
      await notifier.enqueue(trx, otpRequest);
    });
    const [row, ...rest] = await rows();
    assert.equal(rest.length, 0);
    assert.ok(row);
    assert.equal(row.channel, 'sms');
    assert.equal(row.template, 'otp_code');
    assert.equal(row.locale, 'zh-CN');
    assert.equal(row.body, '【Rampart】验证码 654321，5分钟内有效。请勿告诉任何人，包括客服。');
    assert.equal(row.subject, 'Rampart 注册验证码');
    assert.equal(row.created_at.getTime(), clock.nowMs());
    assert.equal(row.next_attempt_at.getTime(), clock.nowMs());
    assert.equal(row.attempts, 0);
    assert.equal(row.sent_at, null);
    assert.equal(row.failed_at, null);
  });

  test('e-mail rows store the e-mail body; the plain executor works outside a transaction', async () => {
    await notifier.enqueue(store.db, {
      userId: USER_ID,
      channel: 'email',
      destination: 'someone@example.com',
      template: 'account_locked',
      locale: 'en',
      vars: { until: '2026-03-01T08:15:00.000Z' },
    });
    const [row] = await rows();
    assert.equal(row?.subject, 'Rampart sign-in temporarily locked');
    assert.match(row?.body ?? '', /Locked until: 2026-03-01 08:15 UTC/);
    assert.equal(row?.user_id, USER_ID);
  });

  test('in-app rows are stored as delivered at once, secrets masked', async () => {
    await notifier.enqueue(store.db, {
      userId: USER_ID,
      channel: 'in_app',
      destination: USER_ID,
      template: 'new_sign_in',
      locale: 'en',
      vars: {
        device: 'Firefox on Linux',
        location: 'Berlin, DE',
        time: '2026-03-01T08:00:00.000Z',
        notMeUrl: 'https://pay.example/not-me?token=secret-token-value',
      },
    });
    const [row] = await rows();
    assert.equal(row?.sent_at?.getTime(), clock.nowMs());
    assert.match(row?.body ?? '', /^New sign-in at 2026-03-01 08:00 UTC on Firefox on Linux/);
    assert.doesNotMatch(row?.body ?? '', /secret-token-value/);
  });

  test('malformed destinations and unknown variables are bugs: refused, nothing written', async () => {
    const bad = [
      { ...otpRequest, destination: '13800000001' },
      { ...otpRequest, channel: 'email', destination: 'a@example.com, b@example.com' },
      { ...otpRequest, channel: 'email', destination: 'Someone <a@example.com>' },
      { ...otpRequest, channel: 'in_app', destination: USER_ID, userId: USER_ID },
      { ...otpRequest, vars: { ...otpRequest.vars, extra: 'x' } },
    ] as const;
    for (const request of bad) {
      await assert.rejects(notifier.enqueue(store.db, request), AssertionError, JSON.stringify(request));
    }
    assert.deepEqual(await rows(), []);
  });
});
