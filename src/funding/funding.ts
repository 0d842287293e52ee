/**
 * The funding module's public surface (issue 4 point 1), built by `createFunding`; no
 * module-level state. docs/funding.md describes the design and the API.
 */
import type { Executor, Located } from '../identity/index.ts';
import type { Money } from '../shared/index.ts';
import { linkCard, listCards, removeCard } from './cards.ts';
import type { FundingDeps } from './context.ts';
import { getOperation } from './operations.ts';
import {
  overdueWithdrawalReviews,
  type ResolvedWithdrawal,
  resolveWithdrawalReview,
  type WithdrawalReviewOutcome,
} from './resolve-withdrawal-review.ts';
import { settleDue } from './settle-due.ts';
import { startFundingOperation } from './start-funding-operation.ts';

export type Funding = ReturnType<typeof createFunding>;

export function createFunding(deps: FundingDeps) {
  const ctx = deps;
  return {
    linkCard: (input: { userId: string; cardNumber: string }) => linkCard(ctx, input),
    listCards: (userId: string) => listCards(ctx, userId),
    removeCard: (input: { userId: string; cardId: string }) => removeCard(ctx, input),

    /** Bank → wallet: a pending hold now, posted when the bank confirms. Idempotent. */
    startTopUp: (input: {
      userId: string;
      cardId: string;
      amount: Money;
      clientRequestId: string;
      origin: Located;
    }) => startFundingOperation(ctx, { ...input, kind: 'top_up' }),

    /** Wallet → bank, with the payment password: the money is held now, released to the bank
     *  when it confirms, returned to the wallet when it declines. Idempotent. */
    startWithdrawal: (input: {
      userId: string;
      cardId: string;
      amount: Money;
      paymentPassword: string;
      clientRequestId: string;
      /** The session asking: the security lock accepts its fresh second-factor step-up. */
      sessionId?: string | undefined;
      origin: Located;
    }) => startFundingOperation(ctx, { ...input, kind: 'withdrawal' }),

    getOperation: (input: { userId: string; operationId: string }) => getOperation(ctx, input),

    /** Issue 5: an operator's decision on a withdrawal held for review (src/cases calls it). */
    resolveReview: (input: {
      operationId: string;
      outcome: WithdrawalReviewOutcome;
      onResolved?: (trx: Executor, result: ResolvedWithdrawal) => Promise<void>;
    }) => resolveWithdrawalReview(ctx, input),
    overdueReviews: () => overdueWithdrawalReviews(ctx),

    /** Settles the operations whose bank answer is due (timer in main.ts; tests call it). */
    settleDue: () => settleDue(ctx),
  };
}
