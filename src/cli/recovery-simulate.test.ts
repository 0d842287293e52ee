// Proves the simulated reviewer's rule (src/cli/recovery-simulate.ts) reads the review page as an
// operator must: approve only when the ID data matches AND at least two remembered payments are
// among the account's outgoing movements (±2 days, ±1.00 CNY); otherwise reject.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { reviewDecision } from './recovery-simulate.ts';

const activity = [
  { at: '2026-03-10T09:00:00.000Z', direction: 'out', amountMinor: '12850' },
  { at: '2026-03-14T09:00:00.000Z', direction: 'out', amountMinor: '4020' },
  { at: '2026-03-15T09:00:00.000Z', direction: 'in', amountMinor: '30000' },
];
const base = { userId: 'usr_1', identityMatches: true, recentActivity: activity };

test('two remembered payments found (rounded to the yuan, a day off) → approve', () => {
  assert.equal(
    reviewDecision({
      ...base,
      rememberedTransactions: '2026-03-11 paid 129.00 CNY\n2026-03-14 paid 40.00 CNY',
    }),
    true,
  );
});

test('only one found, or money in counted as a payment, or ID mismatch, or no account → reject', () => {
  const oneRight = '2026-03-10 paid 128.50 CNY\n2026-03-01 paid 500.00 CNY\n2026-03-15 paid 300.00 CNY';
  assert.equal(reviewDecision({ ...base, rememberedTransactions: oneRight }), false);
  const both = '2026-03-10 paid 128.50 CNY\n2026-03-14 paid 40.20 CNY';
  assert.equal(reviewDecision({ ...base, identityMatches: false, rememberedTransactions: both }), false);
  assert.equal(reviewDecision({ ...base, userId: null, rememberedTransactions: both }), false);
  assert.equal(
    reviewDecision({
      ...base,
      rememberedTransactions: '2026-03-20 paid 128.50 CNY\n2026-03-14 paid 40.20 CNY',
    }),
    false,
  );
  assert.equal(reviewDecision({ ...base, rememberedTransactions: both }), true);
});
