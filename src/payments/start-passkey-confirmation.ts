/**
 * WebAuthn request options for confirming one intent with a passkey. The ceremony is bound to
 * purpose 'payment' and to the subject `pay:<intentId>:<amountMinor>:<currency>:<payeeAccountId>`;
 * identity refuses an assertion from it for any other subject (`passkey_subject_mismatch`).
 */
import { DomainError } from '../shared/index.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import { currencyOf, loadPayerIntent, statusAt } from './intents.ts';
import { paymentPasskeySubject } from './rules.ts';

export async function startPasskeyConfirmation(
  ctx: PaymentsContext,
  input: { payerId: string; intentId: string },
): Promise<{ ceremonyId: string; options: unknown }> {
  const intent = await loadPayerIntent(ctx.db, input);
  if (!intent) throw new DomainError(PAYMENT_ERRORS.INTENT_NOT_FOUND);
  const status = statusAt(intent, ctx.clock.nowMs());
  if (status === 'expired') throw new DomainError(PAYMENT_ERRORS.INTENT_EXPIRED);
  if (status === 'cancelled') throw new DomainError(PAYMENT_ERRORS.INTENT_CANCELLED);
  if (status === 'succeeded') throw new DomainError(PAYMENT_ERRORS.INTENT_ALREADY_CONFIRMED);
  return ctx.factors.passkeyOptions({
    userId: input.payerId,
    purpose: 'payment',
    subjectId: paymentPasskeySubject({
      id: intent.id,
      amountMinor: intent.amount_minor,
      currency: currencyOf(intent),
      payeeAccountId: intent.payee_account_id,
    }),
  });
}
