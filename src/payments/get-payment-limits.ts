import type { Money } from '../shared/index.ts';
import {
  AVAILABLE_CHANNELS,
  LIMITS_CURRENCY,
  PAYMENT_CHANNELS,
  type PaymentChannel,
  PLATFORM_LIMITS_MINOR,
} from './constants.ts';
import type { PaymentsContext } from './context.ts';
import { allowanceLeftToday, paymentDayOf } from './rules.ts';
import { loadAllLimits, loadUsage } from './settings-store.ts';

export interface ChannelLimitsView {
  readonly channel: PaymentChannel;
  /** Whether payments can use this channel yet (bank cards pay nothing directly yet). */
  readonly available: boolean;
  readonly perPayment: Money;
  readonly perDay: Money;
  readonly platformMaxPerPayment: Money;
  readonly platformMaxPerDay: Money;
  readonly spentToday: Money;
  readonly allowanceLeftToday: Money;
}

export interface PaymentLimitsView {
  /** The payment day (Beijing time) the totals belong to. */
  readonly day: string;
  readonly channels: readonly ChannelLimitsView[];
}

const cny = (amountMinor: bigint): Money => ({ amountMinor, currency: LIMITS_CURRENCY });

/** The payer's limits per channel, with the platform maxima and what is left today. */
export async function getPaymentLimits(ctx: PaymentsContext, userId: string): Promise<PaymentLimitsView> {
  const nowMs = ctx.clock.nowMs();
  const day = paymentDayOf(nowMs);
  const limits = await loadAllLimits(ctx.db, userId);
  const usage = await loadUsage(ctx.db, userId, day);
  return {
    day,
    channels: PAYMENT_CHANNELS.map((channel) => {
      const spent = usage.spentMinor[channel];
      return {
        channel,
        available: AVAILABLE_CHANNELS.includes(channel),
        perPayment: cny(limits[channel].perPaymentMinor),
        perDay: cny(limits[channel].perDayMinor),
        platformMaxPerPayment: cny(PLATFORM_LIMITS_MINOR[channel].perPaymentMinor),
        platformMaxPerDay: cny(PLATFORM_LIMITS_MINOR[channel].perDayMinor),
        spentToday: cny(spent),
        allowanceLeftToday: cny(allowanceLeftToday(limits[channel], spent)),
      };
    }),
  };
}
