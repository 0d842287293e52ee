/**
 * Family-card payments the risk engine sent to review (issue 5 point 5, as wallet payments'
 * review.ts and resolve-held-payment.ts): the owner's money is held by a pending ledger transfer
 * (`fchold:<paymentId>`) instead of posted; an operator approves (post_pending → `fcp:<paymentId>`,
 * the id a direct family-card payment gets, so records read it like any) or rejects (void_pending
 * → `fcvoid:<paymentId>`), and a hold nobody decided is voided at its deadline. The queue that
 * shows holds to operators is a port (the case queue implements it; main.ts connects it), written
 * to in the transaction that makes the hold. One READ COMMITTED transaction per resolution: the
 * payment row locked FOR UPDATE (exactly one resolution wins), the ledger resolution, the row's
 * new status, the audit row, the notices; `onResolved` runs in it (the case closes there).
 */
import { type Executor, noticeToAllChannels } from '../identity/index.ts';
import type { HoldResolution } from '../payments/index.ts';
import { assert, DomainError, type Money } from '../shared/index.ts';
import { recordAgreementAudit } from './audit.ts';
import { FAMILY_CARD_REVIEW_EXPIRY_BATCH_MAX } from './constants.ts';
import type { AgreementsContext } from './context.ts';
import { AGREEMENT_ERRORS } from './errors.ts';
import { currencyOf } from './money-move.ts';

export interface HeldFamilyCardPayment {
  readonly paymentId: string;
  readonly cardId: string;
  /** Whose money is held (the risk hook's payer). */
  readonly ownerId: string;
  readonly memberId: string;
  readonly merchantId: string;
  readonly amount: Money;
  readonly reasons: readonly string[];
  readonly riskEventId: string | null;
  readonly deadlineAt: Date;
}

export interface FamilyCardReviewQueue {
  held(executor: Executor, payment: HeldFamilyCardPayment): Promise<void>;
}

export interface ResolvedFamilyCardHold {
  readonly paymentId: string;
  readonly ownerId: string;
  readonly outcome: HoldResolution;
  readonly status: 'succeeded' | 'declined';
  readonly transferId: string;
  readonly riskEventId: string | null;
}

/** The ledger ids of a family-card payment: posted directly or by an approved review. */
export const familyCardTransferId = (paymentId: string) => `fcp:${paymentId}`;
/** The ledger id of a family-card payment's review hold. */
export const familyCardHoldTransferId = (paymentId: string) => `fchold:${paymentId}`;

export async function resolveFamilyCardReview(
  ctx: AgreementsContext,
  input: {
    paymentId: string;
    outcome: HoldResolution;
    actor: string;
    onResolved?: (trx: Executor, resolved: ResolvedFamilyCardHold) => Promise<void>;
  },
): Promise<ResolvedFamilyCardHold> {
  return ctx.db
    .transaction()
    .setIsolationLevel('read committed')
    .execute(async (trx) => {
      const row = await trx
        .selectFrom('family_card_payments as p')
        .innerJoin('family_cards as c', 'c.id', 'p.card_id')
        .innerJoin('merchants as m', 'm.id', 'p.merchant_id')
        .selectAll('p')
        .select(['c.owner_id', 'm.name as merchant_name'])
        .where('p.id', '=', input.paymentId)
        .forUpdate('p')
        .executeTakeFirst();
      if (!row || row.hold_transfer_id === null) {
        throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_HOLD_NOT_FOUND);
      }
      if (row.status !== 'in_review') {
        throw new DomainError(AGREEMENT_ERRORS.FAMILY_CARD_HOLD_ALREADY_RESOLVED, { status: row.status });
      }
      const nowMs = ctx.clock.nowMs();
      let outcome = input.outcome;
      const approve = outcome === 'approved';
      const transferId = approve ? familyCardTransferId(row.id) : `fcvoid:${row.id}`;
      const [result] = await ctx.ledger.createTransfersInTransaction(trx, [
        {
          id: transferId,
          kind: approve ? 'post_pending' : 'void_pending',
          pendingId: row.hold_transfer_id,
          // The post keeps the payment's code, so records show it as the merchant payment it is.
          code: approve ? 'family_card_pay' : outcome === 'expired' ? 'review_expired' : 'review_rejected',
        },
      ]);
      assert(result, 'one result for one resolution');
      if (result.status === 'rejected') {
        // The ledger's backstop expiry came first: the money is back with the owner already.
        assert(result.reason === 'pending_transfer_expired', `hold resolution rejected: ${result.reason}`);
        outcome = 'expired';
      }
      const status = outcome === 'approved' ? 'succeeded' : 'declined';
      const finalTransferId = result.status === 'rejected' ? row.hold_transfer_id : transferId;
      await trx
        .updateTable('family_card_payments')
        .set({ status, transfer_id: finalTransferId })
        .where('id', '=', row.id)
        .where('status', '=', 'in_review')
        .execute();
      if (status === 'succeeded') {
        await trx
          .updateTable('family_cards')
          .set({ last_used_at: new Date(nowMs) })
          .where('id', '=', row.card_id)
          .execute();
      }
      await recordAgreementAudit(trx, nowMs, {
        userId: row.member_id,
        subjectId: row.card_id,
        type: 'family_card_review_resolved',
        details: {
          paymentId: row.id,
          outcome,
          actor: input.actor.slice(0, 80),
          transferId: finalTransferId,
          amountMinor: row.amount_minor.toString(),
        },
      });
      // Both hear the outcome: the member paid, the owner's money was held.
      for (const userId of new Set([row.owner_id, row.member_id])) {
        await noticeToAllChannels(trx, ctx, {
          userId,
          template: 'family_card_hold_resolved',
          vars: {
            merchant: row.merchant_name,
            amountMinor: row.amount_minor.toString(),
            currency: currencyOf(row),
            outcome,
          },
        });
      }
      const resolved: ResolvedFamilyCardHold = {
        paymentId: row.id,
        ownerId: row.owner_id,
        outcome,
        status,
        transferId: finalTransferId,
        riskEventId: row.risk_event_id,
      };
      await input.onResolved?.(trx, resolved);
      return resolved;
    });
}

/** Held family-card payments past their review deadline, oldest first (bounded batch). */
export async function overdueFamilyCardReviews(ctx: AgreementsContext): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom('family_card_payments')
    .select('id')
    .where('status', '=', 'in_review')
    .where('review_deadline_at', '<=', new Date(ctx.clock.nowMs()))
    .orderBy('review_deadline_at')
    .limit(FAMILY_CARD_REVIEW_EXPIRY_BATCH_MAX)
    .execute();
  return rows.map((r) => r.id);
}
