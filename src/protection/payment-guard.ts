/**
 * The security lock as payments and funding ask it (issue 4 point 8):
 *
 * - a transfer to a person the payer has never paid is refused with `payee_cooling_off` until
 *   the cooling period has passed since the payer first named that payee (the first attempt
 *   starts the clock, and the error says when the payee becomes payable);
 * - transfers and withdrawals, and in the night window every payment, need a second factor:
 *   a passkey confirmation (a passkey is itself multi-factor: the device plus its biometric or
 *   PIN), or a step-up in this session by SMS, authenticator, backup code or passkey within the
 *   last 5 minutes, on top of the payment password.
 */

import { FACTOR_ERRORS, hasSecondFactorStepUpSince } from '../identity/index.ts';
import type { ConfirmationMethod } from '../payments/index.ts';
import { DomainError } from '../shared/index.ts';
import { SECOND_FACTOR_FRESH_MS, SECOND_FACTOR_METHODS } from './constants.ts';
import type { SecurityLockContext } from './context.ts';
import { PROTECTION_ERRORS } from './errors.ts';
import { type LockedOperation, secondFactorReason } from './lock-rules.ts';
import { loadLock } from './lock-settings.ts';

export async function checkPaymentIntent(
  ctx: SecurityLockContext,
  input: {
    payerId: string;
    payee: { kind: 'user' | 'merchant'; accountId: string };
    paidBefore: boolean;
    nowMs: number;
  },
): Promise<{ secondFactorRequired: boolean }> {
  const settings = await loadLock(ctx.db, input.payerId);
  if (!settings.enabled) return { secondFactorRequired: false };
  if (input.payee.kind === 'user' && !input.paidBefore) {
    await ctx.db
      .insertInto('security_lock_payees')
      .values({
        user_id: input.payerId,
        payee_account_id: input.payee.accountId,
        first_named_at: new Date(input.nowMs),
      })
      .onConflict((oc) => oc.columns(['user_id', 'payee_account_id']).doNothing())
      .execute();
    const named = await ctx.db
      .selectFrom('security_lock_payees')
      .select('first_named_at')
      .where('user_id', '=', input.payerId)
      .where('payee_account_id', '=', input.payee.accountId)
      .executeTakeFirstOrThrow();
    const payableAtMs = named.first_named_at.getTime() + settings.coolingOffMs;
    if (input.nowMs < payableAtMs) {
      throw new DomainError(PROTECTION_ERRORS.PAYEE_COOLING_OFF, {
        payableAt: new Date(payableAtMs).toISOString(),
      });
    }
  }
  const operation: LockedOperation = input.payee.kind === 'user' ? 'transfer' : 'merchant_payment';
  return { secondFactorRequired: secondFactorReason(settings, { operation, nowMs: input.nowMs }) !== null };
}

export async function checkConfirmation(
  ctx: SecurityLockContext,
  input: {
    userId: string;
    operation: LockedOperation;
    method: ConfirmationMethod;
    sessionId: string | undefined;
    nowMs: number;
  },
): Promise<void> {
  const settings = await loadLock(ctx.db, input.userId);
  const reason = secondFactorReason(settings, { operation: input.operation, nowMs: input.nowMs });
  if (reason === null || input.method === 'passkey') return;
  if (input.sessionId && (await freshSecondFactor(ctx, input.userId, input.sessionId, input.nowMs))) return;
  throw new DomainError(FACTOR_ERRORS.SECOND_FACTOR_REQUIRED, {
    reason,
    methods: [...SECOND_FACTOR_METHODS],
  });
}

/** A step-up by a second factor (not the payment password) in this session, recently enough
 *  (identity's check, shared with the risk engine's challenge of security changes). */
function freshSecondFactor(
  ctx: SecurityLockContext,
  userId: string,
  sessionId: string,
  nowMs: number,
): Promise<boolean> {
  return hasSecondFactorStepUpSince(ctx.db, { userId, sessionId, sinceMs: nowMs - SECOND_FACTOR_FRESH_MS });
}
