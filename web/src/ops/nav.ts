/**
 * The console's pages, in nav order. A page is listed for an operator whose role has its
 * permission (the server checks again on every call). Issue 5's case and rule pages add their
 * entries here (path under /ops, a label key, the permission) and a branch in ops-app.tsx.
 */
import type { MessageKey } from '../i18n.ts';

export interface OpsNavItem {
  readonly path: string;
  readonly label: MessageKey;
  readonly permission: string;
}

export const OPS_NAV: readonly OpsNavItem[] = [
  { path: '/ops/users', label: 'ops.nav.users', permission: 'users.read' },
  { path: '/ops/recoveries', label: 'ops.nav.recoveries', permission: 'recoveries.read' },
  { path: '/ops/claims', label: 'ops.nav.claims', permission: 'claims.read' },
  { path: '/ops/audit', label: 'ops.nav.audit', permission: 'audit.read' },
  // The risk console (issue 5): cases for agents, analysts, supervisors and auditors; the rule
  // set for analysts, supervisors and auditors (docs/risk.md).
  { path: '/ops/cases', label: 'riskOps.cases', permission: 'cases.read' },
  { path: '/ops/rules', label: 'riskOps.rules', permission: 'rules.read' },
];
