/**
 * The only place that wires: config → store → modules → app.listen. `startPlatform` is what the
 * CLI's `serve`, the browser tests and the benchmarks start.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { seedDemo } from './demo/index.ts';
import {
  createAccountActivityConsumer,
  createEventPublisher,
  createLocalTransport,
  createNatsTransport,
  type EventTransport,
} from './events/index.ts';
import {
  type BankConnector,
  createFunding,
  createSimulatedBankConnector,
  deriveCardHmacKey,
  SETTLE_INTERVAL_MS,
} from './funding/index.ts';
import { createGeoLocator } from './geo/index.ts';
import {
  createIdentity,
  createIdentitySecrets,
  createSecondFactors,
  type RateLimiter,
  toSecondFactorChecks,
} from './identity/index.ts';
import { createJobs, type Jobs } from './jobs/index.ts';
import { createLedger } from './ledger/index.ts';
import { loadMasterKey } from './master-key.ts';
import {
  createDeliveryWorker,
  createDevInbox,
  createDevInboxEmailProvider,
  createDevInboxSmsProvider,
  createNotifier,
  createSmtpEmailProvider,
  createUnconfiguredProvider,
} from './notify/index.ts';
import { createAllowAllRiskHook, createPayments, type RiskHook } from './payments/index.ts';
import { createQr, deriveQrSigningKey } from './qr/index.ts';
import { createRateLimiter, createRedisClient, type RedisClient, waitForRedis } from './ratelimit/index.ts';
import { createRecords } from './records/index.ts';
import { type Clock, systemClock } from './shared/index.ts';
import { migrateToLatest, openStore, type Store } from './store/index.ts';
import { createWallet } from './wallet/index.ts';

export interface Platform {
  readonly config: Config;
  readonly store: Store;
  readonly modules: Modules;
}

export type Modules = ReturnType<typeof createModules>;

/** Dev mode: messages go to the developer inbox instead of real SMS/e-mail. */
export function isDevMode(config: Config, demo: boolean): boolean {
  return config.devMode ?? demo;
}

/** The web app's public URL (links in messages; the WebAuthn origin and RP ID). */
export function publicUrlOf(config: Config): URL {
  return new URL(config.publicUrl ?? `http://localhost:${config.port === 0 ? 8080 : config.port}`);
}

export function createModules(
  store: Store,
  config: Config,
  clock: Clock,
  options: {
    masterKey: Buffer;
    devMode: boolean;
    publicUrl?: URL;
    /** Replaces the production rate limits (RATE_LIMITS); the login bench passes one that never
     *  limits, since its clients sign in far past any budget meant for people. */
    rateLimiter?: RateLimiter;
    /** Replaces the built-in allow-all payment risk hook (issue 5's engine; tests). */
    riskHook?: RiskHook;
    /** Replaces the built-in bank simulator (a real bank; tests with another delay). */
    bankConnector?: BankConnector;
  },
) {
  const { db } = store;
  const ledger = createLedger({
    db,
    clock,
    batchesInFlightMax: Math.max(1, Math.floor(store.concurrencyMax / 2)),
  });
  const secrets = createIdentitySecrets(options.masterKey);
  const notifier = createNotifier({ clock });
  const publicUrl = options.publicUrl ?? publicUrlOf(config);
  const factors = createSecondFactors({
    db,
    clock,
    secrets,
    notifier,
    webauthn: { rpId: publicUrl.hostname, rpName: 'Rampart', expectedOrigins: [publicUrl.origin] },
  });
  const identity = createIdentity({
    db,
    clock,
    secrets,
    notifier,
    geo: createGeoLocator(),
    rateLimiter: options.rateLimiter ?? createRateLimiter(),
    factors: toSecondFactorChecks(factors),
    config: {
      sessionIdleTimeoutMs: config.sessionIdleTimeoutMs,
      sessionLifetimeMs: config.sessionLifetimeMs,
      publicUrl: publicUrl.origin,
    },
  });
  const wallet = createWallet({ db, ledger });
  const payments = createPayments({
    db,
    clock,
    ledger,
    wallet,
    identity,
    factors: toSecondFactorChecks(factors),
    notifier,
    riskHook: options.riskHook ?? createAllowAllRiskHook(),
  });
  const funding = createFunding({
    db,
    clock,
    ledger,
    wallet,
    identity,
    payments,
    connector: options.bankConnector ?? createSimulatedBankConnector(),
    cardHmacKey: deriveCardHmacKey(options.masterKey),
  });
  const qr = createQr({ db, clock, payments, signingKey: deriveQrSigningKey(options.masterKey) });
  const records = createRecords({ db });
  const devInbox = options.devMode ? createDevInbox({ clock }) : undefined;
  const smtp = config.smtpUrl ? new URL(config.smtpUrl) : undefined;
  const email = smtp
    ? createSmtpEmailProvider({
        host: smtp.hostname,
        port: Number(smtp.port || (smtp.protocol === 'smtps:' ? 465 : 587)),
        secure: smtp.protocol === 'smtps:',
        user: smtp.username ? decodeURIComponent(smtp.username) : undefined,
        pass: smtp.password ? decodeURIComponent(smtp.password) : undefined,
        from: config.mailFrom,
      })
    : devInbox
      ? createDevInboxEmailProvider(devInbox)
      : createUnconfiguredProvider('email');
  // No SMS gateway ships with Rampart: production plugs one in behind SmsProvider (docs/identity.md).
  const sms = devInbox ? createDevInboxSmsProvider(devInbox) : createUnconfiguredProvider('sms');
  const delivery = createDeliveryWorker({ db, clock, email, sms });
  return { ledger, identity, wallet, payments, funding, qr, records, factors, devInbox, delivery };
}

