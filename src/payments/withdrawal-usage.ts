/**
 * Withdrawals count in the payer's daily usage of the `bank_card` channel (docs/funding.md): the
 * funding module charges a withdrawal here, inside the transaction that places its hold, and
 * gives it back if the bank fails it. The usage row is locked FOR UPDATE exactly as a payment's
 * confirmation locks it, so a withdrawal and a bank-card payment (or two withdrawals) cannot both
 * fit the last of the day's allowance, and `GET /me/limits` shows withdrawals in `spentToday`.
 */
import { sql, type Transaction } from 'kysely';
import type { Database } from '../store/index.ts';
import { allowanceLeftToday, paymentDayOf } from './rules.ts';
import { addUsage, loadChannelLimits, lockUsage } from './settings-store.ts';

/** The channel whose limits a withdrawal uses: money leaving for a bank card. */
const WITHDRAWAL_CHANNEL = 'bank_card';

export type WithdrawalUsageCharge =
  | { readonly ok: true; readonly day: string }
  | {
      readonly ok: false;
      readonly exceeded: 'per_payment' | 'per_day';
      readonly allowanceLeftTodayMinor: bigint;
    };

/** Checks the bank_card limits and, when they allow it, adds the amount to today's usage. */
export async function chargeWithdrawalUsage(
  trx: Transaction<Database>,
  input: { userId: string; amountMinor: bigint; nowMs: number },
): Promise<WithdrawalUsageCharge> {
  const day = paymentDayOf(input.nowMs);
  const limits = await loadChannelLimits(trx, input.userId, WITHDRAWAL_CHANNEL);
  const usage = await lockUsage(trx, input.userId, day);
  const leftMinor = allowanceLeftToday(limits, usage.spentMinor[WITHDRAWAL_CHANNEL]);
  if (input.amountMinor > limits.perPaymentMinor) {
    return { ok: false, exceeded: 'per_payment', allowanceLeftTodayMinor: leftMinor };
  }
  if (input.amountMinor > leftMinor) {
    return { ok: false, exceeded: 'per_day', allowanceLeftTodayMinor: leftMinor };
  }
  await addUsage(trx, {
    userId: input.userId,
    day,
    channel: WITHDRAWAL_CHANNEL,
    amountMinor: input.amountMinor,
    passwordFree: false,
  });
  return { ok: true, day };
}

/** A failed withdrawal gives its amount back to the day it was charged on (never below zero). */
export async function releaseWithdrawalUsage(
  trx: Transaction<Database>,
  input: { userId: string; amountMinor: bigint; chargedAtMs: number },
): Promise<void> {
  const day = paymentDayOf(input.chargedAtMs);
  await sql`
    UPDATE payment_daily_usage
    SET bank_card_minor = GREATEST(bank_card_minor - ${input.amountMinor}, 0)
    WHERE user_id = ${input.userId} AND day = ${day}`.execute(trx);
}
