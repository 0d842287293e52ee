/**
 * What the merchant side (the open API's trades, src/gateway) may do with payment intents made
 * for its orders, in its own transaction so its lock order holds (trade → attempt → intents →
 * accounts): read them under lock, and expire the ones still awaiting confirmation when their
 * order can no longer be paid (the same transition payments makes at an intent's deadline).
 * Payments owns the rows; no other module writes them.
 */
import type { Executor } from '../identity/index.ts';

export interface MerchantSideIntent {
  readonly id: string;
  readonly status: string;
  readonly payerId: string;
  readonly payerAccountId: string;
  readonly amountMinor: bigint;
  readonly confirmedAt: Date | null;
  readonly expiresAt: Date;
}

/** Locks the intents (in id order: no deadlocks between two callers) and returns them. */
export async function lockIntentsInTransaction(
  trx: Executor,
  ids: readonly string[],
): Promise<MerchantSideIntent[]> {
  if (ids.length === 0) return [];
  const rows = await trx
    .selectFrom('payment_intents')
    .select(['id', 'status', 'payer_id', 'payer_account_id', 'amount_minor', 'confirmed_at', 'expires_at'])
    .where('id', 'in', [...ids].sort())
    .orderBy('id')
    .forUpdate()
    .execute();
  return rows.map((r) => ({
    id: r.id,
    status: r.status,
    payerId: r.payer_id,
    payerAccountId: r.payer_account_id,
    amountMinor: r.amount_minor,
    confirmedAt: r.confirmed_at,
    expiresAt: r.expires_at,
  }));
}

/** Intents still awaiting confirmation become expired; any other status is left as it is. */
export async function expireAwaitingInTransaction(trx: Executor, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  await trx
    .updateTable('payment_intents')
    .set({ status: 'expired' })
    .where('id', 'in', ids)
    .where('status', '=', 'awaiting_confirmation')
    .execute();
}
