/**
 * The billing calendar, pure (docs/credit.md): a month's spending is billed on the 1st of the
 * next month at 00:00 Beijing time and is due by the end of the 10th, i.e. before 00:00 on the
 * 11th. Nothing here reads the clock.
 */
import { BILLING_UTC_OFFSET_MS, DUE_DAY_OF_MONTH, STATEMENT_DAY_OF_MONTH } from './constants.ts';

export interface BillingPeriod {
  /** YYYY-MM: the month billed. */
  readonly period: string;
  /** When its statement is made: 00:00 Beijing on the 1st of the next month. */
  readonly statementAtMs: number;
  /** Repay before this instant: 00:00 Beijing on the 11th of the next month. */
  readonly dueAtMs: number;
}

/** Beijing year and month (1–12) of an instant. */
function beijingMonthOf(nowMs: number): { year: number; month: number } {
  const d = new Date(nowMs + BILLING_UTC_OFFSET_MS);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1 };
}

/** 00:00 Beijing of `day` in the month `month` (1-based; 13 rolls into the next year). */
function beijingMidnightMs(year: number, month: number, day: number): number {
  return Date.UTC(year, month - 1, day) - BILLING_UTC_OFFSET_MS;
}

function periodName(year: number, month: number): string {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
}

/** The billing period of the month `year-month`. */
export function billingPeriodOf(year: number, month: number): BillingPeriod {
  return {
    period: periodName(year, month),
    statementAtMs: beijingMidnightMs(year, month + 1, STATEMENT_DAY_OF_MONTH),
    dueAtMs: beijingMidnightMs(year, month + 1, DUE_DAY_OF_MONTH + 1),
  };
}

/** The last period whose statement is due at `nowMs`: the month before the current Beijing month. */
export function lastClosedPeriod(nowMs: number): BillingPeriod {
  const { year, month } = beijingMonthOf(nowMs);
  return month === 1 ? billingPeriodOf(year - 1, 12) : billingPeriodOf(year, month - 1);
}

/** The period the current Beijing month will be billed as. */
export function currentPeriod(nowMs: number): BillingPeriod {
  const { year, month } = beijingMonthOf(nowMs);
  return billingPeriodOf(year, month);
}
