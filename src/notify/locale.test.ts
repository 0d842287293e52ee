// Proves the language pick and the announcement text check as pure functions, with fast-check:
// any Accept-Language header (however long or odd) yields zh-CN or en and never throws; headers
// naming only languages we do not speak yield English; quality values decide; and any text
// containing a tag, an entity or a script URL is refused while ordinary prose with < and & is not.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { isPlainText } from './announcements.ts';
import { localeFromAcceptLanguage, supportedLocale } from './locale.ts';

test('any header gives one of our languages, never an error', () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 2_000 }), (header) => {
      const locale = localeFromAcceptLanguage(header);
      assert.ok(locale === 'zh-CN' || locale === 'en');
    }),
  );
});

test('only languages we do not speak: English', () => {
  const other = fc.constantFrom('fr', 'de-DE', 'ja', 'ko-KR', 'es-419', '*', 'x-klingon');
  fc.assert(
    fc.property(fc.array(fc.tuple(other, fc.integer({ min: 0, max: 1000 })), { maxLength: 8 }), (ranges) => {
      const header = ranges.map(([tag, q]) => `${tag};q=${(q / 1000).toFixed(3)}`).join(', ');
      assert.equal(localeFromAcceptLanguage(header), 'en');
    }),
  );
});

test('quality values decide between zh and en; q=0 means no', () => {
  assert.equal(localeFromAcceptLanguage('en;q=0.4, zh-TW;q=0.8'), 'zh-CN');
  assert.equal(localeFromAcceptLanguage('zh-CN, en;q=0.9'), 'zh-CN');
  assert.equal(localeFromAcceptLanguage('zh;q=0, en;q=0.1'), 'en');
  assert.equal(localeFromAcceptLanguage('fr, en-GB;q=0.5'), 'en');
  assert.equal(localeFromAcceptLanguage(undefined), 'en');
  assert.equal(supportedLocale('zh_Hans'), 'zh-CN');
  assert.equal(supportedLocale('pt'), null);
});

test('markup anywhere in a text is refused; plain prose is not', () => {
  const unsafe = fc.constantFrom(
    '<script>',
    '<b>',
    '</p>',
    '<!--',
    '<?xml',
    '&lt;',
    '&#60;',
    '&#x3c;',
    'javascript:',
    'JaVaScRiPt :',
    'data:',
    '\u0000',
  );
  fc.assert(
    fc.property(fc.string({ maxLength: 50 }), unsafe, fc.string({ maxLength: 50 }), (before, bad, after) => {
      // A space before: a scheme only starts a URL at a word boundary ("metadata:" is prose).
      assert.equal(isPlainText(`${before} ${bad}${after}`), false);
    }),
  );
  for (const text of [
    '1 < 2 and 3 > 2',
    'Tom & Jerry',
    '保护账户安全 & 资金',
    'Rate: 5 <= 6',
    'Line one\nLine two',
  ]) {
    assert.equal(isPlainText(text), true, text);
  }
});
