/**
 * An operator's decision on a withdrawal the risk engine held for review (issue 5 point 5), and
 * the deadline: approved → it goes to the bank like any withdrawal; rejected or overdue → the
 * hold is voided and the money is back in the wallet. The case's closing runs in the same
 * transaction (`onResolved`, from src/cases), so a case never says approved about a withdrawal
 * that was not.
 */
import type { Executor } from '../identity/index.ts';
import { DomainError } from '../shared/index.ts';
import type { FundingContext } from './context.ts';
import { FUNDING_ERRORS } from './errors.ts';
import { WITHDRAWAL_REVIEW_EXPIRY_BATCH_MAX } from './risk-port.ts';
import { settleLocked, submitToBank } from './settle-due.ts';

export type WithdrawalReviewOutcome = 'approved' | 'rejected' | 'expired';

export interface ResolvedWithdrawal {
  readonly operationId: string;
  readonly outcome: WithdrawalReviewOutcome;
  /** pending (approved: now with the bank) or failed (rejected, expired). */
  readonly status: 'pending' | 'succeeded' | 'failed';
}

export async function resolveWithdrawalReview(
  ctx: FundingContext,
  input: {
    operationId: string;
    outcome: WithdrawalReviewOutcome;
    onResolved?: (trx: Executor, result: ResolvedWithdrawal) => Promise<void>;
  },
): Promise<ResolvedWithdrawal> {
  const result = await ctx.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      const row = await trx
        .selectFrom('funding_operations')
        .selectAll()
        .where('id', '=', input.operationId)
        .forUpdate()
        .executeTakeFirst();
      if (!row) throw new DomainError(FUNDING_ERRORS.OPERATION_NOT_FOUND);
      if (row.status !== 'pending' || row.review_deadline_at === null) {
        throw new DomainError(FUNDING_ERRORS.WITHDRAWAL_NOT_IN_REVIEW);
      }
      let resolved: ResolvedWithdrawal;
      if (input.outcome === 'approved') {
        await trx
          .updateTable('funding_operations')
          .set({ review_deadline_at: null, next_check_at: new Date(ctx.clock.nowMs()) })
          .where('id', '=', row.id)
          .execute();
        resolved = { operationId: row.id, outcome: 'approved', status: 'pending' };
      } else {
        const reason = input.outcome === 'rejected' ? 'risk_rejected' : 'review_expired';
        const status = await settleLocked(ctx, trx, row, { status: 'failed', reason });
        resolved = { operationId: row.id, outcome: input.outcome, status };
      }
      await input.onResolved?.(trx, resolved);
      return resolved;
    });
  // Approved: ask the bank now; if it cannot be reached, settleDue() asks again (it is due).
  if (result.outcome === 'approved') await submitToBank(ctx, result.operationId).catch(() => undefined);
  return result;
}

/** Held withdrawals past their review deadline (bounded batch; the case sweep voids them). */
export async function overdueWithdrawalReviews(ctx: FundingContext): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('funding_operations')
    .select('id')
    .where('status', '=', 'pending')
    .where('review_deadline_at', '<=', new Date(ctx.clock.nowMs()))
    .orderBy('review_deadline_at')
    .limit(WITHDRAWAL_REVIEW_EXPIRY_BATCH_MAX)
    .execute();
  return rows.map((r) => r.id);
}
