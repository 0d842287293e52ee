/**
 * Issue 7 points 1 and 2, signed in: "freeze my account" and "my account was stolen".
 *
 * The stolen flow, in order: freeze (which ends every session: the user's own too, on purpose —
 * the thief may hold one), turn password-free payments off, suspend agreements and family cards
 * through the SuspendUserGrants port, and hand back a report token (7 days, the only power it
 * has: list the activity since the suspected time and open a loss claim for it). The freeze is
 * committed before the response returns; the rest follows and each step is reported back, so a
 * failure of a later step is visible rather than silent.
 */
import type { Located, SessionContext } from '../identity/index.ts';
import { ACTIVITY_PAGE_MAX } from '../ledger/index.ts';
import { DomainError, newId, newSecretToken } from '../shared/index.ts';
import { writeAudit } from './audit.ts';
import type { RecoveryContext } from './context.ts';
import { sha256Hex } from './crypto-util.ts';
import { RECOVERY_ERRORS } from './errors.ts';

export const STOLEN_REPORT_TTL_MS = 7 * 24 * 3600_000;
/** How far back a user may say the theft began (the claim window is 30 days anyway). */
export const SUSPECTED_SINCE_MAX_MS = 30 * 24 * 3600_000;
export const STOLEN_ACTIVITY_MAX = ACTIVITY_PAGE_MAX;

export interface StolenActivityItem {
  readonly kind: 'money_out' | 'sign_in';
  /** money_out: the ledger transfer id (what a claim disputes); sign_in: the event id. */
  readonly id: string;
  readonly code: string;
  readonly amountMinor: bigint | null;
  readonly currency: string | null;
  readonly where: string | null;
  readonly at: Date;
}

export interface StolenReport {
  readonly reportToken: string;
  readonly expiresAt: Date;
  readonly passwordFreeTurnedOff: boolean;
  readonly grantsSuspended: number;
  readonly activity: StolenActivityItem[];
}

export function createStolen(ctx: RecoveryContext) {
  const { db, clock } = ctx;
  const support = ctx.identity.recoverySupport;

  async function activitySince(userId: string, since: Date): Promise<StolenActivityItem[]> {
    const { items } = await ctx.wallet.listActivity({ userId, limit: STOLEN_ACTIVITY_MAX });
    const money: StolenActivityItem[] = items
      .filter((i) => i.direction === 'out' && i.status === 'posted' && i.createdAt >= since)
      .map((i) => ({
        kind: 'money_out',
        id: i.transferId,
        code: i.code,
        amountMinor: i.amountMinor,
        currency: i.currency,
        where: null,
        at: i.createdAt,
      }));
    const events = await ctx.identity.listSecurityEvents({ userId, limit: 100 });
    const signIns: StolenActivityItem[] = events
      .filter((e) => e.type === 'sign_in' && e.createdAt >= since)
      .map((e) => ({
        kind: 'sign_in',
        id: String(e.id),
        code: 'sign_in',
        amountMinor: null,
        currency: null,
        where: [e.city, e.country].filter(Boolean).join(', ') || e.ip,
        at: e.createdAt,
      }));
    return [...money, ...signIns].sort((a, b) => b.at.getTime() - a.at.getTime());
  }

  return {
    activitySince,

    async freezeSelf(session: SessionContext, origin: Located): Promise<void> {
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        await support.freeze(trx, { userId: session.user.id, reason: 'user', origin });
        await writeAudit(trx, nowMs, {
          actor: { kind: 'user', id: session.user.id },
          action: 'account_frozen',
          userId: session.user.id,
          details: { by: 'self' },
        });
      });
    },

    async reportStolen(
      session: SessionContext,
      input: { suspectedSince: Date },
      origin: Located,
    ): Promise<StolenReport> {
      const userId = session.user.id;
      const nowMs = clock.nowMs();
      const since = input.suspectedSince;
      if (since.getTime() > nowMs || nowMs - since.getTime() > SUSPECTED_SINCE_MAX_MS)
        throw new DomainError(
          RECOVERY_ERRORS.CLAIM_ITEM_INVALID,
          undefined,
          'The suspected time must be within the last 30 days.',
        );
      const token = newSecretToken();
      const expiresAt = new Date(nowMs + STOLEN_REPORT_TTL_MS);
      await db.transaction().execute(async (trx) => {
        await support.freeze(trx, { userId, reason: 'stolen', origin });
        await trx
          .insertInto('recovery_attempts')
          .values({
            id: newId('rca'),
            token_sha256: sha256Hex(token),
            kind: 'stolen_report',
            user_id: userId,
            code_verified_at: new Date(nowMs),
            suspected_since: since,
            created_at: new Date(nowMs),
            expires_at: expiresAt,
          })
          .execute();
        await writeAudit(trx, nowMs, {
          actor: { kind: 'user', id: userId },
          action: 'account_reported_stolen',
          userId,
          details: { suspectedSince: since.toISOString() },
        });
      });
      // Turning password-free payments off needs no verification (payments' own rule).
      const passwordFree = await ctx.payments.setPasswordFree({
        userId,
        enabled: false,
        requireStepUp: async () => {},
        origin,
      });
      const grants = await ctx.grants.suspendAll(userId);
      await writeAudit(db, clock.nowMs(), {
        actor: { kind: 'user', id: userId },
        action: 'stolen_protections_applied',
        userId,
        details: { passwordFreeOff: !passwordFree.enabled, grantsSuspended: grants.suspended },
      });
      return {
        reportToken: token,
        expiresAt,
        passwordFreeTurnedOff: !passwordFree.enabled,
        grantsSuspended: grants.suspended,
        activity: await activitySince(userId, since),
      };
    },

    /** The report behind a token: whose, and since when. */
    async loadReport(reportToken: string): Promise<{ userId: string; suspectedSince: Date }> {
      const row = await db
        .selectFrom('recovery_attempts')
        .select(['user_id', 'suspected_since'])
        .where('token_sha256', '=', sha256Hex(reportToken))
        .where('kind', '=', 'stolen_report')
        .where('expires_at', '>', new Date(clock.nowMs()))
        .executeTakeFirst();
      if (!row?.user_id || !row.suspected_since) throw new DomainError(RECOVERY_ERRORS.ATTEMPT_INVALID);
      return { userId: row.user_id, suspectedSince: row.suspected_since };
    },
  };
}

export type Stolen = ReturnType<typeof createStolen>;
