/**
 * Sign-in: password, then — for a new device, a new country, an impossible speed, or an account
 * with TOTP on — a second factor (SMS code, TOTP, backup code or passkey) before a session opens.
 * Passkeys alone also sign in (possession + biometric). Every outcome is a security event; a
 * completed sign-in from somewhere new sends an alert with a one-time "this wasn't me" link.
 *
 * Lockout (login-lockout.ts): 5 wrong passwords for a phone number lock password sign-in for it
 * for 15 minutes, counted by the number typed (registered or not) so the answers never reveal an
 * account.
 */
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import { createAlertLink, freezeAccount } from './alerts.ts';
import type { IdentityContext, Located, PasskeyPurpose } from './context.ts';
import { bindDevice, describeUserAgent, findDevice } from './devices.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { clearLoginFailures, countLoginFailure, loginLockedUntil } from './login-lockout.ts';
import { noticeToAllChannels } from './notices.ts';
import { hashSecret, verifySecret } from './passwords.ts';
import { normalizePhone } from './phone.ts';
import { enforceRateLimit } from './rate-limits.ts';
import { recordSecurityEvent } from './security-events.ts';
import { openSession, sha256Hex } from './sessions.ts';
import { assessSignInRisk, type ChallengeReason } from './sign-in-risk.ts';
import type { SignedIn } from './sign-up.ts';

export const CHALLENGE_TTL_MS = 10 * 60_000;
export const CHALLENGE_ATTEMPTS_MAX = 5;

export type SecondFactorMethod = 'sms' | 'totp' | 'backup_code' | 'passkey';

export type SignInOutcome =
  | ({ status: 'signed_in' } & SignedIn)
  | {
      status: 'second_factor_required';
      challengeId: string;
      challengeToken: string;
      reasons: ChallengeReason[];
      methods: SecondFactorMethod[];
    };

