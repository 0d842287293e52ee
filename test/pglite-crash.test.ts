// Proves that on the embedded store an acknowledged commit survives the process being killed
// (SIGKILL mid-write): a child writes transfers and reports each acknowledgement; after the
// kill the data directory reopens, every acknowledged transfer is there and verify passes.
// (A power cut is not simulated here; the fsync path it depends on is in pglite-durability.ts.)
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, test } from 'node:test';
import { verifyLedger } from '../src/ledger/index.ts';
import { openStore } from '../src/store/index.ts';
import { testStoreKind } from '../src/testing/test-store.ts';

const ACKS_BEFORE_KILL = 150;
const CHILD_TIMEOUT_MS = 120_000;

describe('embedded store durability', { skip: testStoreKind() !== 'pglite' && 'embedded store only' }, () => {
  test('every acknowledged transfer survives kill -9', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'rampart-crash-'));
    try {
      const acked: string[] = [];
      await new Promise<void>((resolvePromise, reject) => {
        const child = spawn(
          process.execPath,
          ['--import', 'tsx', resolve(import.meta.dirname, 'fixtures/pglite-writer.ts'), dataDir],
          {
            stdio: ['ignore', 'pipe', 'inherit'],
          },
        );
        const timer = setTimeout(() => {
          child.kill('SIGKILL');
          reject(new Error('writer did not reach the kill point in time'));
        }, CHILD_TIMEOUT_MS);
        let buffer = '';
        child.stdout.on('data', (chunk) => {
          buffer += chunk;
          const lines = buffer.split('\n');
          buffer = lines.pop() ?? '';
          for (const line of lines) {
            if (line.startsWith('ack ')) acked.push(line.slice(4));
            if (acked.length === ACKS_BEFORE_KILL) child.kill('SIGKILL');
          }
        });
        child.on('exit', (_code, signal) => {
          clearTimeout(timer);
          if (signal === 'SIGKILL') resolvePromise();
          else reject(new Error(`writer exited on its own (${signal ?? _code})`));
        });
      });
      assert.ok(acked.length >= ACKS_BEFORE_KILL);

      const store = await openStore({ dataDir, poolSizeMax: 1 });
      try {
        const rows = await store.db
          .selectFrom('ledger_transfers')
          .select('id')
          .where('id', 'in', acked)
          .execute();
        assert.equal(rows.length, acked.length, 'every acknowledged transfer is on disk');
        const report = await verifyLedger(store.db, { nowMs: Date.now() });
        assert.deepEqual(report.violations, []);
      } finally {
        await store.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
