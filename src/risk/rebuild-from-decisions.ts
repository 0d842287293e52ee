/**
 * Embedded mode keeps the feature windows in the process (MemoryFeatureState), so they are empty
 * after a restart and velocity rules would forget the last hour. At start the engine's own record
 * (`risk_decisions`: every assessed event with its decision, and the labels written later) is
 * replayed through the feature source: exactly the events the engine observed (checked, not
 * denied; engine.ts `assess`) in the order they were decided, and each label at the time it
 * arrived. The replay covers the longest window the features read (rebuildDays: 30 days plus the
 * label delay) and at most `rowsMax` of the newest events, read in pages. Events the engine
 * observed without deciding (`engine.observe`: wrong payment passwords) are not decision records;
 * the caller passes them (`observed`) and they are replayed interleaved by time, so the state is
 * the one live traffic left.
 */
import type { Kysely } from 'kysely';
import { assert } from '../shared/index.ts';
import type { Database } from '../store/index.ts';
import { checkEvent } from './event.ts';
import type { FeatureSource, RiskEvent } from './ports.ts';

/** Rows read per query: bounds the memory a page holds (events are ~1 KiB of JSON). */
export const REBUILD_PAGE_ROWS = 2_000;
/**
 * Most events replayed at start. It bounds boot time (estimated, not measured: tens of
 * microseconds per event read and observed, so well under a minute); the memory state's own caps
 * (MEMORY_STATE_DEFAULTS) bound what it keeps anyway. When more were recorded, the newest are
 * kept: the short windows matter most to the rules.
 */
export const REBUILD_ROWS_MAX = 500_000;

export interface RebuildReport {
  readonly events: number;
  readonly labels: number;
  /** Recorded rows skipped because their event no longer passes the check (never observed). */
  readonly skipped: number;
  /** Observed-only events replayed (from `observed`, within the replayed window). */
  readonly observedEvents: number;
  /** True when the window held more than `rowsMax` events and only the newest were replayed. */
  readonly truncated: boolean;
  readonly sinceMs: number;
}

interface PendingLabel {
  readonly eventId: string;
  readonly fraud: boolean;
  readonly atMs: number;
}

/** The recorded event JSON (bigints as decimal strings) back into a RiskEvent, or null. */
export function recordedEvent(json: unknown): RiskEvent | null {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return null;
  const raw = { ...(json as Record<string, unknown>) };
  for (const key of ['amountMinor', 'balanceMinor'] as const) {
    const value = raw[key];
    if (value === undefined) continue;
    if (typeof value !== 'string' || !/^-?\d{1,30}$/.test(value)) return null;
    raw[key] = BigInt(value);
  }
  const checked = checkEvent(raw);
  return checked.ok ? checked.event : null;
}

/**
 * Replays the recorded decisions of the last `days` days (ending at `nowMs`) into `features`.
 * Call once at start, before the platform takes traffic.
 */
export async function rebuildFeaturesFromDecisions(
  db: Kysely<Database>,
  features: FeatureSource,
  input: {
    nowMs: number;
    days: number;
    rowsMax?: number;
    /** Events observed without a decision, oldest first (the caller reads them from their source). */
    observed?: readonly RiskEvent[];
  },
): Promise<RebuildReport> {
  const rowsMax = input.rowsMax ?? REBUILD_ROWS_MAX;
  let sinceMs = input.nowMs - input.days * 86_400_000;
  // Only the events the engine observed: a denied or malformed event never entered the windows.
  const observed = db
    .selectFrom('risk_decisions')
    .where('decision', '!=', 'deny')
    .where('outcome', '!=', 'malformed_event');
  // More than rowsMax in the window: start at the rowsMax-th newest instead.
  const cut = await observed
    .select('created_at')
    .where('created_at', '>=', new Date(sinceMs))
    .orderBy('created_at', 'desc')
    .offset(rowsMax)
    .limit(1)
    .executeTakeFirst();
  const truncated = cut !== undefined;
  if (cut) sinceMs = cut.created_at.getTime() + 1;

  const labels: PendingLabel[] = [];
  let nextLabel = 0;
  let events = 0;
  let labelled = 0;
  let skipped = 0;
  const applyLabelsUpTo = async (atMs: number) => {
    while (nextLabel < labels.length && (labels[nextLabel]?.atMs ?? Number.POSITIVE_INFINITY) <= atMs) {
      const label = labels[nextLabel++] as PendingLabel;
      await features.label(label.eventId, label.fraud, label.atMs);
      labelled++;
    }
  };
  const observedOnly = input.observed ?? [];
  let nextObserved = 0;
  let observedEvents = 0;
  // The observed-only events up to `atMs`, each after the labels that arrived before it.
  const applyObservedUpTo = async (atMs: number) => {
    while (
      nextObserved < observedOnly.length &&
      (observedOnly[nextObserved]?.atMs ?? Number.POSITIVE_INFINITY) <= atMs
    ) {
      const event = observedOnly[nextObserved++] as RiskEvent;
      assert(
        nextObserved < 2 || (observedOnly[nextObserved - 2]?.atMs ?? 0) <= event.atMs,
        'observed events come oldest first',
      );
      if (event.atMs < sinceMs) continue; // before the replayed window (or the rowsMax cut)
      await applyLabelsUpTo(event.atMs);
      await features.observe(event);
      observedEvents++;
    }
  };

  // Keyset pages over (created_at, event_id): stable when several events share a millisecond.
  let after: { createdAt: Date; eventId: string } | null = null;
  for (let page = 0; page * REBUILD_PAGE_ROWS < rowsMax + REBUILD_PAGE_ROWS; page++) {
    let query = observed
      .select(['event_id', 'event', 'created_at', 'label_fraud', 'labelled_at'])
      .where('created_at', '>=', new Date(sinceMs))
      .where('created_at', '<=', new Date(input.nowMs));
    if (after) {
      const { createdAt, eventId } = after;
      query = query.where((eb) =>
        eb.or([
          eb('created_at', '>', createdAt),
          eb.and([eb('created_at', '=', createdAt), eb('event_id', '>', eventId)]),
        ]),
      );
    }
    const rows = await query
      .orderBy('created_at', 'asc')
      .orderBy('event_id', 'asc')
      .limit(REBUILD_PAGE_ROWS)
      .execute();
    for (const row of rows) {
      const atMs = row.created_at.getTime();
      await applyObservedUpTo(atMs);
      await applyLabelsUpTo(atMs);
      const event = recordedEvent(row.event);
      if (!event) {
        skipped++;
        continue;
      }
      await features.observe(event);
      events++;
      if (row.label_fraud !== null && row.labelled_at !== null) {
        // Labels arrive later than their event: queue it in arrival order among the rest.
        const label = { eventId: event.eventId, fraud: row.label_fraud, atMs: row.labelled_at.getTime() };
        let i = labels.length;
        while (i > nextLabel && (labels[i - 1]?.atMs ?? 0) > label.atMs) i--;
        labels.splice(i, 0, label);
      }
    }
    const last = rows.at(-1);
    if (!last || rows.length < REBUILD_PAGE_ROWS) break;
    after = { createdAt: last.created_at, eventId: last.event_id };
  }
  await applyObservedUpTo(input.nowMs);
  await applyLabelsUpTo(Number.POSITIVE_INFINITY);
  return { events, labels: labelled, skipped, observedEvents, truncated, sinceMs };
}
