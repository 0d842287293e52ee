export { billingPeriodOf, currentPeriod, lastClosedPeriod } from './billing-calendar.ts';
export {
  BILLS_SHOWN_MAX,
  CREDIT_CURRENCY,
  CREDIT_LIMIT_MAX_MINOR,
  CREDIT_RUN_INTERVAL_MS,
  DUE_DAY_OF_MONTH,
  STATEMENT_DAY_OF_MONTH,
} from './constants.ts';
export type { CreditDeps } from './context.ts';
export { type Credit, createCredit } from './credit.ts';
export type { BillStatus, BillView, CreditLineView } from './credit-line-view.ts';
export { CREDIT_ERRORS } from './errors.ts';
export type { RepaymentView } from './repay-credit.ts';
export type { RunDueReport } from './run-due.ts';
