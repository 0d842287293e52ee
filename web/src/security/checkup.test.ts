// Proves the security check-up names what is missing, most urgent first, and nothing when the
// account has every recommended protection.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { SecurityOverview } from '../api-security.ts';
import { securityCheckup } from './checkup.ts';

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
const formatDate = (date: Date) => date.toISOString();

test('a well-protected account has nothing to fix', () => {
  assert.deepEqual(securityCheckup(WELL_PROTECTED, formatDate), []);
});

test('a new account is told to add a passkey, an authenticator app, backup codes and an e-mail', () => {
  const items = securityCheckup(
    { ...WELL_PROTECTED, email: null, totp: false, backupCodesLeft: 0, passkeys: 0 },
    formatDate,
  );
  assert.deepEqual(
    items.map((item) => item.key),
    ['checkup.noPasskey', 'checkup.noTotp', 'checkup.noBackupCodes', 'checkup.noEmail'],
  );
  assert(items.every((item) => item.level === 'suggestion'));
});

test('a frozen account and locked payments come first, with the lock time', () => {
  const until = new Date('2026-01-01T03:00:00Z');
  const items = securityCheckup(
    { ...WELL_PROTECTED, frozen: true, paymentLockedUntil: until, backupCodesLeft: 2 },
    formatDate,
  );
  assert.deepEqual(
    items.map((item) => [item.key, item.level]),
    [
      ['checkup.frozen', 'danger'],
      ['checkup.paymentLocked', 'danger'],
      ['checkup.fewBackupCodes', 'warning'],
    ],
  );
  assert.deepEqual(items[1]?.params, { until: until.toISOString() });
  assert.deepEqual(items[2]?.params, { count: 2 });
});
