/**
 * Sliding windows in bounded memory: every counter key keeps ring buffers of time buckets at up to
 * three resolutions (5 minutes for the 1 h window, 1 hour for the 1 d window, 1 day for 7 d, 30 d
 * and the label-delayed windows). A window is a whole number of buckets ending with the bucket of
 * the time asked about, so "1 h" means the current 5-minute bucket and the 11 before it. These
 * functions are pure over a Float64Array so the in-memory and the Redis state share them and
 * agree to the bit.
 */

/** One slot: the bucket id it holds, then the summed values. */
export const SLOT_FIELDS = 6;
/** Offsets inside a slot. */
export const F_BUCKET = 0;
/** Every event observed under the key. */
export const F_EVENTS = 1;
/** Money events (payment, transfer, withdrawal) with an amount. */
export const F_PAYMENTS = 2;
/** Sum of amountMinor (exact integers while below 2^53). */
export const F_SUM_MINOR = 3;
/** Sum of quantised log amounts and of their squares (integers, so sums are exact everywhere). */
export const F_SUM_LOGQ = 4;
export const F_SUM_LOGQ_SQ = 5;

export const MINUTES5_MS = 5 * 60_000;
export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** 1 h = 12 five-minute buckets; 1 d = 24 hour buckets. */
const M5_SLOTS = 12;
const HOUR_SLOTS = 24;
/** The longest plain window, in days. */
export const LONG_WINDOW_DAYS = 30;
/** Label delay: a label must be at least this old to enter a delayed window (ceiling on the option). */
export const DELAY_DAYS_MAX = 60;

export type Resolution = 'm5' | 'h' | 'd';
/** full: all three resolutions; daily: day buckets only (label counters). */
export type CounterFamily = 'full' | 'daily';

export interface RingPart {
  readonly resolution: Resolution;
  readonly widthMs: number;
  readonly slots: number;
  /** Index of this part's first slot in the ring. */
  readonly firstSlot: number;
}

export interface RingLayout {
  readonly parts: readonly RingPart[];
  readonly slots: number;
}

/** Day buckets must reach back over the delay plus the longest window, plus today. */
export function daySlots(delayDays: number): number {
  return delayDays + LONG_WINDOW_DAYS + 1;
}

export function ringLayout(family: CounterFamily, delayDays: number): RingLayout {
  const parts: RingPart[] = [];
  let next = 0;
  const add = (resolution: Resolution, widthMs: number, slots: number) => {
    parts.push({ resolution, widthMs, slots, firstSlot: next });
    next += slots;
  };
  if (family === 'full') {
    add('m5', MINUTES5_MS, M5_SLOTS);
    add('h', HOUR_MS, HOUR_SLOTS);
  }
  add('d', DAY_MS, daySlots(delayDays));
  return { parts, slots: next };
}

export function emptyRing(layout: RingLayout): Float64Array {
  const ring = new Float64Array(layout.slots * SLOT_FIELDS);
  for (let slot = 0; slot < layout.slots; slot++) ring[slot * SLOT_FIELDS + F_BUCKET] = -1;
  return ring;
}

export function bucketOf(atMs: number, widthMs: number): number {
  return Math.floor(atMs / widthMs);
}

/** The values one event adds to a counter (all integers; negative only to undo a label). */
export interface CounterDelta {
  readonly events: number;
  readonly payments: number;
  readonly sumMinor: number;
  readonly sumLogQ: number;
  readonly sumLogQSq: number;
}

/**
 * Adds `delta` to the bucket of `atMs` at every resolution. A bucket older than what its slot
 * now holds has left the ring and is dropped; a negative delta (a label withdrawn) only ever
 * lands on the very bucket it undoes, so no count goes below zero.
 */
export function ringAdd(ring: Float64Array, layout: RingLayout, atMs: number, delta: CounterDelta): void {
  const negative =
    delta.events < 0 || delta.payments < 0 || delta.sumMinor < 0 || delta.sumLogQ < 0 || delta.sumLogQSq < 0;
  for (const part of layout.parts) {
    const bucket = bucketOf(atMs, part.widthMs);
    const base = (part.firstSlot + (bucket % part.slots)) * SLOT_FIELDS;
    const held = ring[base + F_BUCKET]!;
    if (held === bucket) {
      ring[base + F_EVENTS]! += delta.events;
      ring[base + F_PAYMENTS]! += delta.payments;
      ring[base + F_SUM_MINOR]! += delta.sumMinor;
      ring[base + F_SUM_LOGQ]! += delta.sumLogQ;
      ring[base + F_SUM_LOGQ_SQ]! += delta.sumLogQSq;
    } else if (held < bucket && !negative) {
      ring[base + F_BUCKET] = bucket;
      ring[base + F_EVENTS] = delta.events;
      ring[base + F_PAYMENTS] = delta.payments;
      ring[base + F_SUM_MINOR] = delta.sumMinor;
      ring[base + F_SUM_LOGQ] = delta.sumLogQ;
      ring[base + F_SUM_LOGQ_SQ] = delta.sumLogQSq;
    }
  }
}

