/**
 * The only place that wires: config → store → modules → app.listen. `startPlatform` is what the
 * CLI's `serve`, the browser tests and the benchmarks start.
 */
import { hkdfSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import { type Agreements, createAgreements } from './agreements/index.ts';
import { buildApp } from './app.ts';
import {
  createCases,
  createEnginePaymentPasswordRisk,
  createEnginePaymentRiskHook,
  createEngineSecurityChangeRisk,
  createEngineSignInRisk,
  createEngineWithdrawalRisk,
  createFamilyCardHoldQueue,
  createHoldQueue,
  createWithdrawalHoldQueue,
  recordedPaymentPasswordFailures,
} from './cases/index.ts';
import { type Config, loadConfig, riskFeatureStateOf } from './config.ts';
import { CREDIT_RUN_INTERVAL_MS, createCredit } from './credit/index.ts';
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
import {
  agreementChangeNotifier,
  createGateway,
  deriveGatewaySealingKey,
  GATEWAY_FINISH_INTERVAL_MS,
} from './gateway/index.ts';
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
  createMessages,
  createNotifier,
  createSmtpEmailProvider,
  createUnconfiguredProvider,
} from './notify/index.ts';
import { createPayments, type RiskHook } from './payments/index.ts';
import { type AgreementsReviewPort, createCheckUp, createSecurityLock } from './protection/index.ts';
import { createQr, deriveQrSigningKey, encodeQrCode } from './qr/index.ts';
import { createRateLimiter, createRedisClient, type RedisClient, waitForRedis } from './ratelimit/index.ts';
import { createRecords } from './records/index.ts';
import {
  createRecovery,
  documentsDirFor,
  RECOVERY_DUE_INTERVAL_MS,
  type SuspendUserGrants,
} from './recovery/index.ts';
import {
  createNoFeatures,
  createRiskEngine,
  FEATURE_NAMES,
  type FeatureSource,
  type FeatureState,
  MEMORY_STATE_DEFAULTS,
  MemoryFeatureState,
  ModelRegistry,
  OnlineFeatureSource,
  RedisFeatureState,
  RISK_EVENT_KINDS,
  type RiskEngineConfig,
  type RiskEventKind,
  type RiskLog,
  type RiskModel,
  rebuildDays,
  rebuildFeaturesFromDecisions,
} from './risk/index.ts';
import { type Clock, newId, systemClock } from './shared/index.ts';
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
    /** Replaces the risk engine's payment hook (tests of payments alone). */
    riskHook?: RiskHook;
    /** Issue 5: the feature source and model the risk engine uses. Until src/risk/features and
     *  src/risk/model are merged, the default is no features and no model (rules alone decide);
     *  THE LEAD SWAPS THE REAL ONES IN HERE (docs/risk.md, "Engine, rules and cases"). */
    risk?: { features: FeatureSource; model: RiskModel | null; featureNames: readonly string[] };
    /** Where the risk engine logs malformed events and failures (default: stderr unless silent). */
    riskLog?: RiskLog;
    /** Replaces the built-in bank simulator (a real bank; tests with another delay). */
    bankConnector?: BankConnector;
    /** The check-up's view of agreements (issue 4 point 9); none until they land. */
    agreements?: AgreementsReviewPort;
    /** Issue 7: suspends agreements and family cards when an account is reported stolen. The
     *  lead connects src/agreements' suspendAll here; until then a no-op that reports 0. */
    suspendUserGrants?: SuspendUserGrants;
    /** Where manual-recovery documents are stored (encrypted); default beside the data dir. */
    documentsDir?: string;
    /** Open API: deliver notifications as soon as their change commits (server, bench). Tests
     *  that step a manual clock leave it off and call runDue themselves. */
    gatewayDeliverOnCommit?: boolean;
    /** notify_url / return_url may resolve to internal addresses (tests, the demo). Default: off. */
    gatewayAllowPrivateCallbacks?: boolean;
    /** Replaces DNS for notify_url hosts (tests of the SSRF guard). */
    gatewayResolveHost?: (host: string) => Promise<string[]>;
  },
) {
  const { db } = store;
  const riskEngine = createRiskEngine({
    db,
    clock,
    features: options.risk?.features ?? createNoFeatures(),
    model: options.risk?.model ?? null,
    featureNames: options.risk?.featureNames ?? [],
    config: riskEngineConfigOf(config),
    log: options.riskLog ?? stderrRiskLog(config),
  });
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
    signInRisk: createEngineSignInRisk({ db, clock, engine: riskEngine }),
    securityChangeRisk: createEngineSecurityChangeRisk({ db, clock, engine: riskEngine }),
    paymentPasswordRisk: createEnginePaymentPasswordRisk({ engine: riskEngine }),
  });
  const wallet = createWallet({ db, ledger });
  const credit = createCredit({ db, clock, ledger, wallet, notifier });
  const lock = createSecurityLock({ db, clock, notifier });
  const paymentRiskHook =
    options.riskHook ?? createEnginePaymentRiskHook({ db, clock, engine: riskEngine, identity });
  const payments = createPayments({
    db,
    clock,
    ledger,
    wallet,
    identity,
    factors: toSecondFactorChecks(factors),
    notifier,
    riskHook: paymentRiskHook,
    reviewQueue: createHoldQueue(clock),
    reviewDeadlineMs: config.riskReviewDeadlineMs,
    creditLine: { accountForSpending: credit.accountForSpending },
    guard: lock.paymentGuard,
    // The gateway is built after payments (it uses payments); the listener reaches it at call time.
    merchantPayments: { committed: (payment) => gateway.merchantPaymentListener.committed(payment) },
  });
  const agreements = createAgreements({
    db,
    clock,
    ledger,
    wallet,
    identity,
    riskHook: paymentRiskHook,
    // Family-card payments the engine sends to review are held and open a case, like payments.
    familyCardReview: { queue: createFamilyCardHoldQueue(clock), deadlineMs: config.riskReviewDeadlineMs },
    notifier,
    // Open-API agreements notify their merchant (dut_user_sign / unsign) in the change's transaction.
    changes: agreementChangeNotifier(),
  });
  const checkUp = createCheckUp({
    clock,
    identity,
    payments,
    lock,
    agreements: options.agreements ?? agreementsReviewOf(agreements),
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
    lock,
    risk: {
      port: createEngineWithdrawalRisk({ db, clock, engine: riskEngine }),
      reviewQueue: createWithdrawalHoldQueue(clock),
      reviewDeadlineMs: config.riskReviewDeadlineMs,
      notifier,
    },
  });
  const cases = createCases({ db, clock, payments, funding, agreements, identity, engine: riskEngine });
  const qrSigningKey = deriveQrSigningKey(options.masterKey);
  const gateway = createGateway({
    db,
    clock,
    ledger,
    payments,
    identity,
    sealingKey: deriveGatewaySealingKey(options.masterKey),
    billLinkKey: Buffer.from(
      hkdfSync('sha256', options.masterKey, Buffer.alloc(0), 'rampart gateway bill links v1', 32),
    ),
    // A precreate order's QR code is the wallet's signed code of kind `order` (docs/gateway.md).
    issueOrderCode: ({ tradeNo, amountMinor, currency, expiresAtMs }) =>
      encodeQrCode(qrSigningKey, {
        kind: 'order',
        subjectId: tradeNo,
        amount: { amountMinor, currency },
        issuedAtMs: clock.nowMs(),
        expiresAtMs: Math.max(expiresAtMs, clock.nowMs() + 1_000),
      }),
    publicUrl: publicUrl.origin,
    defaultFeeRateBp: config.gatewayFeeRateBp,
    deliverOnCommit: options.gatewayDeliverOnCommit ?? false,
    agreements,
    allowPrivateCallbacks: options.gatewayAllowPrivateCallbacks ?? false,
    resolveHost: options.gatewayResolveHost,
    refundableMonths: config.gatewayRefundableMonths,
  });
  const qr = createQr({
    db,
    clock,
    payments,
    signingKey: qrSigningKey,
    orders: {
      describe: (tradeNo) => gateway.describeOrder(tradeNo),
      pay: (input) => gateway.payOrder(input),
    },
  });
  const records = createRecords({ db });
  const messages = createMessages({ db, clock });
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
  const recovery = createRecovery({
    db,
    clock,
    identity,
    ledger,
    wallet,
    payments,
    masterKey: options.masterKey,
    grants: options.suspendUserGrants ?? {
      suspendAll: async (userId) => {
        const { agreements: a, familyCards } = await agreements.suspendAll(userId);
        return { suspended: a + familyCards };
      },
    },
    publicUrl: publicUrl.origin,
    documentsDir: options.documentsDir ?? documentsDirFor(config.dataDir),
  });
  return {
    ledger,
    identity,
    wallet,
    payments,
    funding,
    qr,
    records,
    factors,
    devInbox,
    delivery,
    credit,
    lock,
    checkUp,
    agreements,
    recovery,
    messages,
    gateway,
    riskEngine,
    cases,
  };
}

