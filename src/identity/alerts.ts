/**
 * "This wasn't me": every new-sign-in alert carries a one-time link; following it freezes the
 * account at once (before the response returns), ends every session and tells every channel.
 * The link token is 256 bits, stored as SHA-256, valid 7 days, usable once.
 */
import { DomainError, newSecretToken } from '../shared/index.ts';
import type { IdentityContext, Located } from './context.ts';
import { IDENTITY_ERRORS } from './errors.ts';
import { noticeToAllChannels } from './notices.ts';
import type { Executor } from './ports.ts';
import { recordSecurityEvent } from './security-events.ts';
import { sha256Hex } from './sessions.ts';

export const ALERT_LINK_TTL_MS = 7 * 24 * 3600_000;

export async function createAlertLink(
  executor: Executor,
  ctx: IdentityContext,
  input: { userId: string; securityEventId: bigint | null },
): Promise<string> {
  const token = newSecretToken();
  const nowMs = ctx.clock.nowMs();
  await executor
    .insertInto('alert_links')
    .values({
      token_sha256: sha256Hex(token),
      user_id: input.userId,
      security_event_id: input.securityEventId,
      created_at: new Date(nowMs),
      expires_at: new Date(nowMs + ALERT_LINK_TTL_MS),
    })
    .execute();
  return `${ctx.config.publicUrl}/not-me?token=${token}`;
}

/** Freezes the account and ends every session. Shared with issue 7's other freeze paths. */
export async function freezeAccount(
  executor: Executor,
  ctx: IdentityContext,
  input: { userId: string; reason: string; origin: Located | null },
): Promise<void> {
  const nowMs = ctx.clock.nowMs();
  await executor
    .updateTable('users')
    .set({ frozen_at: new Date(nowMs), frozen_reason: input.reason })
    .where('id', '=', input.userId)
    .where('frozen_at', 'is', null)
    .execute();
  await executor
    .updateTable('sessions')
    .set({ ended_at: new Date(nowMs) })
    .where('user_id', '=', input.userId)
    .where('ended_at', 'is', null)
    .execute();
  await recordSecurityEvent(executor, nowMs, {
    userId: input.userId,
    type: 'account_frozen',
    ip: input.origin?.ip,
    country: input.origin?.location?.country,
    city: input.origin?.location?.city,
    details: { reason: input.reason },
  });
  await noticeToAllChannels(executor, ctx, {
    userId: input.userId,
    template: 'account_frozen',
    vars: { reason: input.reason, time: new Date(nowMs).toISOString() },
  });
}

/** Lifts a freeze (an operator, after verifying the owner; issue 5's case queue). Sessions stay
 *  ended; the owner signs in again. */
export async function unfreezeAccount(
  executor: Executor,
  ctx: IdentityContext,
  input: { userId: string; reason: string },
): Promise<boolean> {
  const nowMs = ctx.clock.nowMs();
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
    details: { reason: input.reason },
  });
  return true;
}

export function createAlerts(ctx: IdentityContext) {
  return {
    /** Freezes an account from outside identity (the risk engine's strongest signals, an
     *  operator): the freeze, its event and its notices commit in `executor`'s transaction. */
    freeze: (executor: Executor, input: { userId: string; reason: string; origin: Located | null }) =>
      freezeAccount(executor, ctx, input),

    unfreeze: (executor: Executor, input: { userId: string; reason: string }) =>
      unfreezeAccount(executor, ctx, input),

    async reportNotMe(token: string, origin: Located): Promise<void> {
      const nowMs = ctx.clock.nowMs();
      await ctx.db.transaction().execute(async (trx) => {
        const link = await trx
          .updateTable('alert_links')
          .set({ used_at: new Date(nowMs) })
          .where('token_sha256', '=', sha256Hex(token))
          .where('used_at', 'is', null)
          .where('expires_at', '>', new Date(nowMs))
          .returning(['user_id', 'security_event_id'])
          .executeTakeFirst();
        if (!link) throw new DomainError(IDENTITY_ERRORS.LINK_INVALID);
        // The device of the reported sign-in is forgotten: while frozen, only devices the owner
        // already had may sign in, and this one was the intruder's.
        if (link.security_event_id !== null) {
          const event = await trx
            .selectFrom('security_events')
            .select('device_id')
            .where('id', '=', link.security_event_id)
            .executeTakeFirst();
          if (event?.device_id) {
            await trx
              .updateTable('devices')
              .set({ revoked_at: new Date(nowMs) })
              .where('id', '=', event.device_id)
              .where('user_id', '=', link.user_id)
              .execute();
          }
        }
        await recordSecurityEvent(trx, nowMs, {
          userId: link.user_id,
          type: 'not_me_reported',
          ip: origin.ip,
          details: { event: link.security_event_id === null ? null : String(link.security_event_id) },
        });
        await freezeAccount(trx, ctx, { userId: link.user_id, reason: 'not_me_link', origin });
      });
    },
  };
}
