/**
 * Invariant checks. A failed assertion is a bug in Rampart, never a user error: it throws an
 * AssertionError that the HTTP edge maps to a masked 500 and the logs keep in full.
 */
export class AssertionError extends Error {
  override name = 'AssertionError';
}

export function assert(condition: unknown, message: string): asserts condition {
  if (!condition) throw new AssertionError(`invariant violated: ${message}`);
}

export function unreachable(value: never, what: string): never {
  throw new AssertionError(`unreachable ${what}: ${String(value)}`);
}
