/**
 * Payments the risk engine sent to review (issue 5 point 5): after the payer confirms, the money
 * is held as a pending ledger transfer (`payhold:<intentId>`) instead of posted; an operator
 * approves (post_pending → `pay:<intentId>`, the payment's usual transfer id) or rejects
 * (void_pending), and a hold nobody decided is voided at its deadline. The queue that shows holds
 * to operators is a port (issue 5's case queue implements it; main.ts connects it), written to in
 * the transaction that makes the hold.
 */
import type { Executor } from '../identity/index.ts';
import type { Money } from '../shared/index.ts';

export interface HeldPayment {
  readonly intentId: string;
  readonly payerId: string;
  /** 'user:<id>' or 'merchant:<id>'. */
  readonly payeeKey: string;
  readonly amount: Money;
  readonly reasons: readonly string[];
  readonly riskEventId: string | null;
  readonly deadlineAt: Date;
}

export interface PaymentReviewQueue {
  held(executor: Executor, payment: HeldPayment): Promise<void>;
}

/** The ledger id of a review hold. */
export function reviewHoldTransferId(intentId: string): string {
  return `payhold:${intentId}`;
}

/** The ledger's own expiry of a review hold comes this long after the review deadline: a backstop
 *  should the review sweep not run; the sweep voids at the deadline. */
export const REVIEW_HOLD_LEDGER_GRACE_MS = 60 * 60_000;

/** Overdue reviews voided per sweep: bounded work per tick. */
export const REVIEW_EXPIRY_BATCH_MAX = 100;
