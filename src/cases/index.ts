export type { CaseActionView } from './case-store.ts';
export {
  type CaseDetail,
  type Cases,
  type CasesDeps,
  type CaseView,
  createCases,
  createFamilyCardHoldQueue,
  createHoldQueue,
  createWithdrawalHoldQueue,
} from './cases.ts';
export {
  CASE_ACTIONS,
  CASE_KINDS,
  CASE_NOTE_CHARS_MAX,
  CASES_PAGE_MAX,
  type CaseKind,
  HOLD_CASE_KINDS,
  REPORT_REASONS,
  REPORTS_PER_DAY_MAX,
  type ReportReason,
} from './constants.ts';
export { CASE_ERRORS } from './errors.ts';
export {
  createEnginePaymentPasswordRisk,
  PAYMENT_PASSWORD_FAILED_CHANGE,
  PAYMENT_PASSWORD_FAILURES_REPLAY_MAX,
  paymentPasswordFailedEvent,
  recordedPaymentPasswordFailures,
} from './payment-password-risk-port.ts';
export { createEnginePaymentRiskHook, paymentRiskEvent, riskLevelOf } from './payment-risk-hook.ts';
export { createEngineSecurityChangeRisk } from './security-change-risk-port.ts';
export { createEngineSignInRisk } from './sign-in-risk-port.ts';
export { createEngineWithdrawalRisk } from './withdrawal-risk-port.ts';
