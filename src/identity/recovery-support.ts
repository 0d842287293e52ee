/**
 * What issue 7's flows (src/recovery: freeze, unfreeze, "my account was stolen", recovery,
 * operators) need from identity, as one object: the shared freeze, lifting it, resetting
 * passwords without the old ones, ending every session, one-time codes, one second factor, and
 * notices to every bound channel. Each takes the caller's executor where it writes, so a flow's
 * change, its event and its notice commit together (transactional outbox).
 */
import { DomainError } from '../shared/index.ts';
import { freezeAccount } from './alerts.ts';
import type { IdentityContext, Located } from './context.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { noticeToAllChannels } from './notices.ts';
import type { CodePurpose } from './one-time-codes.ts';
import { assertLoginPassword, assertPaymentPassword } from './password-policy.ts';
import { hashSecret } from './passwords.ts';
import type { Executor, Locale, NotificationTemplate } from './ports.ts';
import { enforceRateLimit } from './rate-limits.ts';
import { recordSecurityEvent, type SecurityEventInput } from './security-events.ts';
import { type SecondFactorMethod, verifySecondFactor } from './sign-in.ts';

export type FreezeReason = 'not_me_link' | 'operator' | 'risk' | 'user' | 'user_signed_out' | 'stolen';

export type RecoverySupport = ReturnType<typeof createRecoverySupport>;