export function createSignIn(ctx: IdentityContext) {
  const { db, clock, factors } = ctx;
  // Verified against when the phone is unknown, so a miss costs the same time as a wrong password.
  const decoyHash = hashSecret(newSecretToken());

  async function methodsFor(userId: string): Promise<SecondFactorMethod[]> {
    const methods: SecondFactorMethod[] = ['sms'];
    if (await factors.totpEnabled(userId)) methods.push('totp');
    if ((await factors.backupCodesLeft(userId)) > 0) methods.push('backup_code');
    if ((await factors.passkeyCount(userId)) > 0) methods.push('passkey');
    return methods;
  }

  /** Opens the session for a verified user; alerts when the sign-in came from somewhere new. */
  async function finishSignIn(input: {
    userId: string;
    origin: Located;
    authMethods: string[];
    reasons: ChallengeReason[];
    strong: boolean;
  }): Promise<{ status: 'signed_in' } & SignedIn> {
    const nowMs = clock.nowMs();
    return db.transaction().execute(async (trx) => {
      const user = await trx
        .selectFrom('users')
        .select(['id', 'phone_e164', 'display_name'])
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      const device = await bindDevice(trx, nowMs, { userId: user.id, origin: input.origin });
      const session = await openSession(trx, ctx, {
        userId: user.id,
        deviceId: device.deviceId,
        authMethods: input.authMethods,
        origin: input.origin,
        stepUp: input.strong,
      });
      const location = input.origin.location;
      const eventId = await recordSecurityEvent(trx, nowMs, {
        userId: user.id,
        type: 'sign_in',
        deviceId: device.deviceId,
        sessionId: session.sessionId,
        ip: input.origin.ip,
        country: location?.country,
        city: location?.city,
        details: {
          methods: input.authMethods.join('+'),
          reasons: input.reasons.join(',') || null,
          newDevice: device.isNew,
        },
      });
      const somewhereNew = device.isNew || input.reasons.some((r) => r !== 'two_factor_enabled');
      if (somewhereNew) {
        const notMeUrl = await createAlertLink(trx, ctx, { userId: user.id, securityEventId: eventId });
        await noticeToAllChannels(trx, ctx, {
          userId: user.id,
          template: 'new_sign_in',
          vars: {
            device: describeUserAgent(input.origin.userAgent).name,
            location: [location?.city, location?.country].filter(Boolean).join(', ') || input.origin.ip,
            time: new Date(nowMs).toISOString(),
            notMeUrl,
          },
        });
      }
      return {
        status: 'signed_in' as const,
        ...session,
        deviceKey: device.deviceKey,
        user: { id: user.id, phoneE164: user.phone_e164, displayName: user.display_name },
      };
    });
  }

  async function loadChallenge(challengeToken: string) {
    const row = await db
      .selectFrom('sign_in_challenges')
      .selectAll()
      .where('token_sha256', '=', sha256Hex(challengeToken))
      .executeTakeFirst();
    if (!row || row.completed_at || clock.nowMs() >= row.expires_at.getTime()) {
      throw new DomainError(IDENTITY_ERRORS.CHALLENGE_INVALID);
    }
    return row;
  }

  async function refuseFrozenOnNewDevice(userId: string, origin: Located): Promise<void> {
    const user = await db
      .selectFrom('users')
      .select('frozen_at')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    if (user.frozen_at && !(await findDevice(db, userId, origin.deviceKey))) {
      throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
    }
  }

  /**
   * Issue 5 point 1: scores a sign-in whose first factor verified (password or passkey alone)
   * before any session opens. Returns identity's own reasons plus `risk_engine` when the engine
   * asks for more; a deny is recorded, alerted (and may freeze) here, then thrown.
   */
  async function scoreSignIn(input: {
    userId: string;
    origin: Located;
    nowMs: number;
    method: 'password' | 'passkey';
  }) {
    const { userId, origin, nowMs } = input;
    const device = await findDevice(db, userId, origin.deviceKey);
    const history = await db
      .selectFrom('devices')
      .select(['last_country', 'last_lat', 'last_lon', 'last_seen_at'])
      .where('user_id', '=', userId)
      .orderBy('last_seen_at', 'desc')
      .limit(50)
      .execute();
    const last = history.find((d) => d.last_lat !== null && d.last_lon !== null);
    const location = origin.location;
    const reasons = assessSignInRisk({
      knownDevice: Boolean(device),
      country: location?.country ?? null,
      knownCountries: history.flatMap((d) => (d.last_country ? [d.last_country] : [])),
      location:
        location?.lat != null && location.lon != null ? { lat: location.lat, lon: location.lon } : null,
      lastSignIn: last
        ? { lat: last.last_lat!, lon: last.last_lon!, atMs: last.last_seen_at.getTime() }
        : null,
      nowMs,
      twoFactorEnabled: await factors.totpEnabled(userId),
    });
    if (ctx.signInRisk) {
      const risk = await ctx.signInRisk.assess({
        userId,
        ip: origin.ip,
        deviceKey: origin.deviceKey,
        country: location?.country ?? null,
        latitude: location?.lat ?? null,
        longitude: location?.lon ?? null,
        knownDevice: Boolean(device),
        reasons,
        nowMs,
      });
      if (risk.decision === 'deny') {
        await db.transaction().execute(async (trx) => {
          await recordSecurityEvent(trx, nowMs, {
            userId,
            type: 'sign_in_failed',
            ip: origin.ip,
            country: location?.country,
            city: location?.city,
            details: { reason: 'risk_denied', risk: risk.reasons.join(',').slice(0, 200) },
          });
          await noticeToAllChannels(trx, ctx, {
            userId,
            template: 'risk_declined',
            vars: { action: 'sign_in', time: new Date(nowMs).toISOString() },
          });
          if (risk.freeze) await freezeAccount(trx, ctx, { userId, reason: 'risk', origin });
        });
        throw new DomainError(IDENTITY_ERRORS.SIGN_IN_DENIED);
      }
      // Only when identity would not challenge anyway: its own reasons already ask for a factor.
      // A passkey alone is already the strong factor a challenge asks for (possession plus user
      // verification, phishing-resistant), so there is nothing more to ask: the sign-in goes on
      // with `risk_engine` among its reasons, which sends the `new_sign_in` alert with its
      // "this wasn't me" link instead of `risk_challenge` (whose text asks for a factor).
      if (risk.decision !== 'allow' && reasons.length === 0) {
        reasons.push('risk_engine');
        if (input.method === 'password')
          await noticeToAllChannels(db, ctx, {
            userId,
            template: 'risk_challenge',
            vars: { action: 'sign_in', time: new Date(nowMs).toISOString() },
          });
      }
    }
    return { device, reasons };
  }

  return {
    async withPassword(input: { phone: string; password: string }, origin: Located): Promise<SignInOutcome> {
      await enforceRateLimit(ctx, 'credential_ip', origin.ip);
      const phone = normalizePhone(input.phone) ?? `invalid:${input.phone.slice(0, 32)}`;
      await enforceRateLimit(ctx, 'credential_account', phone);
      const nowMs = clock.nowMs();
      const locked = await loginLockedUntil(ctx, phone, nowMs);
      if (locked) throw new DomainError(IDENTITY_ERRORS.LOGIN_LOCKED, { lockedUntil: locked.toISOString() });

      const user = await db
        .selectFrom('users')
        .select(['id', 'login_password_hash', 'frozen_at'])
        .where('phone_e164', '=', phone)
        .executeTakeFirst();
      const ok = await verifySecret(user?.login_password_hash ?? (await decoyHash), input.password);
      if (!user || !ok) {
        const { lockedUntil } = await countLoginFailure(ctx, {
          phone,
          userId: user?.id ?? null,
          origin,
          nowMs,
          event: { type: 'sign_in_failed', details: { reason: 'password' } },
        });
        if (lockedUntil)
          throw new DomainError(IDENTITY_ERRORS.LOGIN_LOCKED, { lockedUntil: lockedUntil.toISOString() });
        throw new DomainError(IDENTITY_ERRORS.INVALID_CREDENTIALS);
      }
      await clearLoginFailures(ctx, phone);
      await refuseFrozenOnNewDevice(user.id, origin);

      const { device, reasons } = await scoreSignIn({ userId: user.id, origin, nowMs, method: 'password' });
      const location = origin.location;
      if (reasons.length === 0) {
        return finishSignIn({ userId: user.id, origin, authMethods: ['password'], reasons, strong: false });
      }
      const challengeToken = newSecretToken();
      const challengeId = newId('chl');
      await db.transaction().execute(async (trx) => {
        await trx
          .insertInto('sign_in_challenges')
          .values({
            id: challengeId,
            token_sha256: sha256Hex(challengeToken),
            user_id: user.id,
            device_id: device?.id ?? null,
            reasons: reasons.join(','),
            ip: origin.ip,
            country: location?.country ?? null,
            city: location?.city ?? null,
            lat: location?.lat ?? null,
            lon: location?.lon ?? null,
            user_agent: origin.userAgent?.slice(0, 512) ?? null,
            created_at: new Date(nowMs),
            expires_at: new Date(nowMs + CHALLENGE_TTL_MS),
          })
          .execute();
        await recordSecurityEvent(trx, nowMs, {
          userId: user.id,
          type: 'sign_in_challenged',
          ip: origin.ip,
          country: location?.country,
          city: location?.city,
          details: { reasons: reasons.join(',') },
        });
      });
      return {
        status: 'second_factor_required',
        challengeId,
        challengeToken,
        reasons,
        methods: await methodsFor(user.id),
      };
    },

    /** Sends the SMS code for a pending challenge. */
    async sendChallengeCode(challengeToken: string, origin: Located) {
      const challenge = await loadChallenge(challengeToken);
      const user = await db
        .selectFrom('users')
        .select(['phone_e164'])
        .where('id', '=', challenge.user_id)
        .executeTakeFirstOrThrow();
      await enforceRateLimit(ctx, 'code_send', user.phone_e164);
      return db.transaction().execute((trx) =>
        ctx.codes.send(trx, clock.nowMs(), {
          purpose: 'sign_in',
          channel: 'sms',
          destination: user.phone_e164,
          userId: challenge.user_id,
          subjectId: challenge.id,
          locale: origin.locale,
        }),
      );
    },

    async challengePasskeyOptions(challengeToken: string) {
      const challenge = await loadChallenge(challengeToken);
      return factors.passkeyOptions({
        userId: challenge.user_id,
        purpose: 'second_factor',
        subjectId: challenge.id,
      });
    },

    /** Completes a challenge with one second factor. */
    async verifyChallenge(
      input: {
        challengeToken: string;
        method: SecondFactorMethod;
        code?: string | undefined;
        ceremonyId?: string | undefined;
        response?: unknown;
      },
      origin: Located,
    ) {
      await enforceRateLimit(ctx, 'code_verify', origin.ip);
      const challenge = await loadChallenge(input.challengeToken);
      // Each try takes an attempt first (atomically), so parallel guesses cannot exceed the budget.
      const attempt = await db
        .updateTable('sign_in_challenges')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', challenge.id)
        .where('attempts', '<', CHALLENGE_ATTEMPTS_MAX)
        .where('completed_at', 'is', null)
        .executeTakeFirst();
      if (Number(attempt.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.CHALLENGE_INVALID);
      const userId = challenge.user_id;
      const nowMs = clock.nowMs();
      try {
        await verifySecondFactor(ctx, {
          userId,
          method: input.method,
          code: input.code,
          ceremonyId: input.ceremonyId,
          response: input.response,
          purpose: 'second_factor',
          subjectId: challenge.id,
          codePurpose: 'sign_in',
        });
      } catch (error) {
        await recordSecurityEvent(db, nowMs, {
          userId,
          type: 'second_factor_failed',
          ip: origin.ip,
          country: origin.location?.country,
          city: origin.location?.city,
          details: { method: input.method },
        });
        throw error;
      }
      const claimed = await db
        .updateTable('sign_in_challenges')
        .set({ completed_at: new Date(nowMs) })
        .where('id', '=', challenge.id)
        .where('completed_at', 'is', null)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.CHALLENGE_INVALID);
      return finishSignIn({
        userId,
        origin,
        authMethods: ['password', input.method],
        reasons: challenge.reasons.split(',') as ChallengeReason[],
        strong: true,
      });
    },

    /** Passwordless: a passkey (user-verified) is possession and biometric at once. Scored by
     *  the risk engine before the session opens, like a password sign-in. */
    passkeyOptions: () => factors.passkeyOptions({ userId: null, purpose: 'sign_in', subjectId: null }),

    async withPasskey(input: { ceremonyId: string; response: unknown }, origin: Located) {
      await enforceRateLimit(ctx, 'credential_ip', origin.ip);
      const { userId } = await factors.verifyPasskey({
        ceremonyId: input.ceremonyId,
        response: input.response,
        expectedUserId: null,
        purpose: 'sign_in',
        subjectId: null,
      });
      await refuseFrozenOnNewDevice(userId, origin);
      // Scored like a password sign-in; challenge and review need no further factor (see scoreSignIn).
      const { reasons } = await scoreSignIn({ userId, origin, nowMs: clock.nowMs(), method: 'passkey' });
      return finishSignIn({ userId, origin, authMethods: ['passkey'], reasons, strong: true });
    },
  };
}

