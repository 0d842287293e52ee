/**
 * The operator's risk API (issue 5 point 3): the rule set in force and its history, saving a new
 * version (validated; a refused set answers 422 `rule_set_invalid` with every error's rule index,
 * path and reason, and the version in force stays), dry-run validation, backtests, and the
 * allow/block lists. Issue 7's operator accounts and roles guard it (requireOperator): reading
 * needs `rules.read` (risk analysts, supervisors, auditors), saving rules and editing lists
 * `rules.edit` (risk analysts, supervisors); every change is written to the audit log.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  COMPARISON_OPERATORS,
  EVENT_FIELDS,
  EXPRESSION_FALSE_WHEN,
  expressionVocabulary,
  LIST_KINDS,
  LIST_SUBJECTS,
  OPERATORS,
  type RiskEngine,
  RULE_OUTCOMES,
  type StoredRuleSet,
} from '../../risk/index.ts';
import { COMMON_ERRORS, DomainError } from '../../shared/index.ts';
import { type OperatorAuthenticator, requireOperator } from '../auth.ts';
import { errorSchema } from '../wire.ts';
import { auditOperatorAction, type OperatorAuditLog, operatorName } from './operator-name.ts';

const BACKTEST_WINDOW_DEFAULT_MS = 7 * 24 * 3600_000;
/** A backtest looks back at most this far: recorded decisions are bounded per run anyway. */
const BACKTEST_WINDOW_MAX_MS = 90 * 24 * 3600_000;

const ruleSetSchema = z.object({
  version: z.number().nullable(),
  body: z.unknown(),
  note: z.string().nullable(),
  createdBy: z.string(),
  createdAt: z.string().nullable(),
});

function ruleSetView(stored: StoredRuleSet) {
  return {
    version: stored.version,
    body: stored.body,
    note: stored.note,
    createdBy: stored.createdBy,
    createdAt: stored.createdAt.toISOString(),
  };
}

/** `{expr}`'s language, as risk's expressionVocabulary describes it (docs/risk.md, "Arithmetic"). */
const expressionSchema = z.object({
  charsMax: z.number().int().describe('Longest expression, in characters'),
  depthMax: z.number().int().describe('Deepest expression tree (a term is 1 deep, `a > b` is 2)'),
  comparisonOperators: z.array(z.enum(COMPARISON_OPERATORS)).describe('Exactly one per expression'),
  arithmeticOperators: z
    .array(
      z.object({
        operator: z.string(),
        arity: z.enum(['unary', 'binary']),
        precedence: z.number().int().describe('Higher binds tighter; the comparison is looser than all'),
        associativity: z.enum(['left', 'right']),
      }),
    )
    .describe('Arithmetic operators by precedence'),
  grouping: z.array(z.string()).describe('The parentheses that group a sub-expression'),
  numberPattern: z.string().describe('A number literal, as a regular expression'),
  names: z
    .object({ fields: z.array(z.string()), features: z.array(z.string()) })
    .describe('The names an expression may read: numeric event fields and computed features'),
  falseWhen: z
    .array(z.enum(EXPRESSION_FALSE_WHEN))
    .describe('A side that is one of these makes the comparison false, != included; nothing throws'),
});

