/**
 * The browser half of passkeys: @simplewebauthn/browser turns the server's options JSON into a
 * navigator.credentials call and the result back into JSON. A refusal in the browser (prompt
 * dismissed, timed out, no authenticator, WebAuthn missing) becomes an ApiError of kind
 * 'browser', so pages report it like any other failure, with a code.
 */
import type {
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
} from '@simplewebauthn/browser';
import { browserSupportsWebAuthn, startAuthentication, startRegistration } from '@simplewebauthn/browser';
import { ApiError, isRecord } from './api.ts';

function isCreationOptions(value: unknown): value is PublicKeyCredentialCreationOptionsJSON {
  return (
    isRecord(value) &&
    typeof value.challenge === 'string' &&
    isRecord(value.rp) &&
    isRecord(value.user) &&
    Array.isArray(value.pubKeyCredParams)
  );
}

function isRequestOptions(value: unknown): value is PublicKeyCredentialRequestOptionsJSON {
  return isRecord(value) && typeof value.challenge === 'string';
}

function browserError(error: unknown): ApiError {
  if (error instanceof ApiError) return error;
  // SimpleWebAuthn's WebAuthnError carries a code (ERROR_CEREMONY_ABORTED…); a DOMException a name.
  const code =
    isRecord(error) && typeof error.code === 'string'
      ? error.code
      : error instanceof Error
        ? error.name
        : 'unknown';
  return new ApiError({
    kind: 'browser',
    status: 0,
    code: `passkey_${code}`.toLowerCase(),
    message: error instanceof Error ? error.message : String(error),
  });
}

function assertSupported(): void {
  if (!browserSupportsWebAuthn()) {
    throw new ApiError({
      kind: 'browser',
      status: 0,
      code: 'passkey_unsupported',
      message: 'This browser does not support passkeys (WebAuthn).',
    });
  }
}

/** Creates a passkey from registration options; resolves the RegistrationResponseJSON. */
export async function createPasskey(options: unknown): Promise<unknown> {
  assertSupported();
  if (!isCreationOptions(options)) {
    throw new ApiError({ kind: 'response', status: 200, code: 'bad_response', message: 'passkey options' });
  }
  try {
    return await startRegistration({ optionsJSON: options });
  } catch (error) {
    throw browserError(error);
  }
}

/** Signs a challenge with a passkey; resolves the AuthenticationResponseJSON. */
export async function signWithPasskey(options: unknown): Promise<unknown> {
  assertSupported();
  if (!isRequestOptions(options)) {
    throw new ApiError({ kind: 'response', status: 200, code: 'bad_response', message: 'passkey options' });
  }
  try {
    return await startAuthentication({ optionsJSON: options });
  } catch (error) {
    throw browserError(error);
  }
}
