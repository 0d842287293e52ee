// Proves the pure cap rules of agreements with generated inputs (fast-check): a debit is allowed
// exactly when it fits both the per-debit cap and what is left of the month, the refusal names the
// cap that failed and what is left (never negative); valid caps are exactly the documented ones;
// and a debit's month is the Beijing-time month, switching at 16:00 UTC on the last day.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  AGREEMENT_MONTHLY_CAP_MAX_MINOR,
  AGREEMENT_PER_DEBIT_CAP_MAX_MINOR,
  capsValid,
  debitWithinCaps,
  monthOf,
} from './index.ts';

const minor = fc.bigInt({ min: 0n, max: 10n ** 12n });
/** Debits are positive (the use case refuses 0 before any cap check). */
const amount = fc.bigInt({ min: 1n, max: 10n ** 12n });

describe('agreement caps', () => {
  test('a debit passes exactly when it fits both caps', () => {
    fc.assert(
      fc.property(
        amount,
        minor,
        minor,
        minor,
        (amountMinor, perDebitCapMinor, monthlyCapMinor, usedThisMonthMinor) => {
          const verdict = debitWithinCaps({
            amountMinor,
            perDebitCapMinor,
            monthlyCapMinor,
            usedThisMonthMinor,
          });
          const fits = amountMinor <= perDebitCapMinor && usedThisMonthMinor + amountMinor <= monthlyCapMinor;
          assert.equal(verdict.ok, fits);
          if (!verdict.ok) {
            const left = monthlyCapMinor - usedThisMonthMinor;
            assert.equal(verdict.leftThisMonthMinor, left > 0n ? left : 0n);
            if (verdict.exceeded === 'per_debit') assert.ok(amountMinor > perDebitCapMinor);
            else assert.ok(amountMinor <= perDebitCapMinor && amountMinor > verdict.leftThisMonthMinor);
          }
        },
      ),
    );
  });

  test('caps are valid exactly when positive, ordered and within the maxima', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -10n, max: 3n * 10n ** 7n }),
        fc.bigInt({ min: -10n, max: 3n * 10n ** 7n }),
        (perDebitCapMinor, monthlyCapMinor) => {
          const expected =
            perDebitCapMinor > 0n &&
            perDebitCapMinor <= monthlyCapMinor &&
            perDebitCapMinor <= AGREEMENT_PER_DEBIT_CAP_MAX_MINOR &&
            monthlyCapMinor <= AGREEMENT_MONTHLY_CAP_MAX_MINOR;
          assert.equal(capsValid({ perDebitCapMinor, monthlyCapMinor }), expected);
        },
      ),
    );
  });

  test("a debit's month is the Beijing month", () => {
    assert.equal(monthOf(Date.UTC(2026, 2, 31, 15, 59, 59, 999)), '2026-03');
    assert.equal(monthOf(Date.UTC(2026, 2, 31, 16, 0, 0, 0)), '2026-04');
    assert.equal(monthOf(Date.UTC(2026, 11, 31, 16)), '2027-01');
    // Later instants never fall in an earlier month, and 8 hours after a UTC month starts it is
    // always that month in Beijing.
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 10 ** 10 }),
        (aMs, deltaMs) => {
          assert.ok(monthOf(aMs) <= monthOf(aMs + deltaMs));
          const d = new Date(aMs);
          const utcMonthStart = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
          const expected = `${d.getUTCFullYear()}-${String(d.getUTCMonth() + 1).padStart(2, '0')}`;
          assert.equal(monthOf(utcMonthStart + 8 * 3_600_000), expected);
          assert.equal(monthOf(utcMonthStart - 8 * 3_600_000 - 1) < expected, true);
        },
      ),
    );
  });
});
