/**
 * Who the operator is, for audit trails: the `x-operator-name` header when it is short and plain,
 * else "operator". The shared operator token proves only that the caller is an operator; named
 * operator accounts with roles arrive with another helper's work (then this reads the account).
 */
import type { FastifyRequest } from 'fastify';

const OPERATOR_NAME_PATTERN = /^[A-Za-z0-9_.@-]{1,64}$/;

export function operatorName(request: FastifyRequest): string {
  const sent = request.headers['x-operator-name'];
  return typeof sent === 'string' && OPERATOR_NAME_PATTERN.test(sent) ? `operator:${sent}` : 'operator';
}
