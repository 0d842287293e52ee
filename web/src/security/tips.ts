/**
 * Security tips tied to the person's own gaps (issue 9 point 4): computed from what the Security
 * Center already loads (the overview and the password-free settings). Pure, tested without a
 * browser. The general advice from the seeds (QR codes, public Wi-Fi, "customer service" calls)
 * always comes last.
 */
import type { SecurityOverview } from '../api-security.ts';
import type { MessageKey } from '../i18n.ts';
import { BACKUP_CODES_LOW } from './checkup.ts';

export interface SecurityTip {
  readonly key: MessageKey;
  /** The Security Center section that acts on it, when there is one. */
  readonly anchor: string | null;
}

export function securityTips(overview: SecurityOverview, passwordFreeOn: boolean): SecurityTip[] {
  const tips: SecurityTip[] = [];
  if (!overview.hasPaymentPassword) tips.push({ key: 'tips.noPaymentPassword', anchor: 'payment-password' });
  if (passwordFreeOn) tips.push({ key: 'tips.passwordFreeOn', anchor: 'password-free' });
  if (overview.passkeys === 0) tips.push({ key: 'tips.noPasskey', anchor: 'passkeys' });
  if (!overview.totp) tips.push({ key: 'tips.noTotp', anchor: 'totp' });
  if (overview.backupCodesLeft < BACKUP_CODES_LOW)
    tips.push({ key: 'tips.fewBackupCodes', anchor: 'backup-codes' });
  if (overview.email === null) tips.push({ key: 'tips.noEmail', anchor: 'email' });
  tips.push({ key: 'tips.always', anchor: null });
  return tips;
}
