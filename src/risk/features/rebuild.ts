/**
 * Embedded mode keeps the feature state in the process. At start it is rebuilt by replaying the
 * recorded events (and their labels) of the last `rebuildDays` through the same observe()/label()
 * code, so the rebuilt state is exactly what live traffic would have left (docs/risk.md says why
 * this, not a snapshot). The engine half owns where events are recorded and feeds them here.
 */
import type { FeatureSource, RiskEvent } from '../ports.ts';
import { LONG_WINDOW_DAYS } from './windows.ts';

/** Days of events a rebuild needs: the longest window, reaching back over the label delay, plus today. */
export function rebuildDays(delayDays: number): number {
  return LONG_WINDOW_DAYS + delayDays + 1;
}

export interface RecordedStep {
  readonly event: RiskEvent;
  /** A label that arrived after this event (replayed in the order it arrived). */
  readonly label?: { readonly eventId: string; readonly fraud: boolean; readonly atMs: number };
}

/** Replays recorded events in the order they took effect; returns what it replayed. */
export async function rebuildFeatures(
  source: FeatureSource,
  steps: AsyncIterable<RecordedStep> | Iterable<RecordedStep>,
): Promise<{ events: number; labels: number }> {
  let events = 0;
  let labels = 0;
  for await (const step of steps) {
    await source.observe(step.event);
    events++;
    if (step.label) {
      await source.label(step.label.eventId, step.label.fraud, step.label.atMs);
      labels++;
    }
  }
  return { events, labels };
}
