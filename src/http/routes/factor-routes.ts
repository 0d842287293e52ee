/**
 * The signed-in user's second factors (docs/identity.md, "/me"): TOTP enrolment, backup codes,
 * passkeys. Adding a factor starts behind a fresh step-up; removing one needs a fresh step-up.
 * Passkey sign-in, second-factor and step-up assertions live with the sign-in and step-up
 * routes (identity validates those responses itself: src/identity/webauthn-json.ts).
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Identity, PasskeyView, SecurityChange } from '../../identity/index.ts';
import { originOf, requireStepUp, requireUser, sessionOf } from '../auth.ts';
import { errorSchema, labelSchema } from '../wire.ts';

/** Who made a change, for the security event. */
interface ChangeContext {
  readonly sessionId: string;
  readonly deviceId: string | null;
  readonly ip: string;
}

/**
 * What these routes need from identity's second factors (`createSecondFactors` in
 * src/identity/second-factors.ts satisfies it). Declared here, by shape, because http enters
 * identity only through its index.ts.
 */
export interface FactorServices {
  readonly totp: {
    enroll(
      userId: string,
      accountLabel: string,
    ): Promise<{ secret: string; otpauthUrl: string; qrSvg: string }>;
    confirm(userId: string, code: string, context?: ChangeContext): Promise<void>;
    disable(userId: string, context?: ChangeContext): Promise<void>;
  };
  readonly backupCodes: {
    generate(userId: string, context?: ChangeContext): Promise<string[]>;
  };
  readonly passkeys: {
    registrationOptions(user: {
      id: string;
      phoneE164: string;
      displayName: string;
    }): Promise<{ ceremonyId: string; options: PublicKeyCredentialCreationOptionsJSON }>;
    verifyRegistration(
      userId: string,
      ceremonyId: string,
      response: RegistrationResponseJSON,
      name: string,
      context?: ChangeContext,
    ): Promise<PasskeyView>;
    list(userId: string): Promise<PasskeyView[]>;
    rename(userId: string, passkeyId: string, name: string): Promise<PasskeyView>;
    remove(userId: string, passkeyId: string, context?: ChangeContext): Promise<void>;
  };
}

export interface FactorRoutesOptions {
  readonly identity: Pick<Identity, 'authenticate'> &
    Partial<{ readonly security: Pick<Identity['security'], 'guardChange'>; locate: Identity['locate'] }>;
  readonly factors: FactorServices;
  /** The application clock, for step-up freshness. */
  readonly nowMs: () => number;
}

// WebAuthn JSON (WebAuthn Level 3 §5.1, RegistrationResponseJSON).
const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+={0,2}$/;
const base64url = (lengthMax: number) => z.string().min(1).max(lengthMax).regex(BASE64URL_PATTERN);
/** Credential ids are at most 1023 bytes (WebAuthn §5.8.3) → 1364 base64url characters. */
const CREDENTIAL_ID_LENGTH_MAX = 1_364;
const CLIENT_DATA_LENGTH_MAX = 4_096;
/** Attestation objects with certificate chains (packed, tpm) run to several KB. */
const ATTESTATION_LENGTH_MAX = 32_768;
const AUTHENTICATOR_DATA_LENGTH_MAX = 8_192;
const PASSKEY_NAME_LENGTH_MAX = 64;
const TRANSPORTS = ['ble', 'cable', 'hybrid', 'internal', 'nfc', 'smart-card', 'usb'] as const;

const credentialBase = {
  id: base64url(CREDENTIAL_ID_LENGTH_MAX),
  rawId: base64url(CREDENTIAL_ID_LENGTH_MAX),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  // Extension outputs are not used; unknown keys are dropped.
  clientExtensionResults: z.object({}).default({}),
};

export const registrationResponseSchema = z.object({
  ...credentialBase,
  response: z.object({
    clientDataJSON: base64url(CLIENT_DATA_LENGTH_MAX),
    attestationObject: base64url(ATTESTATION_LENGTH_MAX),
    authenticatorData: base64url(AUTHENTICATOR_DATA_LENGTH_MAX).optional(),
    // Unknown transports from newer browsers are dropped rather than refused.
    transports: z
      .array(z.string().max(32))
      .max(16)
      .optional()
      .transform((list) => list?.filter((t) => (TRANSPORTS as readonly string[]).includes(t))),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url(ATTESTATION_LENGTH_MAX).optional(),
  }),
}) satisfies z.ZodType<RegistrationResponseJSON>;

const passkeySchema = z.object({
  id: z.string(),
  name: z.string(),
  createdAt: z.string().describe('ISO 8601'),
  lastUsedAt: z.string().nullable().describe('ISO 8601'),
  deviceType: z.string().nullable().describe("'singleDevice' or 'multiDevice' (synced)"),
  backedUp: z.boolean(),
  transports: z.array(z.string()),
});

const passkeyNameSchema = labelSchema(PASSKEY_NAME_LENGTH_MAX);
const passkeyIdParams = z.object({ id: base64url(CREDENTIAL_ID_LENGTH_MAX) });

function passkeyToWire(view: PasskeyView): z.infer<typeof passkeySchema> {
  return {
    id: view.id,
    name: view.name,
    createdAt: view.createdAt.toISOString(),
    lastUsedAt: view.lastUsedAt?.toISOString() ?? null,
    deviceType: view.deviceType,
    backedUp: view.backedUp,
    transports: view.transports,
  };
}

function changeContext(request: FastifyRequest): ChangeContext {
  const session = sessionOf(request);
  return { sessionId: session.sessionId, deviceId: session.deviceId, ip: request.ip };
}

