/**
 * One-time codes sent by SMS or e-mail: 6 digits, single use, valid 5 minutes, at most 5
 * attempts, a 60-second cool-down between sends, bound to a purpose, a destination and (when
 * given) a subject such as a sign-up attempt or a sign-in challenge: a sign-in code cannot
 * confirm a payment. Only an HMAC of the code is stored (a plain hash of 10^6 values is no
 * protection).
 */
import { randomInt, timingSafeEqual } from 'node:crypto';
import type { Kysely } from 'kysely';
import { DomainError, newId } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import type { Executor, Locale, Notifier } from './ports.ts';
import type { IdentitySecrets } from './secrets.ts';

export const CODE_DIGITS = 6;
export const CODE_TTL_MS = 5 * 60_000;
export const CODE_ATTEMPTS_MAX = 5;
export const CODE_RESEND_COOLDOWN_MS = 60_000;

export const CODE_PURPOSES = [
  'sign_up',
  'sign_in',
  'step_up',
  'change_phone',
  'change_email',
  'recovery',
  'payment',
] as const;
export type CodePurpose = (typeof CODE_PURPOSES)[number];

export interface SendCodeInput {
  readonly purpose: CodePurpose;
  readonly channel: 'sms' | 'email';
  readonly destination: string;
  readonly userId: string | null;
  readonly subjectId: string | null;
  readonly locale: Locale;
}

export type OneTimeCodes = ReturnType<typeof createOneTimeCodes>;

export function createOneTimeCodes(deps: {
  db: Kysely<Database>;
  secrets: IdentitySecrets;
  notifier: Notifier;
}) {
  const { db, secrets, notifier } = deps;

  return {
    /** Issues a code and queues it for delivery. Refuses a resend inside the cool-down. */
    async send(executor: Executor, nowMs: number, input: SendCodeInput): Promise<{ resendAfterMs: number }> {
      const last = await executor
        .selectFrom('one_time_codes')
        .select('created_at')
        .where('destination', '=', input.destination)
        .where('purpose', '=', input.purpose)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (last && nowMs - last.created_at.getTime() < CODE_RESEND_COOLDOWN_MS) {
        const retryAfterMs = CODE_RESEND_COOLDOWN_MS - (nowMs - last.created_at.getTime());
        throw new DomainError(IDENTITY_ERRORS.RESEND_TOO_SOON, { retryAfterMs });
      }
      const code = randomInt(0, 10 ** CODE_DIGITS)
        .toString()
        .padStart(CODE_DIGITS, '0');
      // A new code replaces older live ones for the same purpose and destination.
      await executor
        .updateTable('one_time_codes')
        .set({ consumed_at: new Date(nowMs) })
        .where('destination', '=', input.destination)
        .where('purpose', '=', input.purpose)
        .where('consumed_at', 'is', null)
        .execute();
      await executor
        .insertInto('one_time_codes')
        .values({
          id: newId('otp'),
          purpose: input.purpose,
          channel: input.channel,
          destination: input.destination,
          user_id: input.userId,
          subject_id: input.subjectId,
          code_sha256: secrets.digestCode(`${input.purpose}:${input.destination}:${code}`),
          created_at: new Date(nowMs),
          expires_at: new Date(nowMs + CODE_TTL_MS),
        })
        .execute();
      await notifier.enqueue(executor, {
        userId: input.userId,
        channel: input.channel,
        destination: input.destination,
        template: 'otp_code',
        locale: input.locale,
        vars: { code, purpose: input.purpose, minutes: String(CODE_TTL_MS / 60_000) },
      });
      return { resendAfterMs: CODE_RESEND_COOLDOWN_MS };
    },

    /**
     * Retires the live codes sent for one subject whose object went away (a payment cancelled
     * before it was confirmed), in the caller's transaction, as a new code retires older ones.
     */
    async withdraw(
      executor: Executor,
      nowMs: number,
      input: { purpose: CodePurpose; userId: string; subjectId: string },
    ): Promise<void> {
      await executor
        .updateTable('one_time_codes')
        .set({ consumed_at: new Date(nowMs) })
        .where('purpose', '=', input.purpose)
        .where('user_id', '=', input.userId)
        .where('subject_id', '=', input.subjectId)
        .where('consumed_at', 'is', null)
        .execute();
    },

    /**
     * Checks a code, outside any caller transaction so that a wrong try is counted even when the
     * caller's work fails: each try first takes one of the 5 attempts (atomically), then compares.
     * Expired, used, exhausted, other-purpose or other-subject codes are all `invalid_code`.
     */
    async verify(
      nowMs: number,
      input: { purpose: CodePurpose; destination: string; subjectId: string | null; code: string },
    ): Promise<void> {
      const row = await db
        .selectFrom('one_time_codes')
        .select(['id', 'code_sha256', 'expires_at', 'subject_id'])
        .where('destination', '=', input.destination)
        .where('purpose', '=', input.purpose)
        .where('consumed_at', 'is', null)
        .orderBy('created_at', 'desc')
        .limit(1)
        .executeTakeFirst();
      if (!row || nowMs >= row.expires_at.getTime()) throw new DomainError(IDENTITY_ERRORS.INVALID_CODE);
      const attempt = await db
        .updateTable('one_time_codes')
        .set((eb) => ({ attempts: eb('attempts', '+', 1) }))
        .where('id', '=', row.id)
        .where('attempts', '<', CODE_ATTEMPTS_MAX)
        .where('consumed_at', 'is', null)
        .returning('attempts')
        .executeTakeFirst();
      if (!attempt) throw new DomainError(IDENTITY_ERRORS.INVALID_CODE, { attemptsLeft: 0 });
      const expected = Buffer.from(row.code_sha256.trim(), 'hex');
      const given = Buffer.from(
        secrets.digestCode(`${input.purpose}:${input.destination}:${input.code}`),
        'hex',
      );
      const matches =
        /^[0-9]{6}$/.test(input.code) &&
        timingSafeEqual(expected, given) &&
        row.subject_id === input.subjectId;
      if (!matches) {
        throw new DomainError(IDENTITY_ERRORS.INVALID_CODE, {
          attemptsLeft: CODE_ATTEMPTS_MAX - attempt.attempts,
        });
      }
      const used = await db
        .updateTable('one_time_codes')
        .set({ consumed_at: new Date(nowMs) })
        .where('id', '=', row.id)
        .where('consumed_at', 'is', null)
        .executeTakeFirst();
      if (Number(used.numUpdatedRows) !== 1) throw new DomainError(IDENTITY_ERRORS.INVALID_CODE);
    },
  };
}