/** The risk engine's thresholds and fail modes from configuration (docs/risk.md). */
export function riskEngineConfigOf(config: Config): RiskEngineConfig {
  const failOpen = new Set(config.riskFailOpenKinds.split(',').filter(Boolean));
  const failMode = Object.fromEntries(
    RISK_EVENT_KINDS.map((kind) => [kind, failOpen.has(kind) ? 'open' : 'closed']),
  ) as Record<RiskEventKind, 'open' | 'closed'>;
  for (const kind of failOpen) {
    if (!RISK_EVENT_KINDS.includes(kind as RiskEventKind)) throw new Error(`unknown risk event kind ${kind}`);
  }
  return {
    thresholds: {
      challengeAt: config.riskChallengeAt,
      reviewAt: config.riskReviewAt,
      denyAt: config.riskDenyAt,
      freezeAt: config.riskFreezeAt,
    },
    failMode,
    rulesReloadCheckMs: config.riskRulesReloadCheckMs,
    modelMode: config.riskModelMode,
  };
}

/** One JSON line per risk log entry on stderr; nothing when logging is silenced. */
function stderrRiskLog(config: Config): RiskLog {
  const write = (level: string, details: Record<string, unknown>, message: string) => {
    if (config.logLevel === 'silent') return;
    const err = details.err instanceof Error ? { message: details.err.message } : details.err;
    process.stderr.write(`${JSON.stringify({ level, module: 'risk', msg: message, ...details, err })}\n`);
  };
  return {
    warn: (details, message) => write('warn', details, message),
    error: (details, message) => write('error', details, message),
  };
}

