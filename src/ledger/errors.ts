import { defineErrors, type ErrorCode } from '../shared/index.ts';
import type { RejectReason } from './types.ts';

export const LEDGER_ERRORS = defineErrors({
  NEGATIVE_NOT_ALLOWED: {
    code: 'negative_not_allowed',
    message: 'Only external funding and credit-line accounts may go below zero.',
    status: 422,
  },
  INVALID_CURRENCY: { code: 'invalid_currency', message: 'The currency is not supported.', status: 400 },
  ACCOUNT_EXISTS: { code: 'account_exists', message: 'An account with this id already exists.', status: 409 },
  ACCOUNT_NOT_FOUND: { code: 'account_not_found', message: 'No such account.', status: 404 },
  TRANSFER_NOT_FOUND: { code: 'transfer_not_found', message: 'No such transfer.', status: 404 },
});

const REJECTION_MESSAGES: Record<RejectReason, [string, ErrorCode['status']]> = {
  invalid_id: ['The transfer id must be 1–64 letters, digits or _.:-, not starting with expire:', 400],
  invalid_code: ['The transfer code must be lower_snake_case, up to 40 characters.', 400],
  invalid_user_data: ['User data is at most 256 characters.', 400],
  invalid_amount: ['Amounts must be whole minor units, greater than zero and at most 10^15.', 400],
  invalid_currency: ['The currency is not supported.', 400],
  invalid_timeout: [
    'A hold timeout must be a whole number of milliseconds up to 30 days, on holds only.',
    400,
  ],
  legs_empty: ['A transfer needs at least one leg.', 400],
  legs_too_many: ['A transfer has at most 16 legs.', 400],
  accounts_must_be_different: ['A leg cannot debit and credit the same account.', 422],
  debit_account_not_found: ['The account to debit does not exist.', 422],
  credit_account_not_found: ['The account to credit does not exist.', 422],
  currency_mismatch: ["The leg's currency differs from an account's currency.", 422],
  exceeds_credits: ['Insufficient funds.', 422],
  exceeds_credit_limit: ['The credit limit would be exceeded.', 422],
  overflows_balance: ['The balance would overflow.', 422],
  exists_with_different_fields: ['A transfer with this id exists with different fields.', 409],
  pending_transfer_not_found: ['No such pending transfer.', 422],
  pending_transfer_already_posted: ['The pending transfer was already posted.', 409],
  pending_transfer_already_voided: ['The pending transfer was already voided.', 409],
  pending_transfer_expired: ['The pending transfer has expired.', 409],
  pending_transfer_not_expired: ['The pending transfer has not expired.', 409],
};

/** The coded error a rejection becomes at the HTTP edge: the reason is the stable code. */
export function rejectionError(reason: RejectReason): ErrorCode {
  const [message, status] = REJECTION_MESSAGES[reason];
  return { code: reason, message, status };
}
