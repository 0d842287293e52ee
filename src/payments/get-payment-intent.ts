import { DomainError } from '../shared/index.ts';
import { allowanceLeftTodayOf } from './allowance.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import { loadPayerIntent, type PaymentIntentView, toIntentView } from './intents.ts';

/** The payer's own intent, with its status as of now (an awaiting intent past its deadline reads
 *  as expired). */
export async function getPaymentIntent(
  ctx: PaymentsContext,
  input: { payerId: string; intentId: string },
): Promise<PaymentIntentView> {
  const nowMs = ctx.clock.nowMs();
  const row = await loadPayerIntent(ctx.db, input);
  if (!row) throw new DomainError(PAYMENT_ERRORS.INTENT_NOT_FOUND);
  const allowanceLeftTodayMinor = await allowanceLeftTodayOf(ctx.db, {
    userId: input.payerId,
    channel: row.channel,
    nowMs,
  });
  return toIntentView(row, { nowMs, allowanceLeftTodayMinor });
}
