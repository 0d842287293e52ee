/**
 * The only place that wires: config → store → modules → app.listen. `startPlatform` is what the
 * CLI's `serve`, the browser tests and the benchmarks start.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { seedDemo } from './demo/index.ts';
import { createIdentity } from './identity/index.ts';
import { createLedger } from './ledger/index.ts';
import { type Clock, systemClock } from './shared/index.ts';
import { migrateToLatest, openStore, type Store } from './store/index.ts';
import { createWallet } from './wallet/index.ts';

export interface Platform {
  readonly config: Config;
  readonly store: Store;
  readonly modules: ReturnType<typeof createModules>;
}

export function createModules(store: Store, config: Config, clock: Clock) {
  const ledger = createLedger({
    db: store.db,
    clock,
    batchesInFlightMax: Math.max(1, Math.floor(store.concurrencyMax / 2)),
  });
  const identity = createIdentity({
    db: store.db,
    clock,
    sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
    sessionLifetimeMs: config.sessionLifetimeMs,
  });
  const wallet = createWallet({ db: store.db, ledger });
  return { ledger, identity, wallet };
}

/** Opens the store, migrates, builds the modules. Caller closes `store`. */
export async function openPlatform(config: Config, clock: Clock = systemClock): Promise<Platform> {
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSizeMax: config.dbPoolSizeMax,
  });
  try {
    await migrateToLatest(store);
  } catch (error) {
    await store.close();
    throw error;
  }
  return { config, store, modules: createModules(store, config, clock) };
}

export interface StartOptions {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly port?: number;
  readonly host?: string;
  readonly demo: boolean;
  readonly logLevel?: Config['logLevel'];
  readonly operatorToken?: string;
}

export interface RunningPlatform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly platform: Platform;
  close(): Promise<void>;
}

/** Starts the whole platform: store, modules, background sweeps, HTTP. */
export async function startPlatform(
  options: StartOptions,
  env: NodeJS.ProcessEnv = process.env,
): Promise<RunningPlatform> {
  const config = loadConfig(env, {
    dataDir: options.dataDir,
    databaseUrl: options.databaseUrl,
    port: options.port,
    host: options.host,
    logLevel: options.logLevel,
    operatorToken: options.operatorToken,
  });
  const platform = await openPlatform(config);
  const { ledger, identity, wallet } = platform.modules;
  if (options.demo) await seedDemo({ db: platform.store.db, identity, wallet, ledger });
  const app = await buildApp({
    config,
    ping: platform.store.ping,
    ledger,
    identity,
    wallet,
    demo: options.demo,
  });

  // Hold expiry: a bounded sweep every interval. Issue 8 moves background work to a durable
  // queue that runs once across processes; with one process this timer is that queue.
  let sweeping = false;
  const sweep = setInterval(() => {
    if (sweeping) return;
    sweeping = true;
    ledger
      .expireHolds()
      .catch((error: unknown) => app.log.error({ err: error }, 'hold expiry sweep failed'))
      .finally(() => {
        sweeping = false;
      });
  }, config.holdSweepIntervalMs);
  sweep.unref();
  // PGlite: checkpoint and flush the data directory every 5 minutes (see pglite-durability.ts).
  const checkpoint = setInterval(() => {
    platform.store.checkpoint().catch((error: unknown) => app.log.error({ err: error }, 'checkpoint failed'));
  }, 5 * 60_000);
  checkpoint.unref();

  await app.listen({ port: config.port, host: config.host });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : config.port;
  // WebAuthn needs a domain as its RP ID, so the URL people open says localhost, not 127.0.0.1.
  const shownHost = config.host === '127.0.0.1' || config.host === '0.0.0.0' ? 'localhost' : config.host;
  return {
    url: `http://${shownHost}:${port}`,
    app,
    platform,
    close: async () => {
      clearInterval(sweep);
      clearInterval(checkpoint);
      await app.close();
      await ledger.drain();
      await platform.store.close();
    },
  };
}
