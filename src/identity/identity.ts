import { DomainError, newId } from '../shared/index.ts';
import { createAccountSecurity } from './account-security.ts';
import { createAlerts } from './alerts.ts';
import type { IdentityContext, Located, RequestOrigin } from './context.ts';
import { createDevices } from './devices.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { createOneTimeCodes } from './one-time-codes.ts';
import { checkPaymentPassword } from './password-policy.ts';
import { hashSecret } from './passwords.ts';
import { normalizePhone } from './phone.ts';
import { createRecoverySupport } from './recovery-support.ts';
import { lastSecurityChangeAt, listSecurityEvents } from './security-events.ts';
import { createSessions, type User } from './sessions.ts';
import { createSignIn } from './sign-in.ts';
import { createSignUp } from './sign-up.ts';

/** Everything a use case gets, but the one-time codes, which createIdentity builds. */
export type IdentityDeps = Omit<IdentityContext, 'codes'>;

export type Identity = ReturnType<typeof createIdentity>;

export function createIdentity(deps: IdentityDeps) {
  const codes = createOneTimeCodes({ db: deps.db, secrets: deps.secrets, notifier: deps.notifier });
  const ctx: IdentityContext = { ...deps, codes };
  const sessions = createSessions(ctx);
  const { db, clock } = deps;

  return {
    /** Adds the location to what the HTTP edge saw. */
    locate(origin: RequestOrigin): Located {
      return { ...origin, location: deps.geo.locate(origin.ip) };
    },
    signUp: createSignUp(ctx),
    signIn: createSignIn(ctx),
    sessions,
    authenticate: sessions.authenticate,
    devices: createDevices(ctx),
    security: createAccountSecurity(ctx, sessions),
    alerts: createAlerts(ctx),
    /** Issue 7's freeze, unfreeze and recovery flows (src/recovery) use identity through this. */
    recoverySupport: createRecoverySupport(ctx),
    listSecurityEvents: (input: { userId: string; limit: number; beforeId?: bigint | undefined }) =>
      listSecurityEvents(db, input),
    /** Issue 5: when the user last changed a password, phone, e-mail or removed a factor. */
    lastSecurityChangeAt: (userId: string) => lastSecurityChangeAt(db, userId),

    /** Creates a user directly, phone already verified (demo seed, operator tooling). */
    async createUser(input: {
      phoneE164: string;
      displayName: string;
      password: string;
      paymentPassword?: string;
    }): Promise<User> {
      const phone = normalizePhone(input.phoneE164);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      if (input.paymentPassword && !checkPaymentPassword(input.paymentPassword, { phoneE164: phone }).ok) {
        throw new DomainError(IDENTITY_ERRORS.TRIVIAL_PAYMENT_PASSWORD);
      }
      const nowMs = clock.nowMs();
      const row = await db
        .insertInto('users')
        .values({
          id: newId('usr'),
          phone_e164: phone,
          display_name: input.displayName,
          login_password_hash: await hashSecret(input.password),
          payment_password_hash: input.paymentPassword
            ? await hashSecret(deps.secrets.pepperPaymentPassword(input.paymentPassword))
            : null,
          phone_verified_at: new Date(nowMs),
          password_changed_at: new Date(nowMs),
          created_at: new Date(nowMs),
        })
        .onConflict((oc) => oc.doNothing())
        .returning(['id', 'phone_e164', 'display_name'])
        .executeTakeFirst();
      if (!row) throw new DomainError(IDENTITY_ERRORS.PHONE_TAKEN);
      return { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name };
    },

    async findUserByPhone(phoneE164: string): Promise<User | undefined> {
      const row = await db
        .selectFrom('users')
        .select(['id', 'phone_e164', 'display_name'])
        .where('phone_e164', '=', phoneE164)
        .executeTakeFirst();
      return row && { id: row.id, phoneE164: row.phone_e164, displayName: row.display_name };
    },
  };
}
