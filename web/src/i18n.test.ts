// Proves the two dictionaries say the same things: every key has a non-empty text in each
// language, with exactly the same {placeholders}, and the security screens' dynamic keys (event
// types, challenge reasons, server reason codes, the rule help's falseWhen cases) all exist.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SECURITY_EVENT_TYPES } from '../../contracts/security-event-types.ts';
import { isMessageKey, LOCALES, messageKeys, translate } from './i18n.ts';

function placeholders(text: string): string[] {
  return [...text.matchAll(/\{(\w+)\}/g)].map((match) => match[1] ?? '').sort();
}

test('every message has a text in every language, with the same placeholders', () => {
  const keys = messageKeys();
  assert(keys.length > 300, 'the dictionary is loaded');
  for (const key of keys) {
    const english = translate('en', key);
    for (const locale of LOCALES) {
      const text = translate(locale, key);
      assert(text.trim().length > 0, `${locale} ${key} is empty`);
      assert.deepEqual(placeholders(text), placeholders(english), `${locale} ${key} placeholders`);
    }
  }
});

test('every security event type, challenge reason and password reason code has a readable name', () => {
  for (const type of SECURITY_EVENT_TYPES) assert(isMessageKey(`event.${type}`), `event.${type}`);
  for (const reason of ['new_device', 'new_country', 'impossible_travel', 'two_factor_enabled']) {
    assert(isMessageKey(`challenge.reason.${reason}`), `challenge.reason.${reason}`);
    assert(isMessageKey(`challenge.reasonShort.${reason}`), `challenge.reasonShort.${reason}`);
  }
  for (const code of [
    'common_password',
    'password_contains_phone',
    'weak_password',
    'invalid_payment_password',
    'trivial_payment_password',
    'payment_password_same_as_login',
    'invalid_code',
  ]) {
    assert(isMessageKey(`signUp.problem.${code}`), `signUp.problem.${code}`);
  }
  // The rule editor's help names each case of the operator API's vocabulary.expression.falseWhen
  // (src/risk/rule-expression.ts EXPRESSION_FALSE_WHEN; an unknown one is shown as its code).
  for (const code of ['missing_value', 'division_by_zero', 'overflow']) {
    assert(isMessageKey(`riskOps.exprFalse.${code}`), `riskOps.exprFalse.${code}`);
  }
});
