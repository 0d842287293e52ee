/**
 * Agreements, family cards and authorised apps (issue 4 point 9), built by `createAgreements`;
 * no module-level state. docs/agreements.md describes the design and the API.
 */
import type { Executor, Located } from '../identity/index.ts';
import type { HoldResolution } from '../payments/index.ts';
import type { Money } from '../shared/index.ts';
import {
  cancelAgreement,
  cancelMerchantAgreement,
  confirmAgreement,
  type DebitInput,
  debitAgreement,
  getAgreement,
  getMerchantAgreement,
  getMerchantDebit,
  listAgreementDebits,
  listAgreements,
  markAgreementReviewed,
  type RequestAgreementInput,
  requestAgreement,
  suspendAllAgreements,
} from './agreements.ts';
import { grantApp, listApps, revokeApp, touchApp } from './authorised-apps.ts';
import type { AppScope } from './constants.ts';
import type { AgreementsDeps } from './context.ts';
import {
  overdueFamilyCardReviews,
  type ResolvedFamilyCardHold,
  resolveFamilyCardReview,
} from './family-card-review.ts';
import {
  acceptFamilyCard,
  cancelFamilyCard,
  listFamilyCardPayments,
  listFamilyCards,
  offerFamilyCard,
  type PayWithFamilyCardInput,
  payWithFamilyCard,
  suspendAllFamilyCards,
} from './family-cards.ts';

export type Agreements = ReturnType<typeof createAgreements>;

export function createAgreements(deps: AgreementsDeps) {
  const ctx = deps;
  return {
    // Auto-debit agreements. The merchant side (request, debit, query, unsign) is for the open API.
    requestAgreement: (input: RequestAgreementInput) => requestAgreement(ctx, input),
    debit: (input: DebitInput) => debitAgreement(ctx, input),
    getMerchantAgreement: (input: {
      merchantId: string;
      agreementId?: string | undefined;
      externalAgreementNo?: string | undefined;
    }) => getMerchantAgreement(ctx, input),
    cancelByMerchant: (input: { merchantId: string; agreementId: string }) =>
      cancelMerchantAgreement(ctx, input),
    getMerchantDebit: (input: { merchantId: string; agreementId: string; idempotencyKey: string }) =>
      getMerchantDebit(ctx, input),
    // The user's side.
    getAgreement: (input: { userId: string; agreementId: string }) => getAgreement(ctx, input),
    listAgreements: (userId: string) => listAgreements(ctx, userId),
    listAgreementDebits: (input: { userId: string; agreementId: string }) => listAgreementDebits(ctx, input),
    confirmAgreement: (input: {
      userId: string;
      agreementId: string;
      paymentPassword: string;
      origin: Located;
    }) => confirmAgreement(ctx, input),
    cancelAgreement: (input: { userId: string; agreementId: string; ip?: string | undefined }) =>
      cancelAgreement(ctx, input),
    markAgreementReviewed: (input: { userId: string; agreementId: string }) =>
      markAgreementReviewed(ctx, input),

    // Family cards.
    offerFamilyCard: (input: {
      ownerId: string;
      memberPhone: string;
      monthlyCap: Money;
      paymentPassword: string;
      origin: Located;
    }) => offerFamilyCard(ctx, input),
    acceptFamilyCard: (input: { memberId: string; cardId: string }) => acceptFamilyCard(ctx, input),
    cancelFamilyCard: (input: { userId: string; cardId: string }) => cancelFamilyCard(ctx, input),
    listFamilyCards: (userId: string) => listFamilyCards(ctx, userId),
    listFamilyCardPayments: (input: { userId: string; cardId: string }) => listFamilyCardPayments(ctx, input),
    payWithFamilyCard: (input: PayWithFamilyCardInput) => payWithFamilyCard(ctx, input),
    /** Issue 5: an operator's decision on a held family-card payment, or its deadline (the case
     *  queue calls these; `onResolved` runs in the resolution's transaction). */
    resolveFamilyCardReview: (input: {
      paymentId: string;
      outcome: HoldResolution;
      actor: string;
      onResolved?: (trx: Executor, resolved: ResolvedFamilyCardHold) => Promise<void>;
    }) => resolveFamilyCardReview(ctx, input),
    overdueFamilyCardReviews: () => overdueFamilyCardReviews(ctx),

    // Authorised apps.
    listApps: (userId: string) => listApps(ctx, userId),
    grantApp: (input: {
      userId: string;
      merchantId: string;
      appId: string;
      appName: string;
      scopes: readonly AppScope[];
    }) => grantApp(ctx, input),
    touchApp: (input: { userId: string; appId: string; scope: AppScope }) => touchApp(ctx, input),
    revokeApp: (input: { userId: string; id: string }) => revokeApp(ctx, input),

    /** Stolen-account flow: agreements and family cards (given and held) of the user stop. */
    suspendAll: async (userId: string) => ({
      agreements: await suspendAllAgreements(ctx, userId),
      familyCards: await suspendAllFamilyCards(ctx, userId),
    }),
  };
}
