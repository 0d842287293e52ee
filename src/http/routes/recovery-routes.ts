/**
 * Issue 7, the user's side (docs/recovery.md): verified identity (real name + ID number, shown
 * masked), emergency freeze signed in and signed out, "my account was stolen", unfreeze, forgot
 * login / payment password, manual recovery with document uploads, loss claims. Signed-out paths
 * answer the same for every phone number. Thin: schemas in, use cases called, views out.
 */
import fastifyMultipart from '@fastify/multipart';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, Located } from '../../identity/index.ts';
import {
  type AttemptKind,
  CLAIM_ITEMS_MAX,
  type ClaimView,
  DOCUMENT_BYTES_MAX,
  DOCUMENTS_PER_REQUEST_MAX,
  type IdentityDataView,
  RECOVERY_ERRORS,
  type Recovery,
  type StolenActivityItem,
} from '../../recovery/index.ts';
import { DomainError } from '../../shared/index.ts';
import { originOf, requireStepUp, requireUser, sessionOf } from '../auth.ts';
import { errorSchema } from '../wire.ts';

const tokenSchema = z.string().min(16).max(128);
const phoneSchema = z.string().min(3).max(32);
const codeSchema = z.string().min(1).max(16);
const passwordSchema = z.string().min(1).max(256);
const nameSchema = z.string().min(1).max(128);
const idSchema = z.string().min(1).max(40);

const factorSchema = z.discriminatedUnion('method', [
  z.object({ method: z.enum(['totp', 'backup_code']), code: codeSchema.max(32) }).strict(),
  z
    .object({ method: z.literal('passkey'), ceremonyId: z.string().min(1).max(128), response: z.unknown() })
    .strict(),
  z.object({ method: z.literal('id_check'), realName: nameSchema, idNumber: idSchema }).strict(),
]);

const errors = {
  400: errorSchema,
  401: errorSchema,
  403: errorSchema,
  404: errorSchema,
  409: errorSchema,
  413: errorSchema,
  415: errorSchema,
  423: errorSchema,
  429: errorSchema,
};

const identitySchema = z.object({
  verified: z.boolean(),
  realNameMasked: z.string().nullable(),
  idNumberMasked: z.string().nullable().describe('e.g. 1101**********1234'),
  verifiedAt: z.string().nullable(),
});

function identityToWire(view: IdentityDataView | null): z.infer<typeof identitySchema> {
  return view
    ? {
        verified: true,
        realNameMasked: view.realNameMasked,
        idNumberMasked: view.idNumberMasked,
        verifiedAt: view.verifiedAt.toISOString(),
      }
    : { verified: false, realNameMasked: null, idNumberMasked: null, verifiedAt: null };
}

const activitySchema = z.object({
  kind: z.enum(['money_out', 'sign_in']),
  id: z.string(),
  code: z.string(),
  amountMinor: z.string().nullable(),
  currency: z.string().nullable(),
  where: z.string().nullable(),
  at: z.string(),
});

const activityToWire = (a: StolenActivityItem): z.infer<typeof activitySchema> => ({
  ...a,
  amountMinor: a.amountMinor === null ? null : a.amountMinor.toString(),
  at: a.at.toISOString(),
});

export const claimSchema = z.object({
  id: z.string(),
  status: z.enum(['submitted', 'awaiting_second', 'paid', 'rejected']),
  totalMinor: z.string(),
  payableMinor: z.string(),
  currency: z.string(),
  eligible: z.boolean(),
  reasons: z.array(z.string()),
  credentialsShared: z.boolean(),
  items: z.array(
    z.object({ transferId: z.string(), kind: z.string(), amountMinor: z.string(), occurredAt: z.string() }),
  ),
  firstApprover: z.string().nullable(),
  decidedBy: z.string().nullable(),
  payoutTransferId: z.string().nullable(),
  createdAt: z.string(),
  decidedAt: z.string().nullable(),
});

export function claimToWire(c: ClaimView): z.infer<typeof claimSchema> {
  return {
    id: c.id,
    status: c.status,
    totalMinor: c.totalMinor.toString(),
    payableMinor: c.payableMinor.toString(),
    currency: c.currency,
    eligible: c.eligible,
    reasons: [...c.reasons],
    credentialsShared: c.credentialsShared,
    items: c.items.map((i) => ({
      transferId: i.transferId,
      kind: i.kind,
      amountMinor: i.amountMinor.toString(),
      occurredAt: i.occurredAt.toISOString(),
    })),
    firstApprover: c.firstApprover,
    decidedBy: c.decidedBy,
    payoutTransferId: c.payoutTransferId,
    createdAt: c.createdAt.toISOString(),
    decidedAt: c.decidedAt?.toISOString() ?? null,
  };
}

