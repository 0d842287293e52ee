// Proves the payee-name mask keeps exactly the last character, Alipay style, for Chinese and Latin
// names, never splits an emoji or an accented letter, and never reveals a one-character name.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { maskName } from './mask-name.ts';

describe('maskName', () => {
  test('keeps the last character and stars the rest, one star per character', () => {
    assert.equal(maskName('小明'), '*明');
    assert.equal(maskName('王小明'), '**明');
    assert.equal(maskName('欧阳娜娜'), '***娜');
    assert.equal(maskName('Ann'), '**n');
    assert.equal(maskName('Bob Li'), '*****i');
  });

  test('trims surrounding spaces; a one-character or empty name shows a single star', () => {
    assert.equal(maskName('  李雷 '), '*雷');
    assert.equal(maskName('明'), '*');
    assert.equal(maskName(''), '*');
    assert.equal(maskName('   '), '*');
  });

  test('counts grapheme clusters, not UTF-16 units: emoji and combining accents stay whole', () => {
    assert.equal(maskName('Zoë'), '**ë');
    assert.equal(maskName('Zoe\u0308'), '**e\u0308');
    assert.equal(maskName('小明👨‍👩‍👧'), '**👨‍👩‍👧');
    assert.equal(maskName('𠮷野'), '*野');
  });
});
