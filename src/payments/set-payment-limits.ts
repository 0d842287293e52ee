/**
 * Issue 4 point 6: the payer sets a channel's per-payment and per-day limits. Lowering is always
 * allowed; raising either one needs a fresh step-up (the caller passes the check, so the one
 * definition of "fresh" stays at the HTTP edge); nothing goes above the platform maxima.
 */
import type { Located } from '../identity/index.ts';
import { assert, DomainError, type Money } from '../shared/index.ts';
import { recordPaymentAudit } from './audit.ts';
import { LIMITS_CURRENCY, type PaymentChannel, PLATFORM_LIMITS_MINOR } from './constants.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import { type ChannelLimitsView, getPaymentLimits } from './get-payment-limits.ts';
import { noticeProtectionLoosened } from './security-notice.ts';
import { loadChannelLimits, saveChannelLimits } from './settings-store.ts';

export async function setPaymentLimits(
  ctx: PaymentsContext,
  input: {
    userId: string;
    channel: PaymentChannel;
    perPayment: Money;
    perDay: Money;
    /** Throws `step_up_required` unless the session re-authenticated recently. */
    requireStepUp: () => Promise<void>;
    origin: Located;
  },
): Promise<ChannelLimitsView> {
  const { db, clock } = ctx;
  if (input.perPayment.currency !== LIMITS_CURRENCY || input.perDay.currency !== LIMITS_CURRENCY) {
    throw new DomainError(PAYMENT_ERRORS.CURRENCY_MISMATCH, { expected: LIMITS_CURRENCY });
  }
  const wanted = { perPaymentMinor: input.perPayment.amountMinor, perDayMinor: input.perDay.amountMinor };
  if (wanted.perPaymentMinor > wanted.perDayMinor) throw new DomainError(PAYMENT_ERRORS.INVALID_LIMITS);
  const platform = PLATFORM_LIMITS_MINOR[input.channel];
  if (wanted.perPaymentMinor > platform.perPaymentMinor || wanted.perDayMinor > platform.perDayMinor) {
    throw new DomainError(PAYMENT_ERRORS.LIMIT_ABOVE_PLATFORM_MAX, {
      platformMaxPerPayment: { amountMinor: platform.perPaymentMinor.toString(), currency: LIMITS_CURRENCY },
      platformMaxPerDay: { amountMinor: platform.perDayMinor.toString(), currency: LIMITS_CURRENCY },
    });
  }
  const current = await loadChannelLimits(db, input.userId, input.channel);
  const raising =
    wanted.perPaymentMinor > current.perPaymentMinor || wanted.perDayMinor > current.perDayMinor;
  if (raising) await input.requireStepUp();

  const nowMs = clock.nowMs();
  await db.transaction().execute(async (trx) => {
    await saveChannelLimits(trx, { userId: input.userId, channel: input.channel, limits: wanted, nowMs });
    await recordPaymentAudit(trx, nowMs, {
      userId: input.userId,
      type: 'limits_changed',
      ip: input.origin.ip,
      details: {
        channel: input.channel,
        raised: raising,
        fromPerPaymentMinor: current.perPaymentMinor.toString(),
        fromPerDayMinor: current.perDayMinor.toString(),
        toPerPaymentMinor: wanted.perPaymentMinor.toString(),
        toPerDayMinor: wanted.perDayMinor.toString(),
      },
    });
    if (raising) await noticeProtectionLoosened(trx, ctx, { userId: input.userId, nowMs });
  });
  const view = await getPaymentLimits(ctx, input.userId);
  const channel = view.channels.find((c) => c.channel === input.channel);
  assert(channel, 'every channel has a limits view');
  return channel;
}
