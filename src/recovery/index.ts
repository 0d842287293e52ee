export type { Actor, AuditEntry } from './audit.ts';
export { AUDIT_PAGE_MAX } from './audit.ts';
export type { ClaimView } from './claims.ts';
export { CLAIM_ITEMS_MAX } from './claims.ts';
export { DEMO_IDENTITIES, DEMO_OPERATOR_PASSWORD, DEMO_OPERATORS } from './demo.ts';
export { DOCUMENT_BYTES_MAX, DOCUMENTS_PER_REQUEST_MAX } from './documents.ts';
export { RECOVERY_ERRORS } from './errors.ts';
export type { IdentityDataView } from './identity-data.ts';
export type { ManualRecoveryDetail, ManualRecoveryView } from './manual-recovery.ts';
export { MANUAL_COOLDOWN_MS } from './manual-recovery.ts';
export { composeIdNumber, maskIdNumber, parseIdNumber } from './national-id.ts';
export {
  BOOTSTRAP_OPERATOR,
  mayDo,
  OPERATOR_PERMISSIONS,
  OPERATOR_ROLES,
  type OperatorPermission,
  type OperatorPrincipal,
  type OperatorRole,
  ROLE_PERMISSIONS,
} from './operators.ts';
export { noSuspendUserGrants, type SuspendUserGrants } from './ports.ts';
export {
  createRecovery,
  documentsDirFor,
  RECOVERY_DUE_INTERVAL_MS,
  type Recovery,
  type RecoveryDeps,
} from './recovery.ts';
export type { RecoveryReport } from './report.ts';
export type { AttemptKind, AttemptMethods, OtherFactor } from './self-service.ts';
export type { StolenActivityItem, StolenReport } from './stolen.ts';
export { createLocalKeyWrapper, type KeyWrapper } from './vault.ts';
