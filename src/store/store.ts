/**
 * The store: Kysely over embedded PGlite (default, a data directory on disk) or PostgreSQL
 * (when a database URL is given, through a `pg` pool). One schema, one set of queries.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, type PGliteDialectConfig, PostgresDialect } from 'kysely';
import { type Migration, type MigrationProvider, Migrator } from 'kysely/migration';
import pg from 'pg';
import * as ledgerMigration from './migrations/0001-ledger.ts';
import * as identityMigration from './migrations/0002-identity-wallet.ts';
import * as signInSecurityMigration from './migrations/0003-sign-in-security.ts';
import * as paymentsMigration from './migrations/0004-payments.ts';
import * as fundingMigration from './migrations/0005-funding.ts';
import * as creditLockMigration from './migrations/0006-credit-lock.ts';
import * as agreementsFamilyMigration from './migrations/0007-agreements-family.ts';
import * as riskMigration from './migrations/0008-risk.ts';
import * as openApiMigration from './migrations/0010-open-api.ts';
import * as recoveryMigration from './migrations/0011-recovery.ts';
import * as messagesMigration from './migrations/0012-messages.ts';
import * as scaleOutMigration from './migrations/0013-scale-out.ts';
import * as riskEventsMigration from './migrations/0014-risk-events.ts';
import * as operatorPasskeysMigration from './migrations/0015-operator-passkeys.ts';
import * as riskCoverageMigration from './migrations/0016-risk-coverage.ts';
import * as gatewayAgreementsMigration from './migrations/0017-gateway-agreements.ts';
import * as paymentIntentCancelMigration from './migrations/0018-payment-intent-cancel.ts';
import * as paymentPasswordFailuresMigration from './migrations/0019-payment-password-failures.ts';
import * as familyCardReviewMigration from './migrations/0020-family-card-review.ts';
import { PgliteDurability } from './pglite-durability.ts';
import type { Database } from './schema.ts';

export type StoreKind = 'pglite' | 'postgres';

export interface Store {
  readonly db: Kysely<Database>;
  readonly kind: StoreKind;
  /** How many transactions may usefully run at once (pool size; 1 for PGlite). */
  readonly concurrencyMax: number;
  ping(): Promise<void>;
  /** Forces a checkpoint and, on PGlite, flushes the data directory (see pglite-durability.ts). */
  checkpoint(): Promise<void>;
  close(): Promise<void>;
}

export interface StoreOptions {
  /** postgres:// URL; when absent the embedded store is used. */
  databaseUrl?: string | undefined;
  /** PGlite data directory; `memory://` keeps everything in memory (tests only). */
  dataDir: string;
  /** pg pool size. */
  poolSizeMax: number;
}

const INT8_OID = 20;

/** PGlite's own start flags with `-F` (fsync off) removed: an acknowledged commit must survive a
 *  crash or power loss, which PGlite's default does not promise. */
export function durablePgliteStartParams(): string[] {
  const params = PGlite.defaultStartParams.filter((flag) => flag !== '-F');
  return params;
}

export async function openStore(options: StoreOptions): Promise<Store> {
  if (options.databaseUrl) return openPostgres(options.databaseUrl, options.poolSizeMax);
  return openPglite(options.dataDir);
}

async function openPglite(dataDir: string): Promise<Store> {
  const inMemory = dataDir.startsWith('memory://');
  const parsers = { [INT8_OID]: (value: string) => BigInt(value) };
  if (inMemory) {
    // Tests only: nothing to make durable, so PGlite's own fast flags are kept.
    const pglite = new PGlite('memory://', { parsers });
    return wrapPglite(pglite, undefined);
  }
  mkdirSync(dataDir, { recursive: true });
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    // initdb with fsync on takes ~14 s here and guards nothing the full sync below does not: create
    // with PGlite's defaults, close, then flush the whole new directory once.
    const creating = new PGlite(dataDir, { parsers });
    await creating.waitReady;
    await creating.close();
    new PgliteDurability(dataDir).syncAll();
  }
  const pglite = new PGlite(dataDir, { parsers, startParams: durablePgliteStartParams() });
  return wrapPglite(pglite, new PgliteDurability(dataDir));
}