/** The trained model shipped in the repository (models/, checked against its sha256 manifest). */
export const RISK_MODEL_DIR = fileURLToPath(new URL('../models', import.meta.url));

export interface RiskScoring {
  readonly features: FeatureSource;
  readonly model: RiskModel | null;
  readonly featureNames: readonly string[];
}

/**
 * The risk engine's features and model for a running platform: the committed model and online
 * features kept in `state` — this process's memory by default (openPlatform rebuilds their windows
 * from the recorded decisions at start: docs/risk.md), Redis in the scale-out mode (docs/scale-out.md).
 */
export async function loadRiskScoring(
  modelDir: string = RISK_MODEL_DIR,
  state: FeatureState = new MemoryFeatureState(),
): Promise<RiskScoring> {
  const model = await ModelRegistry.open(modelDir);
  return { features: new OnlineFeatureSource(state), model, featureNames: FEATURE_NAMES };
}

/**
 * The feature state the configuration asks for. In Redis every process reads and writes the same
 * velocity windows (same limits as the memory state, so the features are the same); its keys sit
 * under `<prefix>:risk:` beside the rate limits.
 */
export function riskFeatureStateFor(config: Config, redis: RedisClient | undefined): FeatureState {
  if (riskFeatureStateOf(config) === 'memory') return new MemoryFeatureState();
  if (!redis) throw new Error('risk feature state in Redis needs a Redis client');
  const { delayDays, membersPerKeyMax } = MEMORY_STATE_DEFAULTS;
  return new RedisFeatureState(redis, {
    delayDays,
    membersPerKeyMax,
    keyPrefix: `${config.redisKeyPrefix}:risk:`,
  });
}

