/** Shared by the fault tests: the CLI's `ledger verify` against a cluster's database. */
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';
import type { ApiCluster } from '../../src/testing/api-cluster.ts';

export function runLedgerVerify(cluster: ApiCluster): Promise<{ code: number; output: string }> {
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [resolve(import.meta.dirname, '../../bin/rampart.mjs'), 'ledger', 'verify'],
      { env: { ...process.env, ...cluster.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolvePromise({ code, output: `${stdout}${stderr}` });
      },
    );
  });
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function faultSeed(): number {
  const fromEnv = process.env.RAMPART_FAULT_SEED;
  const seed = fromEnv ? Number(fromEnv) : Math.floor(Math.random() * 1_000_000);
  // Printed so a failing run can be replayed: RAMPART_FAULT_SEED=<seed>.
  console.log(`fault seed: ${seed} (replay with RAMPART_FAULT_SEED=${seed})`);
  return seed;
}
