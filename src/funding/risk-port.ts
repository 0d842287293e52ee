/**
 * What funding asks of the risk engine (issue 5 point 1), as interfaces main.ts connects (issue
 * 5's src/cases implements them), so funding never imports the engine:
 *
 * - WithdrawalRiskPort: every withdrawal is scored after the payment password and before the hold.
 *   allow → as before; challenge → a second-factor step-up in this session is needed; review → the
 *   hold is made but not given to the bank until an operator approves (ReviewQueue opens the case
 *   in the hold's transaction); deny → refused (`withdrawal_declined`), and freeze freezes.
 * - WithdrawalReviewQueue: where held withdrawals become cases.
 */
import type { Executor } from '../identity/index.ts';
import type { Money } from '../shared/index.ts';

export interface WithdrawalRiskInput {
  readonly userId: string;
  readonly operationId: string;
  readonly amount: Money;
  /** The card's token (never the number): the withdrawal's payee. */
  readonly cardToken: string;
  /** No earlier withdrawal to this card succeeded. */
  readonly firstTimeCard: boolean;
  /** What the wallet holds available before this withdrawal (draining). */
  readonly balanceMinor: bigint;
  readonly origin: {
    readonly ip: string;
    readonly deviceKey: string | undefined;
    readonly country: string | null;
  };
  readonly deviceFirstSeenAtMs: number | null;
  readonly lastSecurityChangeAtMs: number | null;
  /** Wrong payment-password entries this withdrawal's (right) password cleared: the failures
   *  since the last success before it (someone guessing, then finding it). */
  readonly failedPaymentPasswords: number;
  readonly nowMs: number;
}

export interface WithdrawalRiskPort {
  assess(input: WithdrawalRiskInput): Promise<{
    readonly decision: 'allow' | 'challenge' | 'review' | 'deny';
    readonly freeze: boolean;
    readonly reasons: readonly string[];
    readonly eventId: string;
  }>;
}

export interface HeldWithdrawal {
  readonly operationId: string;
  readonly userId: string;
  readonly amount: Money;
  readonly reasons: readonly string[];
  readonly riskEventId: string;
  readonly deadlineAt: Date;
}

export interface WithdrawalReviewQueue {
  held(executor: Executor, withdrawal: HeldWithdrawal): Promise<void>;
}

/** Overdue reviews voided per sweep: bounded work per tick. */
export const WITHDRAWAL_REVIEW_EXPIRY_BATCH_MAX = 100;
