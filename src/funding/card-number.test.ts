// Proves the card-number rules with fast-check: appending the Luhn check digit always gives a
// valid number, changing any one digit or swapping two unequal neighbours (the typing mistakes the
// Luhn check exists for, except 09↔90) is always caught, and normalising/masking never keep more
// than the last four digits. Plus known test numbers and the BIN guesses.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { guessIssuer, luhnCheckDigit, luhnValid, maskCard, normaliseCardNumber } from './card-number.ts';

const payloadArb = fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: 11, maxLength: 18 });

describe('card numbers', () => {
  test('known numbers: Visa and UnionPay test cards pass, a changed digit fails', () => {
    assert.equal(luhnValid('4111111111111111'), true);
    assert.equal(luhnValid('6222020000000000001'), false);
    assert.equal(luhnValid(`622202000000000000${luhnCheckDigit('622202000000000000')}`), true);
    assert.equal(luhnValid('4111111111111112'), false);
    assert.equal(luhnValid(''), false);
    assert.equal(luhnValid('41x1'), false);
  });

  test('a payload with its check digit is always valid', () => {
    fc.assert(fc.property(payloadArb, (payload) => luhnValid(payload + luhnCheckDigit(payload))));
  });

  test('any single changed digit is caught', () => {
    fc.assert(
      fc.property(payloadArb, fc.nat(), fc.integer({ min: 1, max: 9 }), (payload, at, delta) => {
        const valid = payload + luhnCheckDigit(payload);
        const i = at % valid.length;
        const changed = valid.slice(0, i) + ((Number(valid[i]) + delta) % 10) + valid.slice(i + 1);
        return !luhnValid(changed);
      }),
    );
  });

  test('swapping two different neighbours is caught, except 09 and 90', () => {
    fc.assert(
      fc.property(payloadArb, fc.nat(), (payload, at) => {
        const valid = payload + luhnCheckDigit(payload);
        const i = at % (valid.length - 1);
        const a = valid[i];
        const b = valid[i + 1];
        fc.pre(a !== b && `${a}${b}` !== '09' && `${a}${b}` !== '90');
        const swapped = valid.slice(0, i) + b + a + valid.slice(i + 2);
        return !luhnValid(swapped);
      }),
    );
  });

  test('normalising accepts 12–19 digits with spaces or dashes, nothing else', () => {
    assert.equal(normaliseCardNumber('4111 1111-1111 1111'), '4111111111111111');
    assert.equal(normaliseCardNumber('41111111111'), null);
    assert.equal(normaliseCardNumber('41111111111111111111'), null);
    assert.equal(normaliseCardNumber('4111a11111111111'), null);
    fc.assert(
      fc.property(fc.string(), (input) => {
        const out = normaliseCardNumber(input);
        return out === null || /^[0-9]{12,19}$/.test(out);
      }),
    );
  });

  test('a masked card shows the last four digits only', () => {
    assert.equal(maskCard('1234'), '**** 1234');
  });

  test('the BIN gives the brand, and the bank for known Chinese BINs', () => {
    assert.deepEqual(guessIssuer('6222020000000000'), { brand: 'UnionPay', bank: 'ICBC' });
    assert.deepEqual(guessIssuer('6225880000000000'), { brand: 'UnionPay', bank: 'China Merchants Bank' });
    assert.deepEqual(guessIssuer('4111111111111111'), { brand: 'Visa', bank: null });
    assert.deepEqual(guessIssuer('5500000000000004'), { brand: 'Mastercard', bank: null });
    assert.deepEqual(guessIssuer('2221000000000009'), { brand: 'Mastercard', bank: null });
    assert.deepEqual(guessIssuer('340000000000009'), { brand: 'American Express', bank: null });
    assert.deepEqual(guessIssuer('9999000000000000'), { brand: 'Unknown', bank: null });
  });
});
