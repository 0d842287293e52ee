/**
 * The gateway module's public surface, built by `createGateway`; no module-level state.
 * docs/gateway.md describes the design.
 */
import type { Located } from '../identity/index.ts';
import type { PaymentChannel } from '../payments/index.ts';
import { agreementSignReturnUrl, claimAgreementSign } from './agreement-api.ts';
import {
  approveMerchant,
  createApp,
  createSigningKeys,
  getMerchant,
  listPlatformKeys,
  onboardMerchant,
  requireApp,
  rotatePlatformKey,
  updateApp,
  verifyConsoleToken,
} from './apps.ts';
import { type BillType, buildBill, downloadBill } from './bills.ts';
import { cashierReturnUrl, openCashier, PAGE_METHODS } from './cashier.ts';
import { createConsole } from './console.ts';
import type { GatewayContext, GatewayDeps } from './context.ts';
import { finishDueTrades } from './finish-trades.ts';
import { deliverDueNotifications, resendNotification } from './notifications.ts';
import { runDue } from './run-due.ts';
import { settleAttempt } from './settle.ts';
import { handleV2 } from './v2.ts';
import { handleV3, type V3Request } from './v3.ts';
import {
  confirmOrderPayment,
  describeOrder,
  describeOrderFor,
  issuePayCode,
  payOrder,
  pendingBarcodePayments,
} from './wallet-pay.ts';

export type Gateway = ReturnType<typeof createGateway>;

export function createGateway(deps: GatewayDeps) {
  let fees: Promise<string> | undefined;
  const base = {
    ...deps,
    feesAccountId: () => {
      if (!fees) {
        fees = deps.ledger.systemAccount('fees', 'CNY').then((a) => a.id);
        fees.catch(() => {
          fees = undefined;
        });
      }
      return fees;
    },
  };
  // createSigningKeys reads only db, clock and the sealing key.
  const signingKeyOf = createSigningKeys({ ...base, signingKeyOf: async () => '', committed: () => {} });
  // Deliver-on-commit: one delivery pass at a time; a commit during a pass asks for another.
  let delivering = false;
  let again = false;
  const committed = () => {
    if (!deps.deliverOnCommit) return;
    if (delivering) {
      again = true;
      return;
    }
    delivering = true;
    void (async () => {
      // Bounded: passes are asked for by commits; runDue remains the guarantee.
      for (let pass = 0; pass < 10; pass++) {
        again = false;
        await deliverDueNotifications(ctx, signingKeyOf, deps.clock.nowMs()).catch(() => undefined);
        if (!again) break;
      }
      delivering = false;
    })();
  };
  const ctx: GatewayContext = { ...base, signingKeyOf, committed };
  return {
    /**
     * payments' MerchantPaymentListener: a committed merchant payment that pays a trade settles it
     * (and its notification goes out) now, not at the next runDue tick. Background work; runDue
     * remains the durable path. Only when deliverOnCommit is on (tests step a manual clock).
     */
    merchantPaymentListener: {
      committed: ({ intentId }: { intentId: string; merchantId: string }) => {
        if (!deps.deliverOnCommit) return;
        void settleAttempt(ctx, intentId).catch(() => undefined);
      },
    },
    /** POST/GET /gateway.do: raw parameters → the signed answer text. */
    handleV2: (input: { params: Readonly<Record<string, unknown>>; clientIp: string }) =>
      handleV2(ctx, input),
    /** page.pay / wap.pay: the methods served as the cashier page rather than JSON. */
    isPageMethod: (method: unknown) => typeof method === 'string' && PAGE_METHODS.includes(method),
    openCashier: (input: { params: Readonly<Record<string, unknown>>; clientIp: string }) =>
      openCashier(ctx, input),
    cashierReturnUrl: (input: { tradeNo: string; userId: string }) => cashierReturnUrl(ctx, input),
    /** /v3/alipay/…: the raw request → status, signature headers, body. */
    handleV3: (request: V3Request) => handleV3(ctx, request),
    /** Timeouts, settlement of confirmed intents, notifications; safe from several processes. */
    runDue: (nowMs: number) => runDue(ctx, nowMs),
    /** Paid trades past the refundable period → TRADE_FINISHED (the `gateway.finish-trades` job). */
    finishDue: (nowMs: number) => finishDueTrades(ctx, nowMs),
    /** Delivers due notifications only (tests, the console's resend). */
    deliverNotifications: (nowMs: number) => deliverDueNotifications(ctx, ctx.signingKeyOf, nowMs),

    onboardMerchant: (input: {
      merchantId: string;
      name: string;
      contactEmail: string | null;
      feeRateBp: number | undefined;
    }) => onboardMerchant(ctx, input),
    approveMerchant: (merchantId: string) => approveMerchant(ctx, merchantId),
    getMerchant: (merchantId: string) => getMerchant(ctx, merchantId),
    createApp: (input: {
      merchantId: string;
      name: string;
      merchantPublicKey: string;
      ipAllowList: readonly string[];
      appId?: string;
    }) => createApp(ctx, input),
    getApp: (appId: string) => requireApp(ctx, appId),
    updateApp: (input: {
      appId: string;
      merchantPublicKey?: string | undefined;
      ipAllowList?: readonly string[] | undefined;
      status?: 'active' | 'disabled' | undefined;
    }) => updateApp(ctx, input),
    platformKeys: (appId: string) => listPlatformKeys(ctx, appId),
    rotatePlatformKey: (input: { appId: string; overlapMs: number }) => rotatePlatformKey(ctx, input),

    /** Wallet: what an order QR code pays, and paying it through a payment intent. */
    describeOrder: (tradeNo: string) => describeOrder(ctx, tradeNo),
    describeOrderFor: (input: { tradeNo: string; viewerId: string }) => describeOrderFor(ctx, input),
    payOrder: (input: {
      payerId: string;
      tradeNo: string;
      channel: PaymentChannel;
      clientRequestId: string;
      origin: Located;
    }) => payOrder(ctx, input),
    confirmOrderPayment: (input: {
      payerId: string;
      intentId: string;
      paymentPassword?: string | undefined;
      origin: Located;
    }) => confirmOrderPayment(ctx, input),
    issuePayCode: (userId: string) => issuePayCode(ctx, userId),
    /** The signing page: an alipay.user.agreement.page.sign request becomes this user's agreement. */
    claimAgreementSign: (input: { signId: string; userId: string }) => claimAgreementSign(ctx, input),
    agreementSignReturnUrl: (input: { signId: string; userId: string }) => agreementSignReturnUrl(ctx, input),
    pendingBarcodePayments: (userId: string) => pendingBarcodePayments(ctx, userId),

    /** Bills. */
    downloadBill: (query: {
      app_id: string;
      bill_type: BillType;
      bill_date: string;
      expires: string;
      sig: string;
    }) => downloadBill(ctx, query),
    buildBill: (input: { appId: string; billType: BillType; billDate: string }) => buildBill(ctx, input),

    /** Merchant console (sign-in by app id + console token). */
    verifyConsoleToken: (input: { appId: string; token: string }) => verifyConsoleToken(ctx, input),
    /** One notification's delivery now (after a resend). */
    deliverNotification: (notificationId: string) =>
      deliverDueNotifications(ctx, ctx.signingKeyOf, deps.clock.nowMs(), notificationId),
    resendNotification: (input: { appId: string; notificationId: string }) => resendNotification(ctx, input),
    console: createConsole(ctx),
  };
}