/** Opens the store, migrates, builds the modules. Caller closes `store`. */
export async function openPlatform(
  config: Config,
  options: { demo?: boolean; clock?: Clock; rateLimiter?: RateLimiter } = {},
): Promise<Platform> {
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
  const modules = createModules(store, config, options.clock ?? systemClock, {
    masterKey: loadMasterKey(config),
    devMode: isDevMode(config, options.demo ?? false),
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
  });
  return { config, store, modules };
}

export interface StartOptions {
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly port?: number;
  readonly host?: string;
  readonly demo: boolean;
  readonly logLevel?: Config['logLevel'];
  readonly operatorToken?: string;
  /** Skip the demo seed even with `demo` (the workers of `serve --workers N`: the primary seeds). */
  readonly skipSeed?: boolean;
}

export interface RunningPlatform {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly platform: Platform;
  readonly jobs: Jobs;
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
  // Scale-out (docs/scale-out.md): Redis for rate limits shared by every process.
  let redis: RedisClient | undefined;
  if (config.redisUrl) {
    redis = createRedisClient(config.redisUrl);
    await waitForRedis(redis, 10_000).catch(async (error: unknown) => {
      redis?.disconnect();
      throw error;
    });
  }
  const platform = await openPlatform(config, {
    demo: options.demo,
    ...(redis || config.rateLimitFactor > 1
      ? {
          rateLimiter: createRateLimiter({
            redis,
            keyPrefix: config.redisKeyPrefix,
            pointsFactor: config.rateLimitFactor,
          }),
        }
      : {}),
  });
  const { ledger, identity, wallet } = platform.modules;
  if (options.demo && !options.skipSeed) await seedDemo({ db: platform.store.db, identity, wallet, ledger });
  const app = await buildApp({
    config,
    clock: systemClock,
    ping: platform.store.ping,
    ...platform.modules,
    demo: options.demo,
  });

  // Domain events: the outbox's publisher hands them to JetStream (NATS_URL) or, embedded, to the
  // in-process consumers.
  const consumers = [
    createAccountActivityConsumer({ db: platform.store.db, nowMs: () => systemClock.nowMs() }),
  ];
  const onEventError = (details: Record<string, unknown>, message: string) => app.log.error(details, message);
  let transport: EventTransport;
  if (config.natsUrl) {
    const nats = await createNatsTransport({
      url: config.natsUrl,
      stream: config.natsStream,
      subjectRoot: config.natsStream === 'RAMPART_EVENTS' ? 'rampart' : config.natsStream.toLowerCase(),
      consumers,
      onError: onEventError,
    });
    await nats.startConsuming();
    transport = nats;
  } else {
    transport = createLocalTransport(consumers);
  }
  const events = createEventPublisher({ db: platform.store.db, clock: systemClock, transport });

  // Background work: one registration per job (src/jobs). On PostgreSQL every tick runs once
  // across all processes; on the embedded store these are plain in-process timers.
  const jobs = createJobs({
    db: platform.store.db,
    clock: systemClock,
    mode: platform.store.kind === 'postgres' ? 'shared' : 'local',
    logger: app.log,
  });
  jobs.register({
    name: 'ledger.expire-holds',
    intervalMs: config.holdSweepIntervalMs,
    run: () => ledger.expireHolds(),
  });
  jobs.register({
    name: 'funding.settle-due',
    intervalMs: SETTLE_INTERVAL_MS,
    run: () => platform.modules.funding.settleDue(),
  });
  jobs.register({
    name: 'notify.deliver',
    intervalMs: config.deliveryIntervalMs,
    run: () => platform.modules.delivery.runOnce(),
  });
  jobs.register({
    name: 'events.publish',
    intervalMs: config.eventsPublishIntervalMs,
    run: () => events.drain(20),
  });
  jobs.register({ name: 'events.prune', intervalMs: 60_000, run: (nowMs) => events.prunePublished(nowMs) });
  jobs.start();

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
    jobs,
    close: async () => {
      clearInterval(checkpoint);
      await app.close();
      await jobs.stop();
      await transport.close();
      redis?.disconnect();
      await ledger.drain();
      await platform.store.close();
    },
  };
}
