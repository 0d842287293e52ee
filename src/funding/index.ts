export {
  type BankConnector,
  type BankInstruction,
  type BankOutcome,
  createSimulatedBankConnector,
  SIMULATOR_DECLINES,
} from './bank-connector.ts';
export { guessIssuer, luhnCheckDigit, luhnValid, maskCard, normaliseCardNumber } from './card-number.ts';
export { type CardView, deriveCardHmacKey } from './cards.ts';
export {
  CARD_DIGITS_MAX,
  CARDS_PER_USER_MAX,
  FUNDING_CURRENCY,
  FUNDING_HOLD_TIMEOUT_MS,
  SETTLE_INTERVAL_MS,
  SETTLE_PER_RUN_MAX,
  SIMULATOR_SETTLE_DELAY_MS,
} from './constants.ts';
export type { FundingDeps } from './context.ts';
export { FUNDING_ERRORS } from './errors.ts';
export { createFunding, type Funding } from './funding.ts';
export type { FundingKind, FundingOperationView, FundingStatus } from './operations.ts';
export type { ResolvedWithdrawal, WithdrawalReviewOutcome } from './resolve-withdrawal-review.ts';
export type {
  HeldWithdrawal,
  WithdrawalReviewQueue,
  WithdrawalRiskInput,
  WithdrawalRiskPort,
} from './risk-port.ts';
