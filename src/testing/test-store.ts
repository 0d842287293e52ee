/**
 * A store for one test file: embedded PGlite in memory by default, or a fresh PostgreSQL
 * database (created here, dropped on close) when RAMPART_TEST_PG_ADMIN_URL is set, so the same
 * tests prove both stores.
 */
import {
  createScratchDatabase,
  dropScratchDatabase,
  migrateToLatest,
  openStore,
  type Store,
} from '../store/index.ts';

export { createScratchDatabase, dropScratchDatabase };

export interface TestStore extends Store {
  readonly databaseUrl: string | undefined;
}

export function testStoreKind(): 'pglite' | 'postgres' {
  return process.env.RAMPART_TEST_PG_ADMIN_URL ? 'postgres' : 'pglite';
}

export async function openTestStore(options: { poolSizeMax?: number } = {}): Promise<TestStore> {
  const adminUrl = process.env.RAMPART_TEST_PG_ADMIN_URL;
  const databaseUrl = adminUrl ? await createScratchDatabase(adminUrl, 'rampart_test') : undefined;
  const store = await openStore({ databaseUrl, dataDir: 'memory://', poolSizeMax: options.poolSizeMax ?? 8 });
  await migrateToLatest(store);
  return {
    ...store,
    databaseUrl,
    close: async () => {
      await store.close();
      if (adminUrl && databaseUrl) await dropScratchDatabase(adminUrl, databaseUrl);
    },
  };
}
