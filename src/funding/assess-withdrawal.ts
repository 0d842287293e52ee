/**
 * A withdrawal before its hold (issue 5 point 1): the risk engine's decision through the
 * WithdrawalRiskPort, and what each decision does here (docs/risk.md, "Withdrawals"). Refusals
 * write nothing but their notice (and the freeze), in one transaction.
 */
import {
  hasSecondFactorStepUpSince,
  IDENTITY_ERRORS,
  type Located,
  noticeToAllChannels,
  SECOND_FACTOR_STEP_UP_METHODS,
} from '../identity/index.ts';
import { DomainError, type Money } from '../shared/index.ts';
import type { FundingContext } from './context.ts';
import { FUNDING_ERRORS } from './errors.ts';

/** A risk challenge is met by a second-factor step-up in this session this recent (issue 3's
 *  step-up freshness, as the security lock). */
export const WITHDRAWAL_STEP_UP_FRESH_MS = 5 * 60_000;

export type WithdrawalVerdict =
  | { readonly held: false; readonly riskEventId: string | null }
  | {
      readonly held: true;
      readonly riskEventId: string;
      readonly reasons: readonly string[];
      readonly deadlineAt: Date;
    };

export async function assessWithdrawal(
  ctx: FundingContext,
  input: {
    userId: string;
    operationId: string;
    amount: Money;
    card: { id: string; token: string };
    balanceMinor: bigint;
    sessionId: string | undefined;
    origin: Located;
    failedPaymentPasswords: number;
    nowMs: number;
  },
): Promise<WithdrawalVerdict> {
  const risk = ctx.risk;
  if (!risk) return { held: false, riskEventId: null };
  const { db } = ctx;
  const paidBefore = await db
    .selectFrom('funding_operations')
    .select('id')
    .where('user_id', '=', input.userId)
    .where('card_id', '=', input.card.id)
    .where('kind', '=', 'withdrawal')
    .where('status', '=', 'succeeded')
    .limit(1)
    .executeTakeFirst();
  const firstSeen = await ctx.identity.devices?.firstSeenAt(input.userId, input.origin.deviceKey);
  const lastChange = await ctx.identity.lastSecurityChangeAt?.(input.userId);
  const decided = await risk.port.assess({
    userId: input.userId,
    operationId: input.operationId,
    amount: input.amount,
    cardToken: input.card.token,
    firstTimeCard: paidBefore === undefined,
    balanceMinor: input.balanceMinor,
    origin: {
      ip: input.origin.ip,
      deviceKey: input.origin.deviceKey,
      country: input.origin.location?.country ?? null,
    },
    deviceFirstSeenAtMs: firstSeen?.getTime() ?? null,
    lastSecurityChangeAtMs: lastChange?.getTime() ?? null,
    failedPaymentPasswords: input.failedPaymentPasswords,
    nowMs: input.nowMs,
  });
  const time = new Date(input.nowMs).toISOString();
  const notice = { notifier: risk.notifier };

  if (decided.decision === 'allow') return { held: false, riskEventId: decided.eventId };
  if (decided.decision === 'challenge' && !decided.freeze) {
    const stepped =
      input.sessionId !== undefined &&
      (await hasSecondFactorStepUpSince(db, {
        userId: input.userId,
        sessionId: input.sessionId,
        sinceMs: input.nowMs - WITHDRAWAL_STEP_UP_FRESH_MS,
      }));
    if (stepped) return { held: false, riskEventId: decided.eventId };
    await noticeToAllChannels(db, notice, {
      userId: input.userId,
      template: 'risk_challenge',
      vars: { action: 'withdrawal', time },
    });
    throw new DomainError(IDENTITY_ERRORS.RISK_SECOND_FACTOR_REQUIRED, {
      methods: [...SECOND_FACTOR_STEP_UP_METHODS],
    });
  }
  if (decided.decision === 'review' && !decided.freeze) {
    return {
      held: true,
      riskEventId: decided.eventId,
      reasons: decided.reasons,
      deadlineAt: new Date(input.nowMs + risk.reviewDeadlineMs),
    };
  }
  await db.transaction().execute(async (trx) => {
    await noticeToAllChannels(trx, notice, {
      userId: input.userId,
      template: 'risk_declined',
      vars: { action: 'withdrawal', time },
    });
    if (decided.freeze && ctx.identity.alerts) {
      await ctx.identity.alerts.freeze(trx, { userId: input.userId, reason: 'risk', origin: input.origin });
    }
  });
  throw new DomainError(FUNDING_ERRORS.WITHDRAWAL_DECLINED);
}
