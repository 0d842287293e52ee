// Proves backup codes: 10 fresh, readable codes stored only as HMACs; each works once (also
// under concurrency); a new set replaces the old; generation and use are recorded and notified
// in their transaction. Real store and a ManualClock.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ManualClock } from '../shared/index.ts';
import { insertTestUser, RecordingNotifier } from '../testing/factor-test-kit.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import {
  BACKUP_CODE_ALPHABET,
  BACKUP_CODES_COUNT,
  createBackupCodes,
  normalizeBackupCode,
} from './backup-codes.ts';
import { createIdentitySecrets } from './secrets.ts';
import { listSecurityEvents } from './security-events.ts';

let store: TestStore;
const clock = new ManualClock();
const notifier = new RecordingNotifier();
let backupCodes: ReturnType<typeof createBackupCodes>;

before(async () => {
  store = await openTestStore();
  backupCodes = createBackupCodes({
    db: store.db,
    clock,
    secrets: createIdentitySecrets(randomBytes(32)),
    notifier,
  });
});
after(async () => {
  await store?.close();
});

describe('backup codes', () => {
  test('ten distinct codes like abcde-fghjk, stored only as HMACs, recorded and notified', async () => {
    const user = await insertTestUser(store.db);
    const codes = await backupCodes.generate(user.id, { sessionId: 'ses_x' });
    assert.equal(codes.length, BACKUP_CODES_COUNT);
    assert.equal(new Set(codes).size, BACKUP_CODES_COUNT);
    const alphabet = `[${BACKUP_CODE_ALPHABET}]`;
    for (const code of codes) assert.match(code, new RegExp(`^${alphabet}{5}-${alphabet}{5}$`));
    assert.ok(!/[ilo01]/.test(codes.join('')), 'no look-alike characters');
    const rows = await store.db
      .selectFrom('backup_codes')
      .selectAll()
      .where('user_id', '=', user.id)
      .execute();
    assert.equal(rows.length, BACKUP_CODES_COUNT);
    const stored = rows.map((r) => r.code_sha256).join(' ');
    for (const code of codes) {
      assert.ok(!stored.includes(code) && !stored.includes(normalizeBackupCode(code) ?? '?'), 'no plaintext');
    }
    assert.equal(await backupCodes.remaining(user.id), BACKUP_CODES_COUNT);
    const [event] = await listSecurityEvents(store.db, { userId: user.id, limit: 5 });
    assert.equal(event?.type, 'backup_codes_generated');
    assert.deepEqual(
      notifier.take().map((n) => [n.channel, n.template, n.vars.change, n.inTransaction]),
      [
        ['sms', 'security_change', 'backup_codes', true],
        ['email', 'security_change', 'backup_codes', true],
        ['in_app', 'security_change', 'backup_codes', true],
      ],
    );
  });

  test('each code works once; case, spaces and a missing hyphen do not matter', async () => {
    const user = await insertTestUser(store.db);
    const codes = await backupCodes.generate(user.id);
    notifier.take();
    const [first, second] = codes as [string, string];
    assert.equal(await backupCodes.consume(user.id, first), true);
    assert.equal(await backupCodes.consume(user.id, first), false, 'used up');
    assert.equal(await backupCodes.consume(user.id, ` ${second.toUpperCase().replace('-', ' ')} `), true);
    assert.equal(await backupCodes.consume(user.id, second), false);
    assert.equal(await backupCodes.remaining(user.id), BACKUP_CODES_COUNT - 2);
    const events = await listSecurityEvents(store.db, { userId: user.id, limit: 5 });
    assert.deepEqual(
      events.map((e) => [e.type, e.details.remaining]),
      [
        ['backup_code_used', BACKUP_CODES_COUNT - 2],
        ['backup_code_used', BACKUP_CODES_COUNT - 1],
        ['backup_codes_generated', undefined],
      ],
    );
    assert.equal(
      notifier.take().filter((n) => n.vars.action === 'used').length,
      6,
      'SMS, e-mail and in-app per use',
    );
  });

  test("wrong, malformed and other users' codes are refused and change nothing", async () => {
    const user = await insertTestUser(store.db);
    const other = await insertTestUser(store.db);
    await backupCodes.generate(user.id);
    const otherCodes = await backupCodes.generate(other.id);
    notifier.take();
    for (const bad of ['', 'abcde-fghjk', 'aaaaa-aaaaa', 'abcde-fghj1', 'x'.repeat(500), otherCodes[0]!]) {
      assert.equal(await backupCodes.consume(user.id, bad), false, bad.slice(0, 20));
    }
    assert.equal(await backupCodes.remaining(user.id), BACKUP_CODES_COUNT);
    assert.equal(await backupCodes.remaining(other.id), BACKUP_CODES_COUNT);
    assert.deepEqual(notifier.take(), []);
  });

  test('a new set replaces the old one entirely', async () => {
    const user = await insertTestUser(store.db);
    const old = await backupCodes.generate(user.id);
    assert.equal(await backupCodes.consume(user.id, old[0]!), true);
    const fresh = await backupCodes.generate(user.id);
    assert.equal(await backupCodes.remaining(user.id), BACKUP_CODES_COUNT);
    assert.equal(await backupCodes.consume(user.id, old[1]!), false, 'an old code no longer works');
    assert.equal(await backupCodes.consume(user.id, fresh[0]!), true);
  });

  test('concurrent uses of one code: exactly one succeeds', async () => {
    const user = await insertTestUser(store.db);
    const [code] = await backupCodes.generate(user.id);
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => backupCodes.consume(user.id, code!)));
    assert.equal(results.filter(Boolean).length, 1);
    assert.equal(await backupCodes.remaining(user.id), BACKUP_CODES_COUNT - 1);
  });

  test('when the notice cannot be queued, the use rolls back and the code still works', async () => {
    const user = await insertTestUser(store.db);
    const [code] = await backupCodes.generate(user.id);
    notifier.failNext = true;
    await assert.rejects(backupCodes.consume(user.id, code!), /notifier outbox unavailable/);
    assert.equal(await backupCodes.remaining(user.id), BACKUP_CODES_COUNT);
    assert.equal(await backupCodes.consume(user.id, code!), true);
  });
});
