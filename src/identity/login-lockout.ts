/**
 * The login-password lockout (issue 3): 5 wrong login passwords for a phone number lock password
 * sign-in for it for 15 minutes. Kept by the number (`login_lockouts`), registered or not, so the
 * answers never reveal an account. Sign-in counts into it, and so does the identity check of a
 * signed-in session (the login password in a step-up, account-security.ts): one budget for
 * guessing a login password, whichever door the guesses come through.
 */
import type { IdentityContext, Located } from './context.ts';
import { noticeToAllChannels } from './notices.ts';
import { recordSecurityEvent, type SecurityEventType } from './security-events.ts';

export const LOGIN_FAILURES_MAX = 5;
export const LOGIN_LOCK_MS = 15 * 60_000;
/** Failures older than this no longer count towards a lock. */
export const LOGIN_FAILURE_WINDOW_MS = 15 * 60_000;

/** Until when password sign-in (and the identity check) is locked for this number, or null. */
export async function loginLockedUntil(
  ctx: IdentityContext,
  phone: string,
  nowMs: number,
): Promise<Date | null> {
  const row = await ctx.db
    .selectFrom('login_lockouts')
    .select('locked_until')
    .where('phone_e164', '=', phone)
    .executeTakeFirst();
  return row?.locked_until && row.locked_until.getTime() > nowMs ? row.locked_until : null;
}

/**
 * Counts one wrong login password for `phone`, in its own transaction (committed before the
 * answer, so a failing caller cannot undo it). Records `event` for a known account; at the fifth
 * failure in the window, locks, records `login_locked` and tells every channel. Answers when the
 * lock ends (null when none) and how many tries are left before one.
 */
export async function countLoginFailure(
  ctx: IdentityContext,
  input: {
    phone: string;
    userId: string | null;
    origin: Located;
    nowMs: number;
    /** What the failure is recorded as: a sign-in's, or a signed-in session's identity check. */
    event: { type: SecurityEventType; details: Record<string, string>; sessionId?: string | undefined };
  },
): Promise<{ lockedUntil: Date | null; attemptsLeft: number }> {
  const { phone, userId, origin, nowMs } = input;
  const windowStart = new Date(nowMs - LOGIN_FAILURE_WINDOW_MS);
  return ctx.db.transaction().execute(async (trx) => {
    const row = await trx
      .insertInto('login_lockouts')
      .values({ phone_e164: phone, failures: 1, last_failure_at: new Date(nowMs) })
      .onConflict((oc) =>
        oc.column('phone_e164').doUpdateSet((eb) => ({
          failures: eb
            .case()
            .when('login_lockouts.last_failure_at', '<', windowStart)
            .then(1)
            .else(eb('login_lockouts.failures', '+', 1))
            .end(),
          last_failure_at: new Date(nowMs),
        })),
      )
      .returning('failures')
      .executeTakeFirstOrThrow();
    const base = { userId, ip: origin.ip, country: origin.location?.country, city: origin.location?.city };
    if (userId) await recordSecurityEvent(trx, nowMs, { ...base, ...input.event });
    if (row.failures < LOGIN_FAILURES_MAX)
      return { lockedUntil: null, attemptsLeft: LOGIN_FAILURES_MAX - row.failures };
    const until = new Date(nowMs + LOGIN_LOCK_MS);
    await trx
      .updateTable('login_lockouts')
      .set({ locked_until: until, failures: 0 })
      .where('phone_e164', '=', phone)
      .execute();
    if (userId) {
      await recordSecurityEvent(trx, nowMs, {
        ...base,
        type: 'login_locked',
        details: { until: until.toISOString() },
      });
      await noticeToAllChannels(trx, ctx, {
        userId,
        template: 'account_locked',
        vars: { until: until.toISOString() },
      });
    }
    return { lockedUntil: until, attemptsLeft: 0 };
  });
}

/** A right login password clears the count for the number. */
export async function clearLoginFailures(ctx: IdentityContext, phone: string): Promise<void> {
  await ctx.db.deleteFrom('login_lockouts').where('phone_e164', '=', phone).execute();
}
