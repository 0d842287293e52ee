import { defineErrors } from '../shared/index.ts';

export const IDENTITY_ERRORS = defineErrors({
  INVALID_CREDENTIALS: {
    code: 'invalid_credentials',
    message: 'The phone number or password is wrong.',
    status: 401,
  },
  INVALID_PHONE: {
    code: 'invalid_phone',
    message: 'Enter the phone number in international form, e.g. +8613800138000.',
    status: 400,
  },
  WEAK_PASSWORD: { code: 'weak_password', message: 'The password must be 8 to 128 characters.', status: 400 },
  PHONE_TAKEN: { code: 'phone_taken', message: 'This phone number cannot be registered.', status: 409 },
  COMMON_PASSWORD: {
    code: 'common_password',
    message: 'This password is too common; choose one that others are unlikely to use.',
    status: 400,
  },
  PASSWORD_CONTAINS_PHONE: {
    code: 'password_contains_phone',
    message: 'The password must not contain your phone number.',
    status: 400,
  },
  INVALID_PAYMENT_PASSWORD: {
    code: 'invalid_payment_password',
    message: 'The payment password must be 6 digits.',
    status: 400,
  },
  TRIVIAL_PAYMENT_PASSWORD: {
    code: 'trivial_payment_password',
    message:
      'The payment password is too easy to guess (repeated or sequential digits, your birth date or phone).',
    status: 400,
  },
  PAYMENT_PASSWORD_SAME_AS_LOGIN: {
    code: 'payment_password_same_as_login',
    message: 'The payment password must differ from the login password.',
    status: 400,
  },
  INVALID_EMAIL: { code: 'invalid_email', message: 'Enter a valid e-mail address.', status: 400 },
  INVALID_CODE: { code: 'invalid_code', message: 'The code is wrong or has expired.', status: 400 },
  RESEND_TOO_SOON: {
    code: 'resend_too_soon',
    message: 'Wait a minute before asking for another code.',
    status: 429,
  },
  SIGN_UP_EXPIRED: {
    code: 'sign_up_expired',
    message: 'This sign-up has expired; start again.',
    status: 410,
  },
  LOGIN_LOCKED: {
    code: 'login_locked',
    message: 'Too many wrong passwords: password sign-in is locked for 15 minutes.',
    status: 423,
  },
  PAYMENT_LOCKED: {
    code: 'payment_locked',
    message:
      'Too many wrong payment passwords: payments are locked for 3 hours. To lift the lock sooner, verify your identity with your login password and a second factor. A second lock within 24 hours lasts 24 hours and cannot be lifted early.',
    status: 423,
  },
  // The payment lock, escalated (docs/identity.md, "The payment lock").
  PAYMENT_LOCK_NOT_LIFTABLE: {
    code: 'payment_lock_not_liftable',
    message:
      'Payments were locked a second time within 24 hours: this lock lasts 24 hours and cannot be lifted early. Wait until it ends, or set a new payment password (that needs your login password and a second factor).',
    status: 423,
  },
  IDENTITY_CHECK_REQUIRED: {
    code: 'identity_check_required',
    message:
      'This needs proof beyond your phone: verify again with your login password together with an SMS code, your authenticator app, a backup code or a passkey, then retry.',
    status: 403,
  },
  WRONG_PASSWORD: {
    code: 'wrong_password',
    message: 'The login password is wrong.',
    status: 401,
  },
  WRONG_PAYMENT_PASSWORD: {
    code: 'wrong_payment_password',
    message: 'The payment password is wrong.',
    status: 401,
  },
  NO_PAYMENT_PASSWORD: { code: 'no_payment_password', message: 'Set a payment password first.', status: 409 },
  CHALLENGE_INVALID: {
    code: 'challenge_invalid',
    message: 'This sign-in attempt has expired or was already used; sign in again.',
    status: 401,
  },
  METHOD_NOT_AVAILABLE: {
    code: 'method_not_available',
    message: 'That verification method is not set up for this account.',
    status: 400,
  },
  ACCOUNT_FROZEN: {
    code: 'account_frozen',
    message:
      'This account is frozen for your protection. Contact customer service or verify your identity to unfreeze it.',
    status: 423,
  },
  SIGN_IN_DENIED: {
    code: 'sign_in_denied',
    message:
      'This sign-in was stopped to protect the account. We sent the owner a notice; contact customer service.',
    status: 403,
  },
  // Issue 5: the risk engine on a security change (docs/risk.md, "Security changes").
  RISK_SECOND_FACTOR_REQUIRED: {
    code: 'risk_second_factor_required',
    message:
      'This needs an extra check: verify again with an SMS code, your authenticator app, a backup code or a passkey (not the payment password), then retry.',
    status: 403,
  },
  SECURITY_CHANGE_DENIED: {
    code: 'security_change_denied',
    message:
      'This change was stopped to protect the account. We sent the owner a notice; contact customer service.',
    status: 403,
  },
  SECURITY_CHANGE_REVIEW: {
    code: 'security_change_review',
    message:
      'This change needs a check by our security team and was not made. Please contact customer service.',
    status: 403,
  },
  LINK_INVALID: { code: 'link_invalid', message: 'This link has expired or was already used.', status: 400 },
  SESSION_NOT_FOUND: { code: 'session_not_found', message: 'No such session.', status: 404 },
  DEVICE_NOT_FOUND: { code: 'device_not_found', message: 'No such device.', status: 404 },
});
