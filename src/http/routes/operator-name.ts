/**
 * Who the operator is, for audit trails: a signed-in operator account by its user name; with the
 * shared operator token (which proves only that the caller is an operator) the `x-operator-name`
 * header when it is short and plain, else "operator".
 */
import type { FastifyRequest } from 'fastify';

const OPERATOR_NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

export function operatorName(request: FastifyRequest): string {
  if (request.operator && !request.operator.bootstrap) return `operator:${request.operator.username}`;
  const sent = request.headers['x-operator-name'];
  return typeof sent === 'string' && OPERATOR_NAME_PATTERN.test(sent) ? `operator:${sent}` : 'operator';
}
