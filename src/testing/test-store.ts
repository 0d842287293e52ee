/**
 * A store for one test file: embedded PGlite in memory by default, or a fresh PostgreSQL
 * database (created here, dropped on close) when RAMPART_TEST_PG_ADMIN_URL is set, so the same
 * tests prove both stores.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { migrateToLatest, openStore, type Store } from '../store/index.ts';

export interface TestStore extends Store {
  readonly databaseUrl: string | undefined;
}

export function testStoreKind(): 'pglite' | 'postgres' {
  return process.env.RAMPART_TEST_PG_ADMIN_URL ? 'postgres' : 'pglite';
}

/** Creates an empty PostgreSQL database and returns its URL (tests and benchmarks). */
export async function createScratchDatabase(adminUrl: string, prefix = 'rampart_test'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

export async function dropScratchDatabase(adminUrl: string, databaseUrl: string): Promise<void> {
  const name = new URL(databaseUrl).pathname.slice(1);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

export async function openTestStore(options: { poolSizeMax?: number } = {}): Promise<TestStore> {
  const adminUrl = process.env.RAMPART_TEST_PG_ADMIN_URL;
  const databaseUrl = adminUrl ? await createScratchDatabase(adminUrl) : undefined;
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
