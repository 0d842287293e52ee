// Proves the claim rules as a pure function: the payable amount never exceeds the claim nor
// what is left of the yearly cap, is zero exactly when a rule fails, and each rule names itself.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { assessClaim, CLAIM_REPORT_WINDOW_MS } from './claim-rules.ts';

const NOW = Date.UTC(2026, 10, 24);

test('payable is min(claimed, cap left), and zero when any rule fails', () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          ageMs: fc.integer({ min: 0, max: 2 * CLAIM_REPORT_WINDOW_MS }),
          amountMinor: fc.bigInt({ min: 1n, max: 10n ** 9n }),
        }),
        { minLength: 1, maxLength: 10 },
      ),
      fc.boolean(),
      fc.boolean(),
      fc.bigInt({ min: 0n, max: 10n ** 9n }),
      fc.bigInt({ min: 1n, max: 10n ** 9n }),
      (items, shared, recovered, paid, cap) => {
        const verdict = assessClaim({
          nowMs: NOW,
          items: items.map((i) => ({ occurredAtMs: NOW - i.ageMs, amountMinor: i.amountMinor })),
          credentialsShared: shared,
          alreadyRecovered: recovered,
          paidInCapWindowMinor: paid,
          yearlyCapMinor: cap,
        });
        const claimed = items.reduce((s, i) => s + i.amountMinor, 0n);
        assert.equal(verdict.claimedMinor, claimed);
        assert.equal(
          verdict.reasons.includes('late_report'),
          items.some((i) => i.ageMs > CLAIM_REPORT_WINDOW_MS),
        );
        assert.equal(verdict.reasons.includes('credentials_shared'), shared);
        assert.equal(verdict.reasons.includes('already_recovered'), recovered);
        assert.equal(verdict.reasons.includes('yearly_cap_reached'), paid >= cap);
        assert.equal(verdict.eligible, verdict.reasons.length === 0);
        if (!verdict.eligible) assert.equal(verdict.payableMinor, 0n);
        else {
          assert.ok(verdict.payableMinor > 0n);
          assert.ok(verdict.payableMinor <= claimed && verdict.payableMinor <= cap - paid);
          assert.ok(verdict.payableMinor === claimed || verdict.payableMinor === cap - paid);
        }
      },
    ),
  );
});
