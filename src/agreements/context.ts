/** What every use case of this module receives: built once by createAgreements, never a global. */
import type { Kysely, Transaction } from 'kysely';
import type { Identity, Notifier } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { RiskHook } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import type { FamilyCardReviewQueue } from './family-card-review.ts';

export interface AgreementsDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly ledger: Pick<Ledger, 'createTransfersInTransaction'>;
  readonly wallet: Pick<Wallet, 'openWallet'>;
  readonly identity: Pick<Identity, 'findUserByPhone'> & {
    readonly security: Pick<Identity['security'], 'verifyPaymentPassword'>;
  };
  /** Every debit and family-card payment passes the same risk hook as a wallet payment. */
  readonly riskHook: RiskHook;
  /**
   * Issue 5: a family-card payment the risk engine sends to review is held (a pending ledger
   * transfer) until an operator decides or `deadlineMs` passes, and `queue` (the case queue) is
   * told in the hold's transaction. Without it a review is declined, failing closed.
   */
  readonly familyCardReview?:
    | { readonly queue: FamilyCardReviewQueue; readonly deadlineMs: number }
    | undefined;
  /** Signed, debited, offered and used notices (notices.ts), queued in the change's transaction. */
  readonly notifier: Notifier;
  /**
   * Told of a signature or a cancellation inside the change's own transaction, so whatever the
   * listener writes (the open API's dut_user_sign / dut_user_unsign notification) commits or rolls
   * back with it. Optional: none when the gateway is not wired.
   */
  readonly changes?: AgreementChangePort | undefined;
}

export interface AgreementChange {
  readonly kind: 'signed' | 'cancelled';
  readonly agreementId: string;
  readonly merchantId: string;
  readonly userId: string;
  readonly by: 'user' | 'merchant';
  readonly atMs: number;
}

export interface AgreementChangePort {
  changed(trx: Transaction<Database>, change: AgreementChange): Promise<void>;
}

export type AgreementsContext = AgreementsDeps;
