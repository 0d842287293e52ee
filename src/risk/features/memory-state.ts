/**
 * Feature state in the process (embedded mode). Every map is capped: past its cap the key written
 * longest ago is evicted, so memory stays bounded whatever the traffic (a counter key is at most
 * (12 + 24 + delay + 31) slots × 6 doubles ≈ 3.5 KB with a 7-day delay).
 */
import { assert } from '../../shared/index.ts';
import {
  evictionOrder,
  type FeatureState,
  type MemberInfo,
  type ReadResult,
  type StateLimits,
  type StateRead,
  type StateWrite,
} from './state.ts';
import { type CounterFamily, emptyRing, type RingLayout, ringAdd, ringLayout } from './windows.ts';

export interface MemoryStateLimits extends StateLimits {
  readonly counterKeysMax: number;
  readonly memberKeysMax: number;
  readonly recordKeysMax: number;
  /** Event records (kept so a late label finds its event): `e:` keys. */
  readonly eventKeysMax: number;
}

/** Defaults sized for ~100k active users and a 7-day label delay: under ~600 MB at the caps. */
export const MEMORY_STATE_DEFAULTS: MemoryStateLimits = {
  delayDays: 7,
  membersPerKeyMax: 256,
  counterKeysMax: 150_000,
  memberKeysMax: 200_000,
  recordKeysMax: 200_000,
  eventKeysMax: 500_000,
};

export const EVENT_KEY_PREFIX = 'e:';

/** Share of a full map evicted at once: eviction sorts the write stamps, so it runs rarely. */
const EVICT_SHARE = 0.1;

/**
 * A map capped at `max` keys that evicts the keys written longest ago. Each write stamps its
 * entry with a counter instead of moving it in the Map (cheap on the hot path); past the cap the
 * oldest tenth is evicted in one pass.
 */
class CappedMap<V> {
  readonly #entries = new Map<string, { value: V; stamp: number }>();
  readonly #max: number;
  #stamp = 0;

