// Proves the Security Center's tips follow the account's own gaps: a well-protected account gets
// only the general advice; each missing protection (and password-free payments switched on) adds
// its own tip, pointing at the section that fixes it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityOverview } from '../api-security.ts';
import { isMessageKey } from '../i18n.ts';
import { securityTips } from './tips.ts';

const WELL_PROTECTED: SecurityOverview = {
  phone: '+8613800138000',
  email: 'alice@example.com',
  hasPaymentPassword: true,
  totp: true,
  backupCodesLeft: 10,
  passkeys: 1,
  paymentLockedUntil: null,
  paymentLockLiftable: false,
  frozen: false,
  stepUpUntil: null,
};

test('a well-protected account gets only the general advice', () => {
  assert.deepEqual(
    securityTips(WELL_PROTECTED, false).map((tip) => tip.key),
    ['tips.always'],
  );
});

test('each gap adds its tip, with the section that fixes it', () => {
  const bare: SecurityOverview = {
    ...WELL_PROTECTED,
    email: null,
    hasPaymentPassword: false,
    totp: false,
    backupCodesLeft: 0,
    passkeys: 0,
  };
  const tips = securityTips(bare, true);
  assert.deepEqual(
    tips.map((tip) => tip.key),
    [
      'tips.noPaymentPassword',
      'tips.passwordFreeOn',
      'tips.noPasskey',
      'tips.noTotp',
      'tips.fewBackupCodes',
      'tips.noEmail',
      'tips.always',
    ],
  );
  for (const tip of tips) assert(isMessageKey(tip.key), tip.key);
  assert.equal(tips.find((tip) => tip.key === 'tips.passwordFreeOn')?.anchor, 'password-free');
});
