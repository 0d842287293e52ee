import { defineErrors } from '../shared/index.ts';

export const FUNDING_ERRORS = defineErrors({
  INVALID_CARD_NUMBER: {
    code: 'invalid_card_number',
    message: 'A card number has 12 to 19 digits.',
    status: 400,
  },
  LUHN_FAILED: {
    code: 'luhn_failed',
    message: 'This card number is not valid; check it for a typing mistake.',
    status: 400,
  },
  INVALID_AMOUNT: {
    code: 'invalid_amount',
    message: 'The amount must be a positive whole number of minor units.',
    status: 400,
  },
  CARD_NOT_FOUND: { code: 'card_not_found', message: 'No such card.', status: 404 },
  OPERATION_NOT_FOUND: { code: 'operation_not_found', message: 'No such funding operation.', status: 404 },
  CARD_ALREADY_LINKED: { code: 'card_already_linked', message: 'This card is already linked.', status: 409 },
  CLIENT_REQUEST_ID_REUSED: {
    code: 'client_request_id_reused',
    message: 'This clientRequestId was used for a different operation.',
    status: 409,
  },
  CARDS_TOO_MANY: { code: 'cards_too_many', message: 'Too many cards are linked.', status: 422 },
  CURRENCY_MISMATCH: {
    code: 'currency_mismatch',
    message: 'Top-ups and withdrawals are in CNY.',
    status: 422,
  },
  INSUFFICIENT_FUNDS: { code: 'insufficient_funds', message: 'Insufficient funds.', status: 422 },
  LIMIT_EXCEEDED: {
    code: 'limit_exceeded',
    message: 'The amount is above your bank-card limit.',
    status: 422,
  },
  // Issue 5: the risk engine refused the withdrawal (docs/risk.md, "Withdrawals").
  WITHDRAWAL_DECLINED: {
    code: 'withdrawal_declined',
    message:
      'This withdrawal was stopped to protect your account. We sent you a notice; contact customer service if it was you.',
    status: 403,
  },
  WITHDRAWAL_NOT_IN_REVIEW: {
    code: 'withdrawal_not_in_review',
    message: 'This withdrawal is not waiting for a review.',
    status: 409,
  },
});
