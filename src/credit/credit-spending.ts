/**
 * What payments asks before spending on credit (payments' CreditLinePort): the payer's credit
 * account, or a coded refusal — no line granted, or a bill past its due date still owed
 * (issue 4 point 4: "an overdue bill blocks new credit spending"). Payments asks when the intent
 * is made and again inside the confirming transaction. The ledger's floor (the granted limit)
 * refuses spending beyond the limit on its own.
 */
import type { Executor } from '../identity/index.ts';
import { DomainError } from '../shared/index.ts';
import { CREDIT_ERRORS } from './errors.ts';

export async function creditAccountForSpending(
  executor: Executor,
  input: { userId: string; nowMs: number },
): Promise<{ accountId: string }> {
  const db = executor;
  const line = await db
    .selectFrom('credit_lines')
    .select(['account_id'])
    .where('user_id', '=', input.userId)
    .executeTakeFirst();
  if (!line) throw new DomainError(CREDIT_ERRORS.NO_CREDIT_LINE);
  // Read by due date, not by the status runDue() writes, so a bill blocks from its due instant.
  const overdue = await db
    .selectFrom('credit_bills')
    .select(['period', 'due_at', 'amount_minor', 'repaid_minor', 'currency'])
    .where('user_id', '=', input.userId)
    .where('status', '<>', 'paid')
    .where('due_at', '<=', new Date(input.nowMs))
    .orderBy('period', 'asc')
    .limit(1)
    .executeTakeFirst();
  if (overdue) {
    throw new DomainError(CREDIT_ERRORS.BILL_OVERDUE, {
      period: overdue.period,
      dueAt: overdue.due_at.toISOString(),
      remaining: {
        amountMinor: (overdue.amount_minor - overdue.repaid_minor).toString(),
        currency: overdue.currency.trim(),
      },
    });
  }
  return { accountId: line.account_id };
}
