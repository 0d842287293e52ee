/** Funding operations as their owner sees them, and the shared row → view mapping. */
import type { Selectable } from 'kysely';
import { assert, DomainError, isCurrency, type Money } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { maskCard } from './card-number.ts';
import type { FundingContext } from './context.ts';
import { FUNDING_ERRORS } from './errors.ts';

export type FundingKind = 'top_up' | 'withdrawal';
export type FundingStatus = 'pending' | 'succeeded' | 'failed';

export interface FundingOperationView {
  readonly id: string;
  readonly kind: FundingKind;
  readonly status: FundingStatus;
  readonly card: { readonly id: string; readonly masked: string };
  readonly amount: Money;
  readonly failureReason: string | null;
  readonly holdTransferId: string;
  readonly createdAt: Date;
  readonly settledAt: Date | null;
  /** Issue 5: a withdrawal held for a risk review until an operator decides, or this deadline. */
  readonly inReviewUntil: Date | null;
}

export type FundingOperationRow = Selectable<Database['funding_operations']>;

export function toOperationView(row: FundingOperationRow, last4: string): FundingOperationView {
  const currency: string = row.currency;
  assert(isCurrency(currency), 'operation currency known');
  return {
    id: row.id,
    kind: row.kind,
    status: row.status,
    card: { id: row.card_id, masked: maskCard(last4) },
    amount: { amountMinor: row.amount_minor, currency },
    failureReason: row.failure_reason,
    holdTransferId: row.hold_transfer_id,
    createdAt: row.created_at,
    settledAt: row.settled_at,
    inReviewUntil: row.review_deadline_at,
  };
}

export async function getOperation(
  ctx: FundingContext,
  input: { userId: string; operationId: string },
): Promise<FundingOperationView> {
  const row = await ctx.db
    .selectFrom('funding_operations as o')
    .innerJoin('funding_cards as c', 'c.id', 'o.card_id')
    .selectAll('o')
    .select('c.last4')
    .where('o.id', '=', input.operationId)
    .where('o.user_id', '=', input.userId)
    .executeTakeFirst();
  if (!row) throw new DomainError(FUNDING_ERRORS.OPERATION_NOT_FOUND);
  return toOperationView(row, row.last4);
}