const claimInputSchema = z
  .object({
    transferIds: z.array(z.string().min(1).max(64)).min(1).max(CLAIM_ITEMS_MAX),
    credentialsShared: z.boolean().describe('Did you knowingly give your password or codes to someone?'),
    statement: z.string().max(2000).default(''),
  })
  .strict();

const KINDS: Record<string, AttemptKind> = {
  freeze: 'freeze',
  unfreeze: 'unfreeze',
  'forgot-login': 'forgot_login',
  'forgot-payment': 'forgot_payment',
};
const kindParams = z.object({ kind: z.enum(['freeze', 'unfreeze', 'forgot-login', 'forgot-payment']) });

export const recoveryRoutes: FastifyPluginAsyncZod<{
  identity: Identity;
  recovery: Recovery;
  nowMs: () => number;
}> = async (app, { identity, recovery, nowMs }) => {
  await app.register(fastifyMultipart, {
    limits: {
      fileSize: DOCUMENT_BYTES_MAX,
      files: DOCUMENTS_PER_REQUEST_MAX,
      fields: 12,
      fieldSize: 4096,
      parts: 20,
    },
  });
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const signedIn = requireUser(identity);

  app.get(
    '/api/v1/me/identity',
    {
      preHandler: signedIn,
      schema: {
        tags: ['recovery'],
        summary: 'My verified identity, masked',
        response: { 200: identitySchema, 401: errorSchema },
      },
    },
    async (request) => identityToWire(await recovery.identityData.view(sessionOf(request).user.id)),
  );

  app.put(
    '/api/v1/me/identity',
    {
      preHandler: [signedIn, requireStepUp(nowMs)],
      schema: {
        tags: ['recovery'],
        summary: 'Set my real name and resident ID number (once)',
        body: z.object({ realName: nameSchema, idNumber: idSchema }).strict(),
        response: { 200: identitySchema, ...errors },
      },
    },
    async (request) =>
      identityToWire(await recovery.identityData.set(sessionOf(request).user.id, request.body)),
  );

  app.post(
    '/api/v1/me/freeze',
    {
      preHandler: signedIn,
      schema: {
        tags: ['recovery'],
        summary: 'Emergency freeze (signs out everywhere)',
        response: { 200: z.object({ frozen: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.stolen.freezeSelf(sessionOf(request), located(request));
      return { frozen: true as const };
    },
  );

  app.post(
    '/api/v1/me/stolen',
    {
      preHandler: signedIn,
      schema: {
        tags: ['recovery'],
        summary:
          'My account was stolen: freeze, sign out everywhere, password-free off, agreements suspended',
        body: z.object({ suspectedSince: z.string().datetime() }).strict(),
        response: {
          200: z.object({
            frozen: z.literal(true),
            reportToken: z.string().describe('Lists the activity and opens a claim; valid 7 days'),
            expiresAt: z.string(),
            passwordFreeTurnedOff: z.boolean(),
            grantsSuspended: z.number(),
            activity: z.array(activitySchema),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const report = await recovery.stolen.reportStolen(
        sessionOf(request),
        { suspectedSince: new Date(request.body.suspectedSince) },
        located(request),
      );
      return {
        frozen: true as const,
        reportToken: report.reportToken,
        expiresAt: report.expiresAt.toISOString(),
        passwordFreeTurnedOff: report.passwordFreeTurnedOff,
        grantsSuspended: report.grantsSuspended,
        activity: report.activity.map(activityToWire),
      };
    },
  );

  app.post(
    '/api/v1/recovery/stolen/activity',
    {
      schema: {
        tags: ['recovery'],
        summary: 'The activity since the suspected time, for a stolen-account report',
        body: z.object({ reportToken: tokenSchema }).strict(),
        response: {
          200: z.object({ suspectedSince: z.string(), activity: z.array(activitySchema) }),
          ...errors,
        },
      },
    },
    async (request) => {
      const report = await recovery.stolen.loadReport(request.body.reportToken);
      const activity = await recovery.stolen.activitySince(report.userId, report.suspectedSince);
      return { suspectedSince: report.suspectedSince.toISOString(), activity: activity.map(activityToWire) };
    },
  );

  app.post(
    '/api/v1/recovery/stolen/claim',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Open a loss claim for the transactions marked "not me"',
        body: claimInputSchema.extend({ reportToken: tokenSchema }).strict(),
        response: { 201: claimSchema, ...errors },
      },
    },
    async (request, reply) => {
      const report = await recovery.stolen.loadReport(request.body.reportToken);
      const claim = await recovery.claims.open(report.userId, {
        ...request.body,
        suspectedSince: report.suspectedSince,
      });
      return reply.status(201).send(claimToWire(claim));
    },
  );

  app.post(
    '/api/v1/me/claims',
    {
      preHandler: signedIn,
      schema: {
        tags: ['recovery'],
        summary: 'Open a loss claim (signed in)',
        body: claimInputSchema.extend({ suspectedSince: z.string().datetime() }).strict(),
        response: { 201: claimSchema, ...errors },
      },
    },
    async (request, reply) => {
      const claim = await recovery.claims.open(sessionOf(request).user.id, {
        ...request.body,
        suspectedSince: new Date(request.body.suspectedSince),
      });
      return reply.status(201).send(claimToWire(claim));
    },
  );

  app.get(
    '/api/v1/me/claims',
    {
      preHandler: signedIn,
      schema: {
        tags: ['recovery'],
        summary: 'My loss claims',
        response: { 200: z.object({ items: z.array(claimSchema) }), 401: errorSchema },
      },
    },
    async (request) => ({
      items: (await recovery.claims.list({ userId: sessionOf(request).user.id, limit: 50 })).map(claimToWire),
    }),
  );

  app.post(
    '/api/v1/recovery/freeze/by-id',
    {
      schema: {
        tags: ['recovery'],
        summary:
          'Freeze without the phone: phone number + real name + ID number (same answer whether or not they match)',
        body: z.object({ phone: phoneSchema, realName: nameSchema, idNumber: idSchema }).strict(),
        response: { 202: z.object({ accepted: z.literal(true) }), ...errors },
      },
    },
    async (request, reply) => {
      await recovery.selfService.freezeById(request.body, located(request));
      return reply.status(202).send({ accepted: true as const });
    },
  );

  // Signed-out self-service: start → verify-code → the kind's last step.
  app.post(
    '/api/v1/recovery/:kind/start',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Start a signed-out freeze, unfreeze or password recovery (same answer for every phone)',
        params: kindParams,
        body: z.object({ phone: phoneSchema }).strict(),
        response: {
          200: z.object({
            attemptToken: z.string(),
            expiresAt: z.string(),
            humanCheck: z.string().nullable(),
          }),
          ...errors,
        },
      },
    },
    async (request) => {
      const kind = KINDS[request.params.kind] ?? 'freeze';
      const started = await recovery.selfService.start(kind, request.body.phone, located(request));
      return { ...started, expiresAt: started.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/v1/recovery/:kind/verify-code',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Check the SMS code; a freeze happens here; the others learn which factors they may use',
        params: kindParams,
        body: z.object({ attemptToken: tokenSchema, code: codeSchema }).strict(),
        response: {
          200: z.object({
            totp: z.boolean(),
            passkey: z.boolean(),
            backupCode: z.boolean(),
            idCheck: z.boolean(),
            operatorApproved: z.boolean(),
          }),
          ...errors,
        },
      },
    },
    async (request) =>
      recovery.selfService.verifyCode(KINDS[request.params.kind] ?? 'freeze', request.body, located(request)),
  );

  app.post(
    '/api/v1/recovery/:kind/passkey-options',
    {
      schema: {
        tags: ['recovery'],
        summary: 'WebAuthn options for the passkey factor of a recovery',
        params: kindParams,
        body: z.object({ attemptToken: tokenSchema }).strict(),
        response: { 200: z.object({ ceremonyId: z.string(), options: z.unknown() }), ...errors },
      },
    },
    async (request) =>
      recovery.selfService.passkeyOptions(KINDS[request.params.kind] ?? 'freeze', request.body.attemptToken),
  );

  app.post(
    '/api/v1/recovery/forgot-login/reset',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Set a new login password: SMS code (verified) + one more factor',
        body: z
          .object({ attemptToken: tokenSchema, factor: factorSchema.optional(), newPassword: passwordSchema })
          .strict(),
        response: { 200: z.object({ reset: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.selfService.resetLoginPassword(request.body, located(request));
      return { reset: true as const };
    },
  );

  app.post(
    '/api/v1/recovery/forgot-payment/reset',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Set a new payment password: real name + ID number + SMS code + human check',
        body: z
          .object({
            attemptToken: tokenSchema,
            realName: nameSchema,
            idNumber: idSchema,
            humanAnswer: z.string().max(8),
            newPaymentPassword: z.string().max(16),
          })
          .strict(),
        response: { 200: z.object({ reset: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.selfService.resetPaymentPassword(request.body, located(request));
      return { reset: true as const };
    },
  );

  app.post(
    '/api/v1/recovery/unfreeze/complete',
    {
      schema: {
        tags: ['recovery'],
        summary:
          'Unfreeze: SMS (verified) + real name + ID number + a second factor (or an operator approval), and new passwords',
        body: z
          .object({
            attemptToken: tokenSchema,
            realName: nameSchema.optional(),
            idNumber: idSchema.optional(),
            factor: factorSchema.optional(),
            newPassword: passwordSchema,
            newPaymentPassword: z.string().max(16),
          })
          .strict(),
        response: { 200: z.object({ unfrozen: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.selfService.unfreeze(request.body, located(request));
      return { unfrozen: true as const };
    },
  );

  // Manual recovery (phone lost): code to the new phone, then a multipart request with documents.
  app.post(
    '/api/v1/recovery/manual/new-phone-code',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Send a code to the new phone of a manual recovery',
        body: z.object({ newPhone: phoneSchema }).strict(),
        response: { 200: z.object({ sent: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.manual.sendNewPhoneCode(request.body.newPhone, located(request));
      return { sent: true as const };
    },
  );

  app.post(
    '/api/v1/recovery/manual',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Ask for manual recovery (multipart: fields + 1–5 JPEG/PNG/PDF documents of at most 5 MB)',
        consumes: ['multipart/form-data'],
        response: {
          202: z.object({ statusToken: z.string(), status: z.literal('pending_review') }),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      if (!request.isMultipart())
        throw new DomainError(RECOVERY_ERRORS.DOCUMENT_TYPE, undefined, 'Send multipart/form-data.');
      const fields: Record<string, string> = {};
      const files: Buffer[] = [];
      try {
        for await (const part of request.parts()) {
          if (part.type === 'file') files.push(await part.toBuffer());
          else if (typeof part.value === 'string') fields[part.fieldname] = part.value;
        }
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === 'FST_REQ_FILE_TOO_LARGE') throw new DomainError(RECOVERY_ERRORS.DOCUMENT_TOO_LARGE);
        if (code === 'FST_FILES_LIMIT' || code === 'FST_PARTS_LIMIT' || code === 'FST_FIELDS_LIMIT')
          throw new DomainError(RECOVERY_ERRORS.TOO_MANY_DOCUMENTS);
        throw error;
      }
      const parsed = z
        .object({
          oldPhone: phoneSchema,
          newPhone: phoneSchema,
          newPhoneCode: codeSchema,
          realName: nameSchema,
          idNumber: idSchema,
          rememberedTransactions: z.string().max(2000).default(''),
        })
        .safeParse(fields);
      if (!parsed.success)
        throw new DomainError(
          RECOVERY_ERRORS.VERIFICATION_FAILED,
          { fields: parsed.error.issues.map((i) => i.path.join('.')) },
          'Some fields are missing or too long.',
        );
      const result = await recovery.manual.submit({ ...parsed.data, documents: files }, located(request));
      return reply.status(202).send(result);
    },
  );

  app.post(
    '/api/v1/recovery/manual/status',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Where a manual recovery stands',
        body: z.object({ statusToken: tokenSchema }).strict(),
        response: { 200: z.object({ status: z.string(), cooldownUntil: z.string().nullable() }), ...errors },
      },
    },
    async (request) => {
      const status = await recovery.manual.status(request.body.statusToken);
      return { status: status.status, cooldownUntil: status.cooldownUntil?.toISOString() ?? null };
    },
  );

  app.post(
    '/api/v1/recovery/manual/cancel',
    {
      schema: {
        tags: ['recovery'],
        summary: 'Cancel an approved manual recovery during its cool-down (the link in the notice)',
        body: z.object({ token: tokenSchema }).strict(),
        response: { 200: z.object({ cancelled: z.literal(true) }), ...errors },
      },
    },
    async (request) => {
      await recovery.manual.cancel(request.body.token);
      return { cancelled: true as const };
    },
  );
};
