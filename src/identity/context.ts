/** What every identity use case receives: built once by createIdentity, never a global. */
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { OneTimeCodes } from './one-time-codes.ts';
import type {
  GeoLocation,
  GeoLocator,
  Locale,
  Notifier,
  PaymentPasswordRiskPort,
  RateLimiter,
  SecurityChangeRiskPort,
  SignInRiskPort,
} from './ports.ts';
import type { IdentitySecrets } from './secrets.ts';

/** What sign-in and step-up need from the second factors (totp.ts, backup-codes.ts, passkeys.ts). */
export interface SecondFactorChecks {
  totpEnabled(userId: string): Promise<boolean>;
  verifyTotp(userId: string, code: string): Promise<boolean>;
  backupCodesLeft(userId: string): Promise<number>;
  consumeBackupCode(userId: string, code: string): Promise<boolean>;
  passkeyCount(userId: string): Promise<number>;
  passkeyOptions(input: {
    userId: string | null;
    purpose: PasskeyPurpose;
    subjectId: string | null;
  }): Promise<{
    ceremonyId: string;
    options: unknown;
  }>;
  /** Throws a coded error when the assertion does not verify; returns whose passkey it was. */
  verifyPasskey(input: {
    ceremonyId: string;
    response: unknown;
    expectedUserId: string | null;
    purpose: PasskeyPurpose;
    subjectId: string | null;
  }): Promise<{ userId: string }>;
}

export type PasskeyPurpose = 'sign_in' | 'second_factor' | 'step_up' | 'payment';

export interface IdentityConfig {
  readonly sessionIdleTimeoutMs: number;
  readonly sessionLifetimeMs: number;
  /** Base URL of the web app, for links in messages (the "this wasn't me" link). */
  readonly publicUrl: string;
}

export interface IdentityContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly secrets: IdentitySecrets;
  readonly notifier: Notifier;
  readonly geo: GeoLocator;
  readonly rateLimiter: RateLimiter;
  readonly codes: OneTimeCodes;
  readonly factors: SecondFactorChecks;
  readonly config: IdentityConfig;
  /** Issue 5: the risk engine's decision on sign-ins; absent, identity's own checks decide. */
  readonly signInRisk?: SignInRiskPort | undefined;
  /** Issue 5: the risk engine's decision on security changes; absent, the step-up decides. */
  readonly securityChangeRisk?: SecurityChangeRiskPort | undefined;
  /** Issue 5: where wrong payment-password entries are reported; absent, they are not. */
  readonly paymentPasswordRisk?: PaymentPasswordRiskPort | undefined;
}

/** Where a request comes from, as the HTTP edge saw it. */
export interface RequestOrigin {
  readonly ip: string;
  readonly userAgent: string | undefined;
  /** The long-lived device cookie/header value, if the client has one. */
  readonly deviceKey: string | undefined;
  readonly locale: Locale;
}

export interface Located extends RequestOrigin {
  readonly location: GeoLocation | null;
}
