/**
 * The security lock's pure decisions (issue 4 point 8): is an instant inside the night window in
 * the user's time zone, and does a payment need a second factor. Nothing here reads the clock.
 */
import { assert } from '../shared/index.ts';

export interface LockSettings {
  readonly enabled: boolean;
  readonly coolingOffMs: number;
  readonly nightEnabled: boolean;
  /** Minutes after local midnight, 0–1439. */
  readonly nightStartMinute: number;
  readonly nightEndMinute: number;
  readonly timeZone: string;
}

export type LockedOperation = 'transfer' | 'merchant_payment' | 'withdrawal';

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Minutes after local midnight at `nowMs` in `timeZone`. */
export function minuteOfDayIn(nowMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).formatToParts(new Date(nowMs));
  const hour = Number(parts.find((p) => p.type === 'hour')?.value);
  const minute = Number(parts.find((p) => p.type === 'minute')?.value);
  assert(Number.isInteger(hour) && Number.isInteger(minute), 'Intl gives hour and minute');
  return hour * 60 + minute;
}

/** Inside [start, end) of local time; a window whose end is before its start wraps midnight. */
export function inWindow(minute: number, startMinute: number, endMinute: number): boolean {
  if (startMinute === endMinute) return false;
  if (startMinute < endMinute) return minute >= startMinute && minute < endMinute;
  return minute >= startMinute || minute < endMinute;
}

export function inNightWindow(settings: LockSettings, nowMs: number): boolean {
  if (!settings.enabled || !settings.nightEnabled) return false;
  return inWindow(
    minuteOfDayIn(nowMs, settings.timeZone),
    settings.nightStartMinute,
    settings.nightEndMinute,
  );
}

/**
 * When the lock is on, transfers to people and withdrawals need a second factor always; in the
 * night window every payment does (merchant payments too). A second factor is a passkey
 * confirmation, or a fresh step-up by SMS, authenticator, backup code or passkey.
 */
export function secondFactorReason(
  settings: LockSettings,
  input: { operation: LockedOperation; nowMs: number },
): 'security_lock' | 'night_window' | null {
  if (!settings.enabled) return null;
  if (input.operation === 'transfer' || input.operation === 'withdrawal') return 'security_lock';
  return inNightWindow(settings, input.nowMs) ? 'night_window' : null;
}

export function formatMinute(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

/** "HH:MM" → minutes after midnight, or undefined. */
export function parseMinute(value: string): number | undefined {
  const match = /^([01][0-9]|2[0-3]):([0-5][0-9])$/.exec(value);
  if (!match) return undefined;
  return Number(match[1]) * 60 + Number(match[2]);
}
