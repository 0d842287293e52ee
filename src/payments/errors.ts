/**
 * Error codes of payments. Identity's codes (wrong_payment_password, payment_locked,
 * account_frozen, passkey_*) pass through unchanged where identity checks the confirmation.
 */
import { type Currency, DomainError, defineErrors } from '../shared/index.ts';

export const PAYMENT_ERRORS = defineErrors({
  CANNOT_PAY_SELF: { code: 'cannot_pay_self', message: 'You cannot pay yourself.', status: 422 },
  PAYEE_NOT_FOUND: {
    code: 'payee_not_found',
    message: 'No Rampart account or merchant matches this payee.',
    status: 404,
  },
  CURRENCY_MISMATCH: {
    code: 'currency_mismatch',
    message: "The amount's currency is not the currency of your wallet or of the payee's account.",
    status: 422,
  },
  CHANNEL_NOT_AVAILABLE: {
    code: 'channel_not_available',
    message: 'This funding channel is not available yet; pay from your balance.',
    status: 422,
  },
  INVALID_AMOUNT: {
    code: 'invalid_amount',
    message: 'Amounts are whole minor units, greater than zero and at most 10^15.',
    status: 400,
  },
  LIMIT_EXCEEDED: {
    code: 'limit_exceeded',
    message: 'This payment is over your payment limit.',
    status: 422,
  },
  INSUFFICIENT_FUNDS: { code: 'insufficient_funds', message: 'Insufficient funds.', status: 422 },
  PAYMENT_DECLINED: {
    code: 'payment_declined',
    message: 'This payment cannot be made. Contact customer service if you think this is wrong.',
    status: 403,
  },
  WARNING_NOT_ACKNOWLEDGED: {
    code: 'warning_not_acknowledged',
    message: 'Read the anti-fraud warning for this new payee and confirm that you want to go on.',
    status: 422,
  },
  INTENT_NOT_FOUND: { code: 'intent_not_found', message: 'No such payment.', status: 404 },
  INTENT_EXPIRED: {
    code: 'intent_expired',
    message: 'This payment was not confirmed in time; start again.',
    status: 410,
  },
  INTENT_CANCELLED: {
    code: 'intent_cancelled',
    message: 'You cancelled this payment, so it can no longer be confirmed; start the payment again.',
    status: 409,
  },
  INTENT_NOT_CANCELLABLE: {
    code: 'intent_not_cancellable',
    message:
      'This payment can no longer be cancelled: it was already made, held for review, declined, or it expired unconfirmed.',
    status: 409,
  },
  INTENT_ALREADY_CONFIRMED: {
    code: 'intent_already_confirmed',
    message: 'This payment has already been made.',
    status: 409,
  },
  CLIENT_REQUEST_ID_REUSED: {
    code: 'client_request_id_reused',
    message: 'This clientRequestId was already used for a different payment.',
    status: 409,
  },
  CONFIRMATION_REQUIRED: {
    code: 'confirmation_required',
    message: 'Confirm this payment with your payment password or a passkey.',
    status: 403,
  },
  LIMIT_ABOVE_PLATFORM_MAX: {
    code: 'limit_above_platform_max',
    message: 'A limit cannot be set above the platform maximum.',
    status: 422,
  },
  HOLD_NOT_FOUND: {
    code: 'hold_not_found',
    message: 'No payment held for review with this id.',
    status: 404,
  },
  HOLD_ALREADY_RESOLVED: {
    code: 'hold_already_resolved',
    message: 'This held payment was already approved, rejected or expired.',
    status: 409,
  },
  SECOND_FACTOR_NOT_NEEDED: {
    code: 'second_factor_not_needed',
    message: 'This payment does not need an SMS code.',
    status: 409,
  },
  INVALID_LIMITS: {
    code: 'invalid_limits',
    message: 'The per-payment amount cannot be larger than the daily amount.',
    status: 400,
  },
});

/** `limit_exceeded`, with which limit and what may still be paid today (issue 4 point 6). */
export function limitExceededError(
  check: { exceeded: 'per_payment' | 'per_day'; limitMinor: bigint; allowanceLeftTodayMinor: bigint },
  currency: Currency,
): DomainError {
  return new DomainError(PAYMENT_ERRORS.LIMIT_EXCEEDED, {
    exceeded: check.exceeded,
    limit: { amountMinor: check.limitMinor.toString(), currency },
    allowanceLeftToday: { amountMinor: check.allowanceLeftTodayMinor.toString(), currency },
  });
}
