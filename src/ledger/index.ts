export { ACTIVITY_PAGE_MAX, LEGS_PER_TRANSFER_MAX, TRANSFERS_PER_BATCH_MAX } from './constants.ts';
export { LEDGER_ERRORS, rejectionError } from './errors.ts';
export { balanceOf, type CreateAccountInput, createLedger, type Ledger } from './ledger.ts';
export {
  runLedgerSimulation,
  SimulationMismatch,
  type SimulationReport,
  simulateLedger,
} from './simulate-ledger.ts';
export type {
  Account,
  AccountBalance,
  AccountKind,
  LedgerEntry,
  MoveRequest,
  RejectReason,
  ResolveRequest,
  Transfer,
  TransferLeg,
  TransferRequest,
  TransferResult,
} from './types.ts';
export { ACCOUNT_KINDS, REJECT_REASONS } from './types.ts';
export { type VerifyReport, verifyLedger } from './verify-ledger.ts';
