import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity } from '../../identity/index.ts';
import {
  BEIJING_OFFSET_MS,
  COUNTERPARTY_FILTER_LENGTH_MAX,
  CSV_HEADER,
  csvLine,
  RECORD_SOURCES,
  RECORD_STATUSES,
  RECORD_TYPES,
  RECORDS_CSV_ROWS_MAX,
  RECORDS_PAGE_MAX,
  type RecordRow,
  type Records,
  type RecordsQuery,
} from '../../records/index.ts';
import { COMMON_ERRORS, DomainError } from '../../shared/index.ts';
import { requireUser, sessionOf } from '../auth.ts';
import { errorSchema, money, moneySchema } from '../wire.ts';

const DAY_MS = 24 * 60 * 60 * 1000;
const datePattern = /^[0-9]{4}-[0-9]{2}-[0-9]{2}$/;
const amountPattern = /^(0|[1-9][0-9]{0,17})$/;

const filterShape = {
  type: z.enum(RECORD_TYPES).optional(),
  status: z.enum(RECORD_STATUSES).optional(),
  counterparty: z.string().min(1).max(COUNTERPARTY_FILTER_LENGTH_MAX).optional(),
  from: z.string().regex(datePattern).optional().describe('First Beijing day, YYYY-MM-DD (inclusive)'),
  to: z.string().regex(datePattern).optional().describe('Last Beijing day, YYYY-MM-DD (inclusive)'),
  minAmount: z.string().regex(amountPattern).optional().describe('Least absolute amount, minor units'),
  maxAmount: z.string().regex(amountPattern).optional().describe('Greatest absolute amount, minor units'),
};
const listQuerySchema = z
  .object({
    ...filterShape,
    limit: z.coerce.number().int().min(1).max(RECORDS_PAGE_MAX).default(20),
    before: z
      .string()
      .regex(/^[1-9][0-9]{0,18}$/)
      .optional(),
  })
  .strict();
const csvQuerySchema = z.object(filterShape).strict();

const recordSchema = z.object({
  id: z.string(),
  transferId: z.string(),
  type: z.enum(RECORD_TYPES),
  status: z.enum(RECORD_STATUSES),
  source: z.enum(RECORD_SOURCES),
  amount: moneySchema,
  counterparty: z.string().nullable(),
  note: z.string().nullable(),
  createdAt: z.string(),
});

/** Start of a Beijing day as a UTC instant; a date that does not exist (2026-02-30) is rejected. */
function beijingDayStart(date: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  assertValid(y !== undefined && m !== undefined && d !== undefined, 'date');
  const utc = new Date(Date.UTC(y, m - 1, d));
  assertValid(utc.getUTCFullYear() === y && utc.getUTCMonth() === m - 1 && utc.getUTCDate() === d, 'date');
  return new Date(utc.getTime() - BEIJING_OFFSET_MS);
}

function assertValid(ok: boolean, field: string): asserts ok {
  if (!ok) throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED, { field });
}

type FilterQuery = { [K in keyof typeof filterShape]?: z.infer<(typeof filterShape)[K]> };

function toQuery(userId: string, query: FilterQuery): Omit<RecordsQuery, 'limit'> {
  const fromTime = query.from === undefined ? undefined : beijingDayStart(query.from);
  const toTime = query.to === undefined ? undefined : new Date(beijingDayStart(query.to).getTime() + DAY_MS);
  if (fromTime && toTime) assertValid(fromTime < toTime, 'from');
  const minAmountMinor = query.minAmount === undefined ? undefined : BigInt(query.minAmount);
  const maxAmountMinor = query.maxAmount === undefined ? undefined : BigInt(query.maxAmount);
  if (minAmountMinor !== undefined && maxAmountMinor !== undefined) {
    assertValid(minAmountMinor <= maxAmountMinor, 'minAmount');
  }
  return {
    userId,
    type: query.type,
    status: query.status,
    counterparty: query.counterparty,
    fromTime,
    toTime,
    minAmountMinor,
    maxAmountMinor,
  };
}

