// Proves the Redis feature state gives the same features as the in-memory one: one seeded stream
// of events and late labels goes through both (Redis at RAMPART_TEST_REDIS_URL, default
// 127.0.0.1:6379, under a fresh key prefix), and every extracted vector is compared, NaN for NaN.
// Also: observe and label stay idempotent across the Lua script, and member caps evict alike.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { MemoryFeatureState } from './memory-state.ts';
import { OnlineFeatureSource } from './online-features.ts';
import { RedisFeatureState } from './redis-state.ts';
import { syntheticEvents } from './synthetic-events.ts';

const REDIS_URL = process.env.RAMPART_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `rampart-test:risk:${process.pid}:${Date.now()}:`;

describe('Redis feature state', () => {
  let redis: Redis;
  before(() => {
    redis = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    const keys = await redis.keys(`${PREFIX}*`);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
    redis.disconnect();
  });

  test('the same event sequence gives the same feature vectors in memory and in Redis', async () => {
    const limits = { delayDays: 2, membersPerKeyMax: 4 };
    const memory = new OnlineFeatureSource(new MemoryFeatureState(limits));
    const remote = new OnlineFeatureSource(
      new RedisFeatureState(redis, { ...limits, keyPrefix: `${PREFIX}a:` }),
    );
    let compared = 0;
    let withLabels = 0;
    let withSorted = 0;
    for (const step of syntheticEvents({
      seed: 7,
      users: 12,
      events: 1500,
      startMs: Date.UTC(2026, 2, 1),
      gapMs: 20 * 60_000,
    })) {
      const [a, b] = await Promise.all([memory.extract(step.event), remote.extract(step.event)]);
      assert.deepStrictEqual(b, a, `features of ${step.event.eventId}`);
      compared++;
      if ((a.merchant_fraud_rate_7d ?? 0) > 0 || (a.payee_reports_30d ?? 0) > 0) withLabels++;
      if ((a.payee_ordinary_frauds_30d ?? 0) + (a.payee_payer_explained_frauds_30d ?? 0) > 0) withSorted++;
      await memory.observe(step.event);
      await remote.observe(step.event);
      if (step.event.eventId.endsWith('0')) await remote.observe(step.event); // replayed: no effect
      if (step.label) {
        const { eventId, fraud, atMs } = step.label;
        await memory.label(eventId, fraud, atMs);
        await remote.label(eventId, fraud, atMs);
        await remote.label(eventId, fraud, atMs);
      }
    }
    assert.equal(compared, 1500);
    // The sequence exercises what matters: labels reached features, member caps were hit.
    assert.ok(withLabels > 50, `vectors with label features: ${withLabels}`);
    assert.ok(withSorted > 20, `vectors with frauds sorted by payer ratio: ${withSorted}`);
    assert.equal(await redis.zcard(`${PREFIX}a:spp:merchant:m0`), 4);
    assert.equal(await redis.hlen(`${PREFIX}a:spp:merchant:m0|first`), 4);
  });
});
