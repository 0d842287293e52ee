/** The user's security-lock settings: off with the defaults when no row exists. */
import type { Executor } from '../identity/index.ts';
import {
  COOLING_OFF_DEFAULT_MS,
  NIGHT_END_DEFAULT_MINUTE,
  NIGHT_START_DEFAULT_MINUTE,
  TIME_ZONE_DEFAULT,
} from './constants.ts';
import { formatMinute, inNightWindow, type LockSettings } from './lock-rules.ts';

export const DEFAULT_LOCK: LockSettings = Object.freeze({
  enabled: false,
  coolingOffMs: COOLING_OFF_DEFAULT_MS,
  nightEnabled: false,
  nightStartMinute: NIGHT_START_DEFAULT_MINUTE,
  nightEndMinute: NIGHT_END_DEFAULT_MINUTE,
  timeZone: TIME_ZONE_DEFAULT,
});

export interface SecurityLockView {
  readonly enabled: boolean;
  readonly coolingOffHours: number;
  readonly night: {
    readonly enabled: boolean;
    /** HH:MM local time. */
    readonly start: string;
    readonly end: string;
    readonly timeZone: string;
    /** Whether the night window applies right now. */
    readonly activeNow: boolean;
  };
}

export async function loadLock(executor: Executor, userId: string): Promise<LockSettings> {
  const row = await executor
    .selectFrom('security_locks')
    .selectAll()
    .where('user_id', '=', userId)
    .executeTakeFirst();
  if (!row) return DEFAULT_LOCK;
  return {
    enabled: row.enabled,
    coolingOffMs: Number(row.cooling_off_ms),
    nightEnabled: row.night_enabled,
    nightStartMinute: row.night_start_minute,
    nightEndMinute: row.night_end_minute,
    timeZone: row.time_zone,
  };
}

export async function saveLock(
  executor: Executor,
  input: { userId: string; settings: LockSettings; nowMs: number },
): Promise<void> {
  const { settings } = input;
  const values = {
    enabled: settings.enabled,
    cooling_off_ms: BigInt(settings.coolingOffMs),
    night_enabled: settings.nightEnabled,
    night_start_minute: settings.nightStartMinute,
    night_end_minute: settings.nightEndMinute,
    time_zone: settings.timeZone,
    updated_at: new Date(input.nowMs),
  };
  await executor
    .insertInto('security_locks')
    .values({ user_id: input.userId, ...values })
    .onConflict((oc) => oc.column('user_id').doUpdateSet(values))
    .execute();
}

export function toLockView(settings: LockSettings, nowMs: number): SecurityLockView {
  return {
    enabled: settings.enabled,
    coolingOffHours: settings.coolingOffMs / 3_600_000,
    night: {
      enabled: settings.nightEnabled,
      start: formatMinute(settings.nightStartMinute),
      end: formatMinute(settings.nightEndMinute),
      timeZone: settings.timeZone,
      activeNow: inNightWindow(settings, nowMs),
    },
  };
}
