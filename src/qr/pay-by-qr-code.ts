/**
 * Pays a scanned code: verifies it, settles the amount (the code's fixed amount, or the payer's),
 * and creates an ordinary payment intent through payments, so confirmation, limits, the risk hook
 * and password-free rules all apply. The payer then confirms the intent as any other.
 */
import type { Located } from '../identity/index.ts';
import type { PaymentChannel } from '../payments/index.ts';
import { DomainError, type Money } from '../shared/index.ts';
import type { QrContext } from './context.ts';
import { QR_ERRORS } from './errors.ts';
import { resolveQrCode, verifyQrCode } from './resolve-qr-code.ts';

export interface PayByQrCodeInput {
  readonly payerId: string;
  readonly code: string;
  /** Required when the code has no fixed amount; else, if given, must equal it. */
  readonly amount: Money | undefined;
  readonly channel: PaymentChannel;
  readonly clientRequestId: string;
  readonly origin: Located;
}

/** The amount to pay, or a coded error: pure. */
export function settleQrAmount(fixed: Money | null, typed: Money | undefined): Money {
  if (fixed) {
    if (typed && (typed.amountMinor !== fixed.amountMinor || typed.currency !== fixed.currency)) {
      throw new DomainError(QR_ERRORS.QR_AMOUNT_MISMATCH);
    }
    return fixed;
  }
  if (!typed) throw new DomainError(QR_ERRORS.QR_AMOUNT_REQUIRED);
  return typed;
}

export async function payByQrCode(ctx: QrContext, input: PayByQrCodeInput) {
  const payload = verifyQrCode(ctx, input.code);
  if (payload.kind === 'order' && ctx.orders) {
    // A merchant order: the gateway makes the intent and ties it to the trade.
    settleQrAmount(payload.amount, input.amount);
    return ctx.orders.pay({
      payerId: input.payerId,
      tradeNo: payload.subjectId,
      channel: input.channel,
      clientRequestId: input.clientRequestId,
      origin: input.origin,
    });
  }
  const resolved = await resolveQrCode(ctx, input.code);
  const amount = settleQrAmount(resolved.amount, input.amount);
  return ctx.payments.createIntent({
    payerId: input.payerId,
    payee: resolved.payeeInput,
    amount,
    channel: input.channel,
    note: null,
    clientRequestId: input.clientRequestId,
    origin: input.origin,
  });
}
