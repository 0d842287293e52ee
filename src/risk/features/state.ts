/**
 * The feature state as a handful of primitive reads and writes, so the feature code is written
 * once and runs unchanged over the in-memory state (embedded mode) and over Redis (scale-out):
 * a read batch is one Redis pipeline, a write batch one Lua script (atomic).
 */
import type { CounterDelta, CounterFamily } from './windows.ts';

/** Bucketed window counters of one key. */
export interface CounterRead {
  readonly kind: 'counter';
  readonly key: string;
  readonly family: CounterFamily;
}
/** Whether `member` was seen under `key` (first and last time), and how many members the key has. */
export interface MemberRead {
  readonly kind: 'member';
  readonly key: string;
  readonly member: string;
}
/** A small record of string fields. */
export interface RecordRead {
  readonly kind: 'record';
  readonly key: string;
}
export type StateRead = CounterRead | MemberRead | RecordRead;

export interface MemberInfo {
  readonly firstMs: number;
  readonly lastMs: number;
}
export interface MemberResult {
  readonly info: MemberInfo | null;
  readonly size: number;
}
export type ReadResult = Float64Array | MemberResult | Readonly<Record<string, string>> | undefined;

/** Compare-and-set on a record field: the batch applies only if every guard holds. */
export interface GuardWrite {
  readonly kind: 'guard';
  readonly key: string;
  readonly field: string;
  /** The value the field must hold now; null means absent. */
  readonly expect: string | null;
  readonly value: string;
}
export interface SetWrite {
  readonly kind: 'set';
  readonly key: string;
  readonly fields: Readonly<Record<string, string>>;
  /** Only fields not yet present are written (first-seen times). */
  readonly onlyIfMissing?: boolean;
}
export interface AddWrite {
  readonly kind: 'add';
  readonly key: string;
  readonly family: CounterFamily;
  readonly atMs: number;
  readonly delta: CounterDelta;
}
/** Records `member` under `key` at `atMs`; when it is new, also applies `ifNew`. */
export interface TouchWrite {
  readonly kind: 'touch';
  readonly key: string;
  readonly member: string;
  readonly atMs: number;
  readonly ifNew?: readonly (AddWrite | SetWrite)[];
}
export type StateWrite = GuardWrite | SetWrite | AddWrite | TouchWrite;

/** Limits of the state; every map is capped and evicts its oldest entries. */
export interface StateLimits {
  /** Whole days a label waits before it may enter a delayed window (sizes the day rings). */
  readonly delayDays: number;
  /** Members kept per member set (devices of a user, payers of a payee…); least recent evicted. */
  readonly membersPerKeyMax: number;
}

export interface FeatureState {
  readonly limits: StateLimits;
  read(reads: readonly StateRead[]): Promise<ReadResult[]>;
  /** Applies the batch atomically; false (and nothing written) when a guard failed. */
  write(writes: readonly StateWrite[]): Promise<boolean>;
}

/** Which member the memory and Redis states evict first: least recently seen, then smallest. */
export function evictionOrder(a: [string, MemberInfo], b: [string, MemberInfo]): number {
  if (a[1].lastMs !== b[1].lastMs) return a[1].lastMs - b[1].lastMs;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
