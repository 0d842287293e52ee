// Proves the GB 11643-1999 validator: every well-formed number built from a region, a real
// birth date and any sequence passes and yields its birth date; any single-digit change, a
// swapped check character, an impossible date or a future date is refused; masking never shows
// the birth date or the sequence. Property tests (fast-check) plus the standard's own example.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  composeIdNumber,
  idCheckChar,
  maskIdNumber,
  maskRealName,
  normalizeRealName,
  parseIdNumber,
} from './national-id.ts';

const TODAY = '2026-11-24';

const birthDate = fc
  .date({ min: new Date(Date.UTC(1900, 0, 1)), max: new Date(Date.UTC(2026, 10, 24)), noInvalidDate: true })
  .map((d) => d.toISOString().slice(0, 10));
const region = fc.integer({ min: 110000, max: 829999 }).map(String);
const validId = fc
  .record({ region, birthDate, sequence: fc.integer({ min: 0, max: 999 }) })
  .map((parts) => ({ ...parts, id: composeIdNumber(parts) }));

describe('resident ID numbers', () => {
  test('the standard example 11010519491231002X passes', () => {
    const verdict = parseIdNumber('11010519491231002x', TODAY);
    assert.deepEqual(verdict, { ok: true, idNumber: '11010519491231002X', birthDate: '1949-12-31' });
  });

  test('every composed number passes and gives back its birth date', () => {
    fc.assert(
      fc.property(validId, ({ id, birthDate: date }) => {
        const verdict = parseIdNumber(id, TODAY);
        assert.ok(verdict.ok);
        assert.equal(verdict.birthDate, date);
      }),
    );
  });

  test('changing any one of the first 17 digits breaks the checksum', () => {
    fc.assert(
      fc.property(
        validId,
        fc.integer({ min: 0, max: 16 }),
        fc.integer({ min: 1, max: 9 }),
        ({ id }, at, delta) => {
          const digit = (Number(id[at]) + delta) % 10;
          const changed = `${id.slice(0, at)}${digit}${id.slice(at + 1)}`;
          // MOD 11-2 detects every single-digit error (the weights are all non-zero mod 11).
          assert.notEqual(idCheckChar(changed.slice(0, 17)), id[17]);
          assert.equal(parseIdNumber(changed, TODAY).ok, false);
        },
      ),
    );
  });

  test('a wrong check character is refused as checksum', () => {
    fc.assert(
      fc.property(validId, fc.constantFrom(...'0123456789X'), ({ id }, check) => {
        fc.pre(check !== id[17]);
        assert.deepEqual(parseIdNumber(`${id.slice(0, 17)}${check}`, TODAY), {
          ok: false,
          reason: 'checksum',
        });
      }),
    );
  });

  test('impossible and future birth dates are refused even with a right checksum', () => {
    for (const date of ['2023-02-29', '1990-13-01', '1990-04-31', '1899-12-31', '2026-11-25']) {
      const id = composeIdNumber({ region: '110101', birthDate: date, sequence: 123 });
      assert.deepEqual(parseIdNumber(id, TODAY), { ok: false, reason: 'birth_date' }, date);
    }
    assert.equal(
      parseIdNumber(composeIdNumber({ region: '110101', birthDate: '2024-02-29', sequence: 1 }), TODAY).ok,
      true,
    );
  });

  test('anything but 17 digits and a check character is a format error', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 40 }), (text) => {
        fc.pre(!/^\s*[0-9]{17}[0-9xX]\s*$/.test(text.replace(/\s+/g, '')));
        const verdict = parseIdNumber(text, TODAY);
        assert.equal(verdict.ok, false);
      }),
    );
    assert.deepEqual(parseIdNumber('0'.repeat(41), TODAY), { ok: false, reason: 'format' });
    assert.deepEqual(
      parseIdNumber(composeIdNumber({ region: '000101', birthDate: '1990-01-01', sequence: 1 }), TODAY),
      {
        ok: false,
        reason: 'region',
      },
    );
  });

  test('masking keeps 4 + 4 characters and never the birth date or sequence', () => {
    fc.assert(
      fc.property(validId, ({ id }) => {
        const masked = maskIdNumber(id);
        assert.equal(masked.length, 18);
        assert.equal(masked.slice(0, 4), id.slice(0, 4));
        assert.equal(masked.slice(14), id.slice(14));
        assert.equal(masked.slice(4, 14), '**********');
      }),
    );
  });

  test('real names are normalised and masked', () => {
    assert.equal(normalizeRealName('  张  三丰 '), '张 三丰');
    assert.equal(normalizeRealName(''), null);
    assert.equal(normalizeRealName('a\u0000b'), null);
    assert.equal(maskRealName('张三丰'), '*三丰');
    assert.equal(maskRealName('Alice Chen'), 'A**** C***');
  });
});
