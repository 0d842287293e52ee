/**
 * The only place that wires: config → store → modules → app.listen. `startPlatform` is what the
 * CLI's `serve`, the browser tests and the benchmarks start.
 */
import { hkdfSync } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { type Agreements, createAgreements } from './agreements/index.ts';
import { buildApp } from './app.ts';
import { type Config, loadConfig } from './config.ts';
import { CREDIT_RUN_INTERVAL_MS, createCredit } from './credit/index.ts';
import { seedDemo } from './demo/index.ts';
import {
  type BankConnector,
  createFunding,
  createSimulatedBankConnector,
  deriveCardHmacKey,
  SETTLE_INTERVAL_MS,
} from './funding/index.ts';
import { createGateway, deriveGatewaySealingKey } from './gateway/index.ts';
import { createGeoLocator } from './geo/index.ts';
import {
  createIdentity,
  createIdentitySecrets,
  createSecondFactors,
  type RateLimiter,
  toSecondFactorChecks,
} from './identity/index.ts';
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
import { createAllowAllRiskHook, createPayments, type RiskHook } from './payments/index.ts';
import { type AgreementsReviewPort, createCheckUp, createSecurityLock } from './protection/index.ts';
import { createQr, deriveQrSigningKey, encodeQrCode } from './qr/index.ts';
import { createRateLimiter } from './ratelimit/index.ts';
import { createRecords } from './records/index.ts';
import {
  createRecovery,
  documentsDirFor,
  RECOVERY_DUE_INTERVAL_MS,
  type SuspendUserGrants,
} from './recovery/index.ts';
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
  const credit = createCredit({ db, clock, ledger, wallet });
  const lock = createSecurityLock({ db, clock, notifier });
  const payments = createPayments({
    db,
    clock,
    ledger,
    wallet,
    identity,
    factors: toSecondFactorChecks(factors),
    notifier,
    riskHook: options.riskHook ?? createAllowAllRiskHook(),
    creditLine: { accountForSpending: credit.accountForSpending },
    guard: lock.paymentGuard,
  });
  const agreements = createAgreements({
    db,
    clock,
    ledger,
    wallet,
    identity,
    riskHook: options.riskHook ?? createAllowAllRiskHook(),
    notifier,
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
  });
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
  };
}

/** Opens the store, migrates, builds the modules. Caller closes `store`. */
export async function openPlatform(
  config: Config,
  options: { demo?: boolean; clock?: Clock } = {},
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
    gatewayDeliverOnCommit: true,
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
  const platform = await openPlatform(config, { demo: options.demo });
  const { ledger, identity, wallet, credit, agreements, gateway } = platform.modules;
  const demoReport = options.demo
    ? await seedDemo({ db: platform.store.db, identity, wallet, ledger, credit, agreements, gateway })
    : undefined;
  if (options.demo) await platform.modules.recovery.seedDemo();
  const app = await buildApp({
    config,
    clock: systemClock,
    ping: platform.store.ping,
    ...platform.modules,
    demo: options.demo,
  });
  platform.modules.delivery.start(config.deliveryIntervalMs);

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
  // Funding: settle top-ups and withdrawals whose bank answer is due. The state is in the
  // database (docs/funding.md), so a restart picks up where the last process stopped.
  let settling = false;
  const settle = setInterval(() => {
    if (settling) return;
    settling = true;
    platform.modules.funding
      .settleDue()
      .catch((error: unknown) => app.log.error({ err: error }, 'funding settlement failed'))
      .finally(() => {
        settling = false;
      });
  }, SETTLE_INTERVAL_MS);
  settle.unref();
  // Credit: last month's statements on the 1st, overdue marks after the 10th (docs/credit.md).
  let billing = false;
  const bill = setInterval(() => {
    if (billing) return;
    billing = true;
    credit
      .runDue(systemClock.nowMs())
      .catch((error: unknown) => app.log.error({ err: error }, 'credit statements failed'))
      .finally(() => {
        billing = false;
      });
  }, CREDIT_RUN_INTERVAL_MS);
  bill.unref();
  // Issue 7: manual recoveries whose 24-hour cool-down ended. The state is in the database and
  // rows are claimed with SKIP LOCKED, so any number of processes may run this.
  let recovering = false;
  const recoveryDue = setInterval(() => {
    if (recovering) return;
    recovering = true;
    platform.modules.recovery
      .runDue(systemClock.nowMs())
      .catch((error: unknown) => app.log.error({ err: error }, 'recovery cool-down sweep failed'))
      .finally(() => {
        recovering = false;
      });
  }, RECOVERY_DUE_INTERVAL_MS);
  recoveryDue.unref();
  // Open API: close timed-out trades, settle confirmed order payments, deliver notifications.
  // All state is in the database and rows are claimed (SKIP LOCKED), so several processes may
  // run this at once and a restart loses nothing (docs/gateway.md).
  let gatewayRunning = false;
  const gatewayDue = setInterval(() => {
    if (gatewayRunning) return;
    gatewayRunning = true;
    platform.modules.gateway
      .runDue(Date.now())
      .catch((error: unknown) => app.log.error({ err: error }, 'gateway runDue failed'))
      .finally(() => {
        gatewayRunning = false;
      });
  }, config.gatewayDueIntervalMs);
  gatewayDue.unref();
  // PGlite: checkpoint and flush the data directory every 5 minutes (see pglite-durability.ts).
  const checkpoint = setInterval(() => {
    platform.store.checkpoint().catch((error: unknown) => app.log.error({ err: error }, 'checkpoint failed'));
  }, 5 * 60_000);
  checkpoint.unref();

  await app.listen({ port: config.port, host: config.host });
  if (demoReport?.merchantApp) {
    // The demo merchant's private key exists only now: kept in the data dir for the developer
    // trying alipay-sdk against this gateway (docs/gateway.md, "Try it").
    const file = config.dataDir ? join(config.dataDir, 'demo-merchant-app.json') : undefined;
    if (file) {
      mkdirSync(config.dataDir, { recursive: true });
      writeFileSync(file, `${JSON.stringify(demoReport.merchantApp, null, 2)}\n`, { mode: 0o600 });
      app.log.warn({ file, appId: demoReport.merchantApp.appId }, 'demo merchant app keys written');
    } else {
      process.stdout.write(`demo merchant app (alipay-sdk): ${JSON.stringify(demoReport.merchantApp)}\n`);
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
    close: async () => {
      clearInterval(sweep);
      clearInterval(settle);
      clearInterval(bill);
      clearInterval(recoveryDue);
      clearInterval(checkpoint);
      clearInterval(gatewayDue);
      await app.close();
      await platform.modules.delivery.stop();
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
