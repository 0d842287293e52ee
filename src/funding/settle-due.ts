/**
 * Settlement that survives restarts: every pending operation has `next_check_at`. settleDue()
 * takes the due ones, submits those the bank has not seen, asks for the answer of the others,
 * and on an answer posts (succeeded) or voids (failed: the money returns) the hold — the hold's
 * resolution and the operation's new state in one transaction.
 */

import type { Transaction } from 'kysely';
import { releaseWithdrawalUsage } from '../payments/index.ts';
import { assert, isCurrency } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { BankInstruction, BankOutcome } from './bank-connector.ts';
import { CONNECTOR_ATTEMPTS_MAX, CONNECTOR_RETRY_MS, SETTLE_PER_RUN_MAX } from './constants.ts';
import type { FundingContext } from './context.ts';
import type { FundingOperationRow } from './operations.ts';

async function loadInstruction(
  ctx: FundingContext,
  operationId: string,
): Promise<{ row: FundingOperationRow; instruction: BankInstruction } | undefined> {
  const row = await ctx.db
    .selectFrom('funding_operations as o')
    .innerJoin('funding_cards as c', 'c.id', 'o.card_id')
    .selectAll('o')
    .select(['c.token', 'c.last4'])
    .where('o.id', '=', operationId)
    .executeTakeFirst();
  // Held for a risk review (issue 5): the bank hears of it only once an operator approves.
  if (row?.status !== 'pending' || row.review_deadline_at !== null) return undefined;
  const currency: string = row.currency;
  assert(isCurrency(currency), 'operation currency known');
  return {
    row,
    instruction: {
      operationId: row.id,
      kind: row.kind,
      cardToken: row.token,
      cardLast4: row.last4,
      amount: { amountMinor: row.amount_minor, currency },
    },
  };
}

/** Sends a pending, unsubmitted operation to the bank and records when its answer is due. */
export async function submitToBank(ctx: FundingContext, operationId: string): Promise<void> {
  const loaded = await loadInstruction(ctx, operationId);
  if (!loaded || loaded.row.bank_reference !== null) return;
  const { reference, answerDueAtMs } = await ctx.connector.submit(loaded.instruction, ctx.clock.nowMs());
  await ctx.db
    .updateTable('funding_operations')
    .set({ bank_reference: reference, next_check_at: new Date(answerDueAtMs) })
    .where('id', '=', operationId)
    .where('status', '=', 'pending')
    .where('bank_reference', 'is', null)
    .execute();
}

/** Posts or voids the hold and records the final state; a no-op if already settled. */
async function resolve(ctx: FundingContext, operationId: string, outcome: BankOutcome): Promise<void> {
  if (outcome.status === 'pending') {
    await ctx.db
      .updateTable('funding_operations')
      .set({ next_check_at: new Date(outcome.askAgainAtMs) })
      .where('id', '=', operationId)
      .where('status', '=', 'pending')
      .execute();
    return;
  }
  await ctx.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      // The row lock makes two settlers (timer and a test, or two processes) resolve it once.
      const row = await trx
        .selectFrom('funding_operations')
        .selectAll()
        .where('id', '=', operationId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      if (row.status !== 'pending') return;
      await settleLocked(ctx, trx, row, outcome);
    });
}

/** Posts or voids a pending operation's hold and records its final state, in `trx`, the row
 *  already locked and pending (settlement and issue 5's review decisions share it). */
export async function settleLocked(
  ctx: FundingContext,
  trx: Transaction<Database>,
  row: FundingOperationRow,
  outcome: { status: 'succeeded' } | { status: 'failed'; reason: string },
): Promise<'succeeded' | 'failed'> {
  const nowMs = ctx.clock.nowMs();
  const operationId = row.id;
  const post = outcome.status === 'succeeded';
  const resolveId = `${row.hold_transfer_id}:${post ? 'post' : 'void'}`;
  const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
    {
      id: resolveId,
      kind: post ? 'post_pending' : 'void_pending',
      pendingId: row.hold_transfer_id,
      code: row.kind,
    },
  ]);
  assert(result !== undefined, 'one result per transfer');
  let status: 'succeeded' | 'failed' = post ? 'succeeded' : 'failed';
  let failureReason: string | null = outcome.status === 'failed' ? outcome.reason : null;
  let resolveTransferId: string | null = resolveId;
  if (result.status === 'rejected') {
    // Only a lapsed hold can be refused here (the ledger's sweep voided it after
    // FUNDING_HOLD_TIMEOUT_MS): the money is back where it started, so the operation failed.
    assert(
      result.reason === 'pending_transfer_expired' || result.reason === 'pending_transfer_already_voided',
      'a pending funding hold resolves',
    );
    status = 'failed';
    failureReason = 'hold_expired';
    resolveTransferId = null;
  }
  await trx
    .updateTable('funding_operations')
    .set({
      status,
      failure_reason: failureReason,
      resolve_transfer_id: resolveTransferId,
      settled_at: new Date(nowMs),
      review_deadline_at: null,
    })
    .where('id', '=', operationId)
    .execute();
  // A failed withdrawal moved no money: its amount no longer counts in that day's allowance.
  if (status === 'failed' && row.kind === 'withdrawal') {
    await releaseWithdrawalUsage(trx, {
      userId: row.user_id,
      amountMinor: row.amount_minor,
      chargedAtMs: row.created_at.getTime(),
    });
  }
  return status;
}

/** A connector error: ask again later; after CONNECTOR_ATTEMPTS_MAX, fail and void the hold. */
async function connectorFailed(ctx: FundingContext, row: FundingOperationRow): Promise<void> {
  const attempts = row.connector_attempts + 1;
  if (attempts >= CONNECTOR_ATTEMPTS_MAX) {
    await resolve(ctx, row.id, { status: 'failed', reason: 'bank_unreachable' });
    return;
  }
  await ctx.db
    .updateTable('funding_operations')
    .set({ connector_attempts: attempts, next_check_at: new Date(ctx.clock.nowMs() + CONNECTOR_RETRY_MS) })
    .where('id', '=', row.id)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Settles operations whose bank answer is due. Returns how many it looked at; the caller (a timer
 * in main.ts, or a test with a manual clock) calls it again while it returns SETTLE_PER_RUN_MAX.
 */
export async function settleDue(ctx: FundingContext): Promise<number> {
  const nowMs = ctx.clock.nowMs();
  const due = await ctx.db
    .selectFrom('funding_operations')
    .select('id')
    .where('status', '=', 'pending')
    .where('review_deadline_at', 'is', null)
    .where('next_check_at', '<=', new Date(nowMs))
    .orderBy('next_check_at')
    .limit(SETTLE_PER_RUN_MAX)
    .execute();
  for (const { id } of due) {
    const loaded = await loadInstruction(ctx, id);
    if (!loaded) continue;
    const { row, instruction } = loaded;
    try {
      if (row.bank_reference === null) {
        await submitToBank(ctx, id);
        continue;
      }
      const outcome = await ctx.connector.outcome({ ...instruction, reference: row.bank_reference }, nowMs);
      await resolve(ctx, id, outcome);
    } catch {
      await connectorFailed(ctx, row);
    }
  }
  return due.length;
}
