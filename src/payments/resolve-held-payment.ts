/**
 * Ends a payment held for review (issue 5 point 5): approve posts the hold (`pay:<intentId>`, the
 * payment's usual transfer id, so records and receipts read it like any payment), reject voids it
 * (`payvoid:<intentId>`), and a hold past its review deadline is voided by `expireOverdueReviews`.
 * One READ COMMITTED transaction per hold: the intent row locked FOR UPDATE (exactly one resolution
 * wins), the ledger resolution, the intent's new status, the audit row, and the payer's notice.
 * `onResolved` runs in the same transaction (the case queue closes its case there).
 */
import type { Transaction } from 'kysely';
import { type Executor, noticeToAllChannels } from '../identity/index.ts';
import { assert, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { recordPaymentAudit } from './audit.ts';
import { tellMerchantSide } from './confirm-payment-intent.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import { currencyOf, type IntentRow } from './intents.ts';
import { REVIEW_EXPIRY_BATCH_MAX } from './review.ts';
import { paymentTransferId } from './rules.ts';

export type HoldResolution = 'approved' | 'rejected' | 'expired';

export interface ResolvedHold {
  readonly intentId: string;
  readonly payerId: string;
  readonly outcome: HoldResolution;
  readonly status: 'succeeded' | 'declined';
  readonly transferId: string;
  readonly riskEventId: string | null;
}

export async function resolveHeldPayment(
  ctx: PaymentsContext,
  input: {
    intentId: string;
    outcome: HoldResolution;
    actor: string;
    onResolved?: (trx: Executor, resolved: ResolvedHold) => Promise<void>;
  },
): Promise<ResolvedHold> {
  let merchantId: string | null = null;
  const resolved = await ctx.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      const intent = await trx
        .selectFrom('payment_intents')
        .selectAll()
        .where('id', '=', input.intentId)
        .forUpdate()
        .executeTakeFirst();
      if (!intent || intent.hold_transfer_id === null) throw new DomainError(PAYMENT_ERRORS.HOLD_NOT_FOUND);
      if (intent.status !== 'in_review') {
        throw new DomainError(PAYMENT_ERRORS.HOLD_ALREADY_RESOLVED, { status: intent.status });
      }
      const nowMs = ctx.clock.nowMs();
      let outcome = input.outcome;
      const approve = outcome === 'approved';
      const transferId = approve ? paymentTransferId(intent.id) : `payvoid:${intent.id}`;
      const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
        {
          id: transferId,
          kind: approve ? 'post_pending' : 'void_pending',
          pendingId: intent.hold_transfer_id,
          code: approve ? 'review_approved' : outcome === 'expired' ? 'review_expired' : 'review_rejected',
        },
      ]);
      assert(result, 'one result for one resolution');
      if (result.status === 'rejected') {
        // The ledger's backstop expiry came first: the money is back with the payer already.
        assert(result.reason === 'pending_transfer_expired', `hold resolution rejected: ${result.reason}`);
        outcome = 'expired';
      }
      const status = outcome === 'approved' ? 'succeeded' : 'declined';
      const finalTransferId = result.status === 'rejected' ? intent.hold_transfer_id : transferId;
      await trx
        .updateTable('payment_intents')
        .set(
          status === 'succeeded'
            ? { status, transfer_id: transferId, confirmed_at: new Date(nowMs) }
            : { status },
        )
        .where('id', '=', intent.id)
        .where('status', '=', 'in_review')
        .execute();
      await recordPaymentAudit(trx, nowMs, {
        userId: intent.payer_id,
        intentId: intent.id,
        type: 'hold_resolved',
        details: { outcome, actor: input.actor.slice(0, 80), transferId: finalTransferId },
      });
      await noticeResolved(trx, ctx, intent, outcome);
      const resolved: ResolvedHold = {
        intentId: intent.id,
        payerId: intent.payer_id,
        outcome,
        status,
        transferId: finalTransferId,
        riskEventId: intent.risk_event_id,
      };
      await input.onResolved?.(trx, resolved);
      merchantId = intent.payee_kind === 'merchant' ? intent.payee_merchant_id : null;
      return resolved;
    });
  // After the commit: an approved merchant payment wakes the merchant side (best effort).
  tellMerchantSide(ctx, {
    id: resolved.intentId,
    status: resolved.status,
    payee_kind: merchantId ? 'merchant' : 'user',
    payee_merchant_id: merchantId,
  });
  return resolved;
}

async function noticeResolved(
  trx: Transaction<Database>,
  ctx: PaymentsContext,
  intent: IntentRow,
  outcome: HoldResolution,
): Promise<void> {
  await noticeToAllChannels(trx, ctx, {
    userId: intent.payer_id,
    template: 'payment_hold_resolved',
    vars: { amountMinor: intent.amount_minor.toString(), currency: currencyOf(intent), outcome },
  });
}

/** Intents whose review deadline passed, oldest first, at most REVIEW_EXPIRY_BATCH_MAX. */
export async function overdueReviews(ctx: PaymentsContext): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('payment_intents')
    .select('id')
    .where('status', '=', 'in_review')
    .where('review_deadline_at', '<=', new Date(ctx.clock.nowMs()))
    .orderBy('review_deadline_at')
    .limit(REVIEW_EXPIRY_BATCH_MAX)
    .execute();
  return rows.map((r) => r.id);
}
