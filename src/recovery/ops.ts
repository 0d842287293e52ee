/**
 * What operators do to user accounts (issue 7 point 7): find users by phone or ID number (keyed
 * hash), read a masked security picture (status, devices, activity, recoveries, claims), freeze,
 * and approve an unfreeze. Every action is written to the audit log with the operator and role.
 */
import { maskPhone, normalizePhone } from '../identity/index.ts';
import { DomainError } from '../shared/index.ts';
import { type Actor, writeAudit } from './audit.ts';
import type { RecoveryContext } from './context.ts';
import { RECOVERY_ERRORS } from './errors.ts';
import type { IdentityData } from './identity-data.ts';
import type { SelfService } from './self-service.ts';

export const OPS_EVENTS_MAX = 50;

export interface UserSummary {
  readonly userId: string;
  readonly displayName: string;
  readonly phoneMasked: string;
  readonly frozen: boolean;
  readonly realNameMasked: string | null;
  readonly idNumberMasked: string | null;
}

type OperatorActor = Extract<Actor, { kind: 'operator' }>;

export function createOps(ctx: RecoveryContext, identityData: IdentityData, selfService: SelfService) {
  const { db, clock } = ctx;
  const support = ctx.identity.recoverySupport;

  async function summary(userId: string): Promise<UserSummary> {
    const user = await db
      .selectFrom('users')
      .select(['id', 'display_name', 'phone_e164', 'frozen_at'])
      .where('id', '=', userId)
      .executeTakeFirst();
    if (!user) throw new DomainError(RECOVERY_ERRORS.USER_NOT_FOUND);
    const identity = await identityData.view(userId);
    return {
      userId: user.id,
      displayName: user.display_name,
      phoneMasked: maskPhone(user.phone_e164),
      frozen: Boolean(user.frozen_at),
      realNameMasked: identity?.realNameMasked ?? null,
      idNumberMasked: identity?.idNumberMasked ?? null,
    };
  }

  return {
    summary,

    /** By phone number or ID number; both exact (no prefix search over people). */
    async lookup(
      operator: OperatorActor,
      input: { phone?: string | undefined; idNumber?: string | undefined },
    ): Promise<UserSummary[]> {
      let userId: string | null = null;
      if (input.phone) {
        const phone = normalizePhone(input.phone);
        userId = phone ? ((await ctx.identity.findUserByPhone(phone))?.id ?? null) : null;
      } else if (input.idNumber) {
        userId = await identityData.findUserByIdNumber(input.idNumber);
      }
      await writeAudit(db, clock.nowMs(), {
        actor: operator,
        action: 'user_lookup',
        userId,
        details: { by: input.phone ? 'phone' : 'id_number', found: userId !== null },
      });
      return userId ? [await summary(userId)] : [];
    },

    async detail(operator: OperatorActor, userId: string) {
      const base = await summary(userId);
      const overview = await ctx.identity.security.overview(userId);
      const devices = await ctx.identity.devices.list(userId);
      const events = await ctx.identity.listSecurityEvents({ userId, limit: OPS_EVENTS_MAX });
      await writeAudit(db, clock.nowMs(), { actor: operator, action: 'user_viewed', userId });
      return {
        ...base,
        security: {
          hasPaymentPassword: overview.hasPaymentPassword,
          totp: overview.totp,
          backupCodesLeft: overview.backupCodesLeft,
          passkeys: overview.passkeys,
          emailBound: overview.email !== null,
          paymentLockedUntil: overview.paymentLockedUntil,
        },
        devices: devices.map((d) => ({
          id: d.id,
          name: d.name,
          lastSeenAt: d.lastSeenAt,
          lastCountry: d.lastCountry,
          lastCity: d.lastCity,
        })),
        events: events.map((e) => ({
          id: String(e.id),
          type: e.type,
          ip: e.ip,
          country: e.country,
          city: e.city,
          at: e.createdAt,
        })),
      };
    },

    async freeze(operator: OperatorActor, userId: string, note: string): Promise<void> {
      await summary(userId);
      const nowMs = clock.nowMs();
      await db.transaction().execute(async (trx) => {
        await support.freeze(trx, { userId, reason: 'operator', origin: null });
        await writeAudit(trx, nowMs, {
          actor: operator,
          action: 'account_frozen',
          userId,
          details: { by: 'operator', note: note.slice(0, 500) },
        });
      });
    },

    /** Approves an unfreeze after review; the owner finishes it with an SMS code and new passwords. */
    async approveUnfreeze(operator: OperatorActor, userId: string, note: string): Promise<void> {
      await summary(userId);
      await selfService.approveUnfreeze(userId);
      await writeAudit(db, clock.nowMs(), {
        actor: operator,
        action: 'unfreeze_approved',
        userId,
        details: { note: note.slice(0, 500) },
      });
    },
  };
}

export type Ops = ReturnType<typeof createOps>;
