/**
 * Every limit of the credit line (issue 4 point 4), with its unit and reason. docs/credit.md
 * explains the billing cycle.
 */

/** Credit lines are granted and billed in CNY, like the payment limits. */
export const CREDIT_CURRENCY = 'CNY';

/** The most an operator may grant one user: 50,000.00 CNY. Consumer credit lines of this kind
 *  (Huabei) are granted in the thousands to tens of thousands; the bound catches a typo. */
export const CREDIT_LIMIT_MAX_MINOR = 5_000_000n;

/** Billing days follow Beijing time (UTC+8, no daylight saving), like payment days. */
export const BILLING_UTC_OFFSET_MS = 8 * 3_600_000;

/** The statement for a month is made on the 1st of the next month (00:00 Beijing time)... */
export const STATEMENT_DAY_OF_MONTH = 1;
/** ...and is due by the end of the 10th (Huabei's repayment day is the 10th too). */
export const DUE_DAY_OF_MONTH = 10;

/** runDue() makes at most this many statements, and marks at most this many bills overdue, per
 *  call; the timer calls again a minute later, so a backlog drains without one huge transaction. */
export const STATEMENTS_PER_RUN_MAX = 500;
export const OVERDUE_MARKS_PER_RUN_MAX = 500;

/** How often main.ts calls runDue(): statements are made within a minute of midnight. */
export const CREDIT_RUN_INTERVAL_MS = 60_000;

/** The credit page lists this many recent bills. */
export const BILLS_SHOWN_MAX = 12;

/** A repayment waits at most this long for the credit line's row lock (a concurrent repayment). */
export const REPAY_LOCK_TIMEOUT_MS = 5_000;

/** Unpaid bills a repayment is applied to (one a month: two years of unpaid bills is plenty). */
export const BILLS_UNPAID_MAX = 24;
