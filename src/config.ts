/**
 * Configuration: environment → validated, frozen object. Every limit lives here with its unit.
 * Nothing else reads process.env.
 */
import { z } from 'zod';

const MINUTE_MS = 60_000;

const schema = z.object({
  host: z.string().min(1).default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65_535).default(8080),
  /** Set for PostgreSQL; unset means the embedded PGlite store in `dataDir`. */
  databaseUrl: z.string().url().optional(),
  dataDir: z.string().min(1).default('./data/rampart'),
  dbPoolSizeMax: z.coerce.number().int().min(1).max(200).default(16),
  /** ASVS 5.0 §7.3: idle timeout 30 minutes, absolute lifetime 12 hours for a financial app. */
  sessionIdleTimeoutMs: z.coerce
    .number()
    .int()
    .min(MINUTE_MS)
    .default(30 * MINUTE_MS),
  sessionLifetimeMs: z.coerce
    .number()
    .int()
    .min(MINUTE_MS)
    .default(12 * 60 * MINUTE_MS),
  /** Secure cookies need HTTPS; on by default, off only for plain-HTTP localhost (demo). */
  cookieSecure: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  /** Bearer token for the operator ledger API; unset disables that API. */
  operatorToken: z.string().min(32).optional(),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Request bodies above this are refused with 413 before parsing. */
  bodyLimitBytes: z.coerce
    .number()
    .int()
    .min(1024)
    .max(10 * 1024 * 1024)
    .default(64 * 1024),
  /** Directory of the built web app (served at /). */
  webDistDir: z.string().default('web/dist'),
  /** Base64 (≥ 32 bytes) master secret for the payment-password pepper, TOTP-seed encryption and
   *  code HMACs. Unset on the embedded store: generated once into `<dataDir>.key` (mode 0600). */
  masterKey: z.string().min(43).optional(),
  /** Where people open the web app; links in messages and the WebAuthn origin/RP ID derive from it. */
  publicUrl: z.string().url().optional(),
  /** smtp:// or smtps:// URL of the mail relay; unset in dev mode = the developer inbox. */
  smtpUrl: z.string().url().optional(),
  mailFrom: z.string().min(3).default('Rampart <no-reply@rampart.local>'),
  /** Dev mode: SMS and (without SMTP) e-mail go to the developer inbox at /dev/inbox. On in demo. */
  devMode: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  /** How often the notification delivery worker looks for due messages. */
  deliveryIntervalMs: z.coerce.number().int().min(100).default(1_000),
  /** How often the hold-expiry sweep runs. */
  holdSweepIntervalMs: z.coerce.number().int().min(100).default(1_000),
  /** Open API: the fee rate for newly onboarded merchants, basis points (60 = 0.6 %). */
  gatewayFeeRateBp: z.coerce.number().int().min(0).max(1000).default(60),
  /** Open API: how often runDue closes timed-out trades and delivers notifications. */
  gatewayDueIntervalMs: z.coerce.number().int().min(50).default(250),
  /**
   * Open API: notify_url / return_url may point at loopback, private, link-local or metadata
   * addresses (SSRF guard off). Unset: off, except in demo mode (its merchant is on 127.0.0.1).
   */
  gatewayAllowPrivateCallbacks: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
  /** Open API: months after payment during which a trade can be refunded, then TRADE_FINISHED
   *  (Alipay's default contract: 3). */
  gatewayRefundableMonths: z.coerce.number().int().min(1).max(36).default(3),
  /** Issue 5: model-probability thresholds of the risk engine (0..1, ascending). */
  riskChallengeAt: z.coerce.number().min(0).max(1).default(0.3),
  riskReviewAt: z.coerce.number().min(0).max(1).default(0.6),
  riskDenyAt: z.coerce.number().min(0).max(1).default(0.85),
  riskFreezeAt: z.coerce.number().min(0).max(1).default(0.97),
  /** Event kinds where a failure inside the risk engine allows (fail open); the others deny. */
  riskFailOpenKinds: z
    .string()
    .regex(/^[a-z_]*(,[a-z_]+)*$/)
    .default('sign_in,new_payee'),
  /** A payment held for review is voided when no operator decided within this time. */
  riskReviewDeadlineMs: z.coerce
    .number()
    .int()
    .min(MINUTE_MS)
    .default(24 * 60 * MINUTE_MS),
  /** How often a decision looks for a newer rule set (hot reload). */
  riskRulesReloadCheckMs: z.coerce.number().int().min(0).default(1_000),
  /** Whether the model's score decides (`enforce`) or is only recorded (`shadow`, the default:
   *  the shipped model is trained on the handbook's card payments, not on wallet traffic). */
  riskModelMode: z.enum(['enforce', 'shadow']).default('shadow'),
  /** Scale-out (docs/scale-out.md): redis:// URL for shared rate limits; unset = in-process. */
  redisUrl: z.string().url().optional(),
  /** Where the risk engine's velocity windows live (docs/scale-out.md): `redis` (the default when
   *  REDIS_URL is set, so every process sees the same windows) or `memory` (this process only; the
   *  embedded default). `redis` without REDIS_URL is refused. */
  riskFeatureState: z.enum(['memory', 'redis']).optional(),
  /** Scale-out: nats:// URL of a JetStream server for domain events; unset = in-process delivery. */
  natsUrl: z.string().url().optional(),
  /** Prefix of the Redis rate-limit keys (several deployments, or test runs, on one Redis). */
  redisKeyPrefix: z
    .string()
    .regex(/^[a-z0-9:_-]{1,40}$/)
    .default('rampart'),
  /** Multiplies every rate-limit budget. Benchmarks only (many sign-ins from one IP); refused
   *  above 1 unless dev mode is on (loadConfig below). */
  rateLimitFactor: z.coerce.number().int().min(1).max(1_000_000).default(1),
  /** JetStream stream name (its subjects are its lower-cased name, `.>`); tests use their own. */
  natsStream: z
    .string()
    .regex(/^[A-Z][A-Z0-9_]{0,31}$/)
    .default('RAMPART_EVENTS'),
  /** How often the event outbox publisher looks for new events. */
  eventsPublishIntervalMs: z.coerce.number().int().min(10).default(200),
});

