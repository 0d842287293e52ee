/**
 * Lists the server and the web app both read (the server records and serves them, the web app
 * names each one in both languages and its test checks that every one has a name). Data only:
 * this folder imports nothing, so the web app reading it imports no server code
 * (ARCHITECTURE.md). A TypeScript module rather than JSON so the server keeps the literal types.
 */

/** Every kind of security event (src/identity/security-events.ts records them). */
export const SECURITY_EVENT_TYPES = [
  'sign_up',
  'sign_in',
  'sign_in_failed',
  'sign_in_challenged',
  'second_factor_failed',
  'sign_out',
  'session_ended',
  'login_locked',
  'login_unlocked',
  'payment_password_failed',
  'payment_locked',
  'payment_unlocked',
  'password_changed',
  'payment_password_changed',
  'phone_changed',
  'email_changed',
  'totp_enabled',
  'totp_disabled',
  'backup_codes_generated',
  'backup_code_used',
  'passkey_added',
  'passkey_removed',
  'device_renamed',
  'device_removed',
  'step_up',
  'identity_check_failed',
  'account_frozen',
  'not_me_reported',
  'account_unfrozen',
  'password_reset',
  'payment_password_reset',
  'security_change_refused',
] as const;
