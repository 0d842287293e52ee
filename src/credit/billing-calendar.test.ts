// Proves the billing calendar: a month is billed at 00:00 Beijing on the 1st of the next month
// and due before 00:00 Beijing on the 11th, across year ends; property: every instant's last
// closed period is the month before its Beijing month, and its statement is not in the future.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { billingPeriodOf, currentPeriod, lastClosedPeriod } from './billing-calendar.ts';

test('March 2026 is billed on 1 April 00:00 Beijing and due before 11 April 00:00 Beijing', () => {
  const march = billingPeriodOf(2026, 3);
  assert.equal(march.period, '2026-03');
  assert.equal(new Date(march.statementAtMs).toISOString(), '2026-03-31T16:00:00.000Z');
  assert.equal(new Date(march.dueAtMs).toISOString(), '2026-04-10T16:00:00.000Z');
  const december = billingPeriodOf(2025, 12);
  assert.equal(new Date(december.statementAtMs).toISOString(), '2025-12-31T16:00:00.000Z');
  // 1 January 2026, 00:30 Beijing is still 31 December in UTC.
  assert.equal(lastClosedPeriod(Date.UTC(2025, 11, 31, 16, 30)).period, '2025-12');
  assert.equal(currentPeriod(Date.UTC(2025, 11, 31, 16, 30)).period, '2026-01');
});

test('the last closed period is the previous Beijing month and its statement is due already', () => {
  fc.assert(
    fc.property(fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2100, 0, 1) }), (nowMs) => {
      const closed = lastClosedPeriod(nowMs);
      const current = currentPeriod(nowMs);
      assert.ok(closed.statementAtMs <= nowMs);
      assert.ok(current.statementAtMs > nowMs);
      assert.equal(closed.statementAtMs + 0, billingPeriodOf(...parse(closed.period)).statementAtMs);
      assert.ok(closed.dueAtMs - closed.statementAtMs === 10 * 86_400_000);
    }),
  );
});

function parse(period: string): [number, number] {
  return [Number(period.slice(0, 4)), Number(period.slice(5, 7))];
}
