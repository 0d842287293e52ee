/**
 * The second factors together: TOTP, backup codes, passkeys. The `/me` routes use them through
 * this object; sign-in, step-up and payment confirmation use them through `SecondFactorChecks`
 * (context.ts), which `toSecondFactorChecks` adapts them to.
 */
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/index.ts';
import { DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { type BackupCodes, createBackupCodes } from './backup-codes.ts';
import type { SecondFactorChecks } from './context.ts';
import { FACTOR_ERRORS } from './factor-errors.ts';
import { createPasskeys, type Passkeys, type WebAuthnConfig } from './passkeys.ts';
import type { Notifier } from './ports.ts';
import type { IdentitySecrets } from './secrets.ts';
import { createTotpFactor, type TotpFactor } from './totp.ts';
import { authenticationResponseSchema } from './webauthn-json.ts';

export interface SecondFactorsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly secrets: IdentitySecrets;
  readonly notifier: Notifier;
  /** The issuer shown in authenticator apps. */
  readonly totpIssuer?: string | undefined;
  readonly webauthn: WebAuthnConfig;
}

export interface SecondFactors {
  readonly totp: TotpFactor;
  readonly backupCodes: BackupCodes;
  readonly passkeys: Passkeys;
}

export const DEFAULT_TOTP_ISSUER = 'Rampart';

export function createSecondFactors(deps: SecondFactorsDeps): SecondFactors {
  const { db, clock, secrets, notifier } = deps;
  return {
    totp: createTotpFactor({ db, clock, secrets, notifier, issuer: deps.totpIssuer ?? DEFAULT_TOTP_ISSUER }),
    backupCodes: createBackupCodes({ db, clock, secrets, notifier }),
    passkeys: createPasskeys({ db, clock, notifier, webauthn: deps.webauthn }),
  };
}

/** What sign-in and step-up call. The assertion arrives as `unknown` and is validated here. */
export function toSecondFactorChecks(factors: SecondFactors): SecondFactorChecks {
  return {
    totpEnabled: (userId) => factors.totp.isEnabled(userId),
    verifyTotp: (userId, code) => factors.totp.verify(userId, code),
    backupCodesLeft: (userId) => factors.backupCodes.remaining(userId),
    consumeBackupCode: (userId, code) => factors.backupCodes.consume(userId, code),
    passkeyCount: (userId) => factors.passkeys.count(userId),
    passkeyOptions: (input) =>
      factors.passkeys.authenticationOptions({
        userId: input.userId ?? undefined,
        purpose: input.purpose,
        subjectId: input.subjectId ?? undefined,
      }),
    async verifyPasskey(input) {
      const parsed = authenticationResponseSchema.safeParse(input.response);
      if (!parsed.success) {
        throw new DomainError(FACTOR_ERRORS.PASSKEY_VERIFICATION_FAILED, { reason: 'malformed' });
      }
      return factors.passkeys.verifyAuthentication({
        ceremonyId: input.ceremonyId,
        response: parsed.data,
        expectedUserId: input.expectedUserId ?? undefined,
        purpose: input.purpose,
        subjectId: input.subjectId ?? undefined,
      });
    },
  };
}
