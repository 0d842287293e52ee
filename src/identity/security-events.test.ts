// Proves the boot rebuild's read of wrong payment passwords (listPaymentPasswordFailures): only the
// window's `payment_password_failed` events of known users come back, oldest first, the newest
// `limit` kept; and the read is answered from migration 0019's partial index, not by scanning
// every security event (EXPLAIN with sequential scans priced out, so the plan does not depend on
// the table's size). Real store: PGlite, or PostgreSQL with --pg.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { sql } from 'kysely';
import { insertTestUser } from '../testing/factor-test-kit.ts';
import { openTestStore, type TestStore } from '../testing/test-store.ts';
import {
  listPaymentPasswordFailures,
  paymentPasswordFailuresQuery,
  recordSecurityEvent,
  type SecurityEventType,
} from './security-events.ts';

const T0 = Date.UTC(2026, 2, 2);
const MINUTE_MS = 60_000;
let store: TestStore;

before(async () => {
  store = await openTestStore();
});
after(async () => {
  await store?.close();
});

test('the replay reads the window’s failures of known users, oldest first, keeping the newest', async () => {
  const alice = await insertTestUser(store.db);
  const bob = await insertTestUser(store.db);
  const record = (userId: string | null, type: SecurityEventType, minutes: number) =>
    recordSecurityEvent(store.db, T0 + minutes * MINUTE_MS, { userId, type, ip: `ip-${minutes}` });
  await record(alice.id, 'payment_password_failed', -1); // before the window
  const a1 = await record(alice.id, 'payment_password_failed', 1);
  await record(alice.id, 'sign_in', 2); // another type
  const b3 = await record(bob.id, 'payment_password_failed', 3);
  await record(null, 'payment_password_failed', 4); // no user
  const a5 = await record(alice.id, 'payment_password_failed', 5);
  await record(bob.id, 'payment_password_failed', 11); // after the window
  const window = { sinceMs: T0, untilMs: T0 + 10 * MINUTE_MS };

  const all = await listPaymentPasswordFailures(store.db, { ...window, limit: 100 });
  assert.deepEqual(
    all.map((f) => [f.id, f.userId, f.ip, f.atMs]),
    [
      [a1, alice.id, 'ip-1', T0 + MINUTE_MS],
      [b3, bob.id, 'ip-3', T0 + 3 * MINUTE_MS],
      [a5, alice.id, 'ip-5', T0 + 5 * MINUTE_MS],
    ],
  );
  const newest = await listPaymentPasswordFailures(store.db, { ...window, limit: 2 });
  assert.deepEqual(
    newest.map((f) => f.id),
    [b3, a5],
  );
});

test('the replay reads the partial index of migration 0019, not the whole table', async () => {
  const query = paymentPasswordFailuresQuery(store.db, { sinceMs: T0, untilMs: T0 + 86_400_000, limit: 100 });
  const compiled = query.compile();
  // One connection for the setting and the EXPLAIN (PostgreSQL runs a pool).
  const plan = await store.db.connection().execute(async (connection) => {
    await sql`SET enable_seqscan = off`.execute(connection);
    try {
      const explained = await connection.executeQuery<Record<string, string>>({
        ...compiled,
        sql: `EXPLAIN ${compiled.sql}`,
      });
      return explained.rows.map((row) => Object.values(row).join('')).join('\n');
    } finally {
      await sql`RESET enable_seqscan`.execute(connection);
    }
  });
  assert.match(plan, /Index Scan using security_events_payment_password_failed on security_events/, plan);
  assert.doesNotMatch(plan, /\bSort\b/, `the index gives the order:\n${plan}`);
});
