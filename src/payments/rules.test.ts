// Proves the pure payment rules: the Beijing payment day, limit checks with the allowance left,
// the password-free verdict (each condition of issue 4 point 7 on its own), the confirmation a
// payment needs, and the passkey subject that binds a confirmation to one amount and payee.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { PASSWORD_FREE_CEILING_MINOR } from './constants.ts';
import {
  checkLimits,
  passwordFreeVerdict,
  paymentDayOf,
  paymentPasskeySubject,
  requiredConfirmation,
} from './rules.ts';

describe('payment rules', () => {
  test('the payment day turns at midnight Beijing time (16:00 UTC)', () => {
    assert.equal(paymentDayOf(Date.UTC(2026, 2, 1, 15, 59, 59, 999)), '2026-03-01');
    assert.equal(paymentDayOf(Date.UTC(2026, 2, 1, 16, 0, 0, 0)), '2026-03-02');
    assert.equal(paymentDayOf(Date.UTC(2026, 11, 31, 16, 0)), '2027-01-01');
  });

  test('limits: per payment first, then what is left of the day; the allowance never goes negative', () => {
    const limits = { perPaymentMinor: 10_000n, perDayMinor: 15_000n };
    assert.deepEqual(checkLimits({ amountMinor: 10_000n, limits, spentTodayMinor: 0n }), { ok: true });
    assert.deepEqual(checkLimits({ amountMinor: 10_001n, limits, spentTodayMinor: 0n }), {
      ok: false,
      exceeded: 'per_payment',
      limitMinor: 10_000n,
      allowanceLeftTodayMinor: 15_000n,
    });
    assert.deepEqual(checkLimits({ amountMinor: 8_000n, limits, spentTodayMinor: 8_000n }), {
      ok: false,
      exceeded: 'per_day',
      limitMinor: 15_000n,
      allowanceLeftTodayMinor: 7_000n,
    });
    // A limit lowered below what was already spent today leaves nothing, not a negative.
    assert.deepEqual(checkLimits({ amountMinor: 1n, limits, spentTodayMinor: 20_000n }), {
      ok: false,
      exceeded: 'per_day',
      limitMinor: 15_000n,
      allowanceLeftTodayMinor: 0n,
    });
  });

  test('limits (property): a payment passes exactly when it fits both limits', () => {
    fc.assert(
      fc.property(
        fc.bigInt(1n, 10n ** 9n),
        fc.bigInt(1n, 10n ** 9n),
        fc.bigInt(0n, 10n ** 9n),
        fc.bigInt(1n, 10n ** 9n),
        (perPaymentMinor, perDayMinor, spentTodayMinor, amountMinor) => {
          const result = checkLimits({
            amountMinor,
            limits: { perPaymentMinor, perDayMinor },
            spentTodayMinor,
          });
          const fits = amountMinor <= perPaymentMinor && spentTodayMinor + amountMinor <= perDayMinor;
          assert.equal(result.ok, fits);
        },
      ),
    );
  });

  const on = { enabled: true, perPaymentCapMinor: 20_000n, dailyCapMinor: 100_000n };
  type VerdictInput = Parameters<typeof passwordFreeVerdict>[0];
  const base: VerdictInput = {
    settings: on,
    amountMinor: 5_000n,
    passwordFreeUsedTodayMinor: 0n,
    paidBefore: true,
    risk: { decision: 'allow', level: 'low' },
  };

  test('password-free applies only when on, within both caps, to a known payee, at low risk', () => {
    assert.deepEqual(passwordFreeVerdict(base), { applies: true });
    assert.deepEqual(passwordFreeVerdict({ ...base, amountMinor: 20_000n }), { applies: true });
    const refusals: [Partial<VerdictInput>, string][] = [
      [{ settings: { ...on, enabled: false } }, 'off'],
      [{ amountMinor: 20_001n }, 'above_per_payment_cap'],
      [{ passwordFreeUsedTodayMinor: 95_001n }, 'above_daily_cap'],
      [{ paidBefore: false }, 'first_time_payee'],
      [{ risk: { decision: 'allow', level: 'medium' } }, 'risk_not_low'],
      [{ risk: { decision: 'challenge', level: 'low' } }, 'risk_not_low'],
    ];
    for (const [patch, reason] of refusals) {
      assert.deepEqual(passwordFreeVerdict({ ...base, ...patch }), { applies: false, reason }, reason);
    }
  });

  test('password-free never goes above the PBoC ceiling, even with a bad settings row', () => {
    const lifted = { enabled: true, perPaymentCapMinor: 10n ** 9n, dailyCapMinor: 10n ** 9n };
    const over = { ...base, settings: lifted, amountMinor: PASSWORD_FREE_CEILING_MINOR + 1n };
    assert.deepEqual(passwordFreeVerdict(over), { applies: false, reason: 'above_per_payment_cap' });
    const dayFull = { ...base, settings: lifted, passwordFreeUsedTodayMinor: PASSWORD_FREE_CEILING_MINOR };
    assert.deepEqual(passwordFreeVerdict({ ...dayFull, amountMinor: 1n }), {
      applies: false,
      reason: 'above_daily_cap',
    });
  });

  test('confirmation: none when password-free, else the payment password or a passkey if the payer has one', () => {
    assert.equal(requiredConfirmation({ passwordFree: true, hasPasskey: true }), 'none');
    assert.equal(requiredConfirmation({ passwordFree: false, hasPasskey: false }), 'payment_password');
    assert.equal(
      requiredConfirmation({ passwordFree: false, hasPasskey: true }),
      'passkey_or_payment_password',
    );
  });

  test('the passkey subject changes with the intent, the amount, the currency and the payee', () => {
    const intent = { id: 'pi_1', amountMinor: 1234n, currency: 'CNY', payeeAccountId: 'acc_b' };
    const subject = paymentPasskeySubject(intent);
    assert.equal(subject, 'pay:pi_1:1234:CNY:acc_b');
    for (const other of [
      { ...intent, id: 'pi_2' },
      { ...intent, amountMinor: 1235n },
      { ...intent, currency: 'USD' },
      { ...intent, payeeAccountId: 'acc_c' },
    ]) {
      assert.notEqual(paymentPasskeySubject(other), subject);
    }
  });
});
