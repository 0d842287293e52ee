/**
 * Agreements, family cards and authorised apps (docs/agreements.md). The user's side needs a
 * session; the merchant's side (request an agreement, debit it, read it) is behind the operator
 * token until the merchant open API (issue 6) calls the same module functions with a merchant's
 * own credentials. Thin: schemas in, use cases called, views out.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AGREEMENT_ERRORS,
  AGREEMENT_PURPOSE_LENGTH_MAX,
  type AgreementDebitView,
  type Agreements,
  type AgreementView,
  type AuthorisedAppView,
  type FamilyCardPaymentView,
  type FamilyCardView,
} from '../../agreements/index.ts';
import type { Identity, Located } from '../../identity/index.ts';
import { rejectionError } from '../../ledger/index.ts';
import {
  CLIENT_ID_PATTERN,
  DomainError,
  isCurrency,
  type Money,
  parseAmountMinor,
} from '../../shared/index.ts';
import { originOf, requireOperator, requireUser, sessionOf } from '../auth.ts';
import { amountInputSchema, errorSchema, money, moneySchema } from '../wire.ts';

const idParams = z.object({ id: z.string().min(1).max(64) }).strict();
const merchantParams = z.object({ merchantId: z.string().min(1).max(64) }).strict();
const merchantAgreementParams = z
  .object({ merchantId: z.string().min(1).max(64), id: z.string().min(1).max(64) })
  .strict();
const clientIdSchema = z.string().regex(CLIENT_ID_PATTERN, '1–64 letters, digits or _.:-');

const agreementSchema = z.object({
  id: z.string(),
  merchant: z.object({ id: z.string(), name: z.string() }),
  externalAgreementNo: z.string(),
  purpose: z.string(),
  perDebitCap: moneySchema,
  monthlyCap: moneySchema,
  usedThisMonth: moneySchema,
  status: z.enum(['pending', 'active', 'cancelled', 'suspended', 'expired']),
  createdAt: z.string(),
  requestExpiresAt: z.string(),
  signedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  suspendedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  reviewedAt: z.string().nullable(),
});

const debitSchema = z.object({
  id: z.string(),
  agreementId: z.string(),
  idempotencyKey: z.string(),
  amount: moneySchema,
  transferId: z.string(),
  createdAt: z.string(),
});

const familyCardSchema = z.object({
  id: z.string(),
  role: z.enum(['owner', 'member']),
  counterpart: z.object({ maskedName: z.string(), maskedPhone: z.string() }),
  monthlyCap: moneySchema,
  usedThisMonth: moneySchema,
  status: z.enum(['pending', 'active', 'cancelled', 'suspended']),
  createdAt: z.string(),
  acceptedAt: z.string().nullable(),
  cancelledAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
});

const familyPaymentSchema = z.object({
  id: z.string(),
  cardId: z.string(),
  merchant: z.object({ id: z.string(), name: z.string() }),
  amount: moneySchema,
  transferId: z.string(),
  status: z
    .enum(['succeeded', 'in_review', 'declined'])
    .describe('in_review: held for a risk review until reviewDeadlineAt; declined: given back after review'),
  reviewDeadlineAt: z.string().nullable(),
  createdAt: z.string(),
});

const appSchema = z.object({
  id: z.string(),
  appId: z.string(),
  appName: z.string(),
  merchant: z.object({ id: z.string(), name: z.string() }),
  scopes: z.array(z.string()),
  grantedAt: z.string(),
  lastUsedAt: z.string().nullable(),
});

const iso = (d: Date | null) => d?.toISOString() ?? null;

function agreementToWire(v: AgreementView): z.infer<typeof agreementSchema> {
  return {
    ...v,
    perDebitCap: money(v.perDebitCap.amountMinor, v.perDebitCap.currency),
    monthlyCap: money(v.monthlyCap.amountMinor, v.monthlyCap.currency),
    usedThisMonth: money(v.usedThisMonth.amountMinor, v.usedThisMonth.currency),
    createdAt: v.createdAt.toISOString(),
    requestExpiresAt: v.requestExpiresAt.toISOString(),
    signedAt: iso(v.signedAt),
    cancelledAt: iso(v.cancelledAt),
    suspendedAt: iso(v.suspendedAt),
    lastUsedAt: iso(v.lastUsedAt),
    reviewedAt: iso(v.reviewedAt),
  };
}

function debitToWire(v: AgreementDebitView): z.infer<typeof debitSchema> {
  return {
    ...v,
    amount: money(v.amount.amountMinor, v.amount.currency),
    createdAt: v.createdAt.toISOString(),
  };
}

function cardToWire(v: FamilyCardView): z.infer<typeof familyCardSchema> {
  return {
    ...v,
    monthlyCap: money(v.monthlyCap.amountMinor, v.monthlyCap.currency),
    usedThisMonth: money(v.usedThisMonth.amountMinor, v.usedThisMonth.currency),
    createdAt: v.createdAt.toISOString(),
    acceptedAt: iso(v.acceptedAt),
    cancelledAt: iso(v.cancelledAt),
    lastUsedAt: iso(v.lastUsedAt),
  };
}

function familyPaymentToWire(v: FamilyCardPaymentView): z.infer<typeof familyPaymentSchema> {
  return {
    ...v,
    amount: money(v.amount.amountMinor, v.amount.currency),
    reviewDeadlineAt: iso(v.reviewDeadlineAt),
    createdAt: v.createdAt.toISOString(),
  };
}

function appToWire(v: AuthorisedAppView): z.infer<typeof appSchema> {
  return { ...v, scopes: [...v.scopes], grantedAt: v.grantedAt.toISOString(), lastUsedAt: iso(v.lastUsedAt) };
}

function parseMoney(input: z.infer<typeof amountInputSchema>): Money {
  const { currency } = input;
  if (!isCurrency(currency)) throw new DomainError(rejectionError('invalid_currency'));
  const amount = parseAmountMinor(input.amountMinor);
  if (!amount.ok)
    throw new DomainError(AGREEMENT_ERRORS.INVALID_AMOUNT, undefined, `The amount ${amount.reason}.`);
  return { amountMinor: amount.value, currency };
}

const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  410: errorSchema,
  422: errorSchema,
  423: errorSchema,
  429: errorSchema,
  503: errorSchema,
};

export const agreementRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  agreements: Agreements;
  operatorToken: string | undefined;
}> = async (app, { identity, agreements, operatorToken }) => {
  const user = requireUser(identity);
  const operator = requireOperator(operatorToken);
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const userId = (request: FastifyRequest) => sessionOf(request).user.id;

  // ── Agreements: the user's side ───────────────────────────────────────────────────────────
  const tags = ['agreements'];
  app.get(
    '/api/v1/me/agreements',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your auto-debit agreements: merchant, purpose, caps, use this month, last use',
        response: { 200: z.object({ agreements: z.array(agreementSchema) }), 401: errorSchema },
      },
    },
    async (request) => ({
      agreements: (await agreements.listAgreements(userId(request))).map(agreementToWire),
    }),
  );

  app.get(
    '/api/v1/me/agreements/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'One of your agreements, with its latest debits',
        params: idParams,
        response: {
          200: z.object({ agreement: agreementSchema, debits: z.array(debitSchema) }),
          ...errorResponses,
        },
      },
    },
    async (request) => {
      const input = { userId: userId(request), agreementId: request.params.id };
      const agreement = await agreements.getAgreement(input);
      const debits = await agreements.listAgreementDebits(input);
      return { agreement: agreementToWire(agreement), debits: debits.map(debitToWire) };
    },
  );

  app.post(
    '/api/v1/me/agreements/:id/confirm',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Sign a pending agreement with the payment password',
        params: idParams,
        body: z.object({ paymentPassword: z.string().min(1).max(64) }).strict(),
        response: { 200: agreementSchema, ...errorResponses },
      },
    },
    async (request) =>
      agreementToWire(
        await agreements.confirmAgreement({
          userId: userId(request),
          agreementId: request.params.id,
          paymentPassword: request.body.paymentPassword,
          origin: located(request),
        }),
      ),
  );

  app.post(
    '/api/v1/me/agreements/:id/cancel',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Cancel an agreement (or decline a request) in one step; it can never debit again',
        params: idParams,
        response: { 200: agreementSchema, ...errorResponses },
      },
    },
    async (request) =>
      agreementToWire(
        await agreements.cancelAgreement({ userId: userId(request), agreementId: request.params.id }),
      ),
  );

  app.post(
    '/api/v1/me/agreements/:id/review',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Mark an agreement reviewed (kept on purpose)',
        params: idParams,
        response: { 200: agreementSchema, ...errorResponses },
      },
    },
    async (request) =>
      agreementToWire(
        await agreements.markAgreementReviewed({ userId: userId(request), agreementId: request.params.id }),
      ),
  );

  // ── Agreements: the merchant's side (operator token until the open API) ──────────────────
  app.post(
    '/api/v1/merchants/:merchantId/agreements',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Ask a user to sign an agreement (merchant side; pending until the user signs)',
        params: merchantParams,
        body: z
          .object({
            userId: z.string().min(1).max(64),
            purpose: z.string().min(1).max(AGREEMENT_PURPOSE_LENGTH_MAX),
            perDebitCap: amountInputSchema,
            monthlyCap: amountInputSchema,
            externalAgreementNo: clientIdSchema,
          })
          .strict(),
        response: { 200: agreementSchema, 201: agreementSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const perDebitCap = parseMoney(body.perDebitCap);
      const monthlyCap = parseMoney(body.monthlyCap);
      if (perDebitCap.currency !== monthlyCap.currency)
        throw new DomainError(AGREEMENT_ERRORS.CURRENCY_MISMATCH);
      const { agreement, created } = await agreements.requestAgreement({
        merchantId: request.params.merchantId,
        userId: body.userId,
        purpose: body.purpose,
        perDebitCapMinor: perDebitCap.amountMinor,
        monthlyCapMinor: monthlyCap.amountMinor,
        currency: perDebitCap.currency,
        externalAgreementNo: body.externalAgreementNo,
      });
      return reply.status(created ? 201 : 200).send(agreementToWire(agreement));
    },
  );

  app.get(
    '/api/v1/merchants/:merchantId/agreements/:id',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: "A merchant's agreement (merchant side)",
        params: merchantAgreementParams,
        response: { 200: agreementSchema, ...errorResponses },
      },
    },
    async (request) =>
      agreementToWire(
        await agreements.getMerchantAgreement({
          merchantId: request.params.merchantId,
          agreementId: request.params.id,
        }),
      ),
  );

  app.post(
    '/api/v1/merchants/:merchantId/agreements/:id/debits',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: "Debit the user's wallet within the agreement's caps (merchant side; idempotent)",
        params: merchantAgreementParams,
        body: z.object({ amount: amountInputSchema, idempotencyKey: clientIdSchema }).strict(),
        response: { 200: debitSchema, 201: debitSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { debit, created } = await agreements.debit({
        agreementId: request.params.id,
        merchantId: request.params.merchantId,
        amount: parseMoney(request.body.amount),
        idempotencyKey: request.body.idempotencyKey,
        ip: request.ip,
      });
      return reply.status(created ? 201 : 200).send(debitToWire(debit));
    },
  );

  // ── Family cards ──────────────────────────────────────────────────────────────────────────
  const familyTags = ['family cards'];
  app.get(
    '/api/v1/me/family-cards',
    {
      preHandler: user,
      schema: {
        tags: familyTags,
        summary: 'Family cards you gave and cards you hold',
        response: { 200: z.object({ cards: z.array(familyCardSchema) }), 401: errorSchema },
      },
    },
    async (request) => ({ cards: (await agreements.listFamilyCards(userId(request))).map(cardToWire) }),
  );

  app.post(
    '/api/v1/me/family-cards',
    {
      preHandler: user,
      schema: {
        tags: familyTags,
        summary: 'Give a family member a card on your wallet, up to a monthly cap (payment password)',
        body: z
          .object({
            memberPhone: z.string().min(1).max(32),
            monthlyCap: amountInputSchema,
            paymentPassword: z.string().min(1).max(64),
          })
          .strict(),
        response: { 201: familyCardSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const card = await agreements.offerFamilyCard({
        ownerId: userId(request),
        memberPhone: request.body.memberPhone,
        monthlyCap: parseMoney(request.body.monthlyCap),
        paymentPassword: request.body.paymentPassword,
        origin: located(request),
      });
      return reply.status(201).send(cardToWire(card));
    },
  );

  app.post(
    '/api/v1/me/family-cards/:id/accept',
    {
      preHandler: user,
      schema: {
        tags: familyTags,
        summary: 'Accept a family card given to you',
        params: idParams,
        response: { 200: familyCardSchema, ...errorResponses },
      },
    },
    async (request) =>
      cardToWire(await agreements.acceptFamilyCard({ memberId: userId(request), cardId: request.params.id })),
  );

  app.post(
    '/api/v1/me/family-cards/:id/cancel',
    {
      preHandler: user,
      schema: {
        tags: familyTags,
        summary: 'Cancel a family card (owner or member) in one step; it can never pay again',
        params: idParams,
        response: { 200: familyCardSchema, ...errorResponses },
      },
    },
    async (request) =>
      cardToWire(await agreements.cancelFamilyCard({ userId: userId(request), cardId: request.params.id })),
  );

  app.get(
    '/api/v1/me/family-cards/:id/payments',
    {
      preHandler: user,
      schema: {
        tags: familyTags,
        summary: 'Every use of a family card (owner and member)',
        params: idParams,
        response: { 200: z.object({ payments: z.array(familyPaymentSchema) }), ...errorResponses },
      },
    },
    async (request) => ({
      payments: (
        await agreements.listFamilyCardPayments({ userId: userId(request), cardId: request.params.id })
      ).map(familyPaymentToWire),
    }),
  );

  app.post(
    '/api/v1/me/family-cards/:id/payments',
    {
      preHandler: user,
      schema: {
        tags: familyTags,
        summary: "Pay a merchant with a family card: the owner's money, your payment password",
        description:
          "The risk engine scores it with the owner as payer. 403 risk_second_factor_required: step up with a second factor (POST /api/v1/me/step-up: SMS, authenticator, backup code or passkey) and send the same body again (same clientRequestId, so it can only be this payment). A payment held for review answers status in_review (the owner's money held until reviewDeadlineAt). 403 payment_declined: refused.",
        params: idParams,
        body: z
          .object({
            merchantId: z.string().min(1).max(64),
            amount: amountInputSchema,
            paymentPassword: z.string().min(1).max(64),
            clientRequestId: clientIdSchema,
          })
          .strict(),
        response: { 200: familyPaymentSchema, 201: familyPaymentSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { payment, created } = await agreements.payWithFamilyCard({
        memberId: userId(request),
        cardId: request.params.id,
        merchantId: request.body.merchantId,
        amount: parseMoney(request.body.amount),
        paymentPassword: request.body.paymentPassword,
        clientRequestId: request.body.clientRequestId,
        sessionId: sessionOf(request).sessionId,
        origin: located(request),
      });
      return reply.status(created ? 201 : 200).send(familyPaymentToWire(payment));
    },
  );

  // ── Authorised apps ───────────────────────────────────────────────────────────────────────
  app.get(
    '/api/v1/me/authorised-apps',
    {
      preHandler: user,
      schema: {
        tags: ['authorised apps'],
        summary: 'Merchant apps you let read your data',
        response: { 200: z.object({ apps: z.array(appSchema) }), 401: errorSchema },
      },
    },
    async (request) => ({ apps: (await agreements.listApps(userId(request))).map(appToWire) }),
  );

  app.delete(
    '/api/v1/me/authorised-apps/:id',
    {
      preHandler: user,
      schema: {
        tags: ['authorised apps'],
        summary: "Revoke an app's access in one step",
        params: idParams,
        response: { 204: z.null(), 401: errorSchema, 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      await agreements.revokeApp({ userId: userId(request), id: request.params.id });
      return reply.status(204).send(null);
    },
  );
};