function toWire(row: RecordRow) {
  return {
    id: row.entryId.toString(),
    transferId: row.transferId,
    type: row.type,
    status: row.status,
    source: row.source,
    amount: money(row.amountMinor, row.currency),
    counterparty: row.counterparty,
    note: row.note,
    createdAt: row.createdAt.toISOString(),
  };
}

export const recordsRoutes: FastifyPluginAsyncZod<{ identity: Identity; records: Records }> = async (
  app,
  { identity, records },
) => {
  app.get(
    '/api/v1/me/records',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['records'],
        summary: "The signed-in user's money movements, newest first, filtered and paged",
        querystring: listQuerySchema,
        response: {
          200: z.object({ records: z.array(recordSchema), nextBefore: z.string().nullable() }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const page = await records.listRecords({
        ...toQuery(sessionOf(request).user.id, request.query),
        limit: request.query.limit,
        beforeEntryId: request.query.before === undefined ? undefined : BigInt(request.query.before),
      });
      return {
        records: page.rows.map(toWire),
        nextBefore: page.nextBefore === null ? null : page.nextBefore.toString(),
      };
    },
  );

  app.get(
    '/api/v1/me/records.csv',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['records'],
        summary: `The same rows as CSV (RFC 4180, amounts in yuan), at most ${RECORDS_CSV_ROWS_MAX} rows`,
        // No response schema: the body is CSV text, not JSON; errors are the usual JSON ones.
        querystring: csvQuerySchema,
      },
    },
    async (request, reply) => {
      const page = await records.listRecords({
        ...toQuery(sessionOf(request).user.id, request.query),
        limit: RECORDS_CSV_ROWS_MAX,
      });
      const lines = [CSV_HEADER.join(','), ...page.rows.map(csvLine)];
      // The export stops at RECORDS_CSV_ROWS_MAX rows; the header tells the client to narrow the dates.
      if (page.nextBefore !== null) reply.header('x-rampart-truncated', 'true');
      return reply
        .type('text/csv; charset=utf-8')
        .header('content-disposition', 'attachment; filename="rampart-records.csv"')
        .send(`${lines.join('\r\n')}\r\n`);
    },
  );

  app.get(
    '/api/v1/me/bills/:month',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['records'],
        summary: 'Posted totals by type for one month in Beijing time',
        params: z.object({ month: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/) }).strict(),
        response: {
          200: z.object({
            month: z.string(),
            from: z.string(),
            to: z.string(),
            categories: z.array(
              z.object({
                type: z.enum(RECORD_TYPES),
                count: z.number().int(),
                in: moneySchema,
                out: moneySchema,
              }),
            ),
            totals: z
              .array(z.object({ in: moneySchema, out: moneySchema, net: moneySchema }))
              .describe('Per currency; credit repayments are not counted (docs/records.md)'),
            truncated: z.boolean(),
          }),
          400: errorSchema,
          401: errorSchema,
        },
      },
    },
    async (request) => {
      const [year, month] = request.params.month.split('-').map(Number);
      assertValid(year !== undefined && month !== undefined, 'month');
      const bill = await records.getMonthBill({ userId: sessionOf(request).user.id, year, month });
      return {
        month: request.params.month,
        from: bill.fromTime.toISOString(),
        to: bill.toTime.toISOString(),
        categories: bill.categories.map((c) => ({
          type: c.type,
          count: c.count,
          in: money(c.inMinor, c.currency),
          out: money(c.outMinor, c.currency),
        })),
        totals: bill.totals.map((total) => ({
          in: money(total.inMinor, total.currency),
          out: money(total.outMinor, total.currency),
          net: money(total.inMinor - total.outMinor, total.currency),
        })),
        truncated: bill.truncated,
      };
    },
  );
};
