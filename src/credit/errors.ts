/** Error codes of the credit line (issue 4 point 4); docs/credit.md. */
import { defineErrors } from '../shared/index.ts';

export const CREDIT_ERRORS = defineErrors({
  NO_CREDIT_LINE: {
    code: 'credit_line_not_granted',
    message: 'You have no credit line.',
    status: 404,
  },
  BILL_OVERDUE: {
    code: 'credit_bill_overdue',
    message: 'Your credit bill is overdue: repay it before spending on credit again.',
    status: 403,
  },
  REPAY_EXCEEDS_OWED: {
    code: 'repay_exceeds_owed',
    message: 'This is more than you owe on your credit line.',
    status: 422,
  },
  INSUFFICIENT_BALANCE: {
    code: 'insufficient_funds',
    message: 'Your wallet balance is not enough for this repayment.',
    status: 422,
  },
  INVALID_AMOUNT: {
    code: 'invalid_amount',
    message: 'The amount must be a positive whole number of minor units in CNY.',
    status: 400,
  },
  LIMIT_ABOVE_MAX: {
    code: 'credit_limit_above_max',
    message: 'A credit limit cannot be above 50,000.00 CNY.',
    status: 422,
  },
  LIMIT_BELOW_USED: {
    code: 'credit_limit_below_used',
    message: 'The credit limit cannot be set below what the user owes now.',
    status: 409,
  },
  USER_NOT_FOUND: { code: 'user_not_found', message: 'No such user.', status: 404 },
  CLIENT_REQUEST_ID_REUSED: {
    code: 'client_request_id_reused',
    message: 'This clientRequestId was already used for a different repayment.',
    status: 409,
  },
});
