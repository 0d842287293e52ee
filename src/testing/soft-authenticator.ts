/**
 * A software WebAuthn authenticator for tests: EC P-256 (ES256) keys from node:crypto, 'none'
 * attestation, authenticator data with UP|UV (and AT on registration), the COSE public key in
 * CBOR, and the JSON shapes the browser's `PublicKeyCredential.toJSON()` (and
 * @simplewebauthn/browser) send. Overrides let a test forge what a real browser never would:
 * another origin, another challenge, a lower counter.
 *
 * References: WebAuthn Level 3 §6.1 (authenticator data), §6.5.4 (attestation object),
 * §5.8.1 (client data); RFC 8949 (CBOR); RFC 9053 §7.1.1 (COSE EC2 keys).
 */
import { createHash, generateKeyPairSync, type KeyObject, randomBytes, sign } from 'node:crypto';
import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';

// ---------------------------------------------------------------------------------------------
// A tiny CBOR encoder (RFC 8949): unsigned and negative integers, byte and text strings, arrays,
// maps. Enough for attestation objects and COSE keys.

export type CborValue = number | string | Uint8Array | CborValue[] | Map<CborValue, CborValue>;

function cborHead(major: number, length: number): Buffer {
  if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`cbor: bad length ${length}`);
  const type = major << 5;
  if (length < 24) return Buffer.from([type | length]);
  if (length < 0x100) return Buffer.from([type | 24, length]);
  if (length < 0x10000) {
    const out = Buffer.alloc(3);
    out[0] = type | 25;
    out.writeUInt16BE(length, 1);
    return out;
  }
  if (length < 0x1_0000_0000) {
    const out = Buffer.alloc(5);
    out[0] = type | 26;
    out.writeUInt32BE(length, 1);
    return out;
  }
  const out = Buffer.alloc(9);
  out[0] = type | 27;
  out.writeBigUInt64BE(BigInt(length), 1);
  return out;
}

export function cborEncode(value: CborValue): Buffer {
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new RangeError('cbor: only integers are supported');
    return value >= 0 ? cborHead(0, value) : cborHead(1, -1 - value);
  }
  if (typeof value === 'string') {
    const bytes = Buffer.from(value, 'utf8');
    return Buffer.concat([cborHead(3, bytes.length), bytes]);
  }
  if (value instanceof Uint8Array) return Buffer.concat([cborHead(2, value.length), value]);
  if (Array.isArray(value)) return Buffer.concat([cborHead(4, value.length), ...value.map(cborEncode)]);
  const parts: Buffer[] = [cborHead(5, value.size)];
  for (const [key, item] of value) parts.push(cborEncode(key), cborEncode(item));
  return Buffer.concat(parts);
}

// ---------------------------------------------------------------------------------------------

/** Authenticator data flags (WebAuthn §6.1). */
export const AUTH_DATA_FLAGS = Object.freeze({ UP: 0x01, UV: 0x04, BE: 0x08, BS: 0x10, AT: 0x40, ED: 0x80 });

const COSE_KTY_EC2 = 2;
const COSE_ALG_ES256 = -7;
const COSE_CRV_P256 = 1;

const b64url = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
const sha256 = (data: Uint8Array | string) => createHash('sha256').update(data).digest();

export interface SoftCredential {
  /** base64url credential id. */
  readonly id: string;
  readonly rpId: string;
  /** base64url user handle given at registration (options.user.id). */
  readonly userHandle: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
  /** The signature counter after the last operation. */
  signCount: number;
}

export interface SoftAuthenticatorOptions {
  /** The origin a browser on the relying party's page reports, e.g. 'http://localhost:8080'. */
  readonly origin: string;
  /** Keep a signature counter (+1 per assertion). false: always 0, like most synced passkeys. */
  readonly counter?: boolean;
  /** 16-byte AAGUID; zeros by default (what 'none' attestation usually carries). */
  readonly aaguid?: Uint8Array;
}

/** What a test may forge in a response; every field defaults to the honest value. */
export interface SoftResponseOverrides {
  readonly origin?: string;
  readonly challenge?: string;
  readonly rpId?: string;
  readonly type?: string;
  readonly userVerified?: boolean;
}

export interface SoftAssertionOverrides extends SoftResponseOverrides {
  /** Use this credential, even if the options do not allow it. */
  readonly credentialId?: string;
  /** Report this counter instead of the next one (the stored counter is then set to it). */
  readonly signCount?: number;
}

export class SoftAuthenticator {
  readonly credentials = new Map<string, SoftCredential>();
  readonly #origin: string;
  readonly #counter: boolean;
  readonly #aaguid: Uint8Array;

