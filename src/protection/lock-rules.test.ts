// Proves the security lock's pure rules: the night window [start, end) in local time, wrapping
// midnight when end < start (property-tested against a minute-by-minute definition), minutes of
// day in a named time zone, and which operations need a second factor.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { inNightWindow, inWindow, minuteOfDayIn, secondFactorReason } from './lock-rules.ts';
import { DEFAULT_LOCK } from './lock-settings.ts';

test('inWindow matches walking the minutes from start to end', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 0, max: 1439 }),
      fc.integer({ min: 0, max: 1439 }),
      fc.integer({ min: 0, max: 1439 }),
      (start, end, minute) => {
        const inside = new Set<number>();
        for (let m = start; m !== end; m = (m + 1) % 1440) inside.add(m);
        assert.equal(inWindow(minute, start, end), inside.has(minute));
      },
    ),
  );
});

test('minutes of day follow the time zone, Shanghai has no daylight saving', () => {
  const at = Date.UTC(2026, 6, 1, 15, 30); // 23:30 in Shanghai, 16:30 in London (BST)
  assert.equal(minuteOfDayIn(at, 'Asia/Shanghai'), 23 * 60 + 30);
  assert.equal(minuteOfDayIn(at, 'Europe/London'), 16 * 60 + 30);
  assert.equal(minuteOfDayIn(Date.UTC(2026, 0, 1, 15, 30), 'Europe/London'), 15 * 60 + 30);
});

test('a second factor: transfers and withdrawals when locked, merchant payments only at night', () => {
  const night = Date.UTC(2026, 2, 2, 15, 30); // 23:30 Beijing
  const day = Date.UTC(2026, 2, 2, 2, 0); // 10:00 Beijing
  assert.equal(secondFactorReason(DEFAULT_LOCK, { operation: 'transfer', nowMs: day }), null, 'off');
  const locked = { ...DEFAULT_LOCK, enabled: true };
  assert.equal(secondFactorReason(locked, { operation: 'transfer', nowMs: day }), 'security_lock');
  assert.equal(secondFactorReason(locked, { operation: 'withdrawal', nowMs: day }), 'security_lock');
  assert.equal(secondFactorReason(locked, { operation: 'merchant_payment', nowMs: night }), null);
  const nightly = { ...locked, nightEnabled: true };
  assert.equal(inNightWindow(nightly, night), true);
  assert.equal(secondFactorReason(nightly, { operation: 'merchant_payment', nowMs: night }), 'night_window');
  assert.equal(secondFactorReason(nightly, { operation: 'merchant_payment', nowMs: day }), null);
});
