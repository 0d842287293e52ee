export type { SecurityOverview, StepUpMethod } from './account-security.ts';
export type {
  IdentityConfig,
  Located,
  PasskeyPurpose,
  RequestOrigin,
  SecondFactorChecks,
} from './context.ts';
export { DEVICE_KEY_PATTERN, type Device } from './devices.ts';
export { IDENTITY_ERRORS } from './errors.ts';
export { FACTOR_ERRORS } from './factor-errors.ts';
export { createIdentity, type Identity, type IdentityDeps } from './identity.ts';
export { noticeToAllChannels } from './notices.ts';
export type { PasskeyView } from './passkeys.ts';
export { checkPaymentPassword } from './password-policy.ts';
export { ARGON2ID_PARAMS, hashSecret, verifySecret } from './passwords.ts';
export { maskPhone, normalizePhone } from './phone.ts';
export type {
  Executor,
  GeoLocation,
  GeoLocator,
  Locale,
  NotificationRequest,
  NotificationTemplate,
  Notifier,
  PaymentPasswordRiskPort,
  RateLimitBucket,
  RateLimiter,
  RateLimitResult,
  SecurityChange,
  SecurityChangeRiskPort,
  SignInRiskPort,
} from './ports.ts';
export { NOTIFICATION_TEMPLATES, RATE_LIMIT_BUCKETS, SECURITY_CHANGES } from './ports.ts';
export type { FreezeReason, RecoverySupport } from './recovery-support.ts';
export { createSecondFactors, type SecondFactors, toSecondFactorChecks } from './second-factors.ts';
export { createIdentitySecrets, type IdentitySecrets } from './secrets.ts';
export {
  hasSecondFactorStepUpSince,
  listPaymentPasswordFailures,
  type PaymentPasswordFailure,
  SECOND_FACTOR_STEP_UP_METHODS,
  SECURITY_EVENT_TYPES,
  SECURITY_EVENTS_PAGE_MAX,
  type SecurityEvent,
  type SecurityEventType,
} from './security-events.ts';
export type { SessionContext, SessionSummary, User } from './sessions.ts';
export type { SecondFactorMethod, SignInOutcome } from './sign-in.ts';
export type { SignUpStarted } from './sign-up.ts';
export { authenticationResponseSchema } from './webauthn-json.ts';
