/**
 * Turning the security lock on or off, or changing it (issue 4 point 8). Every change needs a
 * fresh step-up — turning it off too, since the lock exists for the case where someone else
 * holds the session. Settings not given keep their value.
 */
import { DomainError } from '../shared/index.ts';
import { COOLING_OFF_MAX_MS, COOLING_OFF_MIN_MS, TIME_ZONE_LENGTH_MAX } from './constants.ts';
import type { SecurityLockContext } from './context.ts';
import { PROTECTION_ERRORS } from './errors.ts';
import { isKnownTimeZone, type LockSettings, parseMinute } from './lock-rules.ts';
import { loadLock, type SecurityLockView, saveLock, toLockView } from './lock-settings.ts';

export interface SetSecurityLockInput {
  readonly userId: string;
  readonly enabled: boolean;
  readonly coolingOffHours?: number | undefined;
  readonly night?:
    | {
        readonly enabled: boolean;
        readonly start?: string | undefined;
        readonly end?: string | undefined;
        readonly timeZone?: string | undefined;
      }
    | undefined;
  readonly requireStepUp: () => Promise<void>;
}

export async function setSecurityLock(
  ctx: SecurityLockContext,
  input: SetSecurityLockInput,
): Promise<SecurityLockView> {
  const current = await loadLock(ctx.db, input.userId);
  const next = validate(current, input);
  await input.requireStepUp();
  const nowMs = ctx.clock.nowMs();
  await ctx.db.transaction().execute(async (trx) => {
    await saveLock(trx, { userId: input.userId, settings: next, nowMs });
    // Like a raised limit: someone past the step-up who turns the lock off is still seen.
    const user = await trx
      .selectFrom('users')
      .select(['phone_e164', 'locale'])
      .where('id', '=', input.userId)
      .executeTakeFirstOrThrow();
    await ctx.notifier.enqueue(trx, {
      userId: input.userId,
      channel: 'sms',
      destination: user.phone_e164,
      template: 'security_change',
      locale: user.locale === 'en' ? 'en' : 'zh-CN',
      vars: {
        change: 'security_lock',
        action: next.enabled === current.enabled ? 'changed' : next.enabled ? 'enabled' : 'disabled',
        time: new Date(nowMs).toISOString(),
      },
    });
  });
  return toLockView(next, nowMs);
}

function validate(current: LockSettings, input: SetSecurityLockInput): LockSettings {
  let coolingOffMs = current.coolingOffMs;
  if (input.coolingOffHours !== undefined) {
    coolingOffMs = Math.round(input.coolingOffHours * 3_600_000);
    if (
      !Number.isFinite(coolingOffMs) ||
      coolingOffMs < COOLING_OFF_MIN_MS ||
      coolingOffMs > COOLING_OFF_MAX_MS
    ) {
      throw new DomainError(PROTECTION_ERRORS.INVALID_COOLING_OFF);
    }
  }
  let { nightEnabled, nightStartMinute, nightEndMinute, timeZone } = current;
  if (input.night) {
    nightEnabled = input.night.enabled;
    if (input.night.start !== undefined) {
      const minute = parseMinute(input.night.start);
      if (minute === undefined) throw new DomainError(PROTECTION_ERRORS.INVALID_NIGHT_WINDOW);
      nightStartMinute = minute;
    }
    if (input.night.end !== undefined) {
      const minute = parseMinute(input.night.end);
      if (minute === undefined) throw new DomainError(PROTECTION_ERRORS.INVALID_NIGHT_WINDOW);
      nightEndMinute = minute;
    }
    if (input.night.timeZone !== undefined) {
      if (input.night.timeZone.length > TIME_ZONE_LENGTH_MAX || !isKnownTimeZone(input.night.timeZone)) {
        throw new DomainError(PROTECTION_ERRORS.INVALID_TIME_ZONE);
      }
      timeZone = input.night.timeZone;
    }
    if (nightStartMinute === nightEndMinute) throw new DomainError(PROTECTION_ERRORS.INVALID_NIGHT_WINDOW);
  }
  return { enabled: input.enabled, coolingOffMs, nightEnabled, nightStartMinute, nightEndMinute, timeZone };
}