async function wrapPglite(pglite: PGlite, durability: PgliteDurability | undefined): Promise<Store> {
  await pglite.waitReady;
  // Kysely talks to this facade; every committed write is flushed before the caller hears of it.
  const facade: PGliteLike = {
    get closed() {
      return pglite.closed;
    },
    get ready() {
      return pglite.ready;
    },
    waitReady: pglite.waitReady,
    close: () => pglite.close(),
    query: async <T>(query: string, params?: unknown[], options?: Parameters<PGlite['query']>[2]) => {
      const result = await pglite.query<T>(query, params, options);
      if (durability && !READ_ONLY_STATEMENT.test(query)) durability.syncWal();
      return result;
    },
    transaction: async (callback) => {
      const result = await pglite.transaction(callback);
      durability?.syncWal();
      return result;
    },
  };
  const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite: facade }) });
  return {
    db,
    kind: 'pglite',
    concurrencyMax: 1,
    ping: async () => {
      await pglite.query('SELECT 1');
    },
    checkpoint: async () => {
      await pglite.query('CHECKPOINT');
      durability?.syncAll();
    },
    close: async () => {
      await db.destroy();
      if (!pglite.closed) await pglite.close();
      durability?.syncAll();
    },
  };
}

const READ_ONLY_STATEMENT = /^\s*(select|show)\b/i;

type PGliteLike = Exclude<PGliteDialectConfig['pglite'], (...args: never[]) => unknown>;

async function openPostgres(databaseUrl: string, poolSizeMax: number): Promise<Store> {
  // Per pool rather than pg.types.setTypeParser: no process-wide side effect. int8 -> bigint.
  const types = {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
      oid === INT8_OID
        ? (value: string) => BigInt(value)
        : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
  };
  const pool = new pg.Pool({ connectionString: databaseUrl, max: poolSizeMax, types });
  // An idle client whose server connection drops (restart, failover, DROP DATABASE … FORCE) is
  // reported here; without a listener Node would crash the process. The pool discards the client
  // and the next query opens a new connection, so there is nothing else to do.
  pool.on('error', () => {});
  // The same for a client that is checked out when its connection drops (a PostgreSQL restart
  // mid-query): its query fails with the error, but the client also emits 'error', which with
  // no listener would kill the whole process (found by test/fault/service-outages.test.ts).
  pool.on('connect', (client) => client.on('error', () => {}));
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  return {
    db,
    kind: 'postgres',
    concurrencyMax: poolSizeMax,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    checkpoint: async () => {
      // PostgreSQL checkpoints and fsyncs on its own schedule; nothing to add.
    },
    close: async () => {
      await db.destroy();
    },
  };
}

const MIGRATIONS: Record<string, Migration> = {
  '0001-ledger': ledgerMigration,
  '0002-identity-wallet': identityMigration,
  '0003-sign-in-security': signInSecurityMigration,
  '0004-payments': paymentsMigration,
  '0005-funding': fundingMigration,
  '0006-credit-lock': creditLockMigration,
  '0007-agreements-family': agreementsFamilyMigration,
  '0011-recovery': recoveryMigration,
  '0012-messages': messagesMigration,
  '0010-open-api': openApiMigration,
  '0008-risk': riskMigration,
  '0013-scale-out': scaleOutMigration,
  '0014-risk-events': riskEventsMigration,
  '0015-operator-passkeys': operatorPasskeysMigration,
  '0016-risk-coverage': riskCoverageMigration,
  '0017-gateway-agreements': gatewayAgreementsMigration,
  '0018-payment-intent-cancel': paymentIntentCancelMigration,
  '0019-payment-password-failures': paymentPasswordFailuresMigration,
  '0020-family-card-review': familyCardReviewMigration,
};

class InCodeMigrations implements MigrationProvider {
  async getMigrations(): Promise<Record<string, Migration>> {
    return MIGRATIONS;
  }
}

/** Applies pending migrations; returns the names applied. Safe to call on every start. */
export async function migrateToLatest(store: Store): Promise<string[]> {
  const migrator = new Migrator({ db: store.db, provider: new InCodeMigrations() });
  const { error, results } = await migrator.migrateToLatest();
  if (error) throw error;
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
