// A session end and a freeze reach every instance at once: sessions are checked in PostgreSQL
// on every request, so there is nothing to broadcast. Two API processes on one database: a
// sign-out on one is refused by the other on the very next request; a "not me" freeze reported
// to one process ends the user's sessions and stops payments on the other, and its
// account.frozen event is committed with it. The job layer ran each tick on one process only.
// PostgreSQL only.
import assert from 'node:assert/strict';
import { randomInt } from 'node:crypto';
import { describe, test } from 'node:test';
import { provisionPayers, startApiCluster } from '../../src/testing/api-cluster.ts';
import { testStoreKind } from '../../src/testing/test-store.ts';

async function call(url: string, token: string, method = 'GET', body?: object) {
  const response = await fetch(url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    ...(body ? { body: JSON.stringify(body) } : {}),
  });
  await response.arrayBuffer();
  return response.status;
}

describe('sessions and freezes across processes', {
  skip: testStoreKind() !== 'postgres' && 'PostgreSQL only: run with --pg',
  timeout: 120_000,
}, () => {
  test('sign-out on A is refused on B at once; a freeze on A stops B', async () => {
    const cluster = await startApiCluster({ processes: 2, redis: true });
    try {
      const [a, b] = cluster.processes as [(typeof cluster.processes)[0], (typeof cluster.processes)[0]];
      const [leaver, victim] = await provisionPayers(cluster, {
        count: 2,
        balanceMinor: 10_000n,
        phonePrefix: `+86134${String(randomInt(0, 10_000)).padStart(4, '0')}`,
      });
      assert.equal(await call(`${b.url}/api/v1/me`, leaver!.token), 200);
      const signedOut = await call(`${a.url}/api/v1/auth/sign-out`, leaver!.token, 'POST', {});
      assert.ok(signedOut === 200 || signedOut === 204, `sign-out on A answered ${signedOut}`);
      assert.equal(
        await call(`${b.url}/api/v1/me`, leaver!.token),
        401,
        'B refuses the ended session at once',
      );

      // The victim's new-device sign-in sent an alert with a "not me" link: report it to A.
      const alert = await cluster.platform.store.db
        .selectFrom('notification_outbox')
        .select('body')
        .where('destination', 'in', [victim!.phone])
        .where('body', 'like', '%not-me?token=%')
        .orderBy('id', 'desc')
        .executeTakeFirst();
      const notMeToken = alert ? /not-me\?token=([A-Za-z0-9_-]+)/.exec(alert.body)?.[1] : undefined;
      assert.ok(notMeToken, 'a not-me link was sent for the new-device sign-in');
      const reported = await fetch(`${a.url}/api/v1/alerts/not-me`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ token: notMeToken }),
      });
      assert.equal(reported.status, 200, await reported.text());
      assert.equal(
        await call(`${b.url}/api/v1/me`, victim!.token),
        401,
        'the freeze ended the session on B too',
      );
      const frozen = await cluster.platform.store.db
        .selectFrom('event_outbox')
        .select('payload')
        .where('subject', '=', 'rampart.account.frozen')
        .execute();
      assert.ok(frozen.some((e) => (e.payload as { userId: string }).userId === victim!.userId));
    } finally {
      await cluster.close();
    }
  });
});
