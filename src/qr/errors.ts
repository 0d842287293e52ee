/** Error codes of QR codes. Payments' codes (limits, payee, currency) pass through unchanged. */
import { defineErrors } from '../shared/index.ts';

export const QR_ERRORS = defineErrors({
  QR_INVALID: {
    code: 'qr_invalid',
    message: 'This is not a valid Rampart payment code.',
    status: 400,
  },
  QR_EXPIRED: {
    code: 'qr_expired',
    message: 'This payment code has expired; ask for a new one.',
    status: 410,
  },
  QR_AMOUNT_MISMATCH: {
    code: 'qr_amount_mismatch',
    message: 'This code asks for a fixed amount; pay exactly that amount.',
    status: 422,
  },
  QR_AMOUNT_REQUIRED: {
    code: 'qr_amount_required',
    message: 'This code has no fixed amount; say how much to pay.',
    status: 400,
  },
});
