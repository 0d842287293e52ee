/**
 * Issues signed codes: a user's collect-money code (24 h) and a merchant's code (static, 1 year;
 * or per order with a fixed amount, 2 h). Each comes with an SVG rendering for a screen or print.
 */
import QRCode from 'qrcode';
import { COMMON_ERRORS, DomainError, type Money } from '../shared/index.ts';
import { QR_COLLECT_TTL_MS, QR_MERCHANT_ORDER_TTL_MS, QR_MERCHANT_STATIC_TTL_MS } from './constants.ts';
import type { QrContext } from './context.ts';
import { encodeQrCode, type QrKind } from './qr-code.ts';

export interface IssuedQrCode {
  readonly code: string;
  readonly svg: string;
  readonly kind: QrKind;
  readonly subjectId: string;
  readonly amount: Money | null;
  readonly issuedAt: Date;
  readonly expiresAt: Date;
}

async function issue(
  ctx: QrContext,
  input: { kind: QrKind; subjectId: string; amount: Money | null; ttlMs: number },
): Promise<IssuedQrCode> {
  // Whole seconds, as the code carries them, so what is shown is what is checked.
  const issuedAtMs = Math.floor(ctx.clock.nowMs() / 1000) * 1000;
  const expiresAtMs = issuedAtMs + input.ttlMs;
  const code = encodeQrCode(ctx.signingKey, {
    kind: input.kind,
    subjectId: input.subjectId,
    amount: input.amount,
    issuedAtMs,
    expiresAtMs,
  });
  // Level M (15% recovery): a phone screen or a printed sticker, not a damaged label.
  const svg = await QRCode.toString(code, { type: 'svg', errorCorrectionLevel: 'M', margin: 2 });
  return {
    code,
    svg,
    kind: input.kind,
    subjectId: input.subjectId,
    amount: input.amount,
    issuedAt: new Date(issuedAtMs),
    expiresAt: new Date(expiresAtMs),
  };
}

/** The signed-in user's collect-money code, optionally for a fixed amount. */
export async function issueCollectCode(
  ctx: QrContext,
  input: { userId: string; amount: Money | null },
): Promise<IssuedQrCode> {
  return issue(ctx, {
    kind: 'collect',
    subjectId: input.userId,
    amount: input.amount,
    ttlMs: QR_COLLECT_TTL_MS,
  });
}

/** A merchant's code: static (no amount, 1 year) or for one order (fixed amount, 2 h). */
export async function issueMerchantCode(
  ctx: QrContext,
  input: { merchantId: string; amount: Money | null },
): Promise<IssuedQrCode> {
  const merchant = await ctx.db
    .selectFrom('merchants')
    .select(['id', 'currency'])
    .where('id', '=', input.merchantId)
    .executeTakeFirst();
  if (!merchant) throw new DomainError(COMMON_ERRORS.NOT_FOUND);
  if (input.amount && input.amount.currency !== merchant.currency.trim()) {
    throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED, { expected: merchant.currency.trim() });
  }
  return issue(ctx, {
    kind: 'merchant',
    subjectId: merchant.id,
    amount: input.amount,
    ttlMs: input.amount ? QR_MERCHANT_ORDER_TTL_MS : QR_MERCHANT_STATIC_TTL_MS,
  });
}