export interface WindowSum {
  events: number;
  payments: number;
  sumMinor: number;
  sumLogQ: number;
  sumLogQSq: number;
}

/** Sums the buckets of `resolution` whose id lies in [fromBucket, toBucket]. */
export function ringSum(
  ring: Float64Array | undefined,
  layout: RingLayout,
  resolution: Resolution,
  fromBucket: number,
  toBucket: number,
): WindowSum {
  const sum: WindowSum = { events: 0, payments: 0, sumMinor: 0, sumLogQ: 0, sumLogQSq: 0 };
  if (!ring) return sum;
  const part = layout.parts.find((p) => p.resolution === resolution);
  if (!part) return sum;
  for (let slot = 0; slot < part.slots; slot++) {
    const base = (part.firstSlot + slot) * SLOT_FIELDS;
    const held = ring[base + F_BUCKET]!;
    if (held < fromBucket || held > toBucket) continue;
    sum.events += ring[base + F_EVENTS]!;
    sum.payments += ring[base + F_PAYMENTS]!;
    sum.sumMinor += ring[base + F_SUM_MINOR]!;
    sum.sumLogQ += ring[base + F_SUM_LOGQ]!;
    sum.sumLogQSq += ring[base + F_SUM_LOGQ_SQ]!;
  }
  return sum;
}

/** The plain windows of the issue, each as (resolution, bucket count). */
export const WINDOWS = {
  '1h': { resolution: 'm5', buckets: M5_SLOTS, widthMs: MINUTES5_MS },
  '1d': { resolution: 'h', buckets: HOUR_SLOTS, widthMs: HOUR_MS },
  '7d': { resolution: 'd', buckets: 7, widthMs: DAY_MS },
  '30d': { resolution: 'd', buckets: LONG_WINDOW_DAYS, widthMs: DAY_MS },
} as const satisfies Record<string, { resolution: Resolution; buckets: number; widthMs: number }>;
export type WindowName = keyof typeof WINDOWS;
export const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];

/** The window `name` ending with the bucket of `atMs`. */
export function windowSum(
  ring: Float64Array | undefined,
  layout: RingLayout,
  name: WindowName,
  atMs: number,
): WindowSum {
  const window = WINDOWS[name];
  const last = bucketOf(atMs, window.widthMs);
  return ringSum(ring, layout, window.resolution, last - window.buckets + 1, last);
}

/**
 * The `days`-day window that ends `delayDays` whole days before the day of `atMs` (so the day
 * of the event and the delay's days are left out): only days whose labels are all known.
 */
export function delayedWindowSum(
  ring: Float64Array | undefined,
  layout: RingLayout,
  options: { days: number; delayDays: number; atMs: number },
): WindowSum {
  const last = bucketOf(options.atMs, DAY_MS) - options.delayDays - 1;
  return ringSum(ring, layout, 'd', last - options.days + 1, last);
}

/**
 * The day buckets in [fromBucket, toBucket] that hold events (> 0), oldest first: when a label
 * counter last and first saw a fraud, and on how many distinct days.
 */
export function daysWithEvents(
  ring: Float64Array | undefined,
  layout: RingLayout,
  fromBucket: number,
  toBucket: number,
): number[] {
  const days: number[] = [];
  if (!ring) return days;
  const part = layout.parts.find((p) => p.resolution === 'd');
  if (!part) return days;
  for (let slot = 0; slot < part.slots; slot++) {
    const base = (part.firstSlot + slot) * SLOT_FIELDS;
    const held = ring[base + F_BUCKET]!;
    if (held >= fromBucket && held <= toBucket && ring[base + F_EVENTS]! > 0) days.push(held);
  }
  return days.sort((a, b) => a - b);
}

/**
 * One field of each day bucket in [fromBucket, toBucket], indexed by day - fromBucket (0 where the
 * ring holds nothing for that day): per-day counts in one pass over the ring, not one per day.
 */
export function perDay(
  ring: Float64Array | undefined,
  layout: RingLayout,
  field: typeof F_EVENTS | typeof F_PAYMENTS,
  fromBucket: number,
  toBucket: number,
): Float64Array {
  const out = new Float64Array(Math.max(0, toBucket - fromBucket + 1));
  if (!ring) return out;
  const part = layout.parts.find((p) => p.resolution === 'd');
  if (!part) return out;
  for (let slot = 0; slot < part.slots; slot++) {
    const base = (part.firstSlot + slot) * SLOT_FIELDS;
    const held = ring[base + F_BUCKET]!;
    if (held >= fromBucket && held <= toBucket) out[held - fromBucket] = ring[base + field]!;
  }
  return out;
}

/** Quantised natural log of the amount in major units (×1000, rounded): integer, so exact. */
export function logQ(amountMinor: number): number {
  return Math.round(1000 * Math.log1p(amountMinor / 100));
}
