export {
  QR_CODE_LENGTH_MAX,
  QR_CODE_PREFIX,
  QR_COLLECT_TTL_MS,
  QR_MERCHANT_ORDER_TTL_MS,
  QR_MERCHANT_STATIC_TTL_MS,
} from './constants.ts';
export type { QrDeps } from './context.ts';
export { QR_ERRORS } from './errors.ts';
export type { IssuedQrCode } from './issue-qr-code.ts';
export { settleQrAmount } from './pay-by-qr-code.ts';
export { createQr, type Qr } from './qr.ts';
export { decodeQrCode, deriveQrSigningKey, encodeQrCode, type QrKind, type QrPayload } from './qr-code.ts';
export type { QrPayee } from './resolve-qr-code.ts';
