// Proves the evaluation metrics against brute-force definitions with fast-check: AUC as the share
// of (fraud, genuine) pairs ranked right (ties half), average precision as the mean over frauds of
// the precision at their score, recall at 1 % FPR by trying every threshold; and card
// precision@k on a hand-checked case.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { averagePrecision, cardPrecisionAtK, recallAtFpr, rocAuc } from './metrics.ts';

/** Scores from a small set so ties are common; labels with both classes. */
const dataArb = fc
  .array(
    fc.record({ score: fc.integer({ min: 0, max: 12 }).map((x) => x / 4), label: fc.constantFrom(0, 1) }),
    {
      minLength: 2,
      maxLength: 80,
    },
  )
  .filter((rows) => rows.some((r) => r.label === 1) && rows.some((r) => r.label === 0));

const close = (a: number, b: number) => Math.abs(a - b) < 1e-9;

describe('metrics', () => {
  test('AUC equals the pairwise definition', () => {
    fc.assert(
      fc.property(dataArb, (rows) => {
        let wins = 0;
        let pairs = 0;
        for (const p of rows.filter((r) => r.label === 1))
          for (const n of rows.filter((r) => r.label === 0)) {
            pairs++;
            wins += p.score > n.score ? 1 : p.score === n.score ? 0.5 : 0;
          }
        const got = rocAuc(
          rows.map((r) => r.score),
          rows.map((r) => r.label),
        );
        assert.ok(close(got, wins / pairs), `${got} vs ${wins / pairs}`);
      }),
      { numRuns: 500 },
    );
  });

  test('average precision equals the mean over frauds of the precision at their score', () => {
    fc.assert(
      fc.property(dataArb, (rows) => {
        const positives = rows.filter((r) => r.label === 1);
        let total = 0;
        for (const p of positives) {
          const above = rows.filter((r) => r.score >= p.score);
          total += above.filter((r) => r.label === 1).length / above.length;
        }
        const got = averagePrecision(
          rows.map((r) => r.score),
          rows.map((r) => r.label),
        );
        assert.ok(close(got, total / positives.length), `${got} vs ${total / positives.length}`);
      }),
      { numRuns: 500 },
    );
  });

  test('recall at an FPR cap is the best recall over every threshold within the cap', () => {
    fc.assert(
      fc.property(dataArb, fc.constantFrom(0, 0.01, 0.1, 0.5), (rows, cap) => {
        const positives = rows.filter((r) => r.label === 1).length;
        const negatives = rows.length - positives;
        let best = 0;
        for (const t of new Set(rows.map((r) => r.score))) {
          const flagged = rows.filter((r) => r.score >= t);
          const fpr = flagged.filter((r) => r.label === 0).length / negatives;
          if (fpr <= cap) best = Math.max(best, flagged.filter((r) => r.label === 1).length / positives);
        }
        assert.ok(
          close(
            recallAtFpr(
              rows.map((r) => r.score),
              rows.map((r) => r.label),
              cap,
            ),
            best,
          ),
        );
      }),
      { numRuns: 500 },
    );
  });

  test('a perfect ranking scores 1 everywhere; one class only gives NaN', () => {
    assert.equal(rocAuc([3, 2, 1], [1, 0, 0]), 1);
    assert.equal(averagePrecision([3, 2, 1], [1, 1, 0]), 1);
    assert.ok(Number.isNaN(rocAuc([1, 2], [0, 0])));
    assert.ok(Number.isNaN(averagePrecision([1, 2], [0, 0])));
  });

  test('card precision@k: per day, the best score per customer, caught customers dropped later', () => {
    const payments = [
      { day: 1, customerId: 'a', score: 0.9, fraud: true },
      { day: 1, customerId: 'a', score: 0.1, fraud: false },
      { day: 1, customerId: 'b', score: 0.8, fraud: false },
      { day: 1, customerId: 'c', score: 0.2, fraud: true },
      // Day 2: a was caught on day 1 and is dropped; c is now in the top 2.
      { day: 2, customerId: 'a', score: 0.99, fraud: true },
      { day: 2, customerId: 'c', score: 0.7, fraud: true },
      { day: 2, customerId: 'd', score: 0.1, fraud: false },
    ];
    // Day 1 top 2: a (fraud), b → 1/2. Day 2 top 2: c (fraud), d → 1/2.
    assert.equal(cardPrecisionAtK(payments, 2), 0.5);
    // k larger than the customers: still divided by k, as the handbook does. Day 1 catches a and
    // c (2/4); day 2 has only d left (0/4).
    assert.equal(cardPrecisionAtK(payments, 4), (2 / 4 + 0 / 4) / 2);
  });
});