/** Checks one second factor for a user; throws a coded error when it does not verify. Shared by
 *  sign-in challenges and step-up. */
export async function verifySecondFactor(
  ctx: IdentityContext,
  input: {
    userId: string;
    method: SecondFactorMethod;
    code?: string | undefined;
    ceremonyId?: string | undefined;
    response?: unknown;
    purpose: PasskeyPurpose;
    subjectId: string;
    codePurpose: 'sign_in' | 'step_up';
  },
): Promise<void> {
  const { factors } = ctx;
  const code = input.code ?? '';
  switch (input.method) {
    case 'sms': {
      const user = await ctx.db
        .selectFrom('users')
        .select('phone_e164')
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      await ctx.codes.verify(ctx.clock.nowMs(), {
        purpose: input.codePurpose,
        destination: user.phone_e164,
        subjectId: input.subjectId,
        code,
      });
      return;
    }
    case 'totp':
      if (!(await factors.totpEnabled(input.userId)))
        throw new DomainError(IDENTITY_ERRORS.METHOD_NOT_AVAILABLE);
      if (!(await factors.verifyTotp(input.userId, code)))
        throw new DomainError(IDENTITY_ERRORS.INVALID_CODE);
      return;
    case 'backup_code':
      if (!(await factors.consumeBackupCode(input.userId, code)))
        throw new DomainError(IDENTITY_ERRORS.INVALID_CODE);
      await recordSecurityEvent(ctx.db, ctx.clock.nowMs(), {
        userId: input.userId,
        type: 'backup_code_used',
      });
      return;
    case 'passkey':
      if (!input.ceremonyId) throw new DomainError(IDENTITY_ERRORS.CHALLENGE_INVALID);
      await factors.verifyPasskey({
        ceremonyId: input.ceremonyId,
        response: input.response,
        expectedUserId: input.userId,
        purpose: input.purpose,
        subjectId: input.subjectId,
      });
      return;
  }
}
