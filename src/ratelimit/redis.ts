/**
 * The Redis connection of the scale-out mode (ioredis). Tuned to fail fast: during a Redis outage
 * a command is refused at once (no offline queue, one try, 1 s timeout) so a request answers a
 * retryable 503 within a second instead of hanging, and the client keeps reconnecting in the
 * background until Redis is back.
 */
import * as IORedis from 'ioredis';

// ioredis 6's ESM build exposes the class as default or as Redis depending on the loader.
const RedisClass = ((IORedis as unknown as { default?: unknown }).default ??
  (IORedis as unknown as { Redis: unknown }).Redis) as typeof IORedis.Redis;

export type RedisClient = IORedis.Redis;

export const REDIS_COMMAND_TIMEOUT_MS = 1_000;
export const REDIS_RECONNECT_WAIT_MAX_MS = 1_000;

export function createRedisClient(url: string): RedisClient {
  const client = new RedisClass(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: REDIS_COMMAND_TIMEOUT_MS,
    connectTimeout: 2_000,
    retryStrategy: (times: number) => Math.min(times * 100, REDIS_RECONNECT_WAIT_MAX_MS),
  });
  // Connection errors are reported here while ioredis reconnects; requests see their own errors.
  client.on('error', () => {});
  return client;
}

/** Resolves when the client is connected (start-up), or rejects after `timeoutMs`. */
export async function waitForRedis(client: RedisClient, timeoutMs: number): Promise<void> {
  if (client.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Redis not ready within ${timeoutMs} ms`)), timeoutMs);
    client.once('ready', () => {
      clearTimeout(timer);
      resolve();
    });
  });
}
