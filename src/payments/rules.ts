/**
 * The pure decisions of a payment: which day it counts on, whether it fits the payer's limits,
 * whether it may go through without a password, and what confirmation it needs. The use cases
 * load the inputs, call these, and write; nothing here touches the store or the clock.
 */
import { PASSWORD_FREE_CEILING_MINOR, PAYMENT_DAY_UTC_OFFSET_MS } from './constants.ts';
import type { RiskAssessment } from './risk-hook.ts';

/** `payment_password_and_second_factor`: the risk engine challenged the payment (issue 5): the
 *  payment password plus an SMS code or a passkey. */
export type Confirmation =
  | 'none'
  | 'payment_password'
  | 'passkey_or_payment_password'
  | 'payment_password_and_second_factor';

export interface ChannelLimits {
  readonly perPaymentMinor: bigint;
  readonly perDayMinor: bigint;
}

export interface PasswordFreeSettings {
  readonly enabled: boolean;
  readonly perPaymentCapMinor: bigint;
  readonly dailyCapMinor: bigint;
}

/** The payment day (Beijing time) an instant belongs to, as YYYY-MM-DD. */
export function paymentDayOf(nowMs: number): string {
  return new Date(nowMs + PAYMENT_DAY_UTC_OFFSET_MS).toISOString().slice(0, 10);
}

/** What may still be paid today on a channel: never below zero (a lowered limit may sit under
 *  what was already spent). */
export function allowanceLeftToday(limits: ChannelLimits, spentTodayMinor: bigint): bigint {
  const left = limits.perDayMinor - spentTodayMinor;
  return left > 0n ? left : 0n;
}

export type LimitCheck =
  | { readonly ok: true }
  | {
      readonly ok: false;
      readonly exceeded: 'per_payment' | 'per_day';
      /** The limit that was hit. */
      readonly limitMinor: bigint;
      readonly allowanceLeftTodayMinor: bigint;
    };

export function checkLimits(input: {
  amountMinor: bigint;
  limits: ChannelLimits;
  spentTodayMinor: bigint;
}): LimitCheck {
  const allowanceLeftTodayMinor = allowanceLeftToday(input.limits, input.spentTodayMinor);
  if (input.amountMinor > input.limits.perPaymentMinor) {
    return {
      ok: false,
      exceeded: 'per_payment',
      limitMinor: input.limits.perPaymentMinor,
      allowanceLeftTodayMinor,
    };
  }
  if (input.amountMinor > allowanceLeftTodayMinor) {
    return { ok: false, exceeded: 'per_day', limitMinor: input.limits.perDayMinor, allowanceLeftTodayMinor };
  }
  return { ok: true };
}

export type PasswordFreeVerdict =
  | { readonly applies: true }
  | {
      readonly applies: false;
      readonly reason:
        | 'off'
        | 'above_per_payment_cap'
        | 'above_daily_cap'
        | 'first_time_payee'
        | 'risk_not_low';
    };

/**
 * Issue 4 point 7: a payment needs no password only when password-free payments are on, it is at
 * or under the per-payment cap, it fits the day's password-free total, the payer has paid this
 * payee before, and the risk hook allowed it at low risk. The PBoC ceiling is applied again here
 * so a bad row cannot lift it.
 */
export function passwordFreeVerdict(input: {
  settings: PasswordFreeSettings;
  amountMinor: bigint;
  passwordFreeUsedTodayMinor: bigint;
  paidBefore: boolean;
  risk: Pick<RiskAssessment, 'decision' | 'level'>;
}): PasswordFreeVerdict {
  const { settings, amountMinor } = input;
  if (!settings.enabled) return { applies: false, reason: 'off' };
  const perPaymentCap = min(settings.perPaymentCapMinor, PASSWORD_FREE_CEILING_MINOR);
  const dailyCap = min(settings.dailyCapMinor, PASSWORD_FREE_CEILING_MINOR);
  if (amountMinor > perPaymentCap) return { applies: false, reason: 'above_per_payment_cap' };
  if (input.passwordFreeUsedTodayMinor + amountMinor > dailyCap) {
    return { applies: false, reason: 'above_daily_cap' };
  }
  if (!input.paidBefore) return { applies: false, reason: 'first_time_payee' };
  if (input.risk.decision !== 'allow' || input.risk.level !== 'low') {
    return { applies: false, reason: 'risk_not_low' };
  }
  return { applies: true };
}

/** What the payer must present: nothing for a password-free payment, otherwise the payment
 *  password, or a passkey when the payer has one (issue 4 point 5). */
export function requiredConfirmation(input: { passwordFree: boolean; hasPasskey: boolean }): Confirmation {
  if (input.passwordFree) return 'none';
  return input.hasPasskey ? 'passkey_or_payment_password' : 'payment_password';
}

/** The subject a passkey assertion is bound to: this intent, this amount, this payee account. An
 *  assertion made for one payment cannot confirm another (identity checks the subject). */
export function paymentPasskeySubject(intent: {
  id: string;
  amountMinor: bigint;
  currency: string;
  payeeAccountId: string;
}): string {
  return `pay:${intent.id}:${intent.amountMinor}:${intent.currency}:${intent.payeeAccountId}`;
}

/** The ledger transfer id of an intent's payment: the idempotency key of the posting. */
export function paymentTransferId(intentId: string): string {
  return `pay:${intentId}`;
}

function min(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}