/** Opens the store, migrates, builds the modules. Caller closes `store`. */
export async function openPlatform(
  config: Config,
  options: {
    demo?: boolean;
    clock?: Clock;
    rateLimiter?: RateLimiter;
    /** Refill in-process risk feature windows from the recorded decisions (a process that will
     *  serve traffic: startPlatform; not migrate, seed or one-off commands). */
    rebuildRiskFeatures?: boolean;
    /** The process's Redis client (startPlatform's); without one, a platform whose configuration
     *  keeps risk features in Redis opens its own and closes it with the store (CLI commands). */
    redis?: RedisClient;
  } = {},
): Promise<Platform> {
  const opened = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    poolSizeMax: config.dbPoolSizeMax,
  });
  let store = opened;
  let redis = options.redis;
  if (!redis && riskFeatureStateOf(config) === 'redis' && config.redisUrl) {
    const own = createRedisClient(config.redisUrl);
    redis = own;
    store = {
      ...opened,
      close: async () => {
        own.disconnect();
        await opened.close();
      },
    };
  }
  let risk: RiskScoring;
  const clock = options.clock ?? systemClock;
  try {
    await migrateToLatest(store);
    risk = await loadRiskScoring(RISK_MODEL_DIR, riskFeatureStateFor(config, redis));
    // Embedded mode: in-process windows start empty; refill them from what the database recorded
    // so velocity and fan-in rules remember the last hour (and 30 days) across a restart.
    if (
      options.rebuildRiskFeatures &&
      risk.features instanceof OnlineFeatureSource &&
      risk.features.state instanceof MemoryFeatureState
    ) {
      const nowMs = clock.nowMs();
      const days = rebuildDays(risk.features.delayDays);
      await rebuildFeaturesFromDecisions(store.db, risk.features, {
        nowMs,
        days,
        // Wrong payment passwords were observed, not decided: replayed from their security events.
        observed: await recordedPaymentPasswordFailures(store.db, {
          sinceMs: nowMs - days * 86_400_000,
          untilMs: nowMs,
        }),
      });
    }
  } catch (error) {
    await store.close();
    throw error;
  }
  const modules = createModules(store, config, clock, {
    masterKey: loadMasterKey(config),
    devMode: isDevMode(config, options.demo ?? false),
    gatewayDeliverOnCommit: true,
    // The demo's merchant app listens on this machine: explicitly allowed there, refused otherwise.
    gatewayAllowPrivateCallbacks: config.gatewayAllowPrivateCallbacks ?? options.demo ?? false,
    risk,
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
    rebuildRiskFeatures: true,
    ...(redis ? { redis } : {}),
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
  const { ledger, identity, wallet, credit, agreements, gateway } = platform.modules;
  const seeding = options.demo && !options.skipSeed;
  const demoReport = seeding
    ? await seedDemo({ db: platform.store.db, identity, wallet, ledger, credit, agreements, gateway })
    : undefined;
  if (seeding) await platform.modules.recovery.seedDemo();
  const app = await buildApp({
    config,
    clock: systemClock,
    ping: platform.store.ping,
    instanceId: newId('inst'),
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
  // Credit: last month's statements on the 1st, overdue marks after the 10th (docs/credit.md).
  jobs.register({
    name: 'credit.run-due',
    intervalMs: CREDIT_RUN_INTERVAL_MS,
    run: (nowMs) => credit.runDue(nowMs),
  });
  // Issue 7: manual recoveries whose 24-hour cool-down ended (rows claimed with SKIP LOCKED).
  jobs.register({
    name: 'recovery.run-due',
    intervalMs: RECOVERY_DUE_INTERVAL_MS,
    run: (nowMs) => platform.modules.recovery.runDue(nowMs),
  });
  // Open API: close timed-out trades, settle confirmed order payments, deliver notifications.
  jobs.register({
    name: 'gateway.run-due',
    intervalMs: config.gatewayDueIntervalMs,
    run: (nowMs) => platform.modules.gateway.runDue(nowMs),
  });
  // Open API: paid trades past the refundable period become TRADE_FINISHED (docs/gateway.md).
  jobs.register({
    name: 'gateway.finish-trades',
    intervalMs: GATEWAY_FINISH_INTERVAL_MS,
    run: (nowMs) => platform.modules.gateway.finishDue(nowMs),
  });
  // Issue 5: payments held for review past their deadline are voided and their cases closed.
  jobs.register({
    name: 'risk.expire-reviews',
    intervalMs: config.holdSweepIntervalMs,
    run: () => platform.modules.cases.expireOverdue(),
  });
  jobs.start();

  // PGlite: checkpoint and flush the data directory every 5 minutes (see pglite-durability.ts).
  const checkpoint = setInterval(() => {
    platform.store.checkpoint().catch((error: unknown) => app.log.error({ err: error }, 'checkpoint failed'));
  }, 5 * 60_000);
  checkpoint.unref();

  await app.listen({ port: config.port, host: config.host });
  if (demoReport?.merchantApp) {
    // The demo merchant's private key exists only now: kept in the data dir for the developer
    // trying alipay-sdk against this gateway (docs/gateway.md, "Try it").
    const onDisk = !config.dataDir.startsWith('memory://');
    const file = onDisk ? join(config.dataDir, 'demo-merchant-app.json') : undefined;
    if (file) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(demoReport.merchantApp, null, 2)}\n`, { mode: 0o600 });
      app.log.warn({ file, appId: demoReport.merchantApp.appId }, 'demo merchant app keys written');
    } else {
      // The in-memory store of tests has no data directory: a private key is never printed, only
      // what identifies the app.
      app.log.warn(
        { appId: demoReport.merchantApp.appId },
        'demo merchant app created; its keys were not kept',
      );
    }
  }
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

/** The check-up's view of agreements: active ones whose last review (or signing) is older than the cut-off. */
function agreementsReviewOf(agreements: Agreements): AgreementsReviewPort {
  return {
    countNotReviewed: async ({ userId, reviewedSinceMs }) => {
      const active = (await agreements.listAgreements(userId)).filter((a) => a.status === 'active');
      const notReviewed = active.filter(
        (a) => (a.reviewedAt ?? a.signedAt ?? a.createdAt).getTime() < reviewedSinceMs,
      );
      return { active: active.length, notReviewed: notReviewed.length };
    },
  };
}
