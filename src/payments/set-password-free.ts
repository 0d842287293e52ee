/**
 * Issue 4 point 7: password-free small payments. Turning them off takes one tap and no
 * verification; turning them on, or raising either cap, needs a fresh step-up. Neither cap may
 * exceed the PBoC ceiling of 1,000.00 CNY, and the per-payment cap is at most the daily one.
 */
import type { Located } from '../identity/index.ts';
import { DomainError, type Money } from '../shared/index.ts';
import { recordPaymentAudit } from './audit.ts';
import { LIMITS_CURRENCY, PASSWORD_FREE_CEILING_MINOR } from './constants.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import { getPasswordFree, type PasswordFreeView } from './get-password-free.ts';
import type { PasswordFreeSettings } from './rules.ts';
import { noticeProtectionLoosened } from './security-notice.ts';
import { loadPasswordFree, savePasswordFree } from './settings-store.ts';

export async function setPasswordFree(
  ctx: PaymentsContext,
  input: {
    userId: string;
    enabled: boolean;
    /** Omitted: keep the current cap. */
    perPaymentCap?: Money | undefined;
    dailyCap?: Money | undefined;
    /** Throws `step_up_required` unless the session re-authenticated recently. */
    requireStepUp: () => Promise<void>;
    origin: Located;
  },
): Promise<PasswordFreeView> {
  const { db, clock } = ctx;
  for (const cap of [input.perPaymentCap, input.dailyCap]) {
    if (cap && cap.currency !== LIMITS_CURRENCY) {
      throw new DomainError(PAYMENT_ERRORS.CURRENCY_MISMATCH, { expected: LIMITS_CURRENCY });
    }
  }
  const current = await loadPasswordFree(db, input.userId);
  const wanted: PasswordFreeSettings = {
    enabled: input.enabled,
    perPaymentCapMinor: input.perPaymentCap?.amountMinor ?? current.perPaymentCapMinor,
    dailyCapMinor: input.dailyCap?.amountMinor ?? current.dailyCapMinor,
  };
  if (
    wanted.perPaymentCapMinor > PASSWORD_FREE_CEILING_MINOR ||
    wanted.dailyCapMinor > PASSWORD_FREE_CEILING_MINOR
  ) {
    throw new DomainError(PAYMENT_ERRORS.LIMIT_ABOVE_PLATFORM_MAX, {
      ceiling: { amountMinor: PASSWORD_FREE_CEILING_MINOR.toString(), currency: LIMITS_CURRENCY },
    });
  }
  if (wanted.perPaymentCapMinor > wanted.dailyCapMinor) throw new DomainError(PAYMENT_ERRORS.INVALID_LIMITS);
  const loosening =
    (wanted.enabled && !current.enabled) ||
    wanted.perPaymentCapMinor > current.perPaymentCapMinor ||
    wanted.dailyCapMinor > current.dailyCapMinor;
  if (loosening) await input.requireStepUp();

  const nowMs = clock.nowMs();
  await db.transaction().execute(async (trx) => {
    await savePasswordFree(trx, { userId: input.userId, settings: wanted, nowMs });
    await recordPaymentAudit(trx, nowMs, {
      userId: input.userId,
      type: 'password_free_changed',
      ip: input.origin.ip,
      details: {
        loosened: loosening,
        fromEnabled: current.enabled,
        toEnabled: wanted.enabled,
        fromPerPaymentCapMinor: current.perPaymentCapMinor.toString(),
        fromDailyCapMinor: current.dailyCapMinor.toString(),
        toPerPaymentCapMinor: wanted.perPaymentCapMinor.toString(),
        toDailyCapMinor: wanted.dailyCapMinor.toString(),
      },
    });
    if (loosening) await noticeProtectionLoosened(trx, ctx, { userId: input.userId, nowMs });
  });
  return getPasswordFree(ctx, input.userId);
}
