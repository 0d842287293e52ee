/**
 * The signed-in user's own security: the payment password (with Alipay's 3 strikes → 3 hours
 * lock), step-up re-authentication, and changes of login password, payment password, phone and
 * e-mail. The HTTP layer requires a fresh step-up before every change; each change is a security
 * event and a notice to every bound channel (so a hijacker's change is seen by the owner).
 *
 * The identity check: a step-up with the login password as well as a second factor. Whoever holds
 * an unlocked phone with an open session has its SMS codes (and often its authenticator app), not
 * the login password, so lifting the payment lock early, changing the login password and setting
 * a payment password without the current one need it (docs/identity.md, "The payment lock").
 */
import { COMMON_ERRORS, DomainError } from '../shared/index.ts';
import { freezeAccount } from './alerts.ts';
import type { IdentityContext, Located } from './context.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { clearLoginFailures, countLoginFailure, loginLockedUntil } from './login-lockout.ts';
import { noticeToAllChannels } from './notices.ts';
import { assertLoginPassword, assertPaymentPassword } from './password-policy.ts';
import { hashSecret, verifySecret } from './passwords.ts';
import { normalizePhone } from './phone.ts';
import type { Executor, Locale, SecurityChange } from './ports.ts';
import { enforceRateLimit } from './rate-limits.ts';
import {
  hasSecondFactorStepUpSince,
  lastSecurityChangeAt,
  recordSecurityEvent,
  SECOND_FACTOR_STEP_UP_METHODS,
  type SecurityEventInput,
  stepUpsSince,
} from './security-events.ts';
import type { createSessions, SessionContext } from './sessions.ts';
import { type SecondFactorMethod, verifySecondFactor } from './sign-in.ts';
import { normalizeEmail } from './sign-up.ts';

type Sessions = ReturnType<typeof createSessions>;

export const PAYMENT_FAILURES_MAX = 3;
/** Alipay: 3 wrong payment passwords lock payments for 3 hours. */
export const PAYMENT_LOCK_MS = 3 * 3600_000;
/** A lock that begins within this long of the previous lock's start is a repeat lock. */
export const PAYMENT_LOCK_REPEAT_WINDOW_MS = 24 * 3600_000;
/** A repeat lock lasts this long and cannot be lifted early: whoever can pass the identity check
 *  but not the payment password gets 6 guesses a day, not 3 every few minutes. */
export const PAYMENT_REPEAT_LOCK_MS = 24 * 3600_000;
/** The identity check counts for this long: the step-up freshness of issue 3 ("no older than 5
 *  minutes"). */
export const IDENTITY_CHECK_FRESH_MS = 5 * 60_000;

export type StepUpMethod = SecondFactorMethod | 'payment_password';

/** A risk challenge on a security change is met by a second-factor step-up this recent: the
 *  step-up freshness of issue 3 ("no older than 5 minutes"). */
export const RISK_STEP_UP_FRESH_MS = 5 * 60_000;

/** The payment lock in force: until when, and whether the identity check may lift it early. */
export interface PaymentLock {
  readonly until: Date;
  readonly liftableEarly: boolean;
}

export interface SecurityOverview {
  readonly phone: string;
  readonly email: string | null;
  readonly hasPaymentPassword: boolean;
  readonly totp: boolean;
  readonly backupCodesLeft: number;
  readonly passkeys: number;
  readonly paymentLockedUntil: Date | null;
  /** False when no lock is in force, or the one in force is a repeat lock. */
  readonly paymentLockLiftable: boolean;
  readonly frozen: boolean;
}

