/**
 * Funding sources (docs/funding.md): link, list and remove bank cards (shown masked), top up the
 * wallet from a card and withdraw to one. Thin: schemas in, use cases called, views out. The card
 * number is in one request body only and never in a response or a log line (app.ts redacts it).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  type CardView,
  FUNDING_ERRORS,
  type Funding,
  type FundingOperationView,
} from '../../funding/index.ts';
import type { Identity, Located } from '../../identity/index.ts';
import { rejectionError } from '../../ledger/index.ts';
import {
  CLIENT_ID_PATTERN,
  DomainError,
  isCurrency,
  type Money,
  parseAmountMinor,
} from '../../shared/index.ts';
import { originOf, requireUser, sessionOf } from '../auth.ts';
import { amountInputSchema, errorSchema, money, moneySchema } from '../wire.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });

const cardSchema = z.object({
  id: z.string(),
  masked: z.string().describe('e.g. "**** 1234"'),
  last4: z.string(),
  brand: z.string().describe('Guessed from the BIN: UnionPay, Visa, Mastercard, …'),
  bank: z.string().nullable(),
  createdAt: z.string(),
});

const operationSchema = z.object({
  id: z.string(),
  kind: z.enum(['top_up', 'withdrawal']),
  status: z.enum(['pending', 'succeeded', 'failed']),
  card: z.object({ id: z.string(), masked: z.string() }),
  amount: moneySchema,
  failureReason: z.string().nullable().describe('Why the bank declined, when failed'),
  holdTransferId: z.string().describe('The pending ledger transfer'),
  createdAt: z.string(),
  settledAt: z.string().nullable(),
  inReviewUntil: z
    .string()
    .nullable()
    .describe('A withdrawal held for a risk review: not sent to the bank until approved or this time'),
});

const clientRequestIdSchema = z
  .string()
  .regex(CLIENT_ID_PATTERN, '1–64 letters, digits or _.:-')
  .describe('Idempotency key, per user');

function cardToWire(card: CardView): z.infer<typeof cardSchema> {
  return { ...card, createdAt: card.createdAt.toISOString() };
}

function operationToWire(view: FundingOperationView): z.infer<typeof operationSchema> {
  return {
    ...view,
    amount: money(view.amount.amountMinor, view.amount.currency),
    createdAt: view.createdAt.toISOString(),
    settledAt: view.settledAt?.toISOString() ?? null,
    inReviewUntil: view.inReviewUntil?.toISOString() ?? null,
  };
}

function parseMoney(input: z.infer<typeof amountInputSchema>): Money {
  const { currency } = input;
  if (!isCurrency(currency)) throw new DomainError(rejectionError('invalid_currency'));
  const amount = parseAmountMinor(input.amountMinor);
  if (!amount.ok)
    throw new DomainError(FUNDING_ERRORS.INVALID_AMOUNT, undefined, `The amount ${amount.reason}.`);
  return { amountMinor: amount.value, currency };
}

const errorResponses = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  422: errorSchema,
  423: errorSchema,
  429: errorSchema,
};

export const fundingRoutes: FastifyPluginAsyncZod<{ identity: Identity; funding: Funding }> = async (
  app,
  { identity, funding },
) => {
  const user = requireUser(identity);
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const tags = ['funding'];

  app.post(
    '/api/v1/me/cards',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Link a bank card (Luhn-checked; only a token, the last 4 digits and the issuer are kept)',
        body: z
          .object({ cardNumber: z.string().max(32).describe('12–19 digits; spaces and dashes allowed') })
          .strict(),
        response: { 201: cardSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const card = await funding.linkCard({
        userId: sessionOf(request).user.id,
        cardNumber: request.body.cardNumber,
      });
      return reply.status(201).send(cardToWire(card));
    },
  );

  app.get(
    '/api/v1/me/cards',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your linked cards, masked',
        response: { 200: z.object({ cards: z.array(cardSchema) }) },
      },
    },
    async (request) => ({ cards: (await funding.listCards(sessionOf(request).user.id)).map(cardToWire) }),
  );

  app.delete(
    '/api/v1/me/cards/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Unlink a card',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      await funding.removeCard({ userId: sessionOf(request).user.id, cardId: request.params.id });
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/funding/top-ups',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Top up the wallet from a card: pending until the bank answers',
        body: z
          .object({
            cardId: z.string().min(1).max(64),
            amount: amountInputSchema,
            clientRequestId: clientRequestIdSchema,
          })
          .strict(),
        response: { 200: operationSchema, 201: operationSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const started = await funding.startTopUp({
        userId: sessionOf(request).user.id,
        cardId: body.cardId,
        amount: parseMoney(body.amount),
        clientRequestId: body.clientRequestId,
        origin: located(request),
      });
      return reply.status(started.created ? 201 : 200).send(operationToWire(started.operation));
    },
  );

  app.post(
    '/api/v1/funding/withdrawals',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Withdraw to a card with the payment password: held now, returned if the bank declines',
        body: z
          .object({
            cardId: z.string().min(1).max(64),
            amount: amountInputSchema,
            paymentPassword: z.string().max(64),
            clientRequestId: clientRequestIdSchema,
          })
          .strict(),
        response: { 200: operationSchema, 201: operationSchema, ...errorResponses },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const started = await funding.startWithdrawal({
        userId: sessionOf(request).user.id,
        cardId: body.cardId,
        amount: parseMoney(body.amount),
        paymentPassword: body.paymentPassword,
        clientRequestId: body.clientRequestId,
        sessionId: sessionOf(request).sessionId,
        origin: located(request),
      });
      return reply.status(started.created ? 201 : 200).send(operationToWire(started.operation));
    },
  );

  app.get(
    '/api/v1/funding/operations/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'One of your top-ups or withdrawals',
        params: idParams,
        response: { 200: operationSchema, 404: errorSchema },
      },
    },
    async (request) =>
      operationToWire(
        await funding.getOperation({ userId: sessionOf(request).user.id, operationId: request.params.id }),
      ),
  );
};
