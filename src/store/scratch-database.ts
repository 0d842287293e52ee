/** Throw-away PostgreSQL databases for tests, benchmarks and the ledger simulator. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';

const NAME_PATTERN = /^[a-z][a-z0-9_]{0,62}$/;

/** Creates an empty database on the server of `adminUrl` and returns its URL. */
export async function createScratchDatabase(adminUrl: string, prefix = 'rampart_scratch'): Promise<string> {
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  if (!NAME_PATTERN.test(name)) throw new Error(`bad scratch database prefix: ${prefix}`);
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
  if (!NAME_PATTERN.test(name)) throw new Error(`refusing to drop ${name}`);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}
