/** What every QR use case receives: built once by createQr, never a global. */
import type { Kysely } from 'kysely';
import type { Located } from '../identity/index.ts';
import type { PaymentChannel, Payments } from '../payments/index.ts';
import type { Clock, Money } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface QrDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Paying by code is an ordinary payment intent: confirmation, limits and password-free apply. */
  readonly payments: Pick<Payments, 'createIntent'>;
  /** From `deriveQrSigningKey(masterKey)`. */
  readonly signingKey: Buffer;
  /** Merchant orders of the open API (the gateway), for codes of kind `order`. */
  readonly orders?: QrOrders | undefined;
}

/** What a code of kind `order` needs: who it pays and paying it (an ordinary payment intent). */
export interface QrOrders {
  describe(
    orderRef: string,
  ): Promise<{ merchantId: string; merchantName: string; amount: Money; expiresAt: Date }>;
  pay(input: {
    payerId: string;
    tradeNo: string;
    channel: PaymentChannel;
    clientRequestId: string;
    origin: Located;
  }): ReturnType<Payments['createIntent']>;
}

export type QrContext = QrDeps;
