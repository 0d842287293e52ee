/**
 * Signed QR codes (issue 4 point 3, docs/qr.md): a user's collect-money code, a merchant's code
 * (operator token, until merchants have their own console), resolving a scanned code to who will
 * be paid, and paying it through an ordinary payment intent. Thin: schemas in, use cases called.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, Located } from '../../identity/index.ts';
import { PAYMENT_CHANNELS } from '../../payments/index.ts';
import { type IssuedQrCode, QR_CODE_LENGTH_MAX, type Qr } from '../../qr/index.ts';
import { CLIENT_ID_PATTERN, type Money } from '../../shared/index.ts';
import { originOf, requireOperator, requireUser, sessionOf } from '../auth.ts';
import { intentSchema, intentToWire, parseMoney } from '../payment-wire.ts';
import { amountInputSchema, errorSchema, money, moneySchema } from '../wire.ts';

const issuedSchema = z.object({
  code: z.string().describe('rampart:1:<payload>.<mac>, what the QR image encodes'),
  svg: z.string().describe('The code as an SVG image'),
  kind: z.enum(['merchant', 'collect', 'order']),
  amount: moneySchema.nullable().describe('A fixed amount the payer cannot change'),
  issuedAt: z.string(),
  expiresAt: z.string(),
});

const payeeSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('user'), maskedName: z.string().describe('e.g. "*明"') }),
  z.object({
    kind: z.literal('merchant'),
    merchantId: z.string(),
    name: z.string().describe("The merchant's registered name"),
    verified: z.boolean().describe('An operator verified the name; if false, warn the payer'),
    isNew: z.boolean().describe('Registered in the last 30 days'),
  }),
]);

const resolvedSchema = z.object({
  codeKind: z
    .enum(['merchant', 'collect', 'order'])
    .describe(
      "A merchant's code, a person's collect code, or one merchant order; a family card pays merchant codes",
    ),
  payee: payeeSchema,
  amount: moneySchema.nullable(),
  expiresAt: z.string(),
});

/** `?amountMinor=&currency=` for a code with a fixed amount; both or neither. */
const amountQuerySchema = z
  .object({ amountMinor: z.string().max(20).optional(), currency: z.string().max(3).optional() })
  .strict();

const codeSchema = z.string().min(1).max(QR_CODE_LENGTH_MAX);

function optionalAmount(query: z.infer<typeof amountQuerySchema>): Money | null {
  if (query.amountMinor === undefined && query.currency === undefined) return null;
  return parseMoney({ amountMinor: query.amountMinor ?? '', currency: query.currency ?? '' });
}

function issuedToWire(issued: IssuedQrCode): z.infer<typeof issuedSchema> {
  return {
    code: issued.code,
    svg: issued.svg,
    kind: issued.kind,
    amount: issued.amount ? money(issued.amount.amountMinor, issued.amount.currency) : null,
    issuedAt: issued.issuedAt.toISOString(),
    expiresAt: issued.expiresAt.toISOString(),
  };
}

export const qrRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  qr: Qr;
  operatorToken: string | undefined;
}> = async (app, { identity, qr, operatorToken }) => {
  const user = requireUser(identity);
  const operator = requireOperator(operatorToken);
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const tags = ['qr'];

  app.get(
    '/api/v1/me/collect-qr',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your collect-money code (valid 24 h), optionally for a fixed amount',
        querystring: amountQuerySchema,
        response: { 200: issuedSchema, 400: errorSchema },
      },
    },
    async (request) =>
      issuedToWire(
        await qr.collectCode({ userId: sessionOf(request).user.id, amount: optionalAmount(request.query) }),
      ),
  );

  app.get(
    '/api/v1/merchants/:id/qr',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: "A merchant's code: static (1 year), or with an amount for one order (2 h). Operator token",
        security: [{ bearer: [] }],
        params: z.object({ id: z.string().min(1).max(64) }),
        querystring: amountQuerySchema,
        response: { 200: issuedSchema, 400: errorSchema, 401: errorSchema, 404: errorSchema },
      },
    },
    async (request) =>
      issuedToWire(
        await qr.merchantCode({ merchantId: request.params.id, amount: optionalAmount(request.query) }),
      ),
  );

  app.post(
    '/api/v1/qr/resolve',
    {
      preHandler: user,
      schema: {
        tags,
        summary:
          'Who a scanned code pays (verified merchant name or masked person name) and any fixed amount',
        body: z.object({ code: codeSchema }).strict(),
        response: { 200: resolvedSchema, 400: errorSchema, 404: errorSchema, 410: errorSchema },
      },
    },
    async (request) => {
      const resolved = await qr.resolve(request.body.code);
      return {
        codeKind: resolved.codeKind,
        payee: resolved.payee,
        amount: resolved.amount ? money(resolved.amount.amountMinor, resolved.amount.currency) : null,
        expiresAt: resolved.expiresAt.toISOString(),
      };
    },
  );

  app.post(
    '/api/v1/qr/pay',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Start a payment to a scanned code: answers a payment intent to confirm',
        body: z
          .object({
            code: codeSchema,
            amount: amountInputSchema.optional().describe('Required unless the code fixes the amount'),
            channel: z.enum(PAYMENT_CHANNELS).default('balance'),
            clientRequestId: z
              .string()
              .regex(CLIENT_ID_PATTERN, '1–64 letters, digits or _.:-')
              .describe('Idempotency key, per payer'),
          })
          .strict(),
        response: {
          200: intentSchema.describe('An earlier intent with this clientRequestId'),
          201: intentSchema,
          400: errorSchema,
          403: errorSchema,
          404: errorSchema,
          409: errorSchema,
          410: errorSchema,
          422: errorSchema,
          423: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { body } = request;
      const created = await qr.pay({
        payerId: sessionOf(request).user.id,
        code: body.code,
        amount: body.amount ? parseMoney(body.amount) : undefined,
        channel: body.channel,
        clientRequestId: body.clientRequestId,
        origin: located(request),
      });
      return reply.status(created.replayed ? 200 : 201).send(intentToWire(created.intent));
    },
  );
};
