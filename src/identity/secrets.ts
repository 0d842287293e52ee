/**
 * Server-side secrets that must never sit in the database beside what they protect:
 * - the payment-password pepper: a 6-digit secret has only 10^6 values, so a stolen hash table
 *   alone would fall to brute force in minutes even with argon2id; HMAC-ing with a pepper kept
 *   outside the database (plus the 3-strikes lockout online) is what protects it;
 * - the AES-256-GCM key that encrypts TOTP seeds at rest;
 * - the HMAC key for one-time codes and link tokens (a 6-digit code hashed without a key is
 *   reversed by trying all 10^6 values).
 */
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { assert } from '../shared/index.ts';

export interface IdentitySecrets {
  /** HMAC-SHA-256 with the payment pepper, hex. Input to argon2id for payment passwords. */
  pepperPaymentPassword(paymentPassword: string): string;
  /** HMAC-SHA-256 of a one-time code or token, hex: what the database stores. */
  digestCode(code: string): string;
  encrypt(plaintext: string): string;
  decrypt(sealed: string): string;
}

const AES_KEY_BYTES = 32;
const GCM_IV_BYTES = 12;
const GCM_TAG_BYTES = 16;

/** Derives the three keys from one master secret (≥ 32 bytes, from config or the key file). */
export function createIdentitySecrets(masterKey: Buffer): IdentitySecrets {
  assert(masterKey.length >= 32, 'the master key has at least 256 bits');
  const derive = (label: string) =>
    Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), label, AES_KEY_BYTES));
  const pepper = derive('rampart payment-password pepper v1');
  const codeKey = derive('rampart one-time-code hmac v1');
  const aesKey = derive('rampart totp-seed aes-256-gcm v1');
  return {
    pepperPaymentPassword: (paymentPassword) =>
      createHmac('sha256', pepper).update(paymentPassword).digest('hex'),
    digestCode: (code) => createHmac('sha256', codeKey).update(code).digest('hex'),
    encrypt(plaintext) {
      const iv = randomBytes(GCM_IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', aesKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return `v1.${Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url')}`;
    },
    decrypt(sealed) {
      assert(sealed.startsWith('v1.'), 'sealed secret version');
      const raw = Buffer.from(sealed.slice(3), 'base64url');
      const iv = raw.subarray(0, GCM_IV_BYTES);
      const tag = raw.subarray(GCM_IV_BYTES, GCM_IV_BYTES + GCM_TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', aesKey, iv);
      decipher.setAuthTag(tag);
      return Buffer.concat([
        decipher.update(raw.subarray(GCM_IV_BYTES + GCM_TAG_BYTES)),
        decipher.final(),
      ]).toString('utf8');
    },
  };
}
