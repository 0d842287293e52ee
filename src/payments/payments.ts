/**
 * The payments module's public surface, built by `createPayments`; no module-level state.
 * docs/payments.md describes the design and the API.
 */
import type { Executor, Locale, Located } from '../identity/index.ts';
import type { Money } from '../shared/index.ts';
import { cancelPaymentIntent } from './cancel-payment-intent.ts';
import { confirmPaymentIntent } from './confirm-payment-intent.ts';
import type { PaymentChannel } from './constants.ts';
import type { PaymentsDeps } from './context.ts';
import { createPaymentIntent, type PayeeInput } from './create-payment-intent.ts';
import { getPasswordFree } from './get-password-free.ts';
import { getPaymentIntent } from './get-payment-intent.ts';
import { getPaymentLimits } from './get-payment-limits.ts';
import { expireAwaitingInTransaction, lockIntentsInTransaction } from './merchant-side.ts';
import {
  type HoldResolution,
  overdueReviews,
  type ResolvedHold,
  resolveHeldPayment,
} from './resolve-held-payment.ts';
import { sendPaymentCode } from './send-payment-code.ts';
import { setPasswordFree } from './set-password-free.ts';
import { setPaymentLimits } from './set-payment-limits.ts';
import { startPasskeyConfirmation } from './start-passkey-confirmation.ts';
export type Payments = ReturnType<typeof createPayments>;

export function createPayments(deps: PaymentsDeps) {
  const ctx = deps;
  return {
    /** Step one: resolve the payee, check, decide the confirmation; no money moves. */
    createIntent: (input: {
      payerId: string;
      payee: PayeeInput;
      amount: Money;
      channel: PaymentChannel;
      note: string | null;
      clientRequestId: string;
      origin: Located;
      /** One-tap pay: settle at once when the payment needs no confirmation (password-free). */
      payNow?: boolean | undefined;
    }) => createPaymentIntent(ctx, input),

    getIntent: (input: { payerId: string; intentId: string }) => getPaymentIntent(ctx, input),

    /** WebAuthn options bound to this intent's amount and payee. */
    passkeyOptions: (input: { payerId: string; intentId: string }) => startPasskeyConfirmation(ctx, input),

    /** Step two: check the confirmation, re-check limits, post one ledger transfer. Idempotent. */
    confirmIntent: (input: {
      payerId: string;
      intentId: string;
      paymentPassword?: string | undefined;
      passkey?: { ceremonyId: string; response: unknown } | undefined;
      /** The confirming session: the security lock accepts its fresh second-factor step-up. */
      sessionId?: string | undefined;
      warningAcknowledged?: boolean | undefined;
      smsCode?: string | undefined;
      origin: Located;
    }) => confirmPaymentIntent(ctx, input),

    /** The payer cancels an unconfirmed intent: terminal `cancelled`, its SMS code retired, the
     *  same answer when repeated; `intent_not_cancellable` once paid, held, declined or expired. */
    cancelIntent: (input: { payerId: string; intentId: string; origin: Located }) =>
      cancelPaymentIntent(ctx, input),

    /** Issue 5: the SMS code of a challenged payment. */
    sendPaymentCode: (input: { payerId: string; intentId: string; locale: Locale }) =>
      sendPaymentCode(ctx, input),

    /** Issue 5: an operator's decision on a held payment, or its deadline. */
    resolveHold: (input: {
      intentId: string;
      outcome: HoldResolution;
      actor: string;
      onResolved?: (trx: Executor, resolved: ResolvedHold) => Promise<void>;
    }) => resolveHeldPayment(ctx, input),

    /** The merchant side (src/gateway): intents of its orders, locked and expired in its transaction. */
    lockIntentsInTransaction: (trx: Executor, ids: readonly string[]) => lockIntentsInTransaction(trx, ids),
    expireAwaitingInTransaction: (trx: Executor, ids: readonly string[]) =>
      expireAwaitingInTransaction(trx, ids),

    /** Held payments past their review deadline (a bounded batch). */
    overdueReviews: () => overdueReviews(ctx),

    getLimits: (userId: string) => getPaymentLimits(ctx, userId),

    setLimits: (input: {
      userId: string;
      channel: PaymentChannel;
      perPayment: Money;
      perDay: Money;
      requireStepUp: () => Promise<void>;
      origin: Located;
    }) => setPaymentLimits(ctx, input),

    getPasswordFree: (userId: string) => getPasswordFree(ctx, userId),

    setPasswordFree: (input: {
      userId: string;
      enabled: boolean;
      perPaymentCap?: Money | undefined;
      dailyCap?: Money | undefined;
      requireStepUp: () => Promise<void>;
      origin: Located;
    }) => setPasswordFree(ctx, input),
  };
}
