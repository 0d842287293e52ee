import { type Algorithm, hash, verify } from '@node-rs/argon2';

/** `Algorithm.Argon2id` is an ambient const enum, unusable under verbatimModuleSyntax. */
const ARGON2ID = 2 as Algorithm;

/** ASVS 5.0 V11.4.2 / OWASP: argon2id, m=19 MiB, t=2, p=1. Runs on libuv's thread pool, so the
 *  event loop keeps serving while a hash is computed. */
export const ARGON2ID_PARAMS = Object.freeze({
  algorithm: ARGON2ID,
  memoryCost: 19_456,
  timeCost: 2,
  parallelism: 1,
});

export function hashSecret(secret: string): Promise<string> {
  return hash(secret, ARGON2ID_PARAMS);
}

/** Constant-time comparison happens inside argon2's verify. */
export async function verifySecret(encoded: string, secret: string): Promise<boolean> {
  try {
    return await verify(encoded, secret);
  } catch {
    return false;
  }
}
