import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity } from '../../identity/index.ts';
import { CSRF_COOKIE, requireUser, SESSION_COOKIE, sessionOf } from '../auth.ts';
import { errorSchema } from '../wire.ts';

const userSchema = z.object({ id: z.string(), phone: z.string(), displayName: z.string() });

export interface AuthRoutesOptions {
  identity: Identity;
  cookieSecure: boolean;
  sessionLifetimeMs: number;
}

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (
  app,
  { identity, cookieSecure, sessionLifetimeMs },
) => {
  const cookieBase = {
    path: '/',
    sameSite: 'lax' as const,
    secure: cookieSecure,
    maxAge: Math.floor(sessionLifetimeMs / 1000),
  };

  app.post(
    '/api/v1/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with phone number and login password',
        body: z.object({ phone: z.string().min(1).max(32), password: z.string().min(1).max(128) }).strict(),
        response: {
          200: z.object({ user: userSchema, token: z.string(), csrfToken: z.string() }),
          401: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const { user, token, csrfToken } = await identity.signIn({
        phoneE164: request.body.phone.replace(/[\s-]/g, ''),
        password: request.body.password,
        userAgent: request.headers['user-agent'],
        ip: request.ip,
      });
      reply.setCookie(SESSION_COOKIE, token, { ...cookieBase, httpOnly: true });
      reply.setCookie(CSRF_COOKIE, csrfToken, { ...cookieBase, httpOnly: false });
      return {
        user: { id: user.id, phone: user.phoneE164, displayName: user.displayName },
        token,
        csrfToken,
      };
    },
  );

  app.post(
    '/api/v1/auth/sign-out',
    { preHandler: requireUser(identity), schema: { tags: ['auth'], summary: 'End this session' } },
    async (request, reply) => {
      await identity.endSession(sessionOf(request).tokenSha256);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.get(
    '/api/v1/me',
    {
      preHandler: requireUser(identity),
      schema: {
        tags: ['auth'],
        summary: 'The signed-in user',
        response: { 200: z.object({ user: userSchema }), 401: errorSchema },
      },
    },
    async (request) => {
      const { user } = sessionOf(request);
      return { user: { id: user.id, phone: user.phoneE164, displayName: user.displayName } };
    },
  );
};