export function createRecoverySupport(ctx: IdentityContext) {
  const { db, clock } = ctx;
  return {
    /** Freezes (idempotent), ends every session, records the event and tells every channel. */
    freeze: (executor: Executor, input: { userId: string; reason: FreezeReason; origin: Located | null }) =>
      freezeAccount(executor, ctx, input),

    async isFrozen(executor: Executor, userId: string): Promise<boolean> {
      const row = await executor
        .selectFrom('users')
        .select('frozen_at')
        .where('id', '=', userId)
        .executeTakeFirst();
      return Boolean(row?.frozen_at);
    },

    /** Lifts a freeze; the caller has verified identity (or an operator approved). */
    async unfreeze(
      executor: Executor,
      input: { userId: string; by: 'self' | 'operator'; origin: Located | null },
    ) {
      const nowMs = clock.nowMs();
      const result = await executor
        .updateTable('users')
        .set({ frozen_at: null, frozen_reason: null })
        .where('id', '=', input.userId)
        .where('frozen_at', 'is not', null)
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return false;
      await recordSecurityEvent(executor, nowMs, {
        userId: input.userId,
        type: 'account_unfrozen',
        ip: input.origin?.ip,
        details: { by: input.by },
      });
      await noticeToAllChannels(executor, ctx, {
        userId: input.userId,
        template: 'account_unfrozen',
        vars: { time: new Date(nowMs).toISOString() },
      });
      return true;
    },

    /** Validates both new passwords before anything is written (no half-reset account). */
    async hashNewPasswords(input: {
      userId: string;
      loginPassword?: string | undefined;
      paymentPassword?: string | undefined;
    }): Promise<{ loginHash?: string; paymentHash?: string }> {
      const user = await db
        .selectFrom('users')
        .select(['phone_e164', 'birth_date'])
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      if (input.loginPassword !== undefined)
        assertLoginPassword(input.loginPassword, { phoneE164: user.phone_e164 });
      if (input.paymentPassword !== undefined)
        assertPaymentPassword(input.paymentPassword, {
          birthDate: user.birth_date,
          phoneE164: user.phone_e164,
        });
      const out: { loginHash?: string; paymentHash?: string } = {};
      if (input.loginPassword !== undefined) out.loginHash = await hashSecret(input.loginPassword);
      if (input.paymentPassword !== undefined)
        out.paymentHash = await hashSecret(ctx.secrets.pepperPaymentPassword(input.paymentPassword));
      return out;
    },

    /** Writes hashes from hashNewPasswords, ends every session, records and tells. */
    async resetPasswords(
      executor: Executor,
      input: {
        userId: string;
        loginHash?: string | undefined;
        paymentHash?: string | undefined;
        origin: Located | null;
      },
    ): Promise<void> {
      const nowMs = clock.nowMs();
      if (input.loginHash) {
        await executor
          .updateTable('users')
          .set({ login_password_hash: input.loginHash, password_changed_at: new Date(nowMs) })
          .where('id', '=', input.userId)
          .execute();
        await executor
          .deleteFrom('login_lockouts')
          .where(
            'phone_e164',
            '=',
            (
              await executor
                .selectFrom('users')
                .select('phone_e164')
                .where('id', '=', input.userId)
                .executeTakeFirstOrThrow()
            ).phone_e164,
          )
          .execute();
      }
      if (input.paymentHash) {
        await executor
          .updateTable('users')
          .set({ payment_password_hash: input.paymentHash, payment_failures: 0, payment_locked_until: null })
          .where('id', '=', input.userId)
          .execute();
      }
      await executor
        .updateTable('sessions')
        .set({ ended_at: new Date(nowMs) })
        .where('user_id', '=', input.userId)
        .where('ended_at', 'is', null)
        .execute();
      for (const [changed, type] of [
        [input.loginHash, 'password_reset'],
        [input.paymentHash, 'payment_password_reset'],
      ] as const) {
        if (!changed) continue;
        await recordSecurityEvent(executor, nowMs, { userId: input.userId, type, ip: input.origin?.ip });
        await noticeToAllChannels(executor, ctx, {
          userId: input.userId,
          template: 'security_change',
          vars: {
            change: type === 'password_reset' ? 'password' : 'payment_password',
            action: 'reset',
            time: new Date(nowMs).toISOString(),
          },
        });
      }
    },

    endAllSessions: (executor: Executor, userId: string) =>
      executor
        .updateTable('sessions')
        .set({ ended_at: new Date(clock.nowMs()) })
        .where('user_id', '=', userId)
        .where('ended_at', 'is', null)
        .executeTakeFirst(),

    /** Sends a `recovery` code to the user's bound phone, bound to `subjectId`. A resend inside
     *  the cool-down is silently skipped: its error would tell a caller the account exists. */
    async sendRecoveryCode(input: { userId: string; subjectId: string; locale: Locale }): Promise<void> {
      const user = await db
        .selectFrom('users')
        .select('phone_e164')
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      try {
        await db.transaction().execute((trx) =>
          ctx.codes.send(trx, clock.nowMs(), {
            purpose: 'recovery',
            channel: 'sms',
            destination: user.phone_e164,
            userId: input.userId,
            subjectId: input.subjectId,
            locale: input.locale,
          }),
        );
      } catch (error) {
        if (error instanceof DomainError && error.code === IDENTITY_ERRORS.RESEND_TOO_SOON.code) return;
        throw error;
      }
    },

    /** Sends a code for `purpose` to any phone (the new phone of a manual recovery). */
    async sendCodeTo(input: { phoneE164: string; purpose: CodePurpose; subjectId: string; locale: Locale }) {
      try {
        await db.transaction().execute((trx) =>
          ctx.codes.send(trx, clock.nowMs(), {
            purpose: input.purpose,
            channel: 'sms',
            destination: input.phoneE164,
            userId: null,
            subjectId: input.subjectId,
            locale: input.locale,
          }),
        );
      } catch (error) {
        if (error instanceof DomainError && error.code === IDENTITY_ERRORS.RESEND_TOO_SOON.code) return;
        throw error;
      }
    },

    verifyCodeTo: (input: { phoneE164: string; purpose: CodePurpose; subjectId: string; code: string }) =>
      ctx.codes.verify(clock.nowMs(), {
        purpose: input.purpose,
        destination: input.phoneE164,
        subjectId: input.subjectId,
        code: input.code,
      }),

    async verifyRecoveryCode(input: { userId: string; subjectId: string; code: string }): Promise<void> {
      const user = await db
        .selectFrom('users')
        .select('phone_e164')
        .where('id', '=', input.userId)
        .executeTakeFirstOrThrow();
      await ctx.codes.verify(clock.nowMs(), {
        purpose: 'recovery',
        destination: user.phone_e164,
        subjectId: input.subjectId,
        code: input.code,
      });
    },

    /** The second factors the user has besides SMS (what a recovery may ask for). */
    async factorsOf(userId: string): Promise<{ totp: boolean; backupCodes: boolean; passkey: boolean }> {
      return {
        totp: await ctx.factors.totpEnabled(userId),
        backupCodes: (await ctx.factors.backupCodesLeft(userId)) > 0,
        passkey: (await ctx.factors.passkeyCount(userId)) > 0,
      };
    },

    passkeyOptions: (userId: string, subjectId: string) =>
      ctx.factors.passkeyOptions({ userId, purpose: 'step_up', subjectId }),

    /** One second factor that is not SMS (SMS is the other factor of every recovery). */
    verifyOtherFactor: (input: {
      userId: string;
      method: Exclude<SecondFactorMethod, 'sms'>;
      code?: string | undefined;
      ceremonyId?: string | undefined;
      response?: unknown;
      subjectId: string;
    }) =>
      verifySecondFactor(ctx, {
        ...input,
        purpose: 'step_up',
        codePurpose: 'step_up',
      }),

    notice: (
      executor: Executor,
      input: { userId: string; template: NotificationTemplate; vars: Record<string, string> },
    ) => noticeToAllChannels(executor, ctx, input),

    /** Tells one phone number only (the new phone of a manual recovery, or the old one). */
    async noticeTo(
      executor: Executor,
      input: {
        userId: string | null;
        phoneE164: string;
        template: NotificationTemplate;
        vars: Record<string, string>;
      },
    ) {
      const user = input.userId
        ? await executor
            .selectFrom('users')
            .select('locale')
            .where('id', '=', input.userId)
            .executeTakeFirst()
        : undefined;
      await ctx.notifier.enqueue(executor, {
        userId: input.userId,
        channel: 'sms',
        destination: input.phoneE164,
        template: input.template,
        locale: user?.locale === 'en' ? 'en' : 'zh-CN',
        vars: input.vars,
      });
    },

    recordEvent: (executor: Executor, input: SecurityEventInput) =>
      recordSecurityEvent(executor, clock.nowMs(), input),

    rateLimit: (bucket: Parameters<typeof enforceRateLimit>[1], key: string) =>
      enforceRateLimit(ctx, bucket, key),

    /** Binds a new phone number (manual recovery after its cool-down). False when taken. */
    async bindPhone(executor: Executor, input: { userId: string; phoneE164: string }): Promise<boolean> {
      const nowMs = clock.nowMs();
      const taken = await executor
        .selectFrom('users')
        .select('id')
        .where('phone_e164', '=', input.phoneE164)
        .where('id', '<>', input.userId)
        .executeTakeFirst();
      if (taken) return false;
      await executor
        .updateTable('users')
        .set({
          phone_e164: input.phoneE164,
          phone_verified_at: new Date(nowMs),
          phone_changed_at: new Date(nowMs),
        })
        .where('id', '=', input.userId)
        .execute();
      await recordSecurityEvent(executor, nowMs, {
        userId: input.userId,
        type: 'phone_changed',
        details: { by: 'recovery' },
      });
      return true;
    },
  };
}
