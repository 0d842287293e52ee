/** What every QR use case receives: built once by createQr, never a global. */
import type { Kysely } from 'kysely';
import type { Payments } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface QrDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Paying by code is an ordinary payment intent: confirmation, limits and password-free apply. */
  readonly payments: Pick<Payments, 'createIntent'>;
  /** From `deriveQrSigningKey(masterKey)`. */
  readonly signingKey: Buffer;
}

export type QrContext = QrDeps;
