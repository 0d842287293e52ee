/**
 * The operator's ledger API: open accounts, post transfers, read them. Guarded by the operator
 * token; the customer-facing money movements (issue 4) go through their own use cases.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  ACCOUNT_KINDS,
  type Account,
  balanceOf,
  LEDGER_ERRORS,
  LEGS_PER_TRANSFER_MAX,
  type Ledger,
  rejectionError,
  type Transfer,
  type TransferLeg,
  type TransferRequest,
} from '../../ledger/index.ts';
import { CLIENT_ID_PATTERN, DomainError, isCurrency, parseAmountMinor } from '../../shared/index.ts';
import { requireOperator } from '../auth.ts';
import { amountInputSchema, currencySchema, errorSchema, money, moneySchema } from '../wire.ts';

const accountSchema = z.object({
  id: z.string(),
  kind: z.string(),
  currency: z.string(),
  ownerId: z.string().nullable(),
  label: z.string(),
  negativeLimit: moneySchema.nullable(),
  posted: moneySchema,
  available: moneySchema,
  debitsPending: moneySchema,
  debitsPosted: moneySchema,
  creditsPending: moneySchema,
  creditsPosted: moneySchema,
});

const legSchema = z.object({
  debitAccountId: z.string().min(1).max(64),
  creditAccountId: z.string().min(1).max(64),
  amount: amountInputSchema,
});

const transferIdSchema = z.string().regex(CLIENT_ID_PATTERN, '1–64 letters, digits or _.:-');

const transferBody = z.discriminatedUnion('kind', [
  z
    .object({
      id: transferIdSchema,
      kind: z.enum(['posted', 'pending']),
      code: z.string().min(1).max(40),
      legs: z.array(legSchema).min(1).max(LEGS_PER_TRANSFER_MAX),
      timeoutMs: z.number().int().positive().optional(),
      userData: z.string().max(256).optional(),
    })
    .strict(),
  z
    .object({
      id: transferIdSchema,
      kind: z.enum(['post_pending', 'void_pending']),
      pendingId: transferIdSchema,
      code: z.string().min(1).max(40),
      userData: z.string().max(256).optional(),
    })
    .strict(),
]);

const transferSchema = z.object({
  id: z.string(),
  kind: z.string(),
  pendingId: z.string().nullable(),
  code: z.string(),
  userData: z.string().nullable(),
  expiresAt: z.string().nullable(),
  createdAt: z.string(),
  legs: z.array(z.object({ debitAccountId: z.string(), creditAccountId: z.string(), amount: moneySchema })),
});

function accountView(account: Account) {
  const balance = balanceOf(account);
  const m = (value: bigint) => money(value, account.currency);
  return {
    id: account.id,
    kind: account.kind,
    currency: account.currency,
    ownerId: account.ownerId,
    label: account.label,
    negativeLimit: account.negativeLimitMinor === null ? null : m(account.negativeLimitMinor),
    posted: m(balance.postedMinor),
    available: m(balance.availableMinor),
    debitsPending: m(account.debitsPendingMinor),
    debitsPosted: m(account.debitsPostedMinor),
    creditsPending: m(account.creditsPendingMinor),
    creditsPosted: m(account.creditsPostedMinor),
  };
}

function transferView(transfer: Transfer) {
  return {
    id: transfer.id,
    kind: transfer.kind,
    pendingId: transfer.pendingId,
    code: transfer.code,
    userData: transfer.userData,
    expiresAt: transfer.expiresAt?.toISOString() ?? null,
    createdAt: transfer.createdAt.toISOString(),
    legs: transfer.legs.map((leg) => ({
      debitAccountId: leg.debitAccountId,
      creditAccountId: leg.creditAccountId,
      amount: money(leg.amountMinor, leg.currency),
    })),
  };
}

function parseLeg(leg: z.infer<typeof legSchema>, index: number): TransferLeg {
  const { currency } = leg.amount;
  if (!isCurrency(currency)) {
    throw new DomainError(
      rejectionError('invalid_currency'),
      { leg: index },
      `Leg ${index}: unsupported currency.`,
    );
  }
  const amount = parseAmountMinor(leg.amount.amountMinor);
  if (!amount.ok) {
    throw new DomainError(
      rejectionError('invalid_amount'),
      { leg: index },
      `Leg ${index}: the amount ${amount.reason}.`,
    );
  }
  return {
    debitAccountId: leg.debitAccountId,
    creditAccountId: leg.creditAccountId,
    amountMinor: amount.value,
    currency,
  };
}

export const ledgerRoutes: FastifyPluginAsyncZod<{
  ledger: Ledger;
  operatorToken: string | undefined;
}> = async (app, { ledger, operatorToken }) => {
  app.addHook('preHandler', requireOperator(operatorToken));

  app.post(
    '/api/v1/ledger/accounts',
    {
      schema: {
        tags: ['ledger (operator)'],
        summary: 'Open a ledger account',
        body: z
          .object({
            id: transferIdSchema.optional(),
            kind: z.enum(ACCOUNT_KINDS),
            currency: currencySchema,
            ownerId: z.string().max(64).optional(),
            label: z.string().max(120).optional(),
            negativeLimitMinor: z
              .string()
              .regex(/^(0|[1-9][0-9]{0,17})$/)
              .nullable()
              .optional(),
          })
          .strict(),
        response: { 201: accountSchema, 400: errorSchema, 409: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const { negativeLimitMinor, ...rest } = request.body;
      const account = await ledger.createAccount({
        ...rest,
        negativeLimitMinor:
          negativeLimitMinor === undefined
            ? undefined
            : negativeLimitMinor === null
              ? null
              : BigInt(negativeLimitMinor),
      });
      return reply.status(201).send(accountView(account));
    },
  );

  app.get(
    '/api/v1/ledger/accounts/:id',
    {
      schema: {
        tags: ['ledger (operator)'],
        summary: 'An account with its balances',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: accountSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const account = await ledger.getAccount(request.params.id);
      if (!account) throw new DomainError(LEDGER_ERRORS.ACCOUNT_NOT_FOUND);
      return accountView(account);
    },
  );

  app.post(
    '/api/v1/ledger/transfers',
    {
      schema: {
        tags: ['ledger (operator)'],
        summary: 'Create a transfer (idempotent by id)',
        description:
          'Posted or pending (a hold), or the posting/voiding of a hold. The same id with the same fields replays the first result (200); with other fields it is refused (409 exists_with_different_fields).',
        body: transferBody,
        response: {
          201: z.object({ transfer: transferSchema, replayed: z.literal(false) }),
          200: z.object({ transfer: transferSchema, replayed: z.literal(true) }),
          400: errorSchema,
          409: errorSchema,
          422: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const body = request.body;
      const transfer: TransferRequest =
        'legs' in body
          ? {
              id: body.id,
              kind: body.kind,
              code: body.code,
              legs: body.legs.map(parseLeg),
              timeoutMs: body.timeoutMs,
              userData: body.userData,
            }
          : {
              id: body.id,
              kind: body.kind,
              pendingId: body.pendingId,
              code: body.code,
              userData: body.userData,
            };
      const result = await ledger.submitTransfer(transfer);
      if (result.status === 'rejected') throw new DomainError(rejectionError(result.reason));
      if (result.status === 'replayed')
        return reply.status(200).send({ transfer: transferView(result.transfer), replayed: true });
      return reply.status(201).send({ transfer: transferView(result.transfer), replayed: false });
    },
  );

  app.get(
    '/api/v1/ledger/transfers/:id',
    {
      schema: {
        tags: ['ledger (operator)'],
        summary: 'A transfer with its legs',
        params: z.object({ id: z.string().max(64) }),
        response: { 200: transferSchema, 404: errorSchema },
      },
    },
    async (request) => {
      const transfer = await ledger.getTransfer(request.params.id);
      if (!transfer) throw new DomainError(LEDGER_ERRORS.TRANSFER_NOT_FOUND);
      return transferView(transfer);
    },
  );
};
