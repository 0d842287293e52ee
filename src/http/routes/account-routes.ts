/**
 * The signed-in user's security: overview, sessions, devices, recent activity, step-up, the
 * payment password, and changes of password, phone and e-mail (each behind a fresh step-up).
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, Located } from '../../identity/index.ts';
import { SECURITY_EVENT_TYPES, SECURITY_EVENTS_PAGE_MAX } from '../../identity/index.ts';
import type { Clock } from '../../shared/index.ts';
import { originOf, requireStepUp, requireUser, STEP_UP_FRESH_MS, sessionOf } from '../auth.ts';
import { errorSchema, labelSchema, pageQuerySchema } from '../wire.ts';

const idParams = z.object({ id: z.string().min(1).max(64) });
const resendSchema = z.object({ resendAfterMs: z.number() });
const okSchema = z.object({ ok: z.literal(true) });

export const accountRoutes: FastifyPluginAsyncZod<{ identity: Identity; clock: Clock }> = async (
  app,
  { identity, clock },
) => {
  const user = requireUser(identity);
  const stepUp = [user, requireStepUp(() => clock.nowMs())];
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));
  const tags = ['account security'];

  app.get(
    '/api/v1/me/security',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'What protects this account',
        response: {
          200: z.object({
            phone: z.string(),
            email: z.string().nullable(),
            hasPaymentPassword: z.boolean(),
            totp: z.boolean(),
            backupCodesLeft: z.number(),
            passkeys: z.number(),
            paymentLockedUntil: z.string().nullable(),
            paymentLockLiftable: z.boolean(),
            frozen: z.boolean(),
            stepUpUntil: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const overview = await identity.security.overview(session.user.id);
      const stepUpUntilMs = session.stepUpAt ? session.stepUpAt.getTime() + STEP_UP_FRESH_MS : null;
      return {
        ...overview,
        paymentLockedUntil: overview.paymentLockedUntil?.toISOString() ?? null,
        stepUpUntil:
          stepUpUntilMs && stepUpUntilMs > clock.nowMs() ? new Date(stepUpUntilMs).toISOString() : null,
      };
    },
  );

  app.get(
    '/api/v1/me/sessions',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Signed-in sessions',
        response: {
          200: z.object({
            sessions: z.array(
              z.object({
                id: z.string(),
                deviceId: z.string().nullable(),
                deviceName: z.string().nullable(),
                ip: z.string().nullable(),
                country: z.string().nullable(),
                city: z.string().nullable(),
                userAgent: z.string().nullable(),
                createdAt: z.string(),
                lastSeenAt: z.string(),
                current: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const sessions = await identity.sessions.list(session.user.id, session.sessionId);
      return {
        sessions: sessions.map((s) => ({
          ...s,
          createdAt: s.createdAt.toISOString(),
          lastSeenAt: s.lastSeenAt.toISOString(),
        })),
      };
    },
  );

  app.delete(
    '/api/v1/me/sessions/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'End one session',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      await identity.sessions.end(sessionOf(request).user.id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/me/sessions/end-others',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'End every other session',
        response: { 200: z.object({ ended: z.number() }) },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      return { ended: await identity.sessions.endOthers(undefined, session.user.id, session.sessionId) };
    },
  );

  app.get(
    '/api/v1/me/devices',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Devices that signed in to this account',
        response: {
          200: z.object({
            devices: z.array(
              z.object({
                id: z.string(),
                name: z.string(),
                browser: z.string().nullable(),
                os: z.string().nullable(),
                firstSeenAt: z.string(),
                lastSeenAt: z.string(),
                lastIp: z.string().nullable(),
                lastCountry: z.string().nullable(),
                lastCity: z.string().nullable(),
                current: z.boolean(),
              }),
            ),
          }),
        },
      },
    },
    async (request) => {
      const session = sessionOf(request);
      const devices = await identity.devices.list(session.user.id);
      return {
        devices: devices.map((d) => ({
          ...d,
          firstSeenAt: d.firstSeenAt.toISOString(),
          lastSeenAt: d.lastSeenAt.toISOString(),
          current: d.id === session.deviceId,
        })),
      };
    },
  );

  app.patch(
    '/api/v1/me/devices/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Name a device',
        params: idParams,
        body: z.object({ name: labelSchema(60) }).strict(),
        response: { 204: z.null(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      await identity.devices.rename(sessionOf(request).user.id, request.params.id, request.body.name);
      return reply.status(204).send(null);
    },
  );

  app.delete(
    '/api/v1/me/devices/:id',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Forget a device and end its sessions',
        params: idParams,
        response: { 204: z.null(), 404: errorSchema },
      },
    },
    async (request, reply) => {
      await identity.devices.remove(sessionOf(request).user.id, request.params.id);
      return reply.status(204).send(null);
    },
  );

  app.get(
    '/api/v1/me/security-events',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Recent security activity',
        querystring: pageQuerySchema(SECURITY_EVENTS_PAGE_MAX),
        response: {
          200: z.object({
            events: z.array(
              z.object({
                id: z.string(),
                type: z.enum(SECURITY_EVENT_TYPES),
                deviceId: z.string().nullable(),
                ip: z.string().nullable(),
                country: z.string().nullable(),
                city: z.string().nullable(),
                details: z.record(z.string(), z.unknown()),
                createdAt: z.string(),
              }),
            ),
            nextBefore: z.string().nullable(),
          }),
        },
      },
    },
    async (request) => {
      const limit = request.query.limit;
      const events = await identity.listSecurityEvents({
        userId: sessionOf(request).user.id,
        limit: limit + 1,
        beforeId: request.query.before ? BigInt(request.query.before) : undefined,
      });
      const page = events.slice(0, limit);
      return {
        events: page.map((e) => ({ ...e, id: e.id.toString(), createdAt: e.createdAt.toISOString() })),
        nextBefore: events.length > limit ? (page[page.length - 1]?.id.toString() ?? null) : null,
      };
    },
  );

  app.post(
    '/api/v1/me/step-up/send-code',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Send an SMS code for step-up',
        response: { 200: resendSchema, 429: errorSchema },
      },
    },
    async (request) => identity.security.sendStepUpCode(sessionOf(request), located(request)),
  );

  app.post(
    '/api/v1/me/step-up/passkey-options',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'WebAuthn options for step-up',
        response: { 200: z.object({ ceremonyId: z.string(), options: z.unknown() }) },
      },
    },
    async (request) => identity.security.stepUpPasskeyOptions(sessionOf(request)),
  );

  app.post(
    '/api/v1/me/step-up',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Confirm it is you (valid 5 minutes for sensitive changes)',
        description:
          'With `password` (the login password) beside a second factor, this is the identity check that lifting the payment lock early, changing the login password and replacing the payment password without the current one need.',
        body: z
          .object({
            method: z.enum(['payment_password', 'sms', 'totp', 'backup_code', 'passkey']),
            code: z.string().max(32).optional(),
            paymentPassword: z.string().max(32).optional(),
            ceremonyId: z.string().max(64).optional(),
            response: z.record(z.string(), z.unknown()).optional(),
            password: z.string().max(256).optional(),
          })
          .strict(),
        response: {
          200: z.object({ stepUpUntil: z.string() }),
          400: errorSchema,
          401: errorSchema,
          423: errorSchema,
        },
      },
    },
    async (request) => {
      const at = await identity.security.stepUp(sessionOf(request), request.body, located(request));
      return { stepUpUntil: new Date(at.getTime() + STEP_UP_FRESH_MS).toISOString() };
    },
  );

  app.post(
    '/api/v1/me/payment-password/verify',
    {
      preHandler: user,
      schema: {
        tags,
        summary: 'Check the payment password (3 wrong → payments locked 3 hours)',
        body: z.object({ paymentPassword: z.string().max(32) }).strict(),
        response: { 200: okSchema, 401: errorSchema, 409: errorSchema, 423: errorSchema },
      },
    },
    async (request) => {
      await identity.security.verifyPaymentPassword(
        sessionOf(request).user.id,
        request.body.paymentPassword,
        located(request),
      );
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/me/payment-password/unlock',
    {
      // The identity check (a step-up with the login password) is the use case's own requirement:
      // `identity_check_required` tells the client exactly what to ask for.
      preHandler: user,
      schema: {
        tags,
        summary: 'Lift the payment lock early (the first lock in 24 hours, after the identity check)',
        response: {
          200: z.object({ ok: z.literal(true), unlocked: z.boolean() }),
          403: errorSchema,
          423: errorSchema,
        },
      },
    },
    async (request) => {
      const { unlocked } = await identity.security.unlockPayments(sessionOf(request), located(request));
      return { ok: true as const, unlocked };
    },
  );

  app.post(
    '/api/v1/me/payment-password',
    {
      preHandler: stepUp,
      schema: {
        tags,
        summary: 'Set a new payment password',
        body: z.object({ newPaymentPassword: z.string().max(32) }).strict(),
        response: { 200: okSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      await identity.security.changePaymentPassword(
        sessionOf(request),
        request.body.newPaymentPassword,
        located(request),
      );
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/me/password',
    {
      preHandler: stepUp,
      schema: {
        tags,
        summary: 'Set a new login password (ends every other session)',
        body: z.object({ newPassword: z.string().max(256) }).strict(),
        response: { 200: okSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      await identity.security.changePassword(sessionOf(request), request.body.newPassword, located(request));
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/me/phone/start',
    {
      preHandler: stepUp,
      schema: {
        tags,
        summary: 'Send a code to a new phone number',
        body: z.object({ phone: z.string().max(32) }).strict(),
        response: { 200: resendSchema, 400: errorSchema, 403: errorSchema, 429: errorSchema },
      },
    },
    async (request) =>
      identity.security.startPhoneChange(sessionOf(request), request.body.phone, located(request)),
  );

  app.post(
    '/api/v1/me/phone/confirm',
    {
      preHandler: stepUp,
      schema: {
        tags,
        summary: 'Bind the new phone number',
        body: z.object({ phone: z.string().max(32), code: z.string().max(32) }).strict(),
        response: { 200: okSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      await identity.security.confirmPhoneChange(sessionOf(request), request.body, located(request));
      return { ok: true as const };
    },
  );

  app.post(
    '/api/v1/me/email/start',
    {
      preHandler: stepUp,
      schema: {
        tags,
        summary: 'Send a code to a new e-mail address',
        body: z.object({ email: z.string().max(254) }).strict(),
        response: { 200: resendSchema, 400: errorSchema, 403: errorSchema, 429: errorSchema },
      },
    },
    async (request) =>
      identity.security.startEmailChange(sessionOf(request), request.body.email, located(request)),
  );

  app.post(
    '/api/v1/me/email/confirm',
    {
      preHandler: stepUp,
      schema: {
        tags,
        summary: 'Bind the new e-mail address',
        body: z.object({ email: z.string().max(254), code: z.string().max(32) }).strict(),
        response: { 200: okSchema, 400: errorSchema, 403: errorSchema },
      },
    },
    async (request) => {
      await identity.security.confirmEmailChange(sessionOf(request), request.body, located(request));
      return { ok: true as const };
    },
  );
};
