/**
 * The security lock and the security check-up (docs/protection.md). Changing the lock answers
 * 403 step_up_required until the person steps up; the page retries through the step-up dialog.
 */
import { array, boolean, number, record, request, string } from './api.ts';

export interface SecurityLock {
  readonly enabled: boolean;
  readonly coolingOffHours: number;
  readonly night: {
    readonly enabled: boolean;
    readonly start: string;
    readonly end: string;
    readonly timeZone: string;
    readonly activeNow: boolean;
  };
}

export interface CheckUpItem {
  readonly id: string;
  readonly on: boolean;
  readonly weight: number;
  readonly fixRoute: string;
}

export interface CheckUp {
  readonly score: number;
  readonly items: readonly CheckUpItem[];
}

function lock(value: unknown): SecurityLock {
  const object = record(value, 'lock');
  const night = record(object.night, 'lock.night');
  return {
    enabled: boolean(object, 'enabled', 'lock'),
    coolingOffHours: number(object, 'coolingOffHours', 'lock'),
    night: {
      enabled: boolean(night, 'enabled', 'lock.night'),
      start: string(night, 'start', 'lock.night'),
      end: string(night, 'end', 'lock.night'),
      timeZone: string(night, 'timeZone', 'lock.night'),
      activeNow: boolean(night, 'activeNow', 'lock.night'),
    },
  };
}

export async function fetchSecurityLock(signal?: AbortSignal): Promise<SecurityLock> {
  return lock(await request({ method: 'GET', path: '/api/v1/me/security-lock', signal }));
}

export async function setSecurityLock(input: {
  enabled: boolean;
  coolingOffHours?: number;
  night?: { enabled: boolean; start?: string; end?: string; timeZone?: string };
}): Promise<SecurityLock> {
  return lock(await request({ method: 'PUT', path: '/api/v1/me/security-lock', body: input }));
}

export async function fetchCheckUp(signal?: AbortSignal): Promise<CheckUp> {
  const body = record(await request({ method: 'GET', path: '/api/v1/me/security/check-up', signal }), 'body');
  return {
    score: number(body, 'score', 'body'),
    items: array(body, 'items', 'body').map((value, i) => {
      const where = `items[${i}]`;
      const item = record(value, where);
      return {
        id: string(item, 'id', where),
        on: boolean(item, 'on', where),
        weight: number(item, 'weight', where),
        fixRoute: string(item, 'fixRoute', where),
      };
    }),
  };
}
