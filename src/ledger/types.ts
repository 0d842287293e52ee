import type { Currency } from '../shared/index.ts';

/** What an account is for. Only `external_funding` (the banks' side of top-ups and withdrawals)
 *  and `credit_line` (what a customer owes on credit, down to the granted limit) may go negative. */
export const ACCOUNT_KINDS = [
  'wallet',
  'credit_line',
  'merchant_settlement',
  'platform_clearing',
  'external_funding',
  'fees',
  'insurance_pool',
  'suspense',
] as const;
export type AccountKind = (typeof ACCOUNT_KINDS)[number];

export interface Account {
  readonly id: string;
  readonly kind: AccountKind;
  readonly currency: Currency;
  readonly ownerId: string | null;
  readonly label: string;
  /** null: no lower bound (external funding); 0n: never below zero; n: may owe up to n. */
  readonly negativeLimitMinor: bigint | null;
  readonly debitsPendingMinor: bigint;
  readonly debitsPostedMinor: bigint;
  readonly creditsPendingMinor: bigint;
  readonly creditsPostedMinor: bigint;
  readonly createdAt: Date;
}

/** Balances as a customer reads them: credits increase, debits decrease. */
export interface AccountBalance {
  /** credits posted − debits posted. */
  readonly postedMinor: bigint;
  /** What can be spent now: posted − pending debits (+ the negative limit, for credit lines). */
  readonly availableMinor: bigint;
  /** Incoming money not yet posted. */
  readonly pendingCreditsMinor: bigint;
  /** Reserved by holds. */
  readonly pendingDebitsMinor: bigint;
}

export interface TransferLeg {
  readonly debitAccountId: string;
  readonly creditAccountId: string;
  readonly amountMinor: bigint;
  readonly currency: Currency;
}

/** A transfer moves money now (`posted`) or reserves it (`pending`, a two-phase hold). */
export interface MoveRequest {
  /** Client-chosen and the idempotency key: the same id with the same fields replays. */
  readonly id: string;
  readonly kind: 'posted' | 'pending';
  /** Why the money moves (`top_up`, `p2p`, `merchant_pay`, …); part of the idempotent fields. */
  readonly code: string;
  readonly legs: readonly TransferLeg[];
  /** Pending only: the hold expires (is voided by the ledger) this long after creation. */
  readonly timeoutMs?: number | undefined;
  readonly userData?: string | undefined;
}

/** Resolves a pending transfer: post it in full, or void it. */
export interface ResolveRequest {
  readonly id: string;
  readonly kind: 'post_pending' | 'void_pending';
  readonly pendingId: string;
  readonly code: string;
  readonly userData?: string | undefined;
}

/** Issued by the ledger's own expiry sweep, never by clients. */
export interface ExpireRequest {
  readonly id: string;
  readonly kind: 'expire_pending';
  readonly pendingId: string;
  readonly code: 'hold_expired';
  readonly userData?: undefined;
}

export type TransferRequest = MoveRequest | ResolveRequest;
export type AnyTransferRequest = TransferRequest | ExpireRequest;
export type TransferKind = AnyTransferRequest['kind'];

export interface Transfer {
  readonly id: string;
  readonly kind: TransferKind;
  readonly pendingId: string | null;
  readonly code: string;
  readonly userData: string | null;
  readonly expiresAt: Date | null;
  readonly createdAt: Date;
  /** For post/void/expire: the legs of the hold they resolve. */
  readonly legs: readonly TransferLeg[];
}

/** Expected rejections: values, not exceptions (TigerBeetle's `CreateTransferResult`). */
export const REJECT_REASONS = [
  'invalid_id',
  'invalid_code',
  'invalid_user_data',
  'invalid_amount',
  'invalid_currency',
  'invalid_timeout',
  'legs_empty',
  'legs_too_many',
  'accounts_must_be_different',
  'debit_account_not_found',
  'credit_account_not_found',
  'currency_mismatch',
  'exceeds_credits',
  'exceeds_credit_limit',
  'overflows_balance',
  'exists_with_different_fields',
  'pending_transfer_not_found',
  'pending_transfer_already_posted',
  'pending_transfer_already_voided',
  'pending_transfer_expired',
  'pending_transfer_not_expired',
] as const;
export type RejectReason = (typeof REJECT_REASONS)[number];

export type TransferResult =
  | { readonly status: 'created'; readonly transfer: Transfer }
  | { readonly status: 'replayed'; readonly transfer: Transfer }
  | { readonly status: 'rejected'; readonly reason: RejectReason };

export interface LedgerEntry {
  readonly id: bigint;
  readonly transferId: string;
  readonly transferKind: TransferKind;
  readonly code: string;
  readonly accountId: string;
  readonly side: 'D' | 'C';
  readonly currency: Currency;
  readonly pendingDeltaMinor: bigint;
  readonly postedDeltaMinor: bigint;
  readonly createdAt: Date;
}

/** Type guard: the request moves money (rather than resolving a hold). */
export function isMoveRequest(request: AnyTransferRequest): request is MoveRequest {
  return request.kind === 'posted' || request.kind === 'pending';
}
