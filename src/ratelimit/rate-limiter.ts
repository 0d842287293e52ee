/**
 * Rate limits on every credential and code endpoint, per IP and per account (rate-limiter-flexible).
 * Embedded mode counts in process memory; the scale-out mode (issue 8) passes a Redis client so
 * every instance shares one budget.
 */
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import type { RateLimitBucket, RateLimiter, RateLimitResult } from '../identity/index.ts';
import { COMMON_ERRORS, DomainError } from '../shared/index.ts';

const MINUTE_S = 60;

/** Budgets: generous for people, tight for scripts. Lockouts (5 wrong passwords) sit underneath. */
export const RATE_LIMITS: Readonly<Record<RateLimitBucket, { points: number; durationS: number }>> =
  Object.freeze({
    credential_ip: { points: 30, durationS: 15 * MINUTE_S }, // password/code/passkey attempts per IP
    credential_account: { points: 20, durationS: 15 * MINUTE_S }, // attempts against one phone or account
    code_send: { points: 5, durationS: 60 * MINUTE_S }, // SMS/e-mail codes to one destination (cost, spam)
    code_verify: { points: 20, durationS: 15 * MINUTE_S },
  });

type Limiter = RateLimiterMemory | RateLimiterRedis;

export function createRateLimiter(
  options: {
    redis?: unknown;
    /** Redis key prefix (default `rampart`): one Redis may serve several deployments. */
    keyPrefix?: string;
    /** Multiplies every budget; benchmarks only (config refuses it outside dev mode). */
    pointsFactor?: number;
  } = {},
): RateLimiter {
  const factor = options.pointsFactor ?? 1;
  const limiters = new Map<RateLimitBucket, Limiter>();
  for (const [bucket, { points, durationS }] of Object.entries(RATE_LIMITS) as [
    RateLimitBucket,
    { points: number; durationS: number },
  ][]) {
    limiters.set(
      bucket,
      options.redis
        ? new RateLimiterRedis({
            storeClient: options.redis,
            keyPrefix: `${options.keyPrefix ?? 'rampart'}:rl:${bucket}`,
            points: points * factor,
            duration: durationS,
            // During a Redis outage: refuse at once (a retryable 503 below), never wait or guess.
            rejectIfRedisNotReady: true,
          })
        : new RateLimiterMemory({ keyPrefix: bucket, points: points * factor, duration: durationS }),
    );
  }
  return {
    async consume(bucket, key): Promise<RateLimitResult> {
      const limiter = limiters.get(bucket);
      if (!limiter) return { ok: true };
      try {
        await limiter.consume(key);
        return { ok: true };
      } catch (error) {
        if (error instanceof RateLimiterRes) return { ok: false, retryAfterMs: error.msBeforeNext };
        // The shared counter store (Redis) is unreachable: no budget can be checked, so the
        // attempt is refused as "retry shortly" rather than let through unlimited.
        if (options.redis) throw new DomainError(COMMON_ERRORS.UNAVAILABLE, { retryAfterMs: 1_000 });
        throw error;
      }
    },
  };
}
