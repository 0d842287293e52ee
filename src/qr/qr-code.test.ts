// Proves the signed code format alone (pure, no store): a code round-trips; a code signed with
// another key, one with a changed payload, another version, or past its expiry is refused; and
// (fast-check) any single-character change anywhere in a valid code is refused.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { QR_CODE_PREFIX } from './constants.ts';
import { decodeQrCode, deriveQrSigningKey, encodeQrCode, type QrPayload } from './qr-code.ts';

const key = deriveQrSigningKey(randomBytes(32));
const NOW_MS = Date.UTC(2026, 2, 2, 2, 0, 0);
const payload: QrPayload = {
  kind: 'merchant',
  subjectId: 'mch_demo_coffee',
  amount: { amountMinor: 2500n, currency: 'CNY' },
  issuedAtMs: NOW_MS,
  expiresAtMs: NOW_MS + 2 * 60 * 60 * 1000,
};

describe('qr code format', () => {
  test('a signed code decodes to its payload until it expires', () => {
    const code = encodeQrCode(key, payload);
    assert.ok(code.startsWith(QR_CODE_PREFIX));
    assert.deepEqual(decodeQrCode(key, code, NOW_MS), { ok: true, payload });
    assert.deepEqual(decodeQrCode(key, code, payload.expiresAtMs), { ok: false, reason: 'qr_expired' });
  });

  test('another key, a changed payload, another version or garbage: qr_invalid', () => {
    const code = encodeQrCode(key, payload);
    const invalid = { ok: false, reason: 'qr_invalid' };
    assert.deepEqual(decodeQrCode(deriveQrSigningKey(randomBytes(32)), code, NOW_MS), invalid);
    const [payloadPart, macPart] = code.slice(QR_CODE_PREFIX.length).split('.') as [string, string];
    const changed = Buffer.from(
      Buffer.from(payloadPart, 'base64url').toString('utf8').replace('"2500"', '"1"'),
    ).toString('base64url');
    assert.deepEqual(decodeQrCode(key, `${QR_CODE_PREFIX}${changed}.${macPart}`, NOW_MS), invalid);
    assert.deepEqual(decodeQrCode(key, code.replace('rampart:1:', 'rampart:2:'), NOW_MS), invalid);
    for (const garbage of ['', 'rampart:1:', 'rampart:1:.', `${code}.x`, 'x'.repeat(600), `${code} `]) {
      assert.deepEqual(decodeQrCode(key, garbage, NOW_MS), invalid, garbage);
    }
  });

  test('property: any single-character change to a valid code is refused', () => {
    const code = encodeQrCode(key, payload);
    fc.assert(
      fc.property(
        fc.nat({ max: code.length - 1 }),
        fc.oneof(
          fc.constantFrom(...'AQgw_-.:=+/ 0aZz9'.split('')),
          fc.string({ minLength: 1, maxLength: 1 }),
        ),
        (index, replacement) => {
          fc.pre(code[index] !== replacement);
          const changed = code.slice(0, index) + replacement + code.slice(index + 1);
          assert.equal(decodeQrCode(key, changed, NOW_MS).ok, false);
        },
      ),
      { numRuns: 2000 },
    );
    // And exhaustively over the characters a code is made of, at every position.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.:';
    for (let index = 0; index < code.length; index++) {
      for (const replacement of alphabet) {
        if (code[index] === replacement) continue;
        const changed = code.slice(0, index) + replacement + code.slice(index + 1);
        assert.equal(decodeQrCode(key, changed, NOW_MS).ok, false, changed);
      }
    }
  });
});
