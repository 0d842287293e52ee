/**
 * The operators' API (issue 7 point 7; docs/recovery.md): sign-in with password + TOTP or a
 * passkey (and the operator's own passkeys), then
 * role-checked routes for user lookup and detail (masked), freeze, unfreeze approval, manual
 * recoveries, loss claims (four eyes above the threshold), the audit log and operator accounts.
 * The static operator token of configuration is the bootstrap supervisor. Issue 5's case pages
 * add their routes with `requireOperator(token, { operators, permission: 'cases.read' })`.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  AUDIT_PAGE_MAX,
  type ManualRecoveryView,
  OPERATOR_ROLES,
  type OperatorPermission,
  type OperatorPrincipal,
  type Recovery,
  ROLE_PERMISSIONS,
} from '../../recovery/index.ts';
import { OPERATOR_COOKIE, operatorOf, requireOperator } from '../auth.ts';
import { errorSchema } from '../wire.ts';
import { registrationResponseSchema } from './factor-routes.ts';
import { claimSchema, claimToWire } from './recovery-routes.ts';

const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  423: errorSchema,
  429: errorSchema,
};
const idParams = z.object({ id: z.string().min(1).max(64) });
const decisionSchema = z.object({ approve: z.boolean(), note: z.string().max(500).default('') }).strict();

const operatorSchema = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.enum(OPERATOR_ROLES),
  bootstrap: z.boolean(),
  permissions: z.array(z.string()),
});
const operatorToWire = (p: OperatorPrincipal): z.infer<typeof operatorSchema> => ({
  id: p.id,
  username: p.username,
  displayName: p.displayName,
  role: p.role,
  bootstrap: p.bootstrap,
  permissions: [...ROLE_PERMISSIONS[p.role]],
});
const actorOf = (p: OperatorPrincipal) => ({ kind: 'operator' as const, id: p.id, role: p.role });

const userSummarySchema = z.object({
  userId: z.string(),
  displayName: z.string(),
  phoneMasked: z.string(),
  frozen: z.boolean(),
  realNameMasked: z.string().nullable(),
  idNumberMasked: z.string().nullable(),
});

const recoverySchema = z.object({
  id: z.string(),
  userId: z.string().nullable(),
  status: z.string(),
  newPhoneMasked: z.string(),
  identityMatches: z.boolean(),
  createdAt: z.string(),
  cooldownUntil: z.string().nullable(),
  reviewedBy: z.string().nullable(),
  documents: z.array(z.object({ id: z.string(), mime: z.string(), sizeBytes: z.number() })),
});
const recoveryToWire = (r: ManualRecoveryView): z.infer<typeof recoverySchema> => ({
  id: r.id,
  userId: r.userId,
  status: r.status,
  newPhoneMasked: r.newPhoneMasked,
  identityMatches: r.identityMatches,
  createdAt: r.createdAt.toISOString(),
  cooldownUntil: r.cooldownUntil?.toISOString() ?? null,
  reviewedBy: r.reviewedBy,
  documents: r.documents.map((d) => ({ ...d })),
});

export const opsRoutes: FastifyPluginAsyncZod<{
  recovery: Recovery;
  operatorToken: string | undefined;
  cookieSecure: boolean;
}> = async (app, { recovery, operatorToken, cookieSecure }) => {
  const operators = recovery.operators;
  const need = (permission?: OperatorPermission) => requireOperator(operatorToken, { operators, permission });

  app.post(
    '/api/v1/ops/sign-in',
    {
      schema: {
        tags: ['ops'],
        summary: 'Operator sign-in: user name, password and either the authenticator code or a passkey',
        body: z
          .object({
            username: z.string().min(1).max(64),
            password: z.string().min(1).max(256),
            code: z.string().min(1).max(16).optional(),
            passkey: z
              .object({ ceremonyId: z.string().min(1).max(64), response: z.unknown() })
              .strict()
              .optional()
              .describe('from POST /api/v1/ops/sign-in/passkey-options and navigator.credentials.get()'),
          })
          .strict()
          .refine((b) => (b.code === undefined) !== (b.passkey === undefined), 'give a code or a passkey'),
        response: {
          200: z.object({ token: z.string(), expiresAt: z.string(), operator: operatorSchema }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const result = await operators.signIn(request.body, request.ip);
      reply.setCookie(OPERATOR_COOKIE, result.token, {
        path: '/',
        httpOnly: true,
        sameSite: 'strict',
        secure: cookieSecure,
        expires: result.expiresAt,
      });
      return {
        token: result.token,
        expiresAt: result.expiresAt.toISOString(),
        operator: operatorToWire(result.operator),
      };
    },
  );

  app.post(
    '/api/v1/ops/sign-in/passkey-options',
    {
      schema: {
        tags: ['ops'],
        summary: "WebAuthn options for an operator's passkey sign-in (discoverable credentials)",
        response: { 200: z.object({ ceremonyId: z.string(), options: z.unknown() }), ...errors },
      },
    },
    async (request) => operators.passkeys.signInOptions(request.ip),
  );

  const passkeySchema = z.object({
    id: z.string(),
    name: z.string(),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
  });
  const passkeyToWire = (p: { id: string; name: string; createdAt: Date; lastUsedAt: Date | null }) => ({
    id: p.id,
    name: p.name,
    createdAt: p.createdAt.toISOString(),
    lastUsedAt: p.lastUsedAt?.toISOString() ?? null,
  });

  app.get(
    '/api/v1/ops/me/passkeys',
    {
      preHandler: need(),
      schema: {
        tags: ['ops'],
        summary: "The signed-in operator's passkeys",
        response: { 200: z.object({ items: z.array(passkeySchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await operators.passkeys.list(operatorOf(request))).map(passkeyToWire),
    }),
  );

  app.post(
    '/api/v1/ops/me/passkeys/options',
    {
      preHandler: need(),
      schema: {
        tags: ['ops'],
        summary: 'Start adding a passkey (needs a sign-in within the last 10 minutes)',
        response: { 200: z.object({ ceremonyId: z.string(), options: z.unknown() }), ...errors },
      },
    },
    async (request) => operators.passkeys.registrationOptions(operatorOf(request)),
  );

  app.post(
    '/api/v1/ops/me/passkeys',
    {
      preHandler: need(),
      schema: {
        tags: ['ops'],
        summary: 'Finish adding a passkey with the authenticator’s response',
        body: z
          .object({
            ceremonyId: z.string().min(1).max(64),
            name: z.string().max(64).default(''),
            response: registrationResponseSchema,
          })
          .strict(),
        response: { 201: passkeySchema, ...errors },
      },
    },
    async (request, reply) => {
      const added = await operators.passkeys.register(operatorOf(request), request.body);
      return reply.status(201).send(passkeyToWire(added));
    },
  );

  app.post(
    '/api/v1/ops/sign-out',
    { preHandler: need(), schema: { tags: ['ops'], summary: 'End this operator session' } },
    async (request, reply) => {
      await operators.signOut(operatorOf(request));
      reply.clearCookie(OPERATOR_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/ops/me',
    {
      preHandler: need(),
      schema: {
        tags: ['ops'],
        summary: 'Who I am and what my role may do',
        response: { 200: operatorSchema, 401: errorSchema },
      },
    },
    async (request) => operatorToWire(operatorOf(request)),
  );

  app.get(
    '/api/v1/ops/roles',
    {
      preHandler: need(),
      schema: {
        tags: ['ops'],
        summary: 'The role-permission table',
        response: { 200: z.record(z.string(), z.array(z.string())) },
      },
    },
    async () => Object.fromEntries(Object.entries(ROLE_PERMISSIONS).map(([role, list]) => [role, [...list]])),
  );

  app.post(
    '/api/v1/ops/users/lookup',
    {
      preHandler: need('users.read'),
      schema: {
        tags: ['ops'],
        summary: 'Find a user by phone number or ID number (exact; results masked)',
        body: z
          .object({ phone: z.string().max(32).optional(), idNumber: z.string().max(40).optional() })
          .strict()
          .refine((b) => Boolean(b.phone) !== Boolean(b.idNumber), 'give a phone number or an ID number'),
        response: { 200: z.object({ items: z.array(userSummarySchema) }), ...errors },
      },
    },
    async (request) => ({ items: await recovery.ops.lookup(actorOf(operatorOf(request)), request.body) }),
  );

  app.get(
    '/api/v1/ops/users/:id',
    {
      preHandler: need('users.read'),
      schema: {
        tags: ['ops'],
        summary: 'A user’s security status, devices and activity (masked)',
        params: idParams,
        response: {
          200: userSummarySchema.extend({
            security: z.object({
              hasPaymentPassword: z.boolean(),
              totp: z.boolean(),
              backupCodesLeft: z.number(),
              passkeys: z.number(),
              emailBound: z.boolean(),
              paymentLockedUntil: z.string().nullable(),
            }),
            devices: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                lastSeenAt: z.string(),
                lastCountry: z.string().nullable(),
                lastCity: z.string().nullable(),
              }),
            ),
            events: z.array(
              z.object({
                id: z.string(),
                type: z.string(),
                ip: z.string().nullable(),
                country: z.string().nullable(),
                city: z.string().nullable(),
                at: z.string(),
              }),
            ),
            claims: z.array(claimSchema),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const detail = await recovery.ops.detail(actorOf(operatorOf(request)), request.params.id);
      const claims = await recovery.claims.list({ userId: request.params.id, limit: 20 });
      return {
        ...detail,
        security: {
          ...detail.security,
          paymentLockedUntil: detail.security.paymentLockedUntil?.toISOString() ?? null,
        },
        devices: detail.devices.map((d) => ({ ...d, lastSeenAt: d.lastSeenAt.toISOString() })),
        events: detail.events.map((e) => ({ ...e, at: e.at.toISOString() })),
        claims: claims.map(claimToWire),
      };
    },
  );

  app.post(
    '/api/v1/ops/users/:id/freeze',
    {
      preHandler: need('users.freeze'),
      schema: {
        tags: ['ops'],
        summary: 'Freeze an account',
        params: idParams,
        body: z.object({ note: z.string().max(500).default('') }).strict(),
        response: { 200: z.object({ frozen: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.ops.freeze(actorOf(operatorOf(request)), request.params.id, request.body.note);
      return { frozen: true as const };
    },
  );

  app.post(
    '/api/v1/ops/users/:id/approve-unfreeze',
    {
      preHandler: need('users.unfreeze'),
      schema: {
        tags: ['ops'],
        summary: 'Approve an unfreeze after review; the owner finishes with an SMS code and new passwords',
        params: idParams,
        body: z.object({ note: z.string().max(500).default('') }).strict(),
        response: { 200: z.object({ approved: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.ops.approveUnfreeze(actorOf(operatorOf(request)), request.params.id, request.body.note);
      return { approved: true as const };
    },
  );

  app.get(
    '/api/v1/ops/recoveries',
    {
      preHandler: need('recoveries.read'),
      schema: {
        tags: ['ops'],
        summary: 'Manual recoveries, newest first',
        querystring: z
          .object({
            status: z
              .enum(['pending_review', 'approved', 'rejected', 'cancelled', 'completed', 'failed'])
              .optional(),
          })
          .strict(),
        response: { 200: z.object({ items: z.array(recoverySchema) }), ...errors },
      },
    },
    async (request) => ({
      items: (await recovery.manual.list({ status: request.query.status, limit: 100 })).map(recoveryToWire),
    }),
  );

  app.get(
    '/api/v1/ops/recoveries/:id',
    {
      preHandler: need('recoveries.read'),
      schema: {
        tags: ['ops'],
        summary: 'One manual recovery with what the applicant gave (ID masked)',
        params: idParams,
        response: {
          200: recoverySchema.extend({
            oldPhoneMasked: z.string(),
            realNameGiven: z.string(),
            idNumberGivenMasked: z.string(),
            rememberedTransactions: z.string(),
            recentActivity: z
              .array(
                z.object({
                  at: z.string(),
                  direction: z.enum(['in', 'out']),
                  code: z.string(),
                  amountMinor: z.string(),
                  currency: z.string(),
                }),
              )
              .describe(
                "the matched account's latest posted wallet movements, to compare with what the applicant remembers",
              ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const d = await recovery.manual.detail(request.params.id);
      return {
        ...recoveryToWire(d),
        oldPhoneMasked: d.oldPhoneMasked,
        realNameGiven: d.realNameGiven,
        idNumberGivenMasked: d.idNumberGivenMasked,
        rememberedTransactions: d.rememberedTransactions,
        recentActivity: d.recentActivity.map((a) => ({
          ...a,
          at: a.at.toISOString(),
          amountMinor: a.amountMinor.toString(),
        })),
      };
    },
  );

  app.get(
    '/api/v1/ops/recoveries/:id/documents/:documentId',
    {
      preHandler: need('recoveries.read'),
      schema: {
        tags: ['ops'],
        summary: 'A document of a manual recovery (decrypted for viewing)',
        params: idParams.extend({ documentId: z.string().min(1).max(80) }),
      },
    },
    async (request, reply) => {
      const doc = await recovery.manual.readDocument(request.params.id, request.params.documentId);
      return reply
        .header('content-type', doc.mime)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-store')
        .header('content-disposition', 'inline')
        .send(doc.bytes);
    },
  );

  app.post(
    '/api/v1/ops/recoveries/:id/decision',
    {
      preHandler: need('recoveries.decide'),
      schema: {
        tags: ['ops'],
        summary: 'Approve (24-hour cool-down starts) or reject',
        params: idParams,
        body: decisionSchema,
        response: { 200: recoverySchema, ...errors },
      },
    },
    async (request) =>
      recoveryToWire(
        await recovery.manual.decide(actorOf(operatorOf(request)), request.params.id, request.body),
      ),
  );

  app.get(
    '/api/v1/ops/claims',
    {
      preHandler: need('claims.read'),
      schema: {
        tags: ['ops'],
        summary: 'Loss claims, newest first',
        querystring: z
          .object({ status: z.enum(['submitted', 'awaiting_second', 'paid', 'rejected']).optional() })
          .strict(),
        response: {
          200: z.object({ items: z.array(claimSchema.extend({ userId: z.string() })) }),
          ...errors,
        },
      },
    },
    async (request) => ({
      items: (await recovery.claims.list({ status: request.query.status, limit: 100 })).map((c) => ({
        ...claimToWire(c),
        userId: c.userId,
      })),
    }),
  );

  app.post(
    '/api/v1/ops/claims/:id/decision',
    {
      preHandler: need('claims.decide'),
      schema: {
        tags: ['ops'],
        summary: 'Approve (paid, or awaiting a second operator above the threshold) or reject',
        params: idParams,
        body: decisionSchema,
        response: { 200: claimSchema, ...errors },
      },
    },
    async (request) =>
      claimToWire(
        await recovery.claims.decide(actorOf(operatorOf(request)), request.params.id, request.body),
      ),
  );

  app.get(
    '/api/v1/ops/audit',
    {
      preHandler: need('audit.read'),
      schema: {
        tags: ['ops'],
        summary: 'The append-only audit log, newest first',
        querystring: z
          .object({
            limit: z.coerce.number().int().min(1).max(AUDIT_PAGE_MAX).default(50),
            before: z
              .string()
              .regex(/^[1-9][0-9]{0,18}$/)
              .optional(),
            userId: z.string().max(64).optional(),
            action: z.string().max(64).optional(),
          })
          .strict(),
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                actorKind: z.string(),
                actorId: z.string().nullable(),
                actorRole: z.string().nullable(),
                action: z.string(),
                userId: z.string().nullable(),
                subjectId: z.string().nullable(),
                details: z.record(z.string(), z.unknown()),
                createdAt: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const q = request.query;
      const items = await recovery.listAudit({
        limit: q.limit,
        beforeId: q.before ? BigInt(q.before) : undefined,
        userId: q.userId,
        action: q.action,
      });
      return { items: items.map((e) => ({ ...e, id: String(e.id), createdAt: e.createdAt.toISOString() })) };
    },
  );

  app.get(
    '/api/v1/ops/operators',
    {
      preHandler: need('operators.manage'),
      schema: {
        tags: ['ops'],
        summary: 'Operator accounts',
        response: {
          200: z.object({
            items: z.array(
              z.object({
                id: z.string(),
                username: z.string(),
                displayName: z.string(),
                role: z.string(),
                disabled: z.boolean(),
                createdAt: z.string(),
              }),
            ),
          }),
          ...errors,
        },
      },
    },
    async () => ({
      items: (await operators.list()).map((o) => ({ ...o, createdAt: o.createdAt.toISOString() })),
    }),
  );

  app.post(
    '/api/v1/ops/operators',
    {
      preHandler: need('operators.manage'),
      schema: {
        tags: ['ops'],
        summary: 'Create an operator; the TOTP seed is shown once',
        body: z
          .object({
            username: z.string().min(3).max(32),
            displayName: z.string().min(1).max(64),
            role: z.enum(OPERATOR_ROLES),
            password: z.string().min(12).max(128),
          })
          .strict(),
        response: {
          201: z.object({ id: z.string(), totpSecret: z.string(), otpauthUrl: z.string() }),
          ...errors,
        },
      },
    },
    async (request, reply) =>
      reply.status(201).send(await operators.create(operatorOf(request), request.body)),
  );
};