export function createAccountSecurity(ctx: IdentityContext, sessions: Sessions) {
  const { db, clock } = ctx;

  /** Records a change and tells every bound channel, in the caller's transaction: the change, its
   *  event and its notice commit together or not at all (transactional outbox). */
  async function changed(
    trx: Executor,
    userId: string,
    change: string,
    type: Parameters<typeof recordSecurityEvent>[2]['type'],
    origin: Located,
    extra: {
      sessionId?: string;
      details?: SecurityEventInput['details'];
      vars?: Record<string, string>;
    } = {},
  ) {
    const nowMs = clock.nowMs();
    await recordSecurityEvent(trx, nowMs, {
      userId,
      type,
      sessionId: extra.sessionId,
      ip: origin.ip,
      country: origin.location?.country,
      city: origin.location?.city,
      details: extra.details,
    });
    await noticeToAllChannels(trx, ctx, {
      userId,
      template: 'security_change',
      vars: { change, ...extra.vars, time: new Date(nowMs).toISOString() },
    });
  }

  /** The lock in force from `lockedUntil` (the user's column), or null. Whether it may be lifted
   *  early is on its `payment_locked` event, written with it (`repeat`). */
  async function paymentLockOf(
    executor: Executor,
    userId: string,
    lockedUntil: Date | null,
  ): Promise<PaymentLock | null> {
    if (!lockedUntil || lockedUntil.getTime() <= clock.nowMs()) return null;
    const event = await executor
      .selectFrom('security_events')
      .select('details')
      .where('user_id', '=', userId)
      .where('type', '=', 'payment_locked')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return { until: lockedUntil, liftableEarly: event?.details.repeat !== true };
  }

  function lockedError(lock: PaymentLock): DomainError {
    return new DomainError(IDENTITY_ERRORS.PAYMENT_LOCKED, {
      lockedUntil: lock.until.toISOString(),
      liftableEarly: lock.liftableEarly,
    });
  }

  /**
   * Whether this session passed the identity check (login password plus a second factor) within
   * IDENTITY_CHECK_FRESH_MS: a step-up that carried the login password, or the session's own
   * opening by a two-factor sign-in or a sign-up (password plus SMS) that recent. With
   * `orPaymentPassword`, a payment-password step-up that recent counts too (it proves the
   * payment password a change replaces). Throws `identity_check_required` otherwise.
   */
  async function requireIdentityCheck(
    session: SessionContext,
    options: { orPaymentPassword: boolean },
  ): Promise<void> {
    const sinceMs = clock.nowMs() - IDENTITY_CHECK_FRESH_MS;
    const stepUps = await stepUpsSince(db, {
      userId: session.user.id,
      sessionId: session.sessionId,
      sinceMs,
    });
    if (stepUps.some((s) => s.withPassword)) return;
    if (options.orPaymentPassword && stepUps.some((s) => s.method === 'payment_password')) return;
    const opened = await db
      .selectFrom('sessions')
      .select(['created_at', 'auth_methods'])
      .where('id', '=', session.sessionId)
      .executeTakeFirstOrThrow();
    const methods = opened.auth_methods.split('+');
    const secondFactors: readonly string[] = SECOND_FACTOR_STEP_UP_METHODS;
    if (
      opened.created_at.getTime() >= sinceMs &&
      methods.includes('password') &&
      methods.some((m) => secondFactors.includes(m))
    )
      return;
    throw new DomainError(IDENTITY_ERRORS.IDENTITY_CHECK_REQUIRED, {
      acceptsPaymentPassword: options.orPaymentPassword,
    });
  }

  /** The login password of a signed-in user, checked against the login lockout of their phone
   *  (one budget with sign-in: 5 wrong in 15 minutes lock both for 15 minutes). */
  async function checkLoginPassword(session: SessionContext, password: string, origin: Located) {
    const phone = session.user.phoneE164;
    await enforceRateLimit(ctx, 'credential_account', phone);
    const nowMs = clock.nowMs();
    const locked = await loginLockedUntil(ctx, phone, nowMs);
    if (locked) throw new DomainError(IDENTITY_ERRORS.LOGIN_LOCKED, { lockedUntil: locked.toISOString() });
    const user = await db
      .selectFrom('users')
      .select('login_password_hash')
      .where('id', '=', session.user.id)
      .executeTakeFirstOrThrow();
    if (await verifySecret(user.login_password_hash, password)) {
      await clearLoginFailures(ctx, phone);
      return;
    }
    const failed = await countLoginFailure(ctx, {
      phone,
      userId: session.user.id,
      origin,
      nowMs,
      event: { type: 'identity_check_failed', details: { reason: 'password' }, sessionId: session.sessionId },
    });
    if (failed.lockedUntil)
      throw new DomainError(IDENTITY_ERRORS.LOGIN_LOCKED, { lockedUntil: failed.lockedUntil.toISOString() });
    throw new DomainError(IDENTITY_ERRORS.WRONG_PASSWORD, { attemptsLeft: failed.attemptsLeft });
  }

  /** Checks the payment password (3 strikes → 3 hours lock). On success, answers how many wrong
   *  entries since the last success it cleared: the risk engine scores a withdrawal, checked
   *  after its password, with that count (`failedPaymentPasswords`, docs/risk.md). */
  async function verifyPaymentPassword(
    userId: string,
    paymentPassword: string,
    origin: Located,
  ): Promise<{ failuresCleared: number }> {
    await enforceRateLimit(ctx, 'credential_account', `pay:${userId}`);
    const nowMs = clock.nowMs();
    const user = await db
      .selectFrom('users')
      .select(['payment_password_hash', 'payment_failures', 'payment_locked_until'])
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    const lock = await paymentLockOf(db, userId, user.payment_locked_until);
    if (lock) throw lockedError(lock);
    if (!user.payment_password_hash) throw new DomainError(IDENTITY_ERRORS.NO_PAYMENT_PASSWORD);
    const ok =
      /^[0-9]{6}$/.test(paymentPassword) &&
      (await verifySecret(user.payment_password_hash, ctx.secrets.pepperPaymentPassword(paymentPassword)));
    if (ok) {
      if (user.payment_failures > 0)
        await db.updateTable('users').set({ payment_failures: 0 }).where('id', '=', userId).execute();
      return { failuresCleared: user.payment_failures };
    }
    // Counted in its own transaction, committed before the answer: a failing caller cannot undo it.
    const { failedEventId, lockedUntil } = await db.transaction().execute(async (trx) => {
      const row = await trx
        .updateTable('users')
        .set((eb) => ({ payment_failures: eb('payment_failures', '+', 1) }))
        .where('id', '=', userId)
        .returning('payment_failures')
        .executeTakeFirstOrThrow();
      const base = { userId, ip: origin.ip, country: origin.location?.country, city: origin.location?.city };
      const failedEventId = await recordSecurityEvent(trx, nowMs, {
        ...base,
        type: 'payment_password_failed',
      });
      if (row.payment_failures < PAYMENT_FAILURES_MAX) return { failedEventId, lockedUntil: null };
      // A second lock within 24 hours of the last one lasts 24 hours and cannot be lifted early.
      const previous = await trx
        .selectFrom('security_events')
        .select('id')
        .where('user_id', '=', userId)
        .where('type', '=', 'payment_locked')
        .where('created_at', '>', new Date(nowMs - PAYMENT_LOCK_REPEAT_WINDOW_MS))
        .limit(1)
        .executeTakeFirst();
      const repeat = previous !== undefined;
      const until = new Date(nowMs + (repeat ? PAYMENT_REPEAT_LOCK_MS : PAYMENT_LOCK_MS));
      await trx
        .updateTable('users')
        .set({ payment_locked_until: until, payment_failures: 0 })
        .where('id', '=', userId)
        .execute();
      await recordSecurityEvent(trx, nowMs, {
        ...base,
        type: 'payment_locked',
        details: { until: until.toISOString(), repeat },
      });
      await noticeToAllChannels(trx, ctx, {
        userId,
        template: 'payment_locked',
        vars: { until: until.toISOString(), repeat: String(repeat) },
      });
      return { failedEventId, lockedUntil: { until, liftableEarly: !repeat } };
    });
    // After the commit, so the engine never counts a failure the database does not hold; the
    // lockout's failure too (an unlock within the hour then still meets the guessing rule).
    await ctx.paymentPasswordRisk?.failed({
      userId,
      securityEventId: failedEventId,
      ip: origin.ip,
      country: origin.location?.country ?? null,
      nowMs,
    });
    if (lockedUntil) throw lockedError(lockedUntil);
    const failures = await db
      .selectFrom('users')
      .select('payment_failures')
      .where('id', '=', userId)
      .executeTakeFirstOrThrow();
    throw new DomainError(IDENTITY_ERRORS.WRONG_PAYMENT_PASSWORD, {
      attemptsLeft: PAYMENT_FAILURES_MAX - failures.payment_failures,
    });
  }

  /**
   * Issue 5 point 1: asks the risk engine about a security change before it takes effect (the
   * route's fresh step-up already passed). allow → go on; challenge → go on only if this session
   * stepped up with a second factor (not the payment password) in the last 5 minutes, else
   * `risk_second_factor_required`; review → refused with "contact customer service" (nothing to
   * hold; the engine's side opens a case); deny → refused, and on the strongest signals the
   * account is frozen. Every refusal is a security event and a notice on every channel.
   */
  async function guardChange(
    session: SessionContext,
    change: SecurityChange,
    origin: Located,
  ): Promise<void> {
    if (!ctx.securityChangeRisk) return;
    const nowMs = clock.nowMs();
    const userId = session.user.id;
    // The session's own device (bound at sign-in), not what this request claims: leaving the
    // device header out must not make a change look like it comes from a long-known device.
    const device = session.deviceId
      ? await db
          .selectFrom('devices')
          .select('first_seen_at')
          .where('id', '=', session.deviceId)
          .where('user_id', '=', userId)
          .executeTakeFirst()
      : undefined;
    const risk = await ctx.securityChangeRisk.assess({
      userId,
      change,
      sessionId: session.sessionId,
      ip: origin.ip,
      deviceKey: origin.deviceKey,
      country: origin.location?.country ?? null,
      deviceFirstSeenAtMs: device?.first_seen_at.getTime() ?? null,
      lastSecurityChangeAtMs: (await lastSecurityChangeAt(db, userId))?.getTime() ?? null,
      nowMs,
    });
    if (risk.decision === 'allow') return;
    if (risk.decision === 'challenge' && !risk.freeze) {
      const stepped = await hasSecondFactorStepUpSince(db, {
        userId,
        sessionId: session.sessionId,
        sinceMs: nowMs - RISK_STEP_UP_FRESH_MS,
      });
      if (stepped) return;
      await noticeToAllChannels(db, ctx, {
        userId,
        template: 'risk_challenge',
        vars: { action: 'security_change', time: new Date(nowMs).toISOString() },
      });
      throw new DomainError(IDENTITY_ERRORS.RISK_SECOND_FACTOR_REQUIRED, {
        change,
        methods: [...SECOND_FACTOR_STEP_UP_METHODS],
      });
    }
    const review = risk.decision === 'review' && !risk.freeze;
    await db.transaction().execute(async (trx) => {
      await recordSecurityEvent(trx, nowMs, {
        userId,
        type: 'security_change_refused',
        sessionId: session.sessionId,
        ip: origin.ip,
        country: origin.location?.country,
        city: origin.location?.city,
        details: {
          change,
          decision: risk.decision,
          risk: risk.reasons.join(',').slice(0, 200),
          riskEventId: risk.eventId,
        },
      });
      await noticeToAllChannels(trx, ctx, {
        userId,
        template: 'risk_declined',
        vars: { action: 'security_change', time: new Date(nowMs).toISOString() },
      });
      if (risk.freeze) await freezeAccount(trx, ctx, { userId, reason: 'risk', origin });
    });
    throw new DomainError(
      review ? IDENTITY_ERRORS.SECURITY_CHANGE_REVIEW : IDENTITY_ERRORS.SECURITY_CHANGE_DENIED,
    );
  }

  return {
    verifyPaymentPassword,
    guardChange,

    async overview(userId: string): Promise<SecurityOverview> {
      const user = await db
        .selectFrom('users')
        .select(['phone_e164', 'email', 'payment_password_hash', 'payment_locked_until', 'frozen_at'])
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      const lock = await paymentLockOf(db, userId, user.payment_locked_until);
      return {
        phone: user.phone_e164,
        email: user.email,
        hasPaymentPassword: Boolean(user.payment_password_hash),
        totp: await ctx.factors.totpEnabled(userId),
        backupCodesLeft: await ctx.factors.backupCodesLeft(userId),
        passkeys: await ctx.factors.passkeyCount(userId),
        paymentLockedUntil: lock?.until ?? null,
        paymentLockLiftable: lock?.liftableEarly ?? false,
        frozen: Boolean(user.frozen_at),
      };
    },

    async sendStepUpCode(session: SessionContext, origin: Located) {
      await enforceRateLimit(ctx, 'code_send', session.user.phoneE164);
      return db.transaction().execute((trx) =>
        ctx.codes.send(trx, clock.nowMs(), {
          purpose: 'step_up',
          channel: 'sms',
          destination: session.user.phoneE164,
          userId: session.user.id,
          subjectId: session.sessionId,
          locale: origin.locale,
        }),
      );
    },

    /** Issue 5: an SMS code bound to one payment (`subjectId`), for a payment the risk engine
     *  challenged: the payment password plus this code (or a passkey) confirms it. */
    async sendPaymentCode(input: { userId: string; subjectId: string; locale: Locale }) {
      const user = await db
        .selectFrom('users')
        .select('phone_e164')
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      await enforceRateLimit(ctx, 'code_send', user.phone_e164);
      return db.transaction().execute((trx) =>
        ctx.codes.send(trx, clock.nowMs(), {
          purpose: 'payment',
          channel: 'sms',
          destination: user.phone_e164,
          userId: input.userId,
          subjectId: input.subjectId,
          locale: input.locale,
        }),
      );
    },

    /** Checks a payment code sent by sendPaymentCode for the same subject; `invalid_code` else. */
    async verifyPaymentCode(input: { userId: string; subjectId: string; code: string }): Promise<void> {
      await enforceRateLimit(ctx, 'code_verify', input.userId);
      const user = await db
        .selectFrom('users')
        .select('phone_e164')
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      await ctx.codes.verify(clock.nowMs(), {
        purpose: 'payment',
        destination: user.phone_e164,
        subjectId: input.subjectId,
        code: input.code,
      });
    },

    /** The payment (`subjectId`) was cancelled before it was confirmed: its live SMS code, if one
     *  was sent, is retired in the caller's transaction, with the cancellation. */
    withdrawPaymentCode: (executor: Executor, input: { userId: string; subjectId: string }) =>
      ctx.codes.withdraw(executor, clock.nowMs(), { purpose: 'payment', ...input }),

    stepUpPasskeyOptions: (session: SessionContext) =>
      ctx.factors.passkeyOptions({
        userId: session.user.id,
        purpose: 'step_up',
        subjectId: session.sessionId,
      }),

    /** Re-authenticates within this session; sensitive changes need it within the last 5 minutes.
     *  With `password` (the login password, beside a second factor) it is the identity check. */
    async stepUp(
      session: SessionContext,
      input: {
        method: StepUpMethod;
        code?: string | undefined;
        paymentPassword?: string | undefined;
        ceremonyId?: string | undefined;
        response?: unknown;
        password?: string | undefined;
      },
      origin: Located,
    ): Promise<Date> {
      await enforceRateLimit(ctx, 'code_verify', session.user.id);
      // Issue 7: a frozen account changes no security setting. Every change needs a fresh step-up,
      // so refusing it here closes them all (a known device may still sign in while frozen).
      const frozen = await db
        .selectFrom('users')
        .select('frozen_at')
        .where('id', '=', session.user.id)
        .executeTakeFirstOrThrow();
      if (frozen.frozen_at) throw new DomainError(IDENTITY_ERRORS.ACCOUNT_FROZEN);
      const withPassword = input.password !== undefined;
      if (withPassword) {
        // The identity check is the login password plus a second factor; the payment password is
        // what a locked account cannot use, and what the check stands in for.
        if (input.method === 'payment_password') throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED);
        // Before the factor, so a mistyped password does not use up the SMS code.
        await checkLoginPassword(session, input.password ?? '', origin);
      }
      if (input.method === 'payment_password') {
        await verifyPaymentPassword(session.user.id, input.paymentPassword ?? '', origin);
      } else {
        await verifySecondFactor(ctx, {
          userId: session.user.id,
          method: input.method,
          code: input.code,
          ceremonyId: input.ceremonyId,
          response: input.response,
          purpose: 'step_up',
          subjectId: session.sessionId,
          codePurpose: 'step_up',
        });
      }
      const at = await sessions.markStepUp(db, session.sessionId);
      await recordSecurityEvent(db, clock.nowMs(), {
        userId: session.user.id,
        type: 'step_up',
        sessionId: session.sessionId,
        ip: origin.ip,
        details: withPassword ? { method: input.method, password: true } : { method: input.method },
      });
      return at;
    },

    /**
     * Lifts the payment lock early: only a first lock (not one within 24 hours of the previous,
     * `payment_lock_not_liftable`), and only after the identity check in this session
     * (`identity_check_required`): an SMS code alone reaches whoever holds the phone. Answers
     * whether a lock was lifted (none in force: nothing to do, nothing checked).
     */
    async unlockPayments(session: SessionContext, origin: Located): Promise<{ unlocked: boolean }> {
      const userId = session.user.id;
      const user = await db
        .selectFrom('users')
        .select('payment_locked_until')
        .where('id', '=', userId)
        .executeTakeFirstOrThrow();
      const lock = await paymentLockOf(db, userId, user.payment_locked_until);
      if (!lock) return { unlocked: false };
      if (!lock.liftableEarly)
        throw new DomainError(IDENTITY_ERRORS.PAYMENT_LOCK_NOT_LIFTABLE, {
          lockedUntil: lock.until.toISOString(),
        });
      await requireIdentityCheck(session, { orPaymentPassword: false });
      return db.transaction().execute(async (trx) => {
        // Only the lock that was checked: a new lock meanwhile is decided again.
        const lifted = await trx
          .updateTable('users')
          .set({ payment_locked_until: null, payment_failures: 0 })
          .where('id', '=', userId)
          .where('payment_locked_until', '=', lock.until)
          .executeTakeFirst();
        if (Number(lifted.numUpdatedRows) !== 1) return { unlocked: false };
        await changed(trx, userId, 'payment_lock', 'payment_unlocked', origin, {
          sessionId: session.sessionId,
          details: { lockedUntil: lock.until.toISOString() },
          vars: { action: 'lifted' },
        });
        return { unlocked: true };
      });
    },

    async changePassword(session: SessionContext, newPassword: string, origin: Located): Promise<void> {
      assertLoginPassword(newPassword, { phoneE164: session.user.phoneE164 });
      // ASVS 5.0 V6.2.3: a password change needs the current password (here, the identity check:
      // else an SMS step-up on a stolen phone would set the password the check asks for).
      await requireIdentityCheck(session, { orPaymentPassword: false });
      await guardChange(session, 'password', origin);
      const hash = await hashSecret(newPassword);
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ login_password_hash: hash, password_changed_at: new Date(clock.nowMs()) })
          .where('id', '=', session.user.id)
          .execute();
        // Whoever else knew the old password is signed out everywhere else.
        await sessions.endOthers(trx, session.user.id, session.sessionId);
        await changed(trx, session.user.id, 'password', 'password_changed', origin);
      });
    },

    async changePaymentPassword(
      session: SessionContext,
      newPaymentPassword: string,
      origin: Located,
    ): Promise<void> {
      const user = await db
        .selectFrom('users')
        .select(['birth_date', 'phone_e164', 'payment_password_hash'])
        .where('id', '=', session.user.id)
        .executeTakeFirstOrThrow();
      assertPaymentPassword(newPaymentPassword, { birthDate: user.birth_date, phoneE164: user.phone_e164 });
      // Replacing a payment password needs the current one (a payment-password step-up) or the
      // identity check: else an SMS step-up would reset it, lock or not (Alipay: a forgotten
      // payment password is reset with more than the phone). It also ends any lock, a repeat
      // one too: the password being guessed is gone.
      if (user.payment_password_hash) await requireIdentityCheck(session, { orPaymentPassword: true });
      await guardChange(session, 'payment_password', origin);
      const hash = await hashSecret(ctx.secrets.pepperPaymentPassword(newPaymentPassword));
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ payment_password_hash: hash, payment_failures: 0, payment_locked_until: null })
          .where('id', '=', session.user.id)
          .execute();
        await changed(trx, session.user.id, 'payment_password', 'payment_password_changed', origin);
      });
    },

    /** Sends a code to the new phone; the change happens on confirm. A number already in use gets
     *  no code (and the same answer). */
    async startPhoneChange(session: SessionContext, phoneInput: string, origin: Located) {
      const phone = normalizePhone(phoneInput);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      await enforceRateLimit(ctx, 'code_send', phone);
      const taken = await db
        .selectFrom('users')
        .select('id')
        .where('phone_e164', '=', phone)
        .executeTakeFirst();
      if (taken) return { resendAfterMs: 60_000 };
      return db.transaction().execute((trx) =>
        ctx.codes.send(trx, clock.nowMs(), {
          purpose: 'change_phone',
          channel: 'sms',
          destination: phone,
          userId: session.user.id,
          subjectId: session.user.id,
          locale: origin.locale,
        }),
      );
    },

    async confirmPhoneChange(
      session: SessionContext,
      input: { phone: string; code: string },
      origin: Located,
    ): Promise<void> {
      const phone = normalizePhone(input.phone);
      if (!phone) throw new DomainError(IDENTITY_ERRORS.INVALID_PHONE);
      // Asked before the code is used up, so a challenge costs the user no new code.
      await guardChange(session, 'phone', origin);
      await ctx.codes.verify(clock.nowMs(), {
        purpose: 'change_phone',
        destination: phone,
        subjectId: session.user.id,
        code: input.code,
      });
      const oldPhone = session.user.phoneE164;
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        const updated = await trx
          .updateTable('users')
          .set({ phone_e164: phone, phone_verified_at: new Date(nowMs), phone_changed_at: new Date(nowMs) })
          .where('id', '=', session.user.id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.PHONE_TAKEN);
        // The old number hears of it too: it is the one the owner may still hold.
        const user = await trx
          .selectFrom('users')
          .select('locale')
          .where('id', '=', session.user.id)
          .executeTakeFirstOrThrow();
        await ctx.notifier.enqueue(trx, {
          userId: session.user.id,
          channel: 'sms',
          destination: oldPhone,
          template: 'security_change',
          locale: user.locale === 'en' ? 'en' : 'zh-CN',
          vars: { change: 'phone', time: new Date(nowMs).toISOString() },
        });
        await changed(trx, session.user.id, 'phone', 'phone_changed', origin);
      });
    },

    async startEmailChange(session: SessionContext, emailInput: string, origin: Located) {
      const email = normalizeEmail(emailInput);
      if (!email) throw new DomainError(IDENTITY_ERRORS.INVALID_EMAIL);
      await enforceRateLimit(ctx, 'code_send', email);
      const taken = await db.selectFrom('users').select('id').where('email', '=', email).executeTakeFirst();
      if (taken) return { resendAfterMs: 60_000 };
      return db.transaction().execute((trx) =>
        ctx.codes.send(trx, clock.nowMs(), {
          purpose: 'change_email',
          channel: 'email',
          destination: email,
          userId: session.user.id,
          subjectId: session.user.id,
          locale: origin.locale,
        }),
      );
    },

    async confirmEmailChange(
      session: SessionContext,
      input: { email: string; code: string },
      origin: Located,
    ): Promise<void> {
      const email = normalizeEmail(input.email);
      if (!email) throw new DomainError(IDENTITY_ERRORS.INVALID_EMAIL);
      // Asked before the code is used up, so a challenge costs the user no new code.
      await guardChange(session, 'email', origin);
      await ctx.codes.verify(clock.nowMs(), {
        purpose: 'change_email',
        destination: email,
        subjectId: session.user.id,
        code: input.code,
      });
      await db.transaction().execute(async (trx) => {
        await trx
          .updateTable('users')
          .set({ email, email_verified_at: new Date(clock.nowMs()) })
          .where('id', '=', session.user.id)
          .execute();
        await changed(trx, session.user.id, 'email', 'email_changed', origin);
      });
    },
  };
}
