/** The whole HTTP app on a test store, for `app.inject()` tests. */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../app.ts';
import { type Config, loadConfig } from '../config.ts';
import { seedDemo } from '../demo/index.ts';
import type { RateLimiter } from '../identity/index.ts';
import { createModules } from '../main.ts';
import { type Clock, ManualClock } from '../shared/index.ts';
import { openTestStore, type TestStore } from './test-store.ts';

/** The origin test WebAuthn ceremonies use (the soft authenticator signs for it). */
export const TEST_PUBLIC_URL = 'http://localhost:8080';

export const TEST_OPERATOR_TOKEN = 'test-operator-token-0123456789abcdef0123456789';

type CreateModulesOptions = Parameters<typeof createModules>[3];

export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: TestStore;
  readonly clock: ManualClock;
  readonly modules: ReturnType<typeof createModules>;
  close(): Promise<void>;
}

export async function openTestApp(
  options: {
    demo?: boolean;
    clock?: Clock;
    /** Replaces the production rate limits (tests that send many SMS codes to one phone). */
    rateLimiter?: RateLimiter;
    /** Where manual-recovery documents are stored (a temporary folder per test). */
    documentsDir?: string;
    /** The open API's SSRF guard: tests' merchants listen on 127.0.0.1, so allowed unless false. */
    allowPrivateCallbacks?: boolean;
    /** Replaces DNS for notify_url hosts. */
    resolveHost?: (host: string) => Promise<string[]>;
    /** The gateway delivers (and settles on payments' commit hook) at once, as the server does. */
    gatewayDeliverOnCommit?: boolean;
    /** Settings over the tests' own (e.g. riskRulesReloadCheckMs: 0 so a saved rule set decides at once). */
    config?: Partial<Record<keyof Config, unknown>>;
    /** The risk engine's feature source and model (tests of real features), and where it logs. */
    risk?: CreateModulesOptions['risk'];
    riskLog?: CreateModulesOptions['riskLog'];
  } = {},
): Promise<TestApp> {
  const store = await openTestStore();
  const clock = options.clock instanceof ManualClock ? options.clock : new ManualClock(Date.now());
  const config = loadConfig(
    {},
    { logLevel: 'silent', operatorToken: TEST_OPERATOR_TOKEN, webDistDir: '/nonexistent', ...options.config },
  );
  const modules = createModules(store, config, clock, {
    masterKey: randomBytes(32),
    devMode: true,
    publicUrl: new URL(TEST_PUBLIC_URL),
    gatewayAllowPrivateCallbacks: options.allowPrivateCallbacks ?? true,
    ...(options.resolveHost ? { gatewayResolveHost: options.resolveHost } : {}),
    gatewayDeliverOnCommit: options.gatewayDeliverOnCommit ?? false,
    ...(options.rateLimiter ? { rateLimiter: options.rateLimiter } : {}),
    ...(options.documentsDir ? { documentsDir: options.documentsDir } : {}),
    ...(options.risk ? { risk: options.risk } : {}),
    ...(options.riskLog ? { riskLog: options.riskLog } : {}),
  });
  if (options.demo ?? true) await seedDemo({ db: store.db, ...modules });
  const app = await buildApp({ config, clock, ping: store.ping, ...modules, demo: options.demo ?? true });
  await app.ready();
  return {
    app,
    store,
    clock,
    modules,
    close: async () => {
      await app.close();
      await modules.ledger.drain();
      await store.close();
    },
  };
}
