export {
  type AgreementDebitView,
  type AgreementStatus,
  type AgreementView,
  capsValid,
  type DebitInput,
  debitWithinCaps,
  type MerchantAgreementView,
  type RequestAgreementInput,
} from './agreements.ts';
export { AGREEMENT_AUDIT_TYPES, type AgreementAuditType } from './audit.ts';
export type { AuthorisedAppView } from './authorised-apps.ts';
export {
  AGREEMENT_MONTHLY_CAP_MAX_MINOR,
  AGREEMENT_PER_DEBIT_CAP_MAX_MINOR,
  AGREEMENT_PURPOSE_LENGTH_MAX,
  AGREEMENT_REQUEST_TTL_MS,
  APP_SCOPES,
  type AppScope,
  FAMILY_CARD_MONTHLY_CAP_MAX_MINOR,
} from './constants.ts';
export type { AgreementChange, AgreementChangePort, AgreementsDeps } from './context.ts';
export { AGREEMENT_ERRORS } from './errors.ts';
export type {
  FamilyCardReviewQueue,
  HeldFamilyCardPayment,
  ResolvedFamilyCardHold,
} from './family-card-review.ts';
export type {
  FamilyCardPaymentStatus,
  FamilyCardPaymentView,
  FamilyCardStatus,
  FamilyCardView,
} from './family-cards.ts';
export { type Agreements, createAgreements } from './module.ts';
export { monthOf } from './money-move.ts';
