/**
 * A second factor was added, removed or used up: record the security event and queue a
 * `security_change` notice by SMS to the phone, by e-mail when the address is verified (an
 * unverified address may be someone else's) and in the app, all in the caller's transaction, so
 * the change, its record and its notices commit together or not at all.
 */
import type { Transaction } from 'kysely';
import type { Database } from '../store/index.ts';
import { noticeToAllChannels } from './notices.ts';
import type { Notifier } from './ports.ts';
import { recordSecurityEvent, type SecurityEventType } from './security-events.ts';

/** Who made the change, for the security event (from the session at the HTTP edge). */
export interface FactorChangeContext {
  readonly sessionId?: string | null | undefined;
  readonly deviceId?: string | null | undefined;
  readonly ip?: string | null | undefined;
}

export interface FactorChange {
  readonly userId: string;
  readonly type: SecurityEventType;
  /** The `change` variable of the security_change template. */
  readonly change: 'totp' | 'backup_codes' | 'passkey';
  readonly action: 'enabled' | 'disabled' | 'generated' | 'used' | 'added' | 'removed';
  readonly details?: Record<string, string | number | boolean | null> | undefined;
}

export async function recordFactorChange(
  trx: Transaction<Database>,
  deps: { notifier: Notifier; nowMs: number; context?: FactorChangeContext | undefined },
  change: FactorChange,
): Promise<void> {
  await recordSecurityEvent(trx, deps.nowMs, {
    userId: change.userId,
    type: change.type,
    sessionId: deps.context?.sessionId,
    deviceId: deps.context?.deviceId,
    ip: deps.context?.ip,
    details: change.details,
  });
  await noticeToAllChannels(trx, deps, {
    userId: change.userId,
    template: 'security_change',
    vars: { change: change.change, action: change.action, time: new Date(deps.nowMs).toISOString() },
  });
}
