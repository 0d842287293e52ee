/**
 * Feature state in Redis (the scale-out mode of issue 8): same structures and the same ring
 * arithmetic as the in-memory state, so both give the same features (a test proves it). A read
 * batch is one pipeline; a write batch is one Lua script, so it applies atomically and its guards
 * (idempotency per event id, label compare-and-set) hold across processes. Keys are built inside
 * the script from one prefix: fine for one Redis, not for Redis Cluster (see docs/risk.md).
 */
import type { Redis } from 'ioredis';
import { assert } from '../../shared/index.ts';
import type { FeatureState, ReadResult, StateLimits, StateRead, StateWrite } from './state.ts';
import {
  bucketOf,
  type CounterFamily,
  DAY_MS,
  daySlots,
  emptyRing,
  type RingLayout,
  ringLayout,
  SLOT_FIELDS,
} from './windows.ts';

/** Records and member sets outlive any window: a user's devices and first-seen times last a year. */
const RECORD_TTL_MS = 400 * DAY_MS;
/** Event records only need to outlive the longest wait for a label. */
const EVENT_TTL_MS = 90 * DAY_MS;

export interface RedisStateOptions extends StateLimits {
  /** Every key starts with this (e.g. `rampart:risk:`), so tests and tenants do not mix. */
  readonly keyPrefix: string;
}

const WRITE_SCRIPT = `
local prefix = ARGV[1]
local ops = cjson.decode(ARGV[2])
local counterTtl = tonumber(ARGV[3])
local recordTtl = tonumber(ARGV[4])
local eventTtl = tonumber(ARGV[5])
local cap = tonumber(ARGV[6])

local function recordTtlOf(key)
  if string.sub(key, 1, 2) == 'e:' then return eventTtl end
  return recordTtl
end

for _, op in ipairs(ops) do
  if op.k == 'guard' then
    local held = redis.call('HGET', prefix .. op.key, op.field)
    local expect = op.expect
    if expect == cjson.null then expect = false end
    if held ~= expect then return 0 end
  end
end

local apply
local function add(op)
  local key = prefix .. op.key
  local d = op.d
  for _, sb in ipairs(op.slots) do
    local field = sb[1]
    local b = sb[2]
    local cur = redis.call('HGET', key, field)
    local v = {-1, 0, 0, 0, 0, 0}
    if cur then
      local i = 1
      for x in string.gmatch(cur, '[^,]+') do v[i] = tonumber(x); i = i + 1 end
    end
    local write = false
    if v[1] == b then
      for i = 1, 5 do v[i + 1] = v[i + 1] + d[i] end
      write = true
    elseif v[1] < b and op.neg == 0 then
      v[1] = b
      for i = 1, 5 do v[i + 1] = d[i] end
      write = true
    end
    if write then
      redis.call('HSET', key, field, string.format('%.0f,%.0f,%.0f,%.0f,%.0f,%.0f', v[1], v[2], v[3], v[4], v[5], v[6]))
    end
  end
  redis.call('PEXPIRE', key, counterTtl)
end

local function set(op)
  local key = prefix .. op.key
  for field, value in pairs(op.fields) do
    if op.nx == 1 then redis.call('HSETNX', key, field, value) else redis.call('HSET', key, field, value) end
  end
  redis.call('PEXPIRE', key, recordTtlOf(op.key))
end

local function touch(op)
  local zkey = prefix .. op.key
  local fkey = zkey .. '|first'
  local last = redis.call('ZSCORE', zkey, op.member)
  if last then
    if tonumber(op.at) > tonumber(last) then redis.call('ZADD', zkey, op.at, op.member) end
  else
    redis.call('ZADD', zkey, op.at, op.member)
    redis.call('HSET', fkey, op.member, op.at)
    if redis.call('ZCARD', zkey) > cap then
      local victim = redis.call('ZPOPMIN', zkey)
      redis.call('HDEL', fkey, victim[1])
    end
    for _, then_op in ipairs(op.ifNew) do apply(then_op) end
  end
  redis.call('PEXPIRE', zkey, recordTtl)
  redis.call('PEXPIRE', fkey, recordTtl)
end

apply = function(op)
  if op.k == 'guard' then
    redis.call('HSET', prefix .. op.key, op.field, op.value)
    redis.call('PEXPIRE', prefix .. op.key, recordTtlOf(op.key))
  elseif op.k == 'set' then set(op)
  elseif op.k == 'add' then add(op)
  elseif op.k == 'touch' then touch(op)
  end
end

for _, op in ipairs(ops) do apply(op) end
return 1
`;

type WireOp =
  | { k: 'guard'; key: string; field: string; expect: string | null; value: string }
  | { k: 'set'; key: string; fields: Readonly<Record<string, string>>; nx: 0 | 1 }
  | { k: 'add'; key: string; slots: [string, number][]; d: number[]; neg: 0 | 1 }
  | { k: 'touch'; key: string; member: string; at: string; ifNew: WireOp[] };

