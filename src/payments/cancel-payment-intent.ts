/**
 * The payer cancels a payment before confirming it (the confirm page's Cancel, the anti-fraud
 * warning's Cancel): the intent ends `cancelled`, a terminal status that no confirmation, SMS
 * code or passkey ceremony can leave (docs/payments.md, "Cancelling a payment").
 *
 * Creating an intent reserves nothing that would need releasing: no ledger transfer or hold
 * (money moves, or is held for review, only at confirmation, under this same intent lock) and no
 * share of today's totals (added at confirmation too). What creation wrote stays as the record of
 * what happened: the `payee_lookup` and `intent_created` audit entries, the risk decision, the
 * velocity features it fed (an abandoned payment is still an attempt the risk engine should see,
 * as an expired one is) and any challenge notice already sent. The one live thing is the SMS code
 * sent for a challenged intent: it is retired in the transaction that cancels the intent and
 * writes the `intent_cancelled` audit entry, so a cancel is all of these or none of them.
 *
 * The transaction locks the intent row FOR UPDATE, the first lock a confirmation takes: of a
 * cancel and a confirmation racing, exactly one finds the intent awaiting. A confirmation that
 * loses answers `intent_cancelled`; a cancel that loses answers `intent_not_cancellable` with the
 * status. Cancelling a cancelled intent answers it again and writes nothing.
 */
import type { Transaction } from 'kysely';
import type { Located } from '../identity/index.ts';
import { assert, DomainError } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { allowanceLeftTodayOf } from './allowance.ts';
import { recordPaymentAudit } from './audit.ts';
import { settleInTransaction } from './confirm-payment-intent.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import {
  currencyOf,
  type IntentRow,
  type IntentStatus,
  loadPayerIntent,
  type PaymentIntentView,
  statusAt,
  toIntentView,
} from './intents.ts';

export interface CancelPaymentIntentInput {
  readonly payerId: string;
  readonly intentId: string;
  readonly origin: Located;
}

type CancelOutcome =
  | { readonly kind: 'cancelled'; readonly row: IntentRow }
  | { readonly kind: 'not_cancellable'; readonly status: IntentStatus };

export async function cancelPaymentIntent(
  ctx: PaymentsContext,
  input: CancelPaymentIntentInput,
): Promise<PaymentIntentView> {
  // Another payer's intent is as unknown as a missing one: the answer does not say it exists.
  const found = await loadPayerIntent(ctx.db, input);
  if (!found) throw new DomainError(PAYMENT_ERRORS.INTENT_NOT_FOUND);
  const outcome: CancelOutcome =
    found.status === 'cancelled'
      ? { kind: 'cancelled', row: found }
      : // READ COMMITTED, lock waits capped at CONFIRM_LOCK_TIMEOUT_MS (503 unavailable), as a
        // confirmation's transaction.
        await settleInTransaction(ctx, (trx) => cancelLocked(ctx, trx, found.id, input.origin));
  if (outcome.kind === 'not_cancellable') {
    throw new DomainError(PAYMENT_ERRORS.INTENT_NOT_CANCELLABLE, { status: outcome.status });
  }
  const nowMs = ctx.clock.nowMs();
  const allowanceLeftTodayMinor = await allowanceLeftTodayOf(ctx.db, {
    userId: input.payerId,
    channel: outcome.row.channel,
    nowMs,
  });
  return toIntentView(outcome.row, { nowMs, allowanceLeftTodayMinor });
}

async function cancelLocked(
  ctx: PaymentsContext,
  trx: Transaction<Database>,
  intentId: string,
  origin: Located,
): Promise<CancelOutcome> {
  const locked = await trx
    .selectFrom('payment_intents')
    .selectAll()
    .where('id', '=', intentId)
    .forUpdate()
    .executeTakeFirstOrThrow();
  // A concurrent cancel committed first: its answer is this one's.
  if (locked.status === 'cancelled') return { kind: 'cancelled', row: locked };
  const nowMs = ctx.clock.nowMs();
  const status = statusAt(locked, nowMs);
  if (status === 'expired' && locked.status === 'awaiting_confirmation') {
    // Past its deadline: recorded as expired now, as a late confirmation records it.
    await trx
      .updateTable('payment_intents')
      .set({ status: 'expired' })
      .where('id', '=', locked.id)
      .where('status', '=', 'awaiting_confirmation')
      .execute();
  }
  if (status !== 'awaiting_confirmation') return { kind: 'not_cancellable', status };

  const cancelled = await trx
    .updateTable('payment_intents')
    .set({ status: 'cancelled', cancelled_at: new Date(nowMs) })
    .where('id', '=', locked.id)
    .where('status', '=', 'awaiting_confirmation')
    .returningAll()
    .executeTakeFirst();
  assert(cancelled, 'the locked awaiting intent is cancelled');
  assert(
    cancelled.transfer_id === null && cancelled.hold_transfer_id === null,
    'a cancelled intent moved no money',
  );
  await ctx.identity.security.withdrawPaymentCode(trx, { userId: locked.payer_id, subjectId: locked.id });
  await recordPaymentAudit(trx, nowMs, {
    userId: locked.payer_id,
    intentId: locked.id,
    type: 'intent_cancelled',
    ip: origin.ip,
    details: {
      payeeKind: locked.payee_kind,
      payeeAccountId: locked.payee_account_id,
      amountMinor: locked.amount_minor.toString(),
      currency: currencyOf(locked),
      channel: locked.channel,
      confirmation: locked.confirmation,
      riskDecision: locked.risk_decision,
    },
  });
  return { kind: 'cancelled', row: cancelled };
}
