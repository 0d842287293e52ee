/**
 * Error codes of the second factors (TOTP, backup codes, passkeys). Every WebAuthn failure has
 * its own code so a client can tell "start again" (the ceremony is gone) from "this device is
 * not trusted" (verification failed, counter went backwards).
 */
import { defineErrors } from '../shared/index.ts';

export const FACTOR_ERRORS = defineErrors({
  /**
   * One code for "give a second factor first", wherever it is asked: the security lock before a
   * payment (protection) and account recovery (recovery). The answer's `details`, or the step the
   * client is on, says which factors count there.
   */
  SECOND_FACTOR_REQUIRED: {
    code: 'second_factor_required',
    message:
      'This needs a second factor: verify with one of those offered (an authenticator code, a passkey, a backup code, an SMS code or, in account recovery, an ID check), then try again.',
    status: 403,
  },
  INVALID_TOTP_CODE: {
    code: 'invalid_totp_code',
    message: 'The authenticator code is wrong or was already used; wait for the next code.',
    status: 400,
  },
  TOTP_NOT_ENROLLED: {
    code: 'totp_not_enrolled',
    message: 'No authenticator app is set up; start enrolment first.',
    status: 409,
  },
  TOTP_ALREADY_ENABLED: {
    code: 'totp_already_enabled',
    message: 'An authenticator app is already set up; remove it before adding another.',
    status: 409,
  },
  INVALID_BACKUP_CODE: {
    code: 'invalid_backup_code',
    message: 'The backup code is wrong or was already used.',
    status: 400,
  },
  PASSKEY_CHALLENGE_INVALID: {
    code: 'passkey_challenge_invalid',
    message: 'This passkey request has expired or was already used; start again.',
    status: 400,
  },
  PASSKEY_SUBJECT_MISMATCH: {
    code: 'passkey_subject_mismatch',
    message: 'This passkey confirmation was made for something else (another payment or purpose).',
    status: 400,
  },
  PASSKEY_VERIFICATION_FAILED: {
    code: 'passkey_verification_failed',
    message: 'The passkey response could not be verified.',
    status: 400,
  },
  PASSKEY_COUNTER_REGRESSED: {
    code: 'passkey_counter_regressed',
    message: 'This passkey reported a use count lower than before; it may have been cloned and is refused.',
    status: 400,
  },
  PASSKEY_UNKNOWN: {
    code: 'passkey_unknown',
    message: 'This passkey is not registered with your account (it may have been removed).',
    status: 401,
  },
  PASSKEY_ALREADY_REGISTERED: {
    code: 'passkey_already_registered',
    message: 'This passkey is already registered.',
    status: 409,
  },
  PASSKEY_LIMIT_REACHED: {
    code: 'passkey_limit_reached',
    message: 'This account has the most passkeys allowed; remove one first.',
    status: 409,
  },
  PASSKEY_NOT_FOUND: { code: 'passkey_not_found', message: 'No such passkey.', status: 404 },
  NO_PASSKEYS: {
    code: 'no_passkeys',
    message: 'No passkey is registered for this account; add one first.',
    status: 409,
  },
});
