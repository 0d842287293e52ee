// Proves the open API's pure parsers and money rules (fast-check): yuan strings round-trip
// exactly through fen and anything with a third decimal, a sign, an exponent or out of range is
// refused; timeout_express stays within 1m–15d and `1c` ends at Beijing midnight; the fee and
// its pro-rata refund never exceed the fee and add up exactly whatever the refund split; the
// reconciliation check finds every injected mismatch.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { deadlineOf, formatBeijing, formatYuan, parseBeijing, parseYuan } from './amounts.ts';
import { TRADE_AMOUNT_MAX_MINOR } from './constants.ts';
import { reconcile } from './reconcile.ts';
import { feeBackOf, feeOf } from './settle.ts';
import { signContent } from './signing.ts';

describe('yuan amounts', () => {
  test('every amount in range round-trips exactly', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: TRADE_AMOUNT_MAX_MINOR }), (minor) => {
        assert.equal(parseYuan(formatYuan(minor)), minor);
      }),
    );
  });
  test('one decimal and none are accepted; three decimals, signs, exponents, zero and too large are not', () => {
    assert.equal(parseYuan('88.8'), 8880n);
    assert.equal(parseYuan('88'), 8800n);
    for (const bad of [
      '1.001',
      '0.001',
      '-1.00',
      '+1',
      '1e2',
      '0',
      '0.00',
      '',
      ' 1',
      '01.00',
      '1.',
      '.5',
      '100000000.01',
      'NaN',
    ]) {
      assert.equal(parseYuan(bad), undefined, bad);
    }
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: 10n ** 12n }), fc.integer({ min: 1, max: 9 }), (whole, digit) => {
        assert.equal(
          parseYuan(`${whole / 1000n}.${String(whole % 100n).padStart(2, '0')}${digit}`),
          undefined,
        );
      }),
    );
  });
});

describe('timeouts', () => {
  test('timeout_express within 1m–15d; 1c ends at the next Beijing midnight', () => {
    const now = Date.UTC(2026, 10, 24, 3, 40, 0);
    assert.equal(deadlineOf('1m', now), now + 60_000);
    assert.equal(deadlineOf('15d', now), now + 15 * 86_400_000);
    for (const bad of ['0m', '16d', '1.5h', '90s', '1C', 'm', ''])
      assert.equal(deadlineOf(bad, now), undefined, bad);
    assert.equal(formatBeijing(deadlineOf('1c', now) ?? 0), '2026-11-25 00:00:00');
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4_000_000_000_000 }), (ms) => {
        const end = deadlineOf('1c', ms) ?? 0;
        assert.ok(end > ms && end - ms <= 86_400_000);
        assert.ok(formatBeijing(end).endsWith('00:00:00'));
        assert.equal(parseBeijing(formatBeijing(end)), end);
      }),
    );
  });
});

describe('fees', () => {
  test('the fee refunded with any split of refunds adds up to the fee exactly', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 1n, max: 10n ** 10n }),
        fc.integer({ min: 0, max: 1000 }),
        fc.array(fc.integer({ min: 1, max: 1000 }), { minLength: 1, maxLength: 8 }),
        (total, rate, weights) => {
          const fee = feeOf(total, rate);
          assert.ok(fee >= 0n && fee <= total);
          const sum = weights.reduce((a, b) => a + b, 0);
          let refunded = 0n;
          let feeBack = 0n;
          weights.forEach((w, i) => {
            const part = i === weights.length - 1 ? total - refunded : (total * BigInt(w)) / BigInt(sum);
            if (part <= 0n) return;
            const back = feeBackOf({
              feeMinor: fee,
              totalMinor: total,
              refundedBeforeMinor: refunded,
              refundMinor: part,
              feeBackBeforeMinor: feeBack,
            });
            assert.ok(back >= 0n && back <= part);
            refunded += part;
            feeBack += back;
            assert.ok(feeBack <= fee);
          });
          if (refunded === total) assert.equal(feeBack, fee);
        },
      ),
    );
  });
});

describe('sign content', () => {
  test('sorted by code unit, empty values kept, raw values', () => {
    assert.equal(signContent({ b: '2', a: '', A: 'x y', sign_type: 'RSA2' }), 'A=x y&a=&b=2&sign_type=RSA2');
  });
});

describe('reconcile', () => {
  test('every injected mismatch is found, nothing else', () => {
    const bill =
      'trade_no,out_trade_no,type,subject,created_at,completed_at,amount,fee,status,out_request_no\n1,A,payment,x,,,10.00,0.06,TRADE_SUCCESS,\n2,B,payment,x,,,5.00,0.03,TRADE_SUCCESS,\n2,B,refund,x,,,-5.00,-0.03,REFUND_SUCCESS,r\n3,C,payment,x,,,7.00,0.04,TRADE_SUCCESS,\n4,D,payment,"a, ""b""",,,1.00,0.01,TRADE_SUCCESS,\n';
    const orders =
      'out_trade_no,amount,status\nA,10.00,TRADE_SUCCESS\nB,0.00,TRADE_CLOSED\nC,7.01,TRADE_SUCCESS\nE,3.00,TRADE_SUCCESS\nD,1.00,WAIT_BUYER_PAY\n';
    const report = reconcile({ ordersCsv: orders, billCsv: bill });
    assert.equal(report.matched, 2);
    assert.deepEqual(report.mismatches.map((m) => `${m.outTradeNo}:${m.kind}`).sort(), [
      'C:amount_differs',
      'D:status_differs',
      'E:missing_in_bill',
    ]);
    const extra = reconcile({ ordersCsv: 'out_trade_no,amount,status\n', billCsv: bill });
    assert.equal(extra.mismatches.filter((m) => m.kind === 'missing_in_orders').length, 4);
  });
});
