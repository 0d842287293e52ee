/**
 * The facts about the device and recent security changes that the risk events after sign-in
 * carry in `detail` (issue 5), computed the same way for security changes, withdrawals and new
 * payees so one rule reads them alike. Strings, because `detail` is string-valued.
 *
 * `newDevice`: the device was first used less than NEW_DEVICE_WINDOW_MS ago (or is unknown) on an
 * account that already existed for that long before it — a takeover's fresh device. A new
 * account's own first devices are not "new": everything about a new account is fresh, and
 * stepping every newcomer up would teach people to ignore the step-up.
 */
import type { Kysely } from 'kysely';
import type { Database } from '../store/index.ts';
import { NEW_DEVICE_WINDOW_MS, RECENT_SECURITY_CHANGE_MS } from './constants.ts';

export async function deviceAndChangeFacts(
  db: Kysely<Database>,
  input: {
    userId: string;
    nowMs: number;
    deviceFirstSeenAtMs: number | null;
    lastSecurityChangeAtMs: number | null;
  },
): Promise<Record<string, string>> {
  const { nowMs, deviceFirstSeenAtMs, lastSecurityChangeAtMs } = input;
  const user = await db
    .selectFrom('users')
    .select('created_at')
    .where('id', '=', input.userId)
    .executeTakeFirst();
  const createdAtMs = user?.created_at.getTime() ?? nowMs;
  const firstSeenMs = deviceFirstSeenAtMs ?? nowMs;
  return {
    knownDevice: String(deviceFirstSeenAtMs !== null),
    newDevice: String(
      nowMs - firstSeenMs < NEW_DEVICE_WINDOW_MS && firstSeenMs - createdAtMs >= NEW_DEVICE_WINDOW_MS,
    ),
    recentSecurityChange: String(
      lastSecurityChangeAtMs !== null && nowMs - lastSecurityChangeAtMs < RECENT_SECURITY_CHANGE_MS,
    ),
  };
}
