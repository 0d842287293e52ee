import { randomBytes, randomUUID } from 'node:crypto';

/** A new random identifier with a readable prefix, e.g. `acc_3f9c…`. 128 bits of randomness. */
export function newId(prefix: string): string {
  return `${prefix}_${randomUUID().replaceAll('-', '')}`;
}

/** An opaque secret token (session, CSRF): 256 bits, base64url. */
export function newSecretToken(): string {
  return randomBytes(32).toString('base64url');
}

/** Client-chosen ids (idempotency keys) are printable and bounded. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
