import type { Money } from '../shared/index.ts';
import { LIMITS_CURRENCY, PASSWORD_FREE_CEILING_MINOR } from './constants.ts';
import type { PaymentsContext } from './context.ts';
import { paymentDayOf } from './rules.ts';
import { loadPasswordFree, loadUsage } from './settings-store.ts';

export interface PasswordFreeView {
  readonly enabled: boolean;
  readonly perPaymentCap: Money;
  readonly dailyCap: Money;
  /** The most either cap may be (the PBoC ceiling). */
  readonly ceiling: Money;
  /** Paid without a password today, and what is left of the daily cap. */
  readonly usedToday: Money;
  readonly leftToday: Money;
}

const cny = (amountMinor: bigint): Money => ({ amountMinor, currency: LIMITS_CURRENCY });

export async function getPasswordFree(ctx: PaymentsContext, userId: string): Promise<PasswordFreeView> {
  const settings = await loadPasswordFree(ctx.db, userId);
  const usage = await loadUsage(ctx.db, userId, paymentDayOf(ctx.clock.nowMs()));
  const left = settings.dailyCapMinor - usage.passwordFreeMinor;
  return {
    enabled: settings.enabled,
    perPaymentCap: cny(settings.perPaymentCapMinor),
    dailyCap: cny(settings.dailyCapMinor),
    ceiling: cny(PASSWORD_FREE_CEILING_MINOR),
    usedToday: cny(usage.passwordFreeMinor),
    leftToday: cny(left > 0n ? left : 0n),
  };
}
