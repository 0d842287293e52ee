/**
 * What payments asks of modules that sit beside it, as ports: main.ts plugs the credit line
 * (src/credit) and the security lock (src/protection) in. Without them, credit_line is not
 * available and no lock applies.
 */
import type { Executor } from '../identity/index.ts';

/** The credit line as a funding source (issue 4 point 4). */
export interface CreditLinePort {
  /** The payer's credit account to debit, or a coded refusal (no line; an overdue bill). Asked
   *  when the intent is made and again inside the confirming transaction. */
  accountForSpending(
    executor: Executor,
    input: { userId: string; nowMs: number },
  ): Promise<{ accountId: string }>;
}

/** How a confirmation was (or will be) made, as the lock sees it. */
export type ConfirmationMethod = 'none' | 'payment_password' | 'passkey';

/** The security lock (issue 4 point 8). */
export interface PaymentGuard {
  /** When the intent is made: refuses a payee still in its cooling period (a coded error), and
   *  says whether confirming will need a second factor (password-free then never applies). */
  checkIntent(input: {
    payerId: string;
    payee: { kind: 'user' | 'merchant'; accountId: string };
    paidBefore: boolean;
    nowMs: number;
  }): Promise<{ secondFactorRequired: boolean }>;
  /** Before the confirmation is checked: refuses (a coded error) when the lock wants a second
   *  factor this confirmation does not carry. */
  checkConfirmation(input: {
    payerId: string;
    payeeKind: 'user' | 'merchant';
    method: ConfirmationMethod;
    sessionId: string | undefined;
    nowMs: number;
  }): Promise<void>;
}

/**
 * Told after a payment to a merchant has committed (succeeded, or approved after review), so the
 * merchant side (the open API's trade: settle, notify) runs at once instead of at its next poll.
 * Called after the commit, never inside the transaction; it must not throw or block (the
 * listener does its work in the background): the gateway's outbox and runDue stay the durable,
 * at-least-once path, this only shortens the wait.
 */
export interface MerchantPaymentListener {
  committed(input: { intentId: string; merchantId: string }): void;
}
