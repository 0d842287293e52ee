/**
 * Reads a scanned code and says who will be paid: a merchant's verified name, or a person's
 * masked name (e.g. `*明`), and the fixed amount if any. A forged, changed, malformed,
 * unknown-version or expired code is refused and nothing else happens.
 */
import { maskName, PAYMENT_ERRORS } from '../payments/index.ts';
import { DomainError, type Money } from '../shared/index.ts';
import { MERCHANT_NEW_MS } from './constants.ts';
import type { QrContext } from './context.ts';
import { QR_ERRORS } from './errors.ts';
import { decodeQrCode, type QrPayload } from './qr-code.ts';

export type QrPayee =
  | {
      readonly kind: 'merchant';
      readonly merchantId: string;
      readonly name: string;
      /** Issue 9: an operator checked the name; an unverified merchant gets a warning. */
      readonly verified: boolean;
      /** Registered less than MERCHANT_NEW_MS ago: the payer is told so. */
      readonly isNew: boolean;
    }
  | { readonly kind: 'user'; readonly maskedName: string };

export interface ResolvedQrCode {
  /**
   * What the code is: a merchant's own code, a person's collect code, or one merchant order (the
   * open API's precreate). A family card pays merchant codes only: paying an order moves its
   * trade, which only the payment-intent path does (docs/agreements.md).
   */
  readonly codeKind: QrPayload['kind'];
  readonly payee: QrPayee;
  readonly amount: Money | null;
  readonly expiresAt: Date;
  /** Internal: how payments names this payee. Never sent to the client (a phone number). */
  readonly payeeInput: { readonly phone: string } | { readonly merchantId: string };
}

/** The payload of a valid, unexpired code, or a coded error. */
export function verifyQrCode(ctx: QrContext, code: string): QrPayload {
  const decoded = decodeQrCode(ctx.signingKey, code, ctx.clock.nowMs());
  if (!decoded.ok) {
    throw new DomainError(decoded.reason === 'qr_expired' ? QR_ERRORS.QR_EXPIRED : QR_ERRORS.QR_INVALID);
  }
  return decoded.payload;
}

export async function resolveQrCode(ctx: QrContext, code: string): Promise<ResolvedQrCode> {
  const payload = verifyQrCode(ctx, code);
  const expiresAt = new Date(payload.expiresAtMs);
  if (payload.kind === 'order') {
    if (!ctx.orders) throw new DomainError(QR_ERRORS.QR_INVALID);
    const order = await ctx.orders.describe(payload.subjectId);
    const merchant = await ctx.db
      .selectFrom('merchants')
      .select(['verified_at', 'created_at'])
      .where('id', '=', order.merchantId)
      .executeTakeFirst();
    return {
      codeKind: 'order',
      payee: {
        kind: 'merchant',
        merchantId: order.merchantId,
        name: order.merchantName,
        verified: Boolean(merchant?.verified_at),
        isNew: merchant ? ctx.clock.nowMs() - merchant.created_at.getTime() < MERCHANT_NEW_MS : true,
      },
      amount: order.amount,
      expiresAt: order.expiresAt < expiresAt ? order.expiresAt : expiresAt,
      payeeInput: { merchantId: order.merchantId },
    };
  }
  if (payload.kind === 'merchant') {
    const merchant = await ctx.db
      .selectFrom('merchants')
      .select(['id', 'name', 'verified_at', 'created_at'])
      .where('id', '=', payload.subjectId)
      .executeTakeFirst();
    if (!merchant) throw new DomainError(PAYMENT_ERRORS.PAYEE_NOT_FOUND);
    return {
      codeKind: 'merchant',
      payee: {
        kind: 'merchant',
        merchantId: merchant.id,
        name: merchant.name,
        verified: merchant.verified_at !== null,
        isNew: ctx.clock.nowMs() - merchant.created_at.getTime() < MERCHANT_NEW_MS,
      },
      amount: payload.amount,
      expiresAt,
      payeeInput: { merchantId: merchant.id },
    };
  }
  const user = await ctx.db
    .selectFrom('users')
    .select(['display_name', 'phone_e164'])
    .where('id', '=', payload.subjectId)
    .executeTakeFirst();
  if (!user) throw new DomainError(PAYMENT_ERRORS.PAYEE_NOT_FOUND);
  return {
    codeKind: 'collect',
    payee: { kind: 'user', maskedName: maskName(user.display_name) },
    amount: payload.amount,
    expiresAt,
    payeeInput: { phone: user.phone_e164 },
  };
}