  constructor(max: number) {
    this.#max = max;
  }
  get size(): number {
    return this.#entries.size;
  }
  get(key: string): V | undefined {
    return this.#entries.get(key)?.value;
  }
  values(): IterableIterator<V> {
    return Array.from(this.#entries.values(), (e) => e.value)[Symbol.iterator]();
  }
  put(key: string, value: V): void {
    const held = this.#entries.get(key);
    this.#stamp++;
    if (held) {
      held.value = value;
      held.stamp = this.#stamp;
      return;
    }
    this.#entries.set(key, { value, stamp: this.#stamp });
    if (this.#entries.size > this.#max) this.#evict();
  }
  #evict(): void {
    const stamps = Array.from(this.#entries.values(), (e) => e.stamp).sort((a, b) => a - b);
    const keep = Math.max(1, Math.floor(this.#max * (1 - EVICT_SHARE)));
    const cutoff = stamps[stamps.length - keep]!;
    for (const [key, entry] of this.#entries) if (entry.stamp < cutoff) this.#entries.delete(key);
  }
}

export class MemoryFeatureState implements FeatureState {
  readonly limits: MemoryStateLimits;
  readonly #layouts: Record<CounterFamily, RingLayout>;
  readonly #counters: CappedMap<Float64Array>;
  readonly #members: CappedMap<Map<string, MemberInfo>>;
  readonly #records: CappedMap<Map<string, string>>;
  readonly #events: CappedMap<Map<string, string>>;

  constructor(limits: Partial<MemoryStateLimits> = {}) {
    this.limits = { ...MEMORY_STATE_DEFAULTS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      assert(Number.isSafeInteger(value) && value >= (name === 'delayDays' ? 0 : 1), `memory state ${name}`);
    }
    this.#counters = new CappedMap(this.limits.counterKeysMax);
    this.#members = new CappedMap(this.limits.memberKeysMax);
    this.#records = new CappedMap(this.limits.recordKeysMax);
    this.#events = new CappedMap(this.limits.eventKeysMax);
    this.#layouts = {
      full: ringLayout('full', this.limits.delayDays),
      daily: ringLayout('daily', this.limits.delayDays),
    };
  }

  /** Current map sizes (for tests of the bounds and for metrics). */
  sizes(): { counters: number; memberKeys: number; membersLargest: number; records: number; events: number } {
    let membersLargest = 0;
    for (const set of this.#members.values()) membersLargest = Math.max(membersLargest, set.size);
    return {
      counters: this.#counters.size,
      memberKeys: this.#members.size,
      membersLargest,
      records: this.#records.size,
      events: this.#events.size,
    };
  }

  async read(reads: readonly StateRead[]): Promise<ReadResult[]> {
    return this.readNow(reads);
  }

  /** The synchronous read (the memory state never waits); read() wraps it. */
  readNow(reads: readonly StateRead[]): ReadResult[] {
    const results: ReadResult[] = [];
    for (const read of reads) {
      if (read.kind === 'counter') {
        results.push(this.#counters.get(read.key));
      } else if (read.kind === 'member') {
        const set = this.#members.get(read.key);
        results.push({ info: set?.get(read.member) ?? null, size: set?.size ?? 0 });
      } else {
        const record = this.#recordMap(read.key).get(read.key);
        results.push(record ? Object.fromEntries(record) : undefined);
      }
    }
    return results;
  }

  async write(writes: readonly StateWrite[]): Promise<boolean> {
    return this.writeNow(writes);
  }

  writeNow(writes: readonly StateWrite[]): boolean {
    for (const write of writes) {
      if (write.kind !== 'guard') continue;
      const held = this.#recordMap(write.key).get(write.key)?.get(write.field) ?? null;
      if (held !== write.expect) return false;
    }
    for (const write of writes) this.#apply(write);
    return true;
  }

  #recordMap(key: string): CappedMap<Map<string, string>> {
    return key.startsWith(EVENT_KEY_PREFIX) ? this.#events : this.#records;
  }

  #apply(write: StateWrite): void {
    switch (write.kind) {
      case 'guard':
        this.#setFields(write.key, { [write.field]: write.value }, false);
        return;
      case 'set':
        this.#setFields(write.key, write.fields, write.onlyIfMissing === true);
        return;
      case 'add': {
        const layout = this.#layouts[write.family];
        const ring = this.#counters.get(write.key) ?? emptyRing(layout);
        assert(ring.length === layout.slots * 6, 'a counter key is used with one family only');
        ringAdd(ring, layout, write.atMs, write.delta);
        this.#counters.put(write.key, ring);
        return;
      }
      case 'touch': {
        const set = this.#members.get(write.key) ?? new Map<string, MemberInfo>();
        const held = set.get(write.member);
        if (held) {
          set.set(write.member, { firstMs: held.firstMs, lastMs: Math.max(held.lastMs, write.atMs) });
        } else {
          set.set(write.member, { firstMs: write.atMs, lastMs: write.atMs });
          if (set.size > this.limits.membersPerKeyMax) {
            let victim: [string, MemberInfo] | undefined;
            for (const entry of set) if (!victim || evictionOrder(entry, victim) < 0) victim = entry;
            if (victim) set.delete(victim[0]);
          }
        }
        this.#members.put(write.key, set);
        if (!held) for (const then of write.ifNew ?? []) this.#apply(then);
        return;
      }
    }
  }

  #setFields(key: string, fields: Readonly<Record<string, string>>, onlyIfMissing: boolean): void {
    const map = this.#recordMap(key);
    const record = map.get(key) ?? new Map<string, string>();
    for (const [field, value] of Object.entries(fields)) {
      if (onlyIfMissing && record.has(field)) continue;
      record.set(field, value);
    }
    map.put(key, record);
  }
}
