// Proves the bucketed sliding windows with fast-check: after any time-ordered sequence of events,
// each window's sums (1 h, 1 d, 7 d, 30 d, and the label-delayed ones) equal a brute-force sum over
// the events whose bucket lies in the window, and a label withdrawn never drives a count below zero.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  bucketOf,
  DAY_MS,
  delayedWindowSum,
  emptyRing,
  ringAdd,
  ringLayout,
  ringSum,
  WINDOW_NAMES,
  WINDOWS,
  windowSum,
} from './windows.ts';

const START_MS = Date.UTC(2026, 0, 1);
const SPAN_MS = 70 * DAY_MS;

const eventArb = fc.record({
  offsetMs: fc.oneof(
    fc.integer({ min: 0, max: SPAN_MS }),
    fc.integer({ min: SPAN_MS - 2 * 3_600_000, max: SPAN_MS }),
  ),
  amountMinor: fc.integer({ min: 0, max: 10_000_000 }),
});

function delta(amountMinor: number) {
  return {
    events: 1,
    payments: 1,
    sumMinor: amountMinor,
    sumLogQ: amountMinor % 997,
    sumLogQSq: (amountMinor % 997) ** 2,
  };
}

describe('sliding windows', () => {
  test('every window equals the brute-force sum over its buckets', () => {
    fc.assert(
      fc.property(
        fc.array(eventArb, { maxLength: 300 }),
        fc.integer({ min: 0, max: 3 * DAY_MS }),
        fc.integer({ min: 0, max: 14 }),
        (events, laterMs, delayDays) => {
          const layout = ringLayout('full', delayDays);
          const ring = emptyRing(layout);
          const sorted = events.map((e) => ({ atMs: START_MS + e.offsetMs, amountMinor: e.amountMinor }));
          sorted.sort((a, b) => a.atMs - b.atMs);
          for (const e of sorted) ringAdd(ring, layout, e.atMs, delta(e.amountMinor));
          const nowMs = (sorted.at(-1)?.atMs ?? START_MS) + laterMs;
          for (const name of WINDOW_NAMES) {
            const w = WINDOWS[name];
            const last = bucketOf(nowMs, w.widthMs);
            const inWindow = sorted.filter((e) => {
              const b = bucketOf(e.atMs, w.widthMs);
              return b > last - w.buckets && b <= last;
            });
            const got = windowSum(ring, layout, name, nowMs);
            assert.equal(got.events, inWindow.length, `${name} count`);
            assert.equal(
              got.sumMinor,
              inWindow.reduce((s, e) => s + e.amountMinor, 0),
              `${name} sum`,
            );
            assert.equal(
              got.sumLogQSq,
              inWindow.reduce((s, e) => s + (e.amountMinor % 997) ** 2, 0),
              `${name} sq`,
            );
          }
          for (const days of [1, 7, 30]) {
            const lastDay = bucketOf(nowMs, DAY_MS) - delayDays - 1;
            const inWindow = sorted.filter((e) => {
              const d = bucketOf(e.atMs, DAY_MS);
              return d > lastDay - days && d <= lastDay;
            });
            const got = delayedWindowSum(ring, layout, { days, delayDays, atMs: nowMs });
            assert.equal(got.events, inWindow.length, `delayed ${days}d count`);
            assert.equal(
              got.sumMinor,
              inWindow.reduce((s, e) => s + e.amountMinor, 0),
              `delayed ${days}d sum`,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  test('labels given then withdrawn: each day counts exactly the labels still standing', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ day: fc.integer({ min: 0, max: 37 }), withdrawn: fc.boolean() }), {
          maxLength: 100,
        }),
        fc.integer(),
        (labels, seed) => {
          const layout = ringLayout('daily', 7);
          const ring = emptyRing(layout);
          const zero = { payments: 0, sumMinor: 0, sumLogQ: 0, sumLogQSq: 0 };
          // Every +1 first (in order), then the withdrawals in a shuffled order.
          for (const l of labels) ringAdd(ring, layout, START_MS + l.day * DAY_MS, { events: 1, ...zero });
          const undo = labels.filter((l) => l.withdrawn);
          undo.sort((a, b) => ((a.day * 7919 + seed) % 101) - ((b.day * 7919 + seed) % 101));
          for (const l of undo) ringAdd(ring, layout, START_MS + l.day * DAY_MS, { events: -1, ...zero });
          // A withdrawal for a day never labelled lands nowhere.
          ringAdd(ring, layout, START_MS + 38 * DAY_MS, { events: -1, ...zero });
          const firstDay = bucketOf(START_MS, DAY_MS);
          for (let day = 0; day <= 38; day++) {
            const standing = labels.filter((l) => l.day === day && !l.withdrawn).length;
            assert.equal(
              ringSum(ring, layout, 'd', firstDay + day, firstDay + day).events,
              standing,
              `day ${day}`,
            );
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
