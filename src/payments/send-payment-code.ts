/**
 * Sends the SMS code a challenged payment needs (issue 5: payment password plus an SMS code or a
 * passkey). The code is bound to this intent: it confirms nothing else.
 */
import type { Locale } from '../identity/index.ts';
import { DomainError } from '../shared/index.ts';
import type { PaymentsContext } from './context.ts';
import { PAYMENT_ERRORS } from './errors.ts';
import { loadPayerIntent, statusAt } from './intents.ts';

export async function sendPaymentCode(
  ctx: PaymentsContext,
  input: { payerId: string; intentId: string; locale: Locale },
): Promise<{ resendAfterMs: number }> {
  const intent = await loadPayerIntent(ctx.db, input);
  if (!intent) throw new DomainError(PAYMENT_ERRORS.INTENT_NOT_FOUND);
  const status = statusAt(intent, ctx.clock.nowMs());
  if (status === 'expired') throw new DomainError(PAYMENT_ERRORS.INTENT_EXPIRED);
  if (status === 'cancelled') throw new DomainError(PAYMENT_ERRORS.INTENT_CANCELLED);
  if (status !== 'awaiting_confirmation') throw new DomainError(PAYMENT_ERRORS.INTENT_ALREADY_CONFIRMED);
  if (intent.confirmation !== 'payment_password_and_second_factor') {
    throw new DomainError(PAYMENT_ERRORS.SECOND_FACTOR_NOT_NEEDED);
  }
  return ctx.identity.security.sendPaymentCode({
    userId: input.payerId,
    subjectId: intent.id,
    locale: input.locale,
  });
}
