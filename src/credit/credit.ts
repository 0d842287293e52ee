/**
 * The credit line's public surface (issue 4 point 4), built by `createCredit`; no module-level
 * state. docs/credit.md describes the billing cycle and the API.
 */
import type { Executor } from '../identity/index.ts';
import type { Money } from '../shared/index.ts';
import type { CreditDeps } from './context.ts';
import { loadCreditLineView } from './credit-line-view.ts';
import { creditAccountForSpending } from './credit-spending.ts';
import { grantCreditLine } from './grant-credit-line.ts';
import { repayCredit } from './repay-credit.ts';
import { runCreditDue } from './run-due.ts';

export type Credit = ReturnType<typeof createCredit>;

export function createCredit(deps: CreditDeps) {
  const ctx = deps;
  return {
    /** Operator: grant a line or change its limit. */
    grant: (input: { userId: string; limit: Money }) => grantCreditLine(ctx, input),

    /** The owner's view, or null when no line was granted. */
    get: (userId: string) => loadCreditLineView(ctx.db, { userId, nowMs: ctx.clock.nowMs() }),

    /** Repay from the wallet balance, in full or in part; idempotent per clientRequestId. */
    repay: (input: { userId: string; amount: Money; clientRequestId: string }) => repayCredit(ctx, input),

    /** Statements and overdue marks that are due at `nowMs` (timer in main.ts; tests). */
    runDue: (nowMs: number) => runCreditDue(ctx, nowMs),

    /** Payments' CreditLinePort: the account to spend from, or a coded refusal. */
    accountForSpending: (executor: Executor, input: { userId: string; nowMs: number }) =>
      creditAccountForSpending(executor, input),
  };
}
