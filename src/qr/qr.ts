/**
 * The QR module's public surface, built by `createQr`; no module-level state. docs/qr.md.
 */
import type { Money } from '../shared/index.ts';
import type { QrDeps } from './context.ts';
import { issueCollectCode, issueMerchantCode } from './issue-qr-code.ts';
import { type PayByQrCodeInput, payByQrCode } from './pay-by-qr-code.ts';
import { resolveQrCode } from './resolve-qr-code.ts';

export type Qr = ReturnType<typeof createQr>;

export function createQr(deps: QrDeps) {
  const ctx = deps;
  return {
    /** The user's collect-money code (24 h), optionally for a fixed amount. */
    collectCode: (input: { userId: string; amount: Money | null }) => issueCollectCode(ctx, input),
    /** A merchant's code: static (1 year) or, with an amount, for one order (2 h). */
    merchantCode: (input: { merchantId: string; amount: Money | null }) => issueMerchantCode(ctx, input),
    /** Who a code pays and how much; refuses forged, changed or expired codes. */
    resolve: async (code: string) => {
      const { codeKind, payee, amount, expiresAt } = await resolveQrCode(ctx, code);
      return { codeKind, payee, amount, expiresAt };
    },
    /** Creates a payment intent for the code's payee; confirm it like any intent. */
    pay: (input: PayByQrCodeInput) => payByQrCode(ctx, input),
  };
}
