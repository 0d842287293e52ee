/** What every gateway use case receives: built once by createGateway, never a global. */
import type { Kysely } from 'kysely';
import type { Agreements } from '../agreements/index.ts';
import type { Identity } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Payments } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface GatewayDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly ledger: Pick<Ledger, 'createTransfersInTransaction' | 'systemAccount' | 'createAccount'>;
  /** A wallet user pays a trade through an ordinary payment intent: limits, confirmation, risk. */
  readonly payments: Pick<
    Payments,
    'createIntent' | 'confirmIntent' | 'lockIntentsInTransaction' | 'expireAwaitingInTransaction'
  >;
  readonly identity: Pick<Identity, 'locate'>;
  /** From deriveGatewaySealingKey(masterKey): seals the platform's private keys at rest. */
  readonly sealingKey: Buffer;
  /** Signs bill download links (HMAC-SHA-256). */
  readonly billLinkKey: Buffer;
  /** Issues the precreate QR code (src/qr's signed format, kind `order`). */
  readonly issueOrderCode: (input: {
    tradeNo: string;
    amountMinor: bigint;
    currency: 'CNY';
    expiresAtMs: number;
  }) => string;
  /** The gateway's public origin (cashier page, bill links). */
  readonly publicUrl: string;
  /** Fee rate for merchants onboarded without one, basis points. */
  readonly defaultFeeRateBp: number;
  /** Delivers one notification: POST form → the answer's body text. Replaced in tests. `addresses`:
   *  where the host was judged to resolve (connect there, never resolve again). */
  readonly post?: (
    url: string,
    body: string,
    timeoutMs: number,
    addresses?: readonly string[],
  ) => Promise<{ status: number; text: string }>;
  /** Auto-debit agreements (src/agreements): the open API's agreement methods translate to these. */
  readonly agreements: Pick<
    Agreements,
    'requestAgreement' | 'debit' | 'getMerchantAgreement' | 'cancelByMerchant' | 'getMerchantDebit'
  >;
  /**
   * notify_url / return_url may resolve to loopback, private, link-local or metadata addresses
   * (RAMPART_GATEWAY_ALLOW_PRIVATE_CALLBACKS; tests and the demo, whose merchant is on 127.0.0.1).
   * Off in production: such URLs are refused at creation and at delivery (safe-url.ts).
   */
  readonly allowPrivateCallbacks: boolean;
  /** Months after payment during which a trade may be refunded; then TRADE_FINISHED (finish-trades.ts). */
  readonly refundableMonths: number;
  /** Resolves a host name to addresses (tests replace DNS); default node:dns lookup. */
  readonly resolveHost?: ((host: string) => Promise<string[]>) | undefined;
  /**
   * Deliver a notification right after the change that wrote it commits, instead of waiting for
   * the next runDue tick (which still delivers anything this misses). Off in tests that step a
   * manual clock, on in the server and the bench.
   */
  readonly deliverOnCommit?: boolean;
}

export interface GatewayContext extends GatewayDeps {
  /** The fees account's id, made once. Resolve it before opening a transaction (PGlite has one
   *  connection, so a query outside the transaction would wait for it). */
  readonly feesAccountId: () => Promise<string>;
  /** The platform private key that signs for this app now. */
  readonly signingKeyOf: (appId: string) => Promise<string>;
  /** Called after a transaction that may have written notifications has committed. */
  readonly committed: () => void;
}
