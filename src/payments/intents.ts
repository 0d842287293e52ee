/** Payment intents as the payer sees them, and the queries shared by the use cases. */
import type { Selectable } from 'kysely';
import { type Executor, maskPhone } from '../identity/index.ts';
import { assert, type Currency, isCurrency, type Money } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { PaymentChannel } from './constants.ts';
import type { Confirmation } from './rules.ts';

export type IntentRow = Selectable<Database['payment_intents']>;

/** in_review: held (a pending ledger transfer) until an operator approves or rejects, or the
 *  review deadline passes; declined: rejected or expired in review, the hold voided (issue 5);
 *  cancelled: the payer cancelled it before confirming (terminal; nothing was reserved). */
export type IntentStatus =
  | 'awaiting_confirmation'
  | 'succeeded'
  | 'expired'
  | 'in_review'
  | 'declined'
  | 'cancelled';

export type PayeeView =
  | { readonly kind: 'user'; readonly maskedName: string; readonly maskedPhone: string }
  | { readonly kind: 'merchant'; readonly merchantId: string; readonly name: string };

export interface PaymentIntentView {
  readonly id: string;
  readonly status: IntentStatus;
  readonly payee: PayeeView;
  readonly amount: Money;
  readonly channel: PaymentChannel;
  readonly note: string | null;
  readonly confirmation: Confirmation;
  readonly createdAt: Date;
  readonly expiresAt: Date;
  readonly confirmedAt: Date | null;
  /** When the payer cancelled it, for a cancelled intent. */
  readonly cancelledAt: Date | null;
  /** The ledger transfer that moved the money, once succeeded. */
  readonly transferId: string | null;
  /** What the payer may still pay today on this channel, as of this answer. */
  readonly allowanceLeftToday: Money;
  /** Issue 9: a first payment to this payee that needs the anti-fraud warning acknowledged. */
  readonly fraudWarning: boolean;
  readonly warningAcknowledgedAt: Date | null;
}

export function currencyOf(row: Pick<IntentRow, 'currency'>): Currency {
  const currency = row.currency.trim();
  assert(isCurrency(currency), 'intent currency known');
  return currency;
}

/** Awaiting intents past their deadline read as expired, whether or not the row says so yet. */
export function statusAt(row: Pick<IntentRow, 'status' | 'expires_at'>, nowMs: number): IntentStatus {
  if (row.status === 'awaiting_confirmation' && nowMs >= row.expires_at.getTime()) return 'expired';
  return row.status;
}

export function toIntentView(
  row: IntentRow,
  input: { nowMs: number; allowanceLeftTodayMinor: bigint },
): PaymentIntentView {
  const currency = currencyOf(row);
  let payee: PayeeView;
  if (row.payee_kind === 'user') {
    payee = { kind: 'user', maskedName: row.payee_name, maskedPhone: maskPhone(row.payee_ref) };
  } else {
    assert(row.payee_merchant_id !== null, 'a merchant intent names its merchant');
    payee = { kind: 'merchant', merchantId: row.payee_merchant_id, name: row.payee_name };
  }
  return {
    id: row.id,
    status: statusAt(row, input.nowMs),
    payee,
    amount: { amountMinor: row.amount_minor, currency },
    channel: row.channel,
    note: row.note,
    confirmation: row.confirmation,
    createdAt: row.created_at,
    expiresAt: row.expires_at,
    confirmedAt: row.confirmed_at,
    cancelledAt: row.cancelled_at,
    transferId: row.transfer_id,
    allowanceLeftToday: { amountMinor: input.allowanceLeftTodayMinor, currency },
    fraudWarning: row.fraud_warning,
    warningAcknowledgedAt: row.warning_acknowledged_at,
  };
}

/** The payer's own intent; another user's intent is as unknown as a missing one. */
export async function loadPayerIntent(
  executor: Executor,
  input: { intentId: string; payerId: string },
): Promise<IntentRow | undefined> {
  return executor
    .selectFrom('payment_intents')
    .selectAll()
    .where('id', '=', input.intentId)
    .where('payer_id', '=', input.payerId)
    .executeTakeFirst();
}
