export { PAYMENT_AUDIT_TYPES, type PaymentAuditType } from './audit.ts';
export {
  AVAILABLE_CHANNELS,
  INTENT_TTL_MS,
  LIMITS_CURRENCY,
  NOTE_LENGTH_MAX,
  PASSWORD_FREE_CEILING_MINOR,
  PASSWORD_FREE_DEFAULT_DAILY_MINOR,
  PASSWORD_FREE_DEFAULT_PER_PAYMENT_MINOR,
  PAYEE_LOOKUPS_PER_DAY_MAX,
  PAYEE_LOOKUPS_PER_HOUR_MAX,
  PAYMENT_CHANNELS,
  type PaymentChannel,
  PLATFORM_LIMITS_MINOR,
} from './constants.ts';
export type { PaymentsDeps } from './context.ts';
export type { PayeeInput } from './create-payment-intent.ts';
export { PAYMENT_ERRORS } from './errors.ts';
export type { PasswordFreeView } from './get-password-free.ts';
export type { ChannelLimitsView, PaymentLimitsView } from './get-payment-limits.ts';
export type { IntentStatus, PayeeView, PaymentIntentView } from './intents.ts';
export { maskName } from './mask-name.ts';
export type { MerchantSideIntent } from './merchant-side.ts';
export { createPayments, type Payments } from './payments.ts';
export type { ConfirmationMethod, CreditLinePort, MerchantPaymentListener, PaymentGuard } from './ports.ts';
export type { HoldResolution, ResolvedHold } from './resolve-held-payment.ts';
export { type HeldPayment, type PaymentReviewQueue, reviewHoldTransferId } from './review.ts';
export {
  createAllowAllRiskHook,
  type PaymentRiskInput,
  type RiskAssessment,
  type RiskDecision,
  type RiskHook,
  type RiskLevel,
} from './risk-hook.ts';
export { type Confirmation, paymentDayOf, paymentPasskeySubject, paymentTransferId } from './rules.ts';
export {
  chargeWithdrawalUsage,
  releaseWithdrawalUsage,
  type WithdrawalUsageCharge,
} from './withdrawal-usage.ts';
