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
});