const listEntrySchema = z.object({
  id: z.string(),
  list: z.enum(LIST_KINDS),
  subject: z.enum(LIST_SUBJECTS),
  value: z.string(),
  reason: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const riskRoutes: FastifyPluginAsyncZod<{
  engine: RiskEngine;
  operatorToken: string | undefined;
  /** Issue 7's operator sessions; absent, only the static token (the bootstrap supervisor). */
  operators?: OperatorAuthenticator | undefined;
  audit?: OperatorAuditLog | undefined;
}> = async (app, { engine, operatorToken, operators, audit }) => {
  const read = requireOperator(operatorToken, { operators, permission: 'rules.read' });
  const edit = requireOperator(operatorToken, { operators, permission: 'rules.edit' });
  // Validation and backtests change nothing: reading is enough.
  const readOnlyPosts = new Set(['/api/v1/operator/risk/rules/validate', '/api/v1/operator/risk/backtest']);
  // preValidation: who may call is settled before the body is looked at, so a role outside its
  // permission learns nothing from a 400 about what the body should be.
  app.addHook('preValidation', async (request) => {
    const readOnly = request.method === 'GET' || readOnlyPosts.has(request.routeOptions.url ?? '');
    await (readOnly ? read(request) : edit(request));
  });
  const tags = ['risk (operator)'];

  app.get(
    '/api/v1/operator/risk/rules',
    {
      schema: {
        tags,
        summary:
          'The rule set in force, and what rules may name (fields, features, operators, outcomes, the {expr} syntax)',
        response: {
          200: z.object({
            active: ruleSetSchema,
            vocabulary: z.object({
              fields: z.array(z.string()),
              features: z.array(z.string()),
              operators: z.array(z.string()),
              outcomes: z.array(z.string()),
              expression: expressionSchema,
            }),
          }),
        },
      },
    },
    async () => {
      const active = await engine.activeRuleSet();
      const stored = active.version === null ? undefined : await engine.loadRuleSet(active.version);
      return {
        active: stored
          ? ruleSetView(stored)
          : {
              version: null,
              body: active.body,
              note: 'built-in default',
              createdBy: 'system',
              createdAt: null,
            },
        vocabulary: {
          fields: [...Object.keys(EVENT_FIELDS), 'detail.<key>'],
          features: engine.knownFeatures(),
          operators: [...OPERATORS],
          outcomes: [...RULE_OUTCOMES],
          expression: expressionVocabulary(engine.knownFeatures()),
        },
      };
    },
  );

  app.get(
    '/api/v1/operator/risk/rules/history',
    {
      schema: {
        tags,
        summary: 'Saved rule-set versions, newest first (the newest is in force)',
        response: { 200: z.object({ versions: z.array(ruleSetSchema) }) },
      },
    },
    async () => ({ versions: (await engine.ruleSetHistory()).map(ruleSetView) }),
  );

  app.post(
    '/api/v1/operator/risk/rules/validate',
    {
      schema: {
        tags,
        summary: 'Validate a rule set without saving it',
        body: z.object({ body: z.unknown() }).strict(),
        response: {
          200: z.object({
            ok: z.boolean(),
            errors: z.array(
              z.object({ ruleIndex: z.number().nullable(), path: z.string(), reason: z.string() }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const checked = engine.validateRuleSet(request.body.body);
      return { ok: checked.ok, errors: checked.ok ? [] : [...checked.errors] };
    },
  );

  app.post(
    '/api/v1/operator/risk/rules',
    {
      schema: {
        tags,
        summary: 'Save a new rule-set version: in force from the next decisions (hot reload) once valid',
        body: z.object({ body: z.unknown(), note: z.string().max(500).optional() }).strict(),
        response: { 201: ruleSetSchema, 400: errorSchema, 422: errorSchema },
      },
    },
    async (request, reply) => {
      const saved = await engine.saveRuleSet({
        body: request.body.body,
        note: request.body.note ?? null,
        createdBy: operatorName(request),
      });
      request.log.info({ ruleSetVersion: saved.version, by: saved.createdBy }, 'risk rule set saved');
      await auditOperatorAction(request, audit, {
        action: 'risk_rules_saved',
        subjectId: String(saved.version),
        details: { version: saved.version },
      });
      return reply.status(201).send(ruleSetView(saved));
    },
  );

  app.post(
    '/api/v1/operator/risk/backtest',
    {
      schema: {
        tags,
        summary: 'What a rule set would have decided on the recorded events of a window (default: 7 days)',
        body: z
          .object({
            body: z.unknown(),
            from: z.string().datetime().optional(),
            to: z.string().datetime().optional(),
          })
          .strict(),
        response: { 200: z.record(z.string(), z.unknown()), 400: errorSchema, 422: errorSchema },
      },
    },
    async (request) => {
      const toMs = request.body.to ? Date.parse(request.body.to) : Date.now();
      const fromMs = request.body.from ? Date.parse(request.body.from) : toMs - BACKTEST_WINDOW_DEFAULT_MS;
      if (!(fromMs < toMs) || toMs - fromMs > BACKTEST_WINDOW_MAX_MS) {
        throw new DomainError(
          COMMON_ERRORS.VALIDATION_FAILED,
          { from: request.body.from, to: request.body.to },
          'from must be before to, at most 90 days apart.',
        );
      }
      const report = await engine.backtest({ body: request.body.body, fromMs, toMs });
      return { ...report, from: new Date(fromMs).toISOString(), to: new Date(toMs).toISOString() };
    },
  );

  app.get(
    '/api/v1/operator/risk/lists',
    {
      schema: {
        tags,
        summary: 'Live allow/block list entries',
        response: { 200: z.object({ entries: z.array(listEntrySchema) }) },
      },
    },
    async () => ({
      entries: (await engine.lists.list()).map((e) => ({ ...e, createdAt: e.createdAt.toISOString() })),
    }),
  );

  app.post(
    '/api/v1/operator/risk/lists',
    {
      schema: {
        tags,
        summary: 'Add a user, device, IP or payee (user:<id>, merchant:<id>) to the allow or block list',
        body: z
          .object({
            list: z.enum(LIST_KINDS),
            subject: z.enum(LIST_SUBJECTS),
            value: z.string().min(1).max(200),
            reason: z.string().min(1).max(200),
          })
          .strict(),
        response: { 201: listEntrySchema, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const entry = await engine.lists.add({ ...request.body, createdBy: operatorName(request) });
      await auditOperatorAction(request, audit, {
        action: 'risk_list_added',
        subjectId: entry.id,
        details: { list: entry.list, subject: entry.subject },
      });
      return reply.status(201).send({ ...entry, createdAt: entry.createdAt.toISOString() });
    },
  );

  app.delete(
    '/api/v1/operator/risk/lists/:id',
    {
      schema: {
        tags,
        summary: 'Remove a list entry (kept, marked removed)',
        params: z.object({ id: z.string().min(1).max(20) }),
        response: { 204: z.null(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      await engine.lists.remove(request.params.id);
      await auditOperatorAction(request, audit, {
        action: 'risk_list_removed',
        subjectId: request.params.id,
      });
      return reply.status(204).send(null);
    },
  );
};
