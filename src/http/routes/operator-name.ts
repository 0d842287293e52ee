/**
 * Who the operator is, for audit trails, and the audit-log entry of an operator action.
 *
 * An operator account (issue 7) is named by its user name. The configured static token acts as
 * the bootstrap supervisor and proves no person: then the `x-operator-name` header, when short
 * and plain, names who used it (else "operator").
 */
import type { FastifyRequest } from 'fastify';
import type { Recovery } from '../../recovery/index.ts';

const OPERATOR_NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

export function operatorName(request: FastifyRequest): string {
  const principal = request.operator;
  if (principal && !principal.bootstrap) return `operator:${principal.username}`;
  const sent = request.headers['x-operator-name'];
  return typeof sent === 'string' && OPERATOR_NAME_PATTERN.test(sent) ? `operator:${sent}` : 'operator';
}

/** Writes an operator action to issue 7's audit log (recovery's), after the action committed. */
export type OperatorAuditLog = Pick<Recovery, 'recordOperatorAction'>;

export async function auditOperatorAction(
  request: FastifyRequest,
  audit: OperatorAuditLog | undefined,
  input: {
    action: string;
    userId?: string | null;
    subjectId?: string | null;
    details?: Record<string, string | number | boolean | null>;
  },
): Promise<void> {
  const principal = request.operator;
  if (!audit || !principal) return;
  await audit.recordOperatorAction({
    actor: { kind: 'operator', id: principal.id, role: principal.role },
    action: input.action,
    userId: input.userId ?? null,
    subjectId: input.subjectId ?? null,
    details: { ...input.details, operator: operatorName(request) },
  });
}
