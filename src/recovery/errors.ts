import { defineErrors } from '../shared/index.ts';

/** Issue 7's codes. Messages never say whether an account exists. */
export const RECOVERY_ERRORS = defineErrors({
  INVALID_ID_NUMBER: {
    code: 'invalid_id_number',
    message: 'The ID number is not a valid 18-digit resident ID (check the digits and the birth date).',
    status: 400,
  },
  INVALID_REAL_NAME: {
    code: 'invalid_real_name',
    message: 'Enter your real name (1 to 64 characters).',
    status: 400,
  },
  IDENTITY_ALREADY_SET: {
    code: 'identity_already_set',
    message: 'Your real name and ID number are already verified; contact support to correct them.',
    status: 409,
  },
  ID_NUMBER_IN_USE: {
    code: 'id_number_in_use',
    message: 'This ID number cannot be used for this account; contact support.',
    status: 409,
  },
  VERIFICATION_FAILED: {
    code: 'verification_failed',
    message: 'The details do not match. Check them and try again, or ask for manual review.',
    status: 400,
  },
  ATTEMPT_INVALID: {
    code: 'attempt_invalid',
    message: 'This verification has expired, was already used or had too many tries; start again.',
    status: 400,
  },
  HUMAN_CHECK_FAILED: {
    code: 'human_check_failed',
    message: 'The answer to the check is wrong; try a new one.',
    status: 400,
  },
  NOT_FROZEN: { code: 'not_frozen', message: 'This account is not frozen.', status: 409 },
  DOCUMENT_TOO_LARGE: {
    code: 'document_too_large',
    message: 'Each document may be at most 5 MB.',
    status: 413,
  },
  DOCUMENT_TYPE: {
    code: 'document_type',
    message: 'Documents must be JPEG, PNG or PDF files.',
    status: 415,
  },
  TOO_MANY_DOCUMENTS: {
    code: 'too_many_documents',
    message: 'At most 5 documents per request.',
    status: 400,
  },
  RECOVERY_NOT_FOUND: { code: 'recovery_not_found', message: 'No such recovery request.', status: 404 },
  RECOVERY_STATE: {
    code: 'recovery_state',
    message: 'This recovery request is not in a state that allows that.',
    status: 409,
  },
  CLAIM_NOT_FOUND: { code: 'claim_not_found', message: 'No such claim.', status: 404 },
  CLAIM_STATE: {
    code: 'claim_state',
    message: 'This claim is not in a state that allows that.',
    status: 409,
  },
  CLAIM_ITEM_INVALID: {
    code: 'claim_item_invalid',
    message: 'A disputed transaction is not an outgoing payment of yours.',
    status: 400,
  },
  ALREADY_REFUNDED: {
    code: 'already_refunded',
    message: 'A disputed transaction was already refunded or compensated, or is in another claim.',
    status: 409,
  },
  SAME_OPERATOR: {
    code: 'same_operator',
    message: 'Four eyes: a second, different operator must approve this payout.',
    status: 409,
  },
  OPERATOR_ROLE: { code: 'operator_role', message: 'Your operator role does not allow that.', status: 403 },
  OPERATOR_SIGN_IN_FAILED: {
    code: 'operator_sign_in_failed',
    message: 'The user name, password or authenticator code is wrong.',
    status: 401,
  },
  OPERATOR_LOCKED: {
    code: 'operator_locked',
    message: 'Too many failed sign-ins: this operator account is locked for 15 minutes.',
    status: 423,
  },
  OPERATOR_REAUTH_REQUIRED: {
    code: 'operator_reauth_required',
    message:
      'Sign in again (within the last 10 minutes) to add a passkey; the bootstrap token cannot hold one.',
    status: 403,
  },
  OPERATOR_EXISTS: {
    code: 'operator_exists',
    message: 'An operator with this user name exists.',
    status: 409,
  },
  USER_NOT_FOUND: { code: 'user_not_found', message: 'No such user.', status: 404 },
});
