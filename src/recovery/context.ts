/** What every recovery use case receives: built once by createRecovery, never a global. */
import type { Kysely } from 'kysely';
import type { Identity } from '../identity/index.ts';
import type { Ledger } from '../ledger/index.ts';
import type { Payments } from '../payments/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Wallet } from '../wallet/index.ts';
import type { SuspendUserGrants } from './ports.ts';
import type { Vault } from './vault.ts';

export interface RecoveryConfig {
  /** Base URL of the web app (the one-click cancel link of a manual recovery). */
  readonly publicUrl: string;
  /** Where uploaded documents are stored, encrypted; outside the database. */
  readonly documentsDir: string;
  /** Loss-claim payouts above this need a second operator (four eyes). */
  readonly payoutSecondApprovalMinor: bigint;
  /** What one user may be paid from the insurance pool per 365 days. */
  readonly claimYearlyCapMinor: bigint;
}

export interface RecoveryContext {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  readonly identity: Identity;
  readonly ledger: Ledger;
  readonly wallet: Wallet;
  readonly payments: Payments;
  readonly vault: Vault;
  readonly grants: SuspendUserGrants;
  readonly config: RecoveryConfig;
}