export type Config = Readonly<z.infer<typeof schema>>;

/** Where the risk velocity windows live: Redis when configured (explicitly or by REDIS_URL). */
export function riskFeatureStateOf(config: Config): 'memory' | 'redis' {
  return config.riskFeatureState ?? (config.redisUrl ? 'redis' : 'memory');
}

export function loadConfig(
  env: NodeJS.ProcessEnv,
  overrides: Partial<Record<keyof Config, unknown>> = {},
): Config {
  const fromEnv = {
    host: env.RAMPART_HOST,
    port: env.RAMPART_PORT ?? env.PORT,
    databaseUrl: env.DATABASE_URL || undefined,
    dataDir: env.RAMPART_DATA_DIR,
    dbPoolSizeMax: env.RAMPART_DB_POOL_MAX,
    sessionIdleTimeoutMs: env.RAMPART_SESSION_IDLE_TIMEOUT_MS,
    sessionLifetimeMs: env.RAMPART_SESSION_LIFETIME_MS,
    cookieSecure: env.RAMPART_COOKIE_SECURE,
    operatorToken: env.RAMPART_OPERATOR_TOKEN || undefined,
    logLevel: env.RAMPART_LOG_LEVEL,
    bodyLimitBytes: env.RAMPART_BODY_LIMIT_BYTES,
    webDistDir: env.RAMPART_WEB_DIST_DIR,
    holdSweepIntervalMs: env.RAMPART_HOLD_SWEEP_INTERVAL_MS,
    masterKey: env.RAMPART_MASTER_KEY || undefined,
    publicUrl: env.RAMPART_PUBLIC_URL || undefined,
    smtpUrl: env.RAMPART_SMTP_URL || undefined,
    mailFrom: env.RAMPART_MAIL_FROM || undefined,
    devMode: env.RAMPART_DEV_MODE || undefined,
    deliveryIntervalMs: env.RAMPART_DELIVERY_INTERVAL_MS,
    gatewayFeeRateBp: env.RAMPART_GATEWAY_FEE_BP,
    gatewayDueIntervalMs: env.RAMPART_GATEWAY_DUE_INTERVAL_MS,
    gatewayAllowPrivateCallbacks: env.RAMPART_GATEWAY_ALLOW_PRIVATE_CALLBACKS || undefined,
    gatewayRefundableMonths: env.RAMPART_GATEWAY_REFUNDABLE_MONTHS,
    riskChallengeAt: env.RAMPART_RISK_CHALLENGE_AT,
    riskReviewAt: env.RAMPART_RISK_REVIEW_AT,
    riskDenyAt: env.RAMPART_RISK_DENY_AT,
    riskFreezeAt: env.RAMPART_RISK_FREEZE_AT,
    riskFailOpenKinds: env.RAMPART_RISK_FAIL_OPEN_KINDS,
    riskReviewDeadlineMs: env.RAMPART_RISK_REVIEW_DEADLINE_MS,
    riskRulesReloadCheckMs: env.RAMPART_RISK_RULES_RELOAD_CHECK_MS,
    riskModelMode: env.RAMPART_RISK_MODEL_MODE || undefined,
    redisUrl: env.REDIS_URL || undefined,
    riskFeatureState: env.RAMPART_RISK_FEATURE_STATE || undefined,
    natsUrl: env.NATS_URL || undefined,
    natsStream: env.RAMPART_NATS_STREAM || undefined,
    redisKeyPrefix: env.RAMPART_REDIS_KEY_PREFIX || undefined,
    rateLimitFactor: env.RAMPART_RATE_LIMIT_FACTOR || undefined,
    eventsPublishIntervalMs: env.RAMPART_EVENTS_PUBLISH_INTERVAL_MS,
  };
  const defined = (o: object) => Object.entries(o).filter(([, value]) => value !== undefined);
  const merged = Object.fromEntries([...defined(fromEnv), ...defined(overrides)]);
  const parsed = schema.safeParse(merged);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`invalid configuration: ${problems}`);
  }
  if (parsed.data.riskFeatureState === 'redis' && !parsed.data.redisUrl) {
    throw new Error('invalid configuration: RAMPART_RISK_FEATURE_STATE=redis needs REDIS_URL');
  }
  if (parsed.data.rateLimitFactor > 1 && parsed.data.devMode !== true) {
    throw new Error(
      'invalid configuration: rateLimitFactor above 1 needs RAMPART_DEV_MODE=true (benchmarks only)',
    );
  }
  return Object.freeze(parsed.data);
}
