/**
 * The browser's assertion JSON (WebAuthn Level 3 §5.1, AuthenticationResponseJSON), validated
 * here because sign-in and step-up hand identity the response as `unknown`.
 */
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

const BASE64URL_PATTERN = /^[A-Za-z0-9_-]+={0,2}$/;
const base64url = (lengthMax: number) => z.string().min(1).max(lengthMax).regex(BASE64URL_PATTERN);
/** Credential ids and user handles: at most 1023 / 64 bytes (WebAuthn §5.8.3, §5.4.3). */
const CREDENTIAL_ID_LENGTH_MAX = 1_364;
const CLIENT_DATA_LENGTH_MAX = 4_096;
const AUTHENTICATOR_DATA_LENGTH_MAX = 8_192;
const SIGNATURE_LENGTH_MAX = 4_096;

export const authenticationResponseSchema = z.object({
  id: base64url(CREDENTIAL_ID_LENGTH_MAX),
  rawId: base64url(CREDENTIAL_ID_LENGTH_MAX),
  type: z.literal('public-key'),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
  // Extension outputs are not used; unknown keys are dropped.
  clientExtensionResults: z.object({}).default({}),
  response: z.object({
    clientDataJSON: base64url(CLIENT_DATA_LENGTH_MAX),
    authenticatorData: base64url(AUTHENTICATOR_DATA_LENGTH_MAX),
    signature: base64url(SIGNATURE_LENGTH_MAX),
    // Absent (or null from some clients) when the credential is not discoverable.
    userHandle: base64url(CREDENTIAL_ID_LENGTH_MAX)
      .nullish()
      .transform((handle) => handle ?? undefined),
  }),
}) satisfies z.ZodType<AuthenticationResponseJSON>;
