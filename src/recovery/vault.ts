/**
 * Envelope encryption for identity data and recovery documents, shaped for a KMS: each record
 * gets its own random 256-bit data key (DEK); the data is sealed with AES-256-GCM under the DEK
 * (with associated data naming the record and field, so a ciphertext moved to another row fails
 * to open); the DEK is itself sealed ("wrapped") under a key-encryption key (KEK) and stored
 * beside the data with the KEK's id. Today the KEK is derived (HKDF) from the master key of
 * src/master-key.ts under key id `local-v1`; a KMS replaces `KeyWrapper` (wrap/unwrap by key id)
 * without touching the records. Rotating the KEK re-wraps DEKs only.
 *
 * ID numbers are searchable only through `searchHmac`: HMAC-SHA-256 under a separate derived key,
 * so the database alone cannot be brute-forced over the ~10^10 plausible ID numbers.
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { assert } from '../shared/index.ts';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
export const LOCAL_KEY_ID = 'local-v1';

/** What a KMS offers: wrap and unwrap a data key under a named master key. */
export interface KeyWrapper {
  readonly currentKeyId: string;
  wrap(dek: Buffer, keyId: string): string;
  unwrap(wrapped: string, keyId: string): Buffer;
}

export interface Sealed {
  readonly keyId: string;
  readonly wrappedDek: string;
}

export interface Vault {
  /** A fresh data key, and its wrapped form to store. */
  newDataKey(): { dek: Buffer } & Sealed;
  openDataKey(sealed: Sealed): Buffer;
  seal(dek: Buffer, plaintext: Buffer, aad: string): Buffer;
  open(dek: Buffer, sealed: Buffer, aad: string): Buffer;
  sealText(dek: Buffer, text: string, aad: string): string;
  openText(dek: Buffer, sealed: string, aad: string): string;
  searchHmac(value: string): string;
}

function gcmSeal(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), body]);
}

function gcmOpen(key: Buffer, sealed: Buffer, aad: string): Buffer {
  assert(sealed.length >= IV_BYTES + TAG_BYTES, 'sealed data carries an IV and a tag');
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(sealed.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(sealed.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

/** The built-in KEK: derived from the master key. */
export function createLocalKeyWrapper(masterKey: Buffer): KeyWrapper {
  assert(masterKey.length >= 32, 'the master key has at least 256 bits');
  const kek = Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart identity-data kek v1', KEY_BYTES),
  );
  return {
    currentKeyId: LOCAL_KEY_ID,
    wrap(dek, keyId) {
      assert(keyId === LOCAL_KEY_ID, 'the local wrapper has one key');
      return gcmSeal(kek, dek, `dek:${keyId}`).toString('base64url');
    },
    unwrap(wrapped, keyId) {
      assert(keyId === LOCAL_KEY_ID, 'the local wrapper has one key');
      return gcmOpen(kek, Buffer.from(wrapped, 'base64url'), `dek:${keyId}`);
    },
  };
}

export function createVault(
  masterKey: Buffer,
  wrapper: KeyWrapper = createLocalKeyWrapper(masterKey),
): Vault {
  const hmacKey = Buffer.from(
    hkdfSync('sha256', masterKey, Buffer.alloc(0), 'rampart identity search hmac v1', KEY_BYTES),
  );
  return {
    newDataKey() {
      const dek = randomBytes(KEY_BYTES);
      return { dek, keyId: wrapper.currentKeyId, wrappedDek: wrapper.wrap(dek, wrapper.currentKeyId) };
    },
    openDataKey: (sealed) => wrapper.unwrap(sealed.wrappedDek, sealed.keyId),
    seal: gcmSeal,
    open: gcmOpen,
    sealText: (dek, text, aad) => `v1.${gcmSeal(dek, Buffer.from(text, 'utf8'), aad).toString('base64url')}`,
    openText(dek, sealed, aad) {
      assert(sealed.startsWith('v1.'), 'sealed text version');
      return gcmOpen(dek, Buffer.from(sealed.slice(3), 'base64url'), aad).toString('utf8');
    },
    searchHmac: (value) => createHmac('sha256', hmacKey).update(value).digest('hex'),
  };
}
