import { COMMON_ERRORS, DomainError } from '../shared/index.ts';
import type { IdentityContext } from './context.ts';
import type { RateLimitBucket } from './ports.ts';

/** Takes a point from the bucket or throws `rate_limited` with how long to wait. */
export async function enforceRateLimit(
  ctx: IdentityContext,
  bucket: RateLimitBucket,
  key: string,
): Promise<void> {
  const result = await ctx.rateLimiter.consume(bucket, key);
  if (!result.ok) throw new DomainError(COMMON_ERRORS.RATE_LIMITED, { retryAfterMs: result.retryAfterMs });
}
