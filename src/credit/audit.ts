/** The credit line's insert-only audit: grants, limit changes, repayments (docs/credit.md). */
import type { Executor } from '../identity/index.ts';

export async function recordCreditAudit(
  executor: Executor,
  input: {
    userId: string;
    type: 'granted' | 'limit_changed' | 'repaid';
    details: Record<string, string>;
    nowMs: number;
  },
): Promise<void> {
  await executor
    .insertInto('credit_audit')
    .values({
      user_id: input.userId,
      type: input.type,
      details: JSON.stringify(input.details),
      created_at: new Date(input.nowMs),
    })
    .execute();
}
