/** What every payments use case receives: built once by createPayments, never a global. */
import type { Kysely } from 'kysely';
import type { Identity, Notifier, SecondFactorChecks } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import type { CreditLinePort, MerchantPaymentListener, PaymentGuard } from './ports.ts';
import type { PaymentReviewQueue } from './review.ts';
import type { RiskHook } from './risk-hook.ts';

export interface PaymentsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly ledger: Pick<Ledger, 'createTransfersInTransaction'>;
  readonly wallet: Pick<Wallet, 'openWallet'>;
  readonly identity: Pick<Identity, 'findUserByPhone'> & {
    readonly security: Pick<
      Identity['security'],
      'verifyPaymentPassword' | 'sendPaymentCode' | 'verifyPaymentCode' | 'withdrawPaymentCode'
    >;
    /** Issue 5: whether the payer's device is known (a risk fact); freezing on the strongest signals. */
    readonly devices: Pick<Identity['devices'], 'isKnown'>;
    readonly alerts: Pick<Identity['alerts'], 'freeze'>;
  };
  /** Passkeys confirm payments with purpose 'payment' and a subject naming the payment. */
  readonly factors: Pick<SecondFactorChecks, 'passkeyCount' | 'passkeyOptions' | 'verifyPasskey'>;
  /** Raising a limit or turning password-free payments on is told to the owner's phone. */
  readonly notifier: Notifier;
  readonly riskHook: RiskHook;
  /** The credit line as a funding source; without it `credit_line` is not available. */
  readonly creditLine?: CreditLinePort | undefined;
  /** The security lock; without it no lock applies. */
  readonly guard?: PaymentGuard | undefined;
  /** Told after a merchant payment commits (the open API settles its trade at once). */
  readonly merchantPayments?: MerchantPaymentListener | undefined;
  /** Issue 5: where payments held for review are queued for operators, and how long they wait. */
  readonly reviewQueue: PaymentReviewQueue;
  readonly reviewDeadlineMs: number;
}

export type PaymentsContext = PaymentsDeps;
