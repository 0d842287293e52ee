/** What every funding use case receives: built once by createFunding, never a global. */
import type { Kysely } from 'kysely';
import type { Identity, Notifier } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Payments } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import type { BankConnector } from './bank-connector.ts';
import type { WithdrawalReviewQueue, WithdrawalRiskPort } from './risk-port.ts';

export interface FundingDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly ledger: Pick<Ledger, 'createTransfersInTransaction' | 'systemAccount'>;
  readonly wallet: Pick<Wallet, 'openWallet'>;
  readonly identity: {
    readonly security: Pick<Identity['security'], 'verifyPaymentPassword'>;
    /** Issue 5: the facts a withdrawal's risk event carries, and the freeze on its strongest signals. */
    readonly devices?: Pick<Identity['devices'], 'firstSeenAt'>;
    readonly lastSecurityChangeAt?: Identity['lastSecurityChangeAt'];
    readonly alerts?: Pick<Identity['alerts'], 'freeze'>;
  };
  /** The bank_card channel's limits and today's allowance (docs/payments.md). */
  readonly payments: Pick<Payments, 'getLimits'>;
  readonly connector: BankConnector;
  /** The security lock (src/protection): a withdrawal may need a second factor. */
  readonly lock?:
    | { checkWithdrawal(input: { userId: string; sessionId: string | undefined }): Promise<void> }
    | undefined;
  /** Issue 5: the risk engine's decision on each withdrawal, and where held ones become cases.
   *  Absent (tests of funding alone): no scoring, as before. */
  readonly risk?:
    | {
        readonly port: WithdrawalRiskPort;
        readonly reviewQueue: WithdrawalReviewQueue;
        readonly reviewDeadlineMs: number;
        /** The alerts of a challenge, denial and hold (identity's outbox). */
        readonly notifier: Notifier;
      }
    | undefined;
  /** HMAC key for card numbers (derived from the master key; never in the database). */
  readonly cardHmacKey: Buffer;
}

export type FundingContext = FundingDeps;