  constructor(options: SoftAuthenticatorOptions) {
    this.#origin = options.origin;
    this.#counter = options.counter ?? true;
    this.#aaguid = options.aaguid ?? new Uint8Array(16);
    if (this.#aaguid.length !== 16) throw new RangeError('an AAGUID has 16 bytes');
  }

  /** `navigator.credentials.create()`: a new ES256 credential with 'none' attestation. */
  createCredential(
    options: PublicKeyCredentialCreationOptionsJSON,
    overrides: SoftResponseOverrides = {},
  ): RegistrationResponseJSON {
    const rpId = options.rp.id ?? new URL(this.#origin).hostname;
    for (const excluded of options.excludeCredentials ?? []) {
      if (this.credentials.has(excluded.id)) {
        throw new Error('InvalidStateError: the authenticator already holds an excluded credential');
      }
    }
    if (!options.pubKeyCredParams.some((p) => p.alg === COSE_ALG_ES256)) {
      throw new Error('NotSupportedError: the relying party does not accept ES256');
    }
    const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const jwk = publicKey.export({ format: 'jwk' });
    if (!jwk.x || !jwk.y) throw new Error('soft authenticator: EC key without coordinates');
    const coseKey = cborEncode(
      new Map<CborValue, CborValue>([
        [1, COSE_KTY_EC2],
        [3, COSE_ALG_ES256],
        [-1, COSE_CRV_P256],
        [-2, Buffer.from(jwk.x, 'base64url')],
        [-3, Buffer.from(jwk.y, 'base64url')],
      ]),
    );
    const credentialId = randomBytes(32);
    const idLength = Buffer.alloc(2);
    idLength.writeUInt16BE(credentialId.length);
    const authData = Buffer.concat([
      this.#authDataHeader(overrides.rpId ?? rpId, overrides.userVerified ?? true, AUTH_DATA_FLAGS.AT, 0),
      this.#aaguid,
      idLength,
      credentialId,
      coseKey,
    ]);
    const attestationObject = cborEncode(
      new Map<CborValue, CborValue>([
        ['fmt', 'none'],
        ['attStmt', new Map()],
        ['authData', authData],
      ]),
    );
    const clientDataJSON = this.#clientData('webauthn.create', options.challenge, overrides);
    const id = b64url(credentialId);
    this.credentials.set(id, { id, rpId, userHandle: options.user.id, privateKey, publicKey, signCount: 0 });
    return {
      id,
      rawId: id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        attestationObject: b64url(attestationObject),
        authenticatorData: b64url(authData),
        transports: ['internal'],
        publicKeyAlgorithm: COSE_ALG_ES256,
        publicKey: b64url(publicKey.export({ format: 'der', type: 'spki' })),
      },
    };
  }

  /** `navigator.credentials.get()`: signs authenticatorData ‖ SHA-256(clientDataJSON). */
  getAssertion(
    options: PublicKeyCredentialRequestOptionsJSON,
    overrides: SoftAssertionOverrides = {},
  ): AuthenticationResponseJSON {
    const rpId = options.rpId ?? new URL(this.#origin).hostname;
    const credential = this.#pick(options, rpId, overrides.credentialId);
    const signCount = overrides.signCount ?? (this.#counter ? credential.signCount + 1 : 0);
    credential.signCount = signCount;
    const authData = this.#authDataHeader(
      overrides.rpId ?? rpId,
      overrides.userVerified ?? true,
      0,
      signCount,
    );
    const clientDataJSON = this.#clientData('webauthn.get', options.challenge, overrides);
    const signature = sign(
      'sha256',
      Buffer.concat([authData, sha256(clientDataJSON)]),
      credential.privateKey,
    );
    return {
      id: credential.id,
      rawId: credential.id,
      type: 'public-key',
      authenticatorAttachment: 'platform',
      clientExtensionResults: {},
      response: {
        clientDataJSON: b64url(clientDataJSON),
        authenticatorData: b64url(authData),
        signature: b64url(signature),
        userHandle: credential.userHandle,
      },
    };
  }

  #pick(options: PublicKeyCredentialRequestOptionsJSON, rpId: string, credentialId?: string): SoftCredential {
    if (credentialId !== undefined) {
      const chosen = this.credentials.get(credentialId);
      if (!chosen) throw new Error(`soft authenticator: no credential ${credentialId}`);
      return chosen;
    }
    const allowed = options.allowCredentials?.map((c) => c.id);
    for (const credential of this.credentials.values()) {
      if (credential.rpId !== rpId) continue;
      if (allowed && allowed.length > 0 && !allowed.includes(credential.id)) continue;
      return credential;
    }
    throw new Error('NotAllowedError: no matching credential on this authenticator');
  }

  #authDataHeader(rpId: string, userVerified: boolean, extraFlags: number, signCount: number): Buffer {
    const flags = AUTH_DATA_FLAGS.UP | (userVerified ? AUTH_DATA_FLAGS.UV : 0) | extraFlags;
    const counter = Buffer.alloc(4);
    counter.writeUInt32BE(signCount);
    return Buffer.concat([sha256(rpId), Buffer.from([flags]), counter]);
  }

  #clientData(type: string, challenge: string, overrides: SoftResponseOverrides): Buffer {
    return Buffer.from(
      JSON.stringify({
        type: overrides.type ?? type,
        challenge: overrides.challenge ?? challenge,
        origin: overrides.origin ?? this.#origin,
        crossOrigin: false,
      }),
      'utf8',
    );
  }
}
