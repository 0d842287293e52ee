/**
 * The credit line (docs/credit.md): the owner's view and repayments, and the operator's grant.
 * Spending on credit is a payment intent with `channel: "credit_line"` (payment-routes.ts).
 * Thin: schemas in, use cases called, views out.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { BillView, Credit, CreditLineView, RepaymentView } from '../../credit/index.ts';
import type { Identity } from '../../identity/index.ts';
import { CLIENT_ID_PATTERN } from '../../shared/index.ts';
import { requireOperator, requireUser, sessionOf } from '../auth.ts';
import { parseMoney, wireMoney } from '../payment-wire.ts';
import { amountInputSchema, errorSchema, moneySchema } from '../wire.ts';

const billSchema = z.object({
  id: z.string(),
  period: z.string().describe('The month billed, YYYY-MM'),
  amount: moneySchema,
  repaid: moneySchema,
  remaining: moneySchema,
  statementAt: z.string(),
  dueAt: z.string().describe('Repay before this instant'),
  status: z.enum(['open', 'paid', 'overdue']),
});

const creditLineSchema = z.object({
  limit: moneySchema,
  used: moneySchema,
  available: moneySchema,
  billed: moneySchema.describe('Owed on statements already made'),
  unbilled: moneySchema.describe('Spent since the last statement'),
  overdue: z.boolean().describe('A bill is past due: credit spending is blocked'),
  currentBill: billSchema.nullable(),
  nextStatementAt: z.string(),
  bills: z.array(billSchema),
});

const repaymentSchema = z.object({
  id: z.string(),
  amount: moneySchema,
  transferId: z.string(),
  createdAt: z.string(),
  creditLine: creditLineSchema,
});

function billToWire(bill: BillView): z.infer<typeof billSchema> {
  return {
    id: bill.id,
    period: bill.period,
    amount: wireMoney(bill.amount),
    repaid: wireMoney(bill.repaid),
    remaining: wireMoney(bill.remaining),
    statementAt: bill.statementAt.toISOString(),
    dueAt: bill.dueAt.toISOString(),
    status: bill.status,
  };
}

function creditLineToWire(view: CreditLineView): z.infer<typeof creditLineSchema> {
  return {
    limit: wireMoney(view.limit),
    used: wireMoney(view.used),
    available: wireMoney(view.available),
    billed: wireMoney(view.billed),
    unbilled: wireMoney(view.unbilled),
    overdue: view.overdue,
    currentBill: view.currentBill ? billToWire(view.currentBill) : null,
    nextStatementAt: view.nextStatementAt.toISOString(),
    bills: view.bills.map(billToWire),
  };
}

function repaymentToWire(view: RepaymentView): z.infer<typeof repaymentSchema> {
  return {
    id: view.id,
    amount: wireMoney(view.amount),
    transferId: view.transferId,
    createdAt: view.createdAt.toISOString(),
    creditLine: creditLineToWire(view.creditLine),
  };
}

export const creditRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  credit: Credit;
  operatorToken: string | undefined;
}> = async (app, { identity, credit, operatorToken }) => {
  const user = requireUser(identity);
  const operator = requireOperator(operatorToken);
  const tags = ['credit'];

  app.get(
    '/api/v1/me/credit',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Your credit line: limit, used, available, the current bill (null when none granted)',
        response: { 200: z.object({ creditLine: creditLineSchema.nullable() }) },
      },
    },
    async (request) => {
      const view = await credit.get(sessionOf(request).user.id);
      return { creditLine: view ? creditLineToWire(view) : null };
    },
  );

  app.post(
    '/api/v1/me/credit/repayments',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Repay your credit line from your wallet balance, in full or in part (idempotent)',
        body: z
          .object({
            amount: amountInputSchema,
            clientRequestId: z
              .string()
              .regex(CLIENT_ID_PATTERN, '1–64 letters, digits or _.:-')
              .describe('Idempotency key, per user'),
          })
          .strict(),
        response: {
          200: repaymentSchema.describe('An earlier repayment with this clientRequestId'),
          201: repaymentSchema,
          400: errorSchema,
          404: errorSchema,
          409: errorSchema,
          422: errorSchema,
          503: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await credit.repay({
        userId: sessionOf(request).user.id,
        amount: parseMoney(request.body.amount),
        clientRequestId: request.body.clientRequestId,
      });
      return reply.status(result.created ? 201 : 200).send(repaymentToWire(result.repayment));
    },
  );

  app.put(
    '/api/v1/operator/credit-lines/:userId',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Operator: grant a user a credit line, or change its limit (never below what is owed)',
        params: z.object({ userId: z.string().min(1).max(64) }),
        body: z.object({ limit: amountInputSchema }).strict(),
        response: {
          200: creditLineSchema,
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          409: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request) =>
      creditLineToWire(
        await credit.grant({ userId: request.params.userId, limit: parseMoney(request.body.limit) }),
      ),
  );
};
