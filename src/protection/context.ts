/** What the security lock's use cases receive: built once by createSecurityLock, never a global. */
import type { Kysely } from 'kysely';
import type { Notifier } from '../identity/index.ts';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface SecurityLockDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
  /** Every change of the lock is told to the owner's phone, in the change's transaction. */
  readonly notifier: Notifier;
}

export type SecurityLockContext = SecurityLockDeps;
