/**
 * The monthly bill as a PDF (docs/records.md): `GET /api/v1/me/bills/:month.pdf?lang=zh-CN|en`.
 * The same totals as `GET /api/v1/me/bills/:month`, plus the month's rows, drawn by the records
 * module; Chinese when a CJK font is installed, English otherwise (`x-rampart-bill-language`
 * says which).
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Identity, maskPhone } from '../../identity/index.ts';
import { BILL_PDF_ROWS_MAX, type Records, renderBillPdf } from '../../records/index.ts';
import { type Clock, COMMON_ERRORS, DomainError } from '../../shared/index.ts';
import { requireUser, sessionOf } from '../auth.ts';

export const billPdfRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  records: Records;
  clock: Clock;
}> = async (app, { identity, records, clock }) => {
  app.get(
    '/api/v1/me/bills/:month.pdf',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['records'],
        summary: 'The monthly bill as a PDF: totals by category and the rows (Beijing time)',
        params: z.object({ month: z.string().regex(/^[0-9]{4}-(0[1-9]|1[0-2])$/) }).strict(),
        querystring: z.object({ lang: z.enum(['zh-CN', 'en']).default('en') }).strict(),
        // No response schema: the body is a PDF; errors are the usual JSON ones.
      },
    },
    async (request, reply) => {
      const { user } = sessionOf(request);
      const [year, month] = request.params.month.split('-').map(Number);
      if (year === undefined || month === undefined) throw new DomainError(COMMON_ERRORS.VALIDATION_FAILED);
      const bill = await records.getMonthBill({ userId: user.id, year, month });
      const page = await records.listRecords({
        userId: user.id,
        limit: BILL_PDF_ROWS_MAX,
        fromTime: bill.fromTime,
        toTime: bill.toTime,
      });
      const { pdf, language } = await renderBillPdf({
        month: request.params.month,
        holder: `${user.displayName} (${maskPhone(user.phoneE164)})`,
        language: request.query.lang,
        fromTime: bill.fromTime,
        toTime: bill.toTime,
        categories: bill.categories,
        rows: page.rows,
        rowsTruncated: page.nextBefore !== null,
        nowMs: clock.nowMs(),
      });
      return reply
        .type('application/pdf')
        .header('content-disposition', `attachment; filename="rampart-bill-${request.params.month}.pdf"`)
        .header('x-rampart-bill-language', language)
        .header('cache-control', 'no-store')
        .send(pdf);
    },
  );
};
