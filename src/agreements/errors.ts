/** Error codes of agreements, family cards and authorised apps. Identity's codes
 *  (wrong_payment_password, payment_locked, account_frozen) pass through unchanged. */
import { defineErrors } from '../shared/index.ts';

export const AGREEMENT_ERRORS = defineErrors({
  AGREEMENT_NOT_FOUND: { code: 'agreement_not_found', message: 'No such agreement.', status: 404 },
  MERCHANT_NOT_FOUND: { code: 'merchant_not_found', message: 'No such merchant.', status: 404 },
  USER_NOT_FOUND: { code: 'user_not_found', message: 'No such user.', status: 404 },
  INVALID_CAPS: {
    code: 'invalid_caps',
    message: 'Caps are positive, the per-debit cap at most the monthly cap, both within the maxima.',
    status: 400,
  },
  INVALID_AMOUNT: {
    code: 'invalid_amount',
    message: 'Amounts are whole minor units, greater than zero.',
    status: 400,
  },
  CURRENCY_MISMATCH: {
    code: 'currency_mismatch',
    message: 'Agreements and family cards are in CNY.',
    status: 422,
  },
  EXTERNAL_AGREEMENT_NO_REUSED: {
    code: 'external_agreement_no_reused',
    message: 'This merchant agreement number was already used for different terms.',
    status: 409,
  },
  AGREEMENT_NOT_PENDING: {
    code: 'agreement_not_pending',
    message: 'This agreement is not waiting for your signature.',
    status: 409,
  },
  AGREEMENT_REQUEST_EXPIRED: {
    code: 'agreement_request_expired',
    message: 'This agreement request has expired; ask the merchant to send a new one.',
    status: 410,
  },
  AGREEMENT_NOT_ACTIVE: {
    code: 'agreement_not_active',
    message: 'This agreement has not been signed yet.',
    status: 409,
  },
  AGREEMENT_CANCELLED: {
    code: 'agreement_cancelled',
    message: 'This agreement was cancelled; it can never be debited again.',
    status: 409,
  },
  AGREEMENT_SUSPENDED: {
    code: 'agreement_suspended',
    message: 'This agreement is suspended.',
    status: 409,
  },
  PER_DEBIT_CAP_EXCEEDED: {
    code: 'per_debit_cap_exceeded',
    message: "The amount is above this agreement's per-debit cap.",
    status: 422,
  },
  MONTHLY_CAP_EXCEEDED: {
    code: 'monthly_cap_exceeded',
    message: "The amount is above what is left of this month's cap.",
    status: 422,
  },
  INSUFFICIENT_FUNDS: { code: 'insufficient_funds', message: 'Insufficient funds.', status: 422 },
  IDEMPOTENCY_KEY_REUSED: {
    code: 'idempotency_key_reused',
    message: 'This idempotency key was already used for a different amount.',
    status: 409,
  },
  PAYMENT_DECLINED: {
    code: 'payment_declined',
    message: 'This payment cannot be made. Contact customer service if you think this is wrong.',
    status: 403,
  },
  DEBIT_STOPPED: {
    code: 'agreement_debit_stopped',
    message:
      'Our risk checks stopped this debit: it needs the user, who is not here to confirm it. Nothing was taken and the user has been told; ask them to pay you directly.',
    status: 403,
  },
  FAMILY_CARD_HOLD_NOT_FOUND: {
    code: 'family_card_hold_not_found',
    message: 'No family-card payment is held for review under this id.',
    status: 404,
  },
  FAMILY_CARD_HOLD_ALREADY_RESOLVED: {
    code: 'family_card_hold_already_resolved',
    message: 'This held family-card payment was already decided.',
    status: 409,
  },
  TOO_MANY: { code: 'too_many', message: 'You have reached the maximum number of these.', status: 422 },
  FAMILY_CARD_NOT_FOUND: { code: 'family_card_not_found', message: 'No such family card.', status: 404 },
  FAMILY_CARD_EXISTS: {
    code: 'family_card_exists',
    message: 'This person already has a family card from you.',
    status: 409,
  },
  CANNOT_ADD_SELF: {
    code: 'cannot_add_self',
    message: 'You cannot give a family card to yourself.',
    status: 422,
  },
  FAMILY_CARD_NOT_PENDING: {
    code: 'family_card_not_pending',
    message: 'This family card is not waiting to be accepted.',
    status: 409,
  },
  FAMILY_CARD_NOT_ACTIVE: {
    code: 'family_card_not_active',
    message: 'This family card has not been accepted yet.',
    status: 409,
  },
  FAMILY_CARD_CANCELLED: {
    code: 'family_card_cancelled',
    message: 'This family card was cancelled; it can never be used again.',
    status: 409,
  },
  FAMILY_CARD_SUSPENDED: {
    code: 'family_card_suspended',
    message: 'This family card is suspended.',
    status: 409,
  },
  CLIENT_REQUEST_ID_REUSED: {
    code: 'client_request_id_reused',
    message: 'This clientRequestId was already used for a different payment.',
    status: 409,
  },
  APP_NOT_FOUND: { code: 'authorised_app_not_found', message: 'No such authorised app.', status: 404 },
});
