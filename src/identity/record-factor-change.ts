/**
 * A second factor was added, removed or used up: record the security event and queue a
 * `security_change` notice by SMS to the phone, by e-mail when the address is verified (an
 * unverified address may be someone else's) and in the app, all in the caller's transaction, so
 * the change, its record and its notices commit together or not at all. (Same channels as
 * notices.ts, which needs the whole identity context.)
 */
import type { Transaction } from 'kysely';
import { assert } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import type { Locale, Notifier } from './ports.ts';
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
  const user = await trx
    .selectFrom('users')
    .select(['phone_e164', 'email', 'email_verified_at', 'locale'])
    .where('id', '=', change.userId)
    .executeTakeFirst();
  assert(user !== undefined, 'a factor belongs to an existing user');
  await recordSecurityEvent(trx, deps.nowMs, {
    userId: change.userId,
    type: change.type,
    sessionId: deps.context?.sessionId,
    deviceId: deps.context?.deviceId,
    ip: deps.context?.ip,
    details: change.details,
  });
  const locale: Locale = user.locale === 'en' ? 'en' : 'zh-CN';
  const vars = { change: change.change, action: change.action, time: new Date(deps.nowMs).toISOString() };
  const destinations: { channel: 'sms' | 'email' | 'in_app'; destination: string }[] = [
    { channel: 'sms', destination: user.phone_e164 },
  ];
  if (user.email && user.email_verified_at) destinations.push({ channel: 'email', destination: user.email });
  destinations.push({ channel: 'in_app', destination: change.userId });
  for (const { channel, destination } of destinations) {
    await deps.notifier.enqueue(trx, {
      userId: change.userId,
      channel,
      destination,
      template: 'security_change',
      locale,
      vars,
    });
  }
}
