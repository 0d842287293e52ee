/**
 * `rampart ledger simulate`: the seeded random-operation simulator on a scratch store — an
 * in-memory PGlite, or with DATABASE_URL a fresh database on that PostgreSQL server (dropped
 * afterwards). It never touches the platform's own ledger: it drives its own clock and writes
 * journal rows that cannot be deleted.
 */
import type { Config } from '../config.ts';
import { runLedgerSimulation, SimulationMismatch, verifyLedger } from '../ledger/index.ts';
import { ManualClock } from '../shared/index.ts';
import { createScratchDatabase, dropScratchDatabase, migrateToLatest, openStore } from '../store/index.ts';

export async function runSimulationCommand(
  config: Config,
  options: {
    seed?: string | undefined;
    steps?: string | undefined;
    onProgress: (done: number, total: number) => void;
  },
): Promise<number> {
  const seed = options.seed === undefined ? Date.now() % 2_147_483_647 : Number(options.seed);
  const steps = options.steps === undefined ? 1_000 : Number(options.steps);
  if (!Number.isSafeInteger(seed) || !Number.isSafeInteger(steps) || steps < 1) {
    console.error('ledger simulate: --seed and --steps must be whole numbers');
    return 2;
  }
  const databaseUrl = config.databaseUrl
    ? await createScratchDatabase(config.databaseUrl, 'rampart_sim')
    : undefined;
  const store = await openStore({ databaseUrl, dataDir: 'memory://', poolSizeMax: 8 });
  try {
    await migrateToLatest(store);
    console.error(`simulating seed ${seed}, ${steps} steps on ${store.kind}`);
    const report = await runLedgerSimulation({
      db: store.db,
      batchesInFlightMax: Math.min(4, store.concurrencyMax),
      seed,
      steps,
      onStep: options.onProgress,
    });
    // Verified at the simulation's own clock (a ManualClock from its default start).
    const verified = await verifyLedger(store.db, {
      nowMs: new ManualClock().nowMs() + report.clockAdvancedMs,
    });
    console.log(
      JSON.stringify({ ...report, verifyOk: verified.ok, violations: verified.violations }, null, 2),
    );
    return verified.ok ? 0 : 1;
  } catch (error) {
    if (error instanceof SimulationMismatch) {
      console.error(error.message);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
    if (config.databaseUrl && databaseUrl) await dropScratchDatabase(config.databaseUrl, databaseUrl);
  }
}
