/**
 * Signing up, signing in (password, second factor, passkey), signing out, and the "this wasn't
 * me" link. Thin: parse, call identity, set cookies, shape the answer.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, Located } from '../../identity/index.ts';
import type { Wallet } from '../../wallet/index.ts';
import { CSRF_COOKIE, DEVICE_COOKIE, originOf, requireUser, SESSION_COOKIE, sessionOf } from '../auth.ts';
import { errorSchema } from '../wire.ts';

export const userSchema = z.object({ id: z.string(), phone: z.string(), displayName: z.string() });
const signedInSchema = z.object({
  status: z.literal('signed_in'),
  user: userSchema,
  token: z.string(),
  csrfToken: z.string(),
});
const challengeSchema = z.object({
  status: z.literal('second_factor_required'),
  challengeId: z.string(),
  challengeToken: z.string(),
  reasons: z.array(z.string()),
  methods: z.array(z.enum(['sms', 'totp', 'backup_code', 'passkey'])),
});
const codeSchema = z.string().min(1).max(32);
const tokenSchema = z.string().min(16).max(128);
/** A WebAuthn response as @simplewebauthn/browser produces it; verified by identity. */
const webauthnResponseSchema = z.record(z.string(), z.unknown());
const resendSchema = z.object({ resendAfterMs: z.number() });
/** Device keys live 400 days (the longest cookie lifetime browsers keep). */
const DEVICE_COOKIE_MAX_AGE_S = 400 * 24 * 3600;

export interface AuthRoutesOptions {
  identity: Identity;
  wallet: Wallet;
  cookieSecure: boolean;
  sessionLifetimeMs: number;
}

