/** Error codes of the case queue and user reports. */
import { defineErrors } from '../shared/index.ts';

export const CASE_ERRORS = defineErrors({
  CASE_NOT_FOUND: { code: 'case_not_found', message: 'No such case.', status: 404 },
  CASE_CLOSED: { code: 'case_closed', message: 'This case is closed.', status: 409 },
  ACTION_NOT_APPLICABLE: {
    code: 'action_not_applicable',
    message: 'This action does not apply to this case.',
    status: 409,
  },
  CASE_HAS_NO_USER: {
    code: 'case_has_no_user',
    message: 'This case names no account to act on.',
    status: 409,
  },
  TRANSFER_NOT_FOUND: {
    code: 'transfer_not_found',
    message: 'No payment of yours has this id.',
    status: 404,
  },
  REPORT_NEEDS_SUBJECT: {
    code: 'report_needs_subject',
    message: 'Name the payment (transferId) or the payee (payeePhone) you report.',
    status: 400,
  },
  REPORTS_TOO_MANY: {
    code: 'reports_too_many',
    message: 'You have sent many reports today; customer service will contact you.',
    status: 429,
  },
});
