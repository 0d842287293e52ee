export {
  type AgreementsReviewPort,
  CHECK_UP_ITEMS,
  type CheckUp,
  type CheckUpItem,
  type CheckUpItemId,
  type CheckUpView,
  createCheckUp,
  NO_AGREEMENTS,
} from './check-up.ts';
export {
  COOLING_OFF_DEFAULT_MS,
  COOLING_OFF_MAX_MS,
  COOLING_OFF_MIN_MS,
  SECOND_FACTOR_FRESH_MS,
  SECOND_FACTOR_METHODS,
  TIME_ZONE_DEFAULT,
} from './constants.ts';
export type { SecurityLockDeps } from './context.ts';
export { PROTECTION_ERRORS } from './errors.ts';
export { inWindow, isKnownTimeZone, minuteOfDayIn } from './lock-rules.ts';
export type { SecurityLockView } from './lock-settings.ts';
export { createSecurityLock, type SecurityLock } from './security-lock.ts';
