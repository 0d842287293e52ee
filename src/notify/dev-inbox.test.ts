// Proves the developer inbox is a bounded ring: newest first, the oldest dropped when full,
// filters by recipient, limit respected.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ManualClock } from '../shared/index.ts';
import { createDevInbox, DEV_INBOX_MESSAGES_MAX } from './dev-inbox.ts';

describe('dev inbox', () => {
  test('keeps the newest messages up to its bound, newest first', () => {
    const clock = new ManualClock();
    const inbox = createDevInbox({ clock, messagesMax: 3 });
    assert.deepEqual(inbox.list({ limit: 10 }), []);
    for (let i = 1; i <= 7; i++) {
      inbox.record({ channel: 'sms', to: `+861380000000${i % 2}`, subject: null, text: `m${i}` });
      clock.advance(1_000);
    }
    assert.deepEqual(
      inbox.list({ limit: 10 }).map((m) => m.text),
      ['m7', 'm6', 'm5'],
    );
    assert.deepEqual(
      inbox.list({ limit: 2 }).map((m) => m.text),
      ['m7', 'm6'],
    );
    assert.deepEqual(
      inbox.list({ to: '+86 1380000000-0', limit: 10 }).map((m) => m.text),
      ['m6'],
    );
    assert.equal(inbox.list({ limit: 1 })[0]?.sentAt.getTime(), clock.nowMs() - 1_000);
  });

  test('the default bound is DEV_INBOX_MESSAGES_MAX', () => {
    const inbox = createDevInbox({ clock: new ManualClock() });
    for (let i = 0; i < DEV_INBOX_MESSAGES_MAX + 50; i++) {
      inbox.record({ channel: 'email', to: 'a@example.com', subject: 's', text: String(i) });
    }
    const all = inbox.list({ limit: 10_000 });
    assert.equal(all.length, DEV_INBOX_MESSAGES_MAX);
    assert.equal(all[0]?.text, String(DEV_INBOX_MESSAGES_MAX + 49));
    assert.equal(all.at(-1)?.text, '50');
  });
});