export const factorRoutes: FastifyPluginAsyncZod<FactorRoutesOptions> = async (
  app,
  { identity, factors, nowMs },
) => {
  const signedIn = requireUser(identity);
  const steppedUp = [signedIn, requireStepUp(nowMs)];
  /** Issue 5: removing a factor is scored by the risk engine first (identity's guardChange). */
  const guard = async (request: FastifyRequest, change: SecurityChange): Promise<void> => {
    if (!identity.security || !identity.locate) return;
    await identity.security.guardChange(sessionOf(request), change, identity.locate(originOf(request)));
  };

  app.post(
    '/api/v1/me/totp/enroll',
    {
      preHandler: steppedUp,
      schema: {
        tags: ['me'],
        summary: 'Start setting up an authenticator app (step-up): a new secret and its QR code',
        response: {
          200: z.object({ secret: z.string(), otpauthUrl: z.string(), qrSvg: z.string() }),
          401: errorSchema,
          403: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { user } = sessionOf(request);
      return factors.totp.enroll(user.id, user.phoneE164);
    },
  );

  app.post(
    '/api/v1/me/totp/confirm',
    {
      preHandler: signedIn,
      schema: {
        tags: ['me'],
        summary: 'Finish setting up the authenticator app with a code it shows',
        body: z.object({ code: z.string().min(1).max(16) }).strict(),
        response: { 200: z.object({ enabled: z.literal(true) }), 400: errorSchema, 409: errorSchema },
      },
    },
    async (request) => {
      await factors.totp.confirm(sessionOf(request).user.id, request.body.code, changeContext(request));
      return { enabled: true as const };
    },
  );

  app.delete(
    '/api/v1/me/totp',
    {
      preHandler: steppedUp,
      schema: {
        tags: ['me'],
        summary: 'Remove the authenticator app (step-up)',
        response: { 204: z.null(), 403: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      await guard(request, 'totp_removed');
      await factors.totp.disable(sessionOf(request).user.id, changeContext(request));
      return reply.status(204).send(null);
    },
  );

  app.post(
    '/api/v1/me/backup-codes',
    {
      preHandler: steppedUp,
      schema: {
        tags: ['me'],
        summary: 'Generate 10 new backup codes (step-up); earlier codes stop working. Shown once.',
        response: { 200: z.object({ codes: z.array(z.string()) }), 403: errorSchema },
      },
    },
    async (request) => {
      const codes = await factors.backupCodes.generate(sessionOf(request).user.id, changeContext(request));
      return { codes };
    },
  );

  app.post(
    '/api/v1/me/passkeys/options',
    {
      preHandler: steppedUp,
      schema: {
        tags: ['me'],
        summary: 'Start adding a passkey (step-up): options for navigator.credentials.create()',
        response: {
          200: z.object({
            ceremonyId: z.string(),
            options: z.unknown().describe('PublicKeyCredentialCreationOptionsJSON'),
          }),
          403: errorSchema,
          409: errorSchema,
        },
      },
    },
    async (request) => {
      const { user } = sessionOf(request);
      return factors.passkeys.registrationOptions({
        id: user.id,
        phoneE164: user.phoneE164,
        displayName: user.displayName,
      });
    },
  );

  app.post(
    '/api/v1/me/passkeys',
    {
      preHandler: signedIn,
      schema: {
        tags: ['me'],
        summary: 'Finish adding a passkey with the browser’s response',
        body: z
          .object({
            ceremonyId: z.string().min(1).max(64),
            name: passkeyNameSchema,
            response: registrationResponseSchema,
          })
          .strict(),
        response: { 201: passkeySchema, 400: errorSchema, 409: errorSchema },
      },
    },
    async (request, reply) => {
      const { ceremonyId, name, response } = request.body;
      const view = await factors.passkeys.verifyRegistration(
        sessionOf(request).user.id,
        ceremonyId,
        response,
        name,
        changeContext(request),
      );
      return reply.status(201).send(passkeyToWire(view));
    },
  );

  app.get(
    '/api/v1/me/passkeys',
    {
      preHandler: signedIn,
      schema: {
        tags: ['me'],
        summary: "The signed-in user's passkeys",
        response: { 200: z.object({ passkeys: z.array(passkeySchema) }), 401: errorSchema },
      },
    },
    async (request) => {
      const passkeys = await factors.passkeys.list(sessionOf(request).user.id);
      return { passkeys: passkeys.map(passkeyToWire) };
    },
  );

  app.patch(
    '/api/v1/me/passkeys/:id',
    {
      preHandler: signedIn,
      schema: {
        tags: ['me'],
        summary: 'Rename a passkey',
        params: passkeyIdParams,
        body: z.object({ name: passkeyNameSchema }).strict(),
        response: { 200: passkeySchema, 404: errorSchema },
      },
    },
    async (request) => {
      const view = await factors.passkeys.rename(
        sessionOf(request).user.id,
        request.params.id,
        request.body.name,
      );
      return passkeyToWire(view);
    },
  );

  app.delete(
    '/api/v1/me/passkeys/:id',
    {
      preHandler: steppedUp,
      schema: {
        tags: ['me'],
        summary: 'Remove a passkey (step-up)',
        params: passkeyIdParams,
        response: { 204: z.null(), 403: errorSchema, 404: errorSchema },
      },
    },
    async (request, reply) => {
      await guard(request, 'passkey_removed');
      await factors.passkeys.remove(sessionOf(request).user.id, request.params.id, changeContext(request));
      return reply.status(204).send(null);
    },
  );
};
