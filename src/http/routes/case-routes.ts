/**
 * The case queue over HTTP (issue 5 point 6). Operators (operator token): list and filter cases,
 * read one with its audit trail, the recorded risk decision and the payment; assign, note,
 * approve or reject a held payment, freeze or unfreeze the account, confirm fraud or clear.
 * Signed-in users: `POST /api/reports` reports a payment of theirs or a payee by phone.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  CASE_KINDS,
  CASE_NOTE_CHARS_MAX,
  CASES_PAGE_MAX,
  type Cases,
  type CaseView,
  REPORT_REASONS,
} from '../../cases/index.ts';
import type { Identity } from '../../identity/index.ts';
import { type OperatorAuthenticator, requireOperator, requireUser, sessionOf } from '../auth.ts';
import { errorSchema } from '../wire.ts';
import { auditOperatorAction, type OperatorAuditLog, operatorName } from './operator-name.ts';

const caseSchema = z.object({
  id: z.string(),
  kind: z.enum(CASE_KINDS),
  status: z.enum(['open', 'closed']),
  userId: z.string().nullable(),
  reporterId: z.string().nullable(),
  eventId: z.string().nullable(),
  intentId: z.string().nullable(),
  operationId: z.string().nullable().describe('A held withdrawal: its funding operation'),
  familyCardPaymentId: z.string().nullable().describe('A held family-card payment'),
  transferId: z.string().nullable(),
  payeeKey: z.string().nullable(),
  reason: z.string(),
  note: z.string().nullable(),
  details: z.record(z.string(), z.unknown()),
  assignee: z.string().nullable(),
  resolution: z.string().nullable(),
  deadlineAt: z.string().nullable(),
  createdAt: z.string(),
  closedAt: z.string().nullable(),
});

function caseToWire(c: CaseView): z.infer<typeof caseSchema> {
  return {
    ...c,
    deadlineAt: c.deadlineAt?.toISOString() ?? null,
    createdAt: c.createdAt.toISOString(),
    closedAt: c.closedAt?.toISOString() ?? null,
  };
}

const caseIdParams = z.object({ id: z.string().min(1).max(64) });
const noteBody = z
  .object({ note: z.string().max(CASE_NOTE_CHARS_MAX).optional() })
  .strict()
  .nullish();

export const caseRoutes: FastifyPluginAsyncZod<{
  cases: Cases;
  identity: Identity;
  operatorToken: string | undefined;
  /** Issue 7's operator sessions; absent, only the static token (the bootstrap supervisor). */
  operators?: OperatorAuthenticator | undefined;
  audit?: OperatorAuditLog | undefined;
}> = async (app, { cases, identity, operatorToken, operators, audit }) => {
  // Agents, risk analysts, supervisors and auditors see cases; analysts and supervisors act.
  const reader = requireOperator(operatorToken, { operators, permission: 'cases.read' });
  const operator = requireOperator(operatorToken, { operators, permission: 'cases.decide' });
  // Every case action that succeeded is also in the operators' audit log (issue 7), written
  // before the answer leaves; the case's own trail has it from the action's transaction.
  app.addHook('onSend', async (request, reply, payload) => {
    const action = /^\/api\/v1\/operator\/cases\/:id\/([a-z-]+)$/.exec(request.routeOptions.url ?? '')?.[1];
    if (request.method === 'POST' && action && reply.statusCode === 200) {
      const params: unknown = request.params;
      const caseId =
        typeof params === 'object' && params !== null && 'id' in params && typeof params.id === 'string'
          ? params.id
          : null;
      await auditOperatorAction(request, audit, {
        action: `risk_case_${action.replace('-', '_')}`,
        subjectId: caseId,
      });
    }
    return payload;
  });
  const user = requireUser(identity);
  const tags = ['cases (operator)'];

  app.post(
    '/api/reports',
    {
      preHandler: user,
      schema: {
        tags: ['reports'],
        summary: 'Report a suspicious payment of yours (transferId) or a payee (payeePhone): opens a case',
        body: z
          .object({
            transferId: z.string().min(1).max(80).optional(),
            payeePhone: z.string().min(3).max(32).optional(),
            reason: z.enum(REPORT_REASONS),
            note: z.string().max(CASE_NOTE_CHARS_MAX).optional(),
          })
          .strict()
          .refine((b) => (b.transferId === undefined) !== (b.payeePhone === undefined), {
            message: 'name either the payment (transferId) or the payee (payeePhone)',
          }),
        response: {
          201: z.object({ caseId: z.string(), status: z.literal('open') }),
          400: errorSchema,
          401: errorSchema,
          404: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const opened = await cases.report({
        reporterId: sessionOf(request).user.id,
        transferId: request.body.transferId,
        payeePhone: request.body.payeePhone,
        reason: request.body.reason,
        note: request.body?.note ?? null,
      });
      // The reporter learns only that a case exists: never who the reported party is.
      return reply.status(201).send({ caseId: opened.id, status: 'open' as const });
    },
  );

  app.get(
    '/api/v1/operator/cases',
    {
      preHandler: reader,
      schema: {
        tags,
        summary: 'Cases, newest first; filter by status, kind, assignee or user',
        querystring: z
          .object({
            status: z.enum(['open', 'closed']).optional(),
            kind: z.enum(CASE_KINDS).optional(),
            assignee: z.string().max(80).optional(),
            userId: z.string().max(64).optional(),
            limit: z.coerce.number().int().min(1).max(CASES_PAGE_MAX).default(50),
            before: z.string().max(64).optional(),
          })
          .strict(),
        response: { 200: z.object({ cases: z.array(caseSchema) }) },
      },
    },
    async (request) => ({ cases: (await cases.list(request.query)).map(caseToWire) }),
  );

  app.get(
    '/api/v1/operator/cases/:id',
    {
      preHandler: reader,
      schema: {
        tags,
        summary: 'One case with its audit trail, the recorded risk decision and the payment it names',
        params: caseIdParams,
        response: {
          200: z.object({
            case: caseSchema,
            actions: z.array(
              z.object({
                id: z.string(),
                action: z.string(),
                actor: z.string(),
                note: z.string().nullable(),
                details: z.record(z.string(), z.unknown()),
                createdAt: z.string(),
              }),
            ),
            decision: z
              .object({
                decision: z.string(),
                score: z.number().nullable(),
                reasons: z.array(z.string()),
                ruleHits: z.array(z.unknown()),
                featureValues: z.record(z.string(), z.number().nullable()),
                modelVersion: z.string().nullable(),
                ruleSetVersion: z.number().nullable(),
              })
              .nullable(),
            payment: z
              .object({
                intentId: z.string(),
                status: z.string(),
                amount: z.object({ amountMinor: z.string(), currency: z.string() }),
                payeeName: z.string(),
                payeeKind: z.string(),
              })
              .nullable(),
          }),
          404: errorSchema,
        },
      },
    },
    async (request) => {
      const detail = await cases.get(request.params.id);
      return {
        case: caseToWire(detail.case),
        actions: detail.actions.map((a) => ({ ...a, createdAt: a.createdAt.toISOString() })),
        decision: detail.decision && {
          ...detail.decision,
          reasons: [...detail.decision.reasons],
          ruleHits: [...detail.decision.ruleHits],
        },
        payment: detail.payment && {
          intentId: detail.payment.intentId,
          status: detail.payment.status,
          amount: { amountMinor: detail.payment.amountMinor.toString(), currency: detail.payment.currency },
          payeeName: detail.payment.payeeName,
          payeeKind: detail.payment.payeeKind,
        },
      };
    },
  );

  const actionResponse = {
    200: z.object({ ok: z.literal(true) }).passthrough(),
    400: errorSchema,
    401: errorSchema,
    404: errorSchema,
    409: errorSchema,
  };

  app.post(
    '/api/v1/operator/cases/:id/assign',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Assign the case to an operator',
        params: caseIdParams,
        body: z.object({ assignee: z.string().regex(/^[A-Za-z0-9_.@-]{1,64}$/) }).strict(),
        response: actionResponse,
      },
    },
    async (request) => {
      await cases.assign({
        caseId: request.params.id,
        assignee: request.body.assignee,
        actor: operatorName(request),
      });
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/operator/cases/:id/note',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Add a note to the case trail',
        params: caseIdParams,
        body: z.object({ note: z.string().min(1).max(CASE_NOTE_CHARS_MAX) }).strict(),
        response: actionResponse,
      },
    },
    async (request) => {
      await cases.note({ caseId: request.params.id, note: request.body.note, actor: operatorName(request) });
      return { ok: true as const };
    },
  );

  for (const [path, summary] of [
    [
      'approve',
      'Approve a held payment or family-card payment (posted, payee paid) or withdrawal (sent to the bank)',
    ],
    [
      'reject',
      'Reject a held payment, family-card payment or withdrawal: the hold is voided and the money back with the payer; labelled fraud',
    ],
  ] as const) {
    app.post(
      `/api/v1/operator/cases/:id/${path}`,
      {
        preHandler: operator,
        schema: { tags, summary, params: caseIdParams, body: noteBody, response: actionResponse },
      },
      async (request) => {
        const input = {
          caseId: request.params.id,
          actor: operatorName(request),
          note: request.body?.note ?? null,
        };
        const resolved = path === 'approve' ? await cases.approve(input) : await cases.reject(input);
        // A held withdrawal has no transfer yet when approved: the bank settles it later.
        const transferId = 'transferId' in resolved ? resolved.transferId : null;
        return { ok: true as const, outcome: resolved.outcome, transferId };
      },
    );
  }

  app.post(
    '/api/v1/operator/cases/:id/freeze',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: "Freeze the case's account (ends its sessions, tells the owner)",
        params: caseIdParams,
        body: noteBody,
        response: actionResponse,
      },
    },
    async (request) => {
      await cases.freeze({
        caseId: request.params.id,
        actor: operatorName(request),
        note: request.body?.note ?? null,
      });
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/operator/cases/:id/unfreeze',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: "Unfreeze the case's account after verifying the owner",
        params: caseIdParams,
        body: noteBody,
        response: actionResponse,
      },
    },
    async (request) => {
      const result = await cases.unfreeze({
        caseId: request.params.id,
        actor: operatorName(request),
        note: request.body?.note ?? null,
      });
      return { ok: true as const, wasFrozen: result.wasFrozen };
    },
  );

  app.post(
    '/api/v1/operator/cases/:id/confirm-fraud',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Confirm a report or alert as fraud: labels the decisions; optionally blocks the payee',
        params: caseIdParams,
        body: z
          .object({
            note: z.string().max(CASE_NOTE_CHARS_MAX).optional(),
            blockPayee: z.boolean().default(false),
          })
          .strict(),
        response: actionResponse,
      },
    },
    async (request) => {
      await cases.confirmFraud({
        caseId: request.params.id,
        actor: operatorName(request),
        note: request.body?.note ?? null,
        blockPayee: request.body.blockPayee,
      });
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/operator/cases/:id/clear',
    {
      preHandler: operator,
      schema: {
        tags,
        summary: 'Close a report or alert as not fraud (labels the decisions)',
        params: caseIdParams,
        body: noteBody,
        response: actionResponse,
      },
    },
    async (request) => {
      await cases.clear({
        caseId: request.params.id,
        actor: operatorName(request),
        note: request.body?.note ?? null,
      });
      return { ok: true as const };
    },
  );
};
