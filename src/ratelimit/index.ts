export { createRateLimiter, RATE_LIMITS } from './rate-limiter.ts';
