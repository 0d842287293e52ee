/** What the security lock's use cases receive: built once by createSecurityLock, never a global. */
import type { Kysely } from 'kysely';
import type { Clock } from '../shared/index.ts';
import type { Database } from '../store/index.ts';

export interface SecurityLockDeps {
  readonly db: Kysely<Database>;
  readonly clock: Clock;
}

export type SecurityLockContext = SecurityLockDeps;