export class RedisFeatureState implements FeatureState {
  readonly limits: StateLimits;
  readonly #redis: Redis;
  readonly #prefix: string;
  readonly #layouts: Record<CounterFamily, RingLayout>;
  readonly #counterTtlMs: number;
  #scriptSha: string | undefined;

  constructor(redis: Redis, options: RedisStateOptions) {
    assert(Number.isSafeInteger(options.delayDays) && options.delayDays >= 0, 'redis state delayDays');
    assert(
      Number.isSafeInteger(options.membersPerKeyMax) && options.membersPerKeyMax >= 1,
      'membersPerKeyMax',
    );
    this.#redis = redis;
    this.#prefix = options.keyPrefix;
    this.limits = { delayDays: options.delayDays, membersPerKeyMax: options.membersPerKeyMax };
    this.#layouts = {
      full: ringLayout('full', options.delayDays),
      daily: ringLayout('daily', options.delayDays),
    };
    // A day bucket must live as long as the day ring reaches back, plus the day it is in.
    this.#counterTtlMs = (daySlots(options.delayDays) + 1) * DAY_MS;
  }

  async read(reads: readonly StateRead[]): Promise<ReadResult[]> {
    const pipeline = this.#redis.pipeline();
    for (const read of reads) {
      const key = this.#prefix + read.key;
      if (read.kind === 'member') {
        pipeline.zscore(key, read.member);
        pipeline.hget(`${key}|first`, read.member);
        pipeline.zcard(key);
      } else {
        pipeline.hgetall(key);
      }
    }
    const replies = (await pipeline.exec()) ?? [];
    const value = (index: number): unknown => {
      const reply = replies[index];
      assert(reply !== undefined, 'one pipeline reply per command');
      if (reply[0]) throw reply[0];
      return reply[1];
    };
    const results: ReadResult[] = [];
    let index = 0;
    for (const read of reads) {
      if (read.kind === 'member') {
        const last = value(index) as string | null;
        const first = value(index + 1) as string | null;
        const size = Number(value(index + 2));
        index += 3;
        results.push({
          info: last === null ? null : { firstMs: Number(first ?? last), lastMs: Number(last) },
          size,
        });
        continue;
      }
      const hash = value(index) as Record<string, string>;
      index += 1;
      if (Object.keys(hash).length === 0) {
        results.push(undefined);
      } else if (read.kind === 'counter') {
        results.push(this.#ringFromHash(hash, read.family));
      } else {
        results.push(hash);
      }
    }
    return results;
  }

  async write(writes: readonly StateWrite[]): Promise<boolean> {
    const ops = writes.map((write) => this.#wire(write));
    const args = [
      this.#prefix,
      JSON.stringify(ops),
      String(this.#counterTtlMs),
      String(RECORD_TTL_MS),
      String(EVENT_TTL_MS),
      String(this.limits.membersPerKeyMax),
    ];
    this.#scriptSha ??= (await this.#redis.script('LOAD', WRITE_SCRIPT)) as string;
    let result: unknown;
    try {
      result = await this.#redis.evalsha(this.#scriptSha, 0, ...args);
    } catch (error) {
      // The script cache is emptied by a Redis restart or SCRIPT FLUSH: load it again once.
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      this.#scriptSha = (await this.#redis.script('LOAD', WRITE_SCRIPT)) as string;
      result = await this.#redis.evalsha(this.#scriptSha, 0, ...args);
    }
    return Number(result) === 1;
  }

  #ringFromHash(hash: Record<string, string>, family: CounterFamily): Float64Array {
    const layout = this.#layouts[family];
    const ring = emptyRing(layout);
    for (const [field, text] of Object.entries(hash)) {
      const slot = Number(field);
      const values = text.split(',').map(Number);
      if (!Number.isSafeInteger(slot) || slot < 0 || slot >= layout.slots || values.length !== SLOT_FIELDS)
        continue;
      for (let i = 0; i < SLOT_FIELDS; i++) ring[slot * SLOT_FIELDS + i] = values[i]!;
    }
    return ring;
  }

  #wire(write: StateWrite): WireOp {
    switch (write.kind) {
      case 'guard':
        return { k: 'guard', key: write.key, field: write.field, expect: write.expect, value: write.value };
      case 'set':
        return { k: 'set', key: write.key, fields: write.fields, nx: write.onlyIfMissing ? 1 : 0 };
      case 'add': {
        const layout = this.#layouts[write.family];
        const slots: [string, number][] = layout.parts.map((part) => {
          const bucket = bucketOf(write.atMs, part.widthMs);
          return [String(part.firstSlot + (bucket % part.slots)), bucket];
        });
        const d = write.delta;
        const values = [d.events, d.payments, d.sumMinor, d.sumLogQ, d.sumLogQSq];
        return { k: 'add', key: write.key, slots, d: values, neg: values.some((v) => v < 0) ? 1 : 0 };
      }
      case 'touch':
        return {
          k: 'touch',
          key: write.key,
          member: write.member,
          at: String(write.atMs),
          ifNew: (write.ifNew ?? []).map((then) => this.#wire(then)),
        };
    }
  }
}
