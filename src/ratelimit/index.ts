export { createRateLimiter, RATE_LIMITS } from './rate-limiter.ts';
export { createRedisClient, type RedisClient, waitForRedis } from './redis.ts';
