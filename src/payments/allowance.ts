import type { Executor } from '../identity/index.ts';
import type { PaymentChannel } from './constants.ts';
import { allowanceLeftToday, paymentDayOf } from './rules.ts';
import { loadChannelLimits, loadUsage } from './settings-store.ts';

/** What the payer may still pay today on a channel, as of `nowMs`. */
export async function allowanceLeftTodayOf(
  executor: Executor,
  input: { userId: string; channel: PaymentChannel; nowMs: number },
): Promise<bigint> {
  const limits = await loadChannelLimits(executor, input.userId, input.channel);
  const usage = await loadUsage(executor, input.userId, paymentDayOf(input.nowMs));
  return allowanceLeftToday(limits, usage.spentMinor[input.channel]);
}