export const authRoutes: FastifyPluginAsyncZod<AuthRoutesOptions> = async (app, options) => {
  const { identity, wallet, cookieSecure, sessionLifetimeMs } = options;
  const cookieBase = { path: '/', sameSite: 'lax' as const, secure: cookieSecure };
  const located = (request: FastifyRequest): Located => identity.locate(originOf(request));

  function signedIn(
    reply: FastifyReply,
    result: {
      user: { id: string; phoneE164: string; displayName: string };
      token: string;
      csrfToken: string;
      deviceKey: string;
    },
  ) {
    const maxAge = Math.floor(sessionLifetimeMs / 1000);
    reply.setCookie(SESSION_COOKIE, result.token, { ...cookieBase, httpOnly: true, maxAge });
    reply.setCookie(CSRF_COOKIE, result.csrfToken, { ...cookieBase, httpOnly: false, maxAge });
    reply.setCookie(DEVICE_COOKIE, result.deviceKey, {
      ...cookieBase,
      httpOnly: true,
      maxAge: DEVICE_COOKIE_MAX_AGE_S,
    });
    return {
      status: 'signed_in' as const,
      user: { id: result.user.id, phone: result.user.phoneE164, displayName: result.user.displayName },
      token: result.token,
      csrfToken: result.csrfToken,
    };
  }

  app.post(
    '/api/v1/auth/sign-up/start',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start signing up: codes to the phone (and e-mail)',
        body: z.object({ phone: z.string().min(1).max(32), email: z.string().max(254).optional() }).strict(),
        response: {
          200: z.object({
            signUpId: z.string(),
            phone: z.string(),
            email: z.string().nullable(),
            expiresAt: z.string(),
            resendAfterMs: z.number(),
          }),
          400: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request) => {
      const started = await identity.signUp.start(request.body, located(request));
      return { ...started, expiresAt: started.expiresAt.toISOString() };
    },
  );

  app.post(
    '/api/v1/auth/sign-up/resend',
    {
      schema: {
        tags: ['auth'],
        summary: 'Send a sign-up code again (after the cool-down)',
        body: z.object({ signUpId: z.string().max(64), channel: z.enum(['sms', 'email']) }).strict(),
        response: { 200: resendSchema, 410: errorSchema, 429: errorSchema },
      },
    },
    async (request) => identity.signUp.resend(request.body, located(request)),
  );

  app.post(
    '/api/v1/auth/sign-up/complete',
    {
      schema: {
        tags: ['auth'],
        summary: 'Finish signing up: codes, name, login password and 6-digit payment password',
        body: z
          .object({
            signUpId: z.string().max(64),
            phoneCode: codeSchema,
            emailCode: codeSchema.optional(),
            displayName: z.string().trim().min(1).max(40),
            password: z.string().min(1).max(256),
            paymentPassword: z.string().min(1).max(32),
            birthDate: z.iso.date().optional(),
          })
          .strict(),
        response: {
          201: signedInSchema,
          400: errorSchema,
          409: errorSchema,
          410: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const result = await identity.signUp.complete(request.body, located(request));
      await wallet.openWallet(result.user.id, 'CNY');
      return reply.status(201).send(signedIn(reply, result));
    },
  );

  app.post(
    '/api/v1/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with phone number and login password',
        description:
          'Answers signed_in, or second_factor_required for a new device, a new country, impossible travel or TOTP.',
        body: z.object({ phone: z.string().min(1).max(32), password: z.string().min(1).max(256) }).strict(),
        response: {
          200: z.union([signedInSchema, challengeSchema]),
          401: errorSchema,
          423: errorSchema,
          429: errorSchema,
        },
      },
    },
    async (request, reply) => {
      const outcome = await identity.signIn.withPassword(request.body, located(request));
      if (outcome.status === 'signed_in') return signedIn(reply, outcome);
      return outcome;
    },
  );

  app.post(
    '/api/v1/auth/sign-in/send-code',
    {
      schema: {
        tags: ['auth'],
        summary: 'Send the SMS code for a sign-in challenge',
        body: z.object({ challengeToken: tokenSchema }).strict(),
        response: { 200: resendSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (request) => identity.signIn.sendChallengeCode(request.body.challengeToken, located(request)),
  );

  app.post(
    '/api/v1/auth/sign-in/passkey-options',
    {
      schema: {
        tags: ['auth'],
        summary: 'WebAuthn options to answer a sign-in challenge with a passkey',
        body: z.object({ challengeToken: tokenSchema }).strict(),
        response: { 200: z.object({ ceremonyId: z.string(), options: z.unknown() }), 401: errorSchema },
      },
    },
    async (request) => identity.signIn.challengePasskeyOptions(request.body.challengeToken),
  );

  app.post(
    '/api/v1/auth/sign-in/verify',
    {
      schema: {
        tags: ['auth'],
        summary: 'Answer a sign-in challenge with a second factor',
        body: z
          .object({
            challengeToken: tokenSchema,
            method: z.enum(['sms', 'totp', 'backup_code', 'passkey']),
            code: codeSchema.optional(),
            ceremonyId: z.string().max(64).optional(),
            response: webauthnResponseSchema.optional(),
          })
          .strict(),
        response: { 200: signedInSchema, 400: errorSchema, 401: errorSchema, 429: errorSchema },
      },
    },
    async (request, reply) =>
      signedIn(reply, await identity.signIn.verifyChallenge(request.body, located(request))),
  );

  app.post(
    '/api/v1/auth/passkey/options',
    {
      schema: {
        tags: ['auth'],
        summary: 'WebAuthn options for signing in with a passkey alone',
        body: z.object({}).strict().optional(),
        response: { 200: z.object({ ceremonyId: z.string(), options: z.unknown() }) },
      },
    },
    async () => identity.signIn.passkeyOptions(),
  );

  app.post(
    '/api/v1/auth/passkey/verify',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with a passkey',
        description:
          'Scored by the risk engine like a password sign-in: sign_in_denied (403) when it refuses.',
        body: z.object({ ceremonyId: z.string().max(64), response: webauthnResponseSchema }).strict(),
        response: {
          200: signedInSchema,
          400: errorSchema,
          401: errorSchema,
          403: errorSchema,
          423: errorSchema,
        },
      },
    },
    async (request, reply) =>
      signedIn(reply, await identity.signIn.withPasskey(request.body, located(request))),
  );

  app.post(
    '/api/v1/auth/sign-out',
    { preHandler: requireUser(identity), schema: { tags: ['auth'], summary: 'End this session' } },
    async (request, reply) => {
      const session = sessionOf(request);
      await identity.sessions.end(session.user.id, session.sessionId);
      reply.clearCookie(SESSION_COOKIE, { path: '/' });
      reply.clearCookie(CSRF_COOKIE, { path: '/' });
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/v1/alerts/not-me',
    {
      schema: {
        tags: ['auth'],
        summary: '"This wasn\'t me": freeze the account from an alert link',
        body: z.object({ token: tokenSchema }).strict(),
        response: { 200: z.object({ frozen: z.literal(true) }), 400: errorSchema },
      },
    },
    async (request) => {
      await identity.alerts.reportNotMe(request.body.token, located(request));
      return { frozen: true as const };
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
