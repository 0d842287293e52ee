/** What every credit use case receives: built once by createCredit, never a global. */
import type { Kysely } from 'kysely';
import type { Notifier } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';

export interface CreditDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly ledger: Pick<Ledger, 'createAccount' | 'createTransfersInTransaction' | 'setCreditLimit'>;
  readonly wallet: Pick<Wallet, 'openWallet'>;
  /** Bill issued and bill overdue notices (issue 9: "bills due"), queued with the change. */
  readonly notifier: Notifier;
}

export type CreditContext = CreditDeps;
