/**
 * The security check-up: what is missing or wrong on an account, most urgent first, each with the
 * Security Center section that fixes it. Pure, so it is tested without a browser.
 */
import type { SecurityOverview } from '../api-security.ts';
import type { MessageKey } from '../i18n.ts';

/** Fewer backup codes than this left: suggest a fresh set. */
export const BACKUP_CODES_LOW = 3;

export interface CheckupItem {
  readonly key: MessageKey;
  readonly level: 'danger' | 'warning' | 'suggestion';
  /** The section that fixes it. */
  readonly anchor: string;
  readonly params?: Readonly<Record<string, string | number>>;
}

/** What is missing or wrong, most urgent first. Pure, so it is easy to test. */
export function securityCheckup(
  overview: SecurityOverview,
  formatDate: (date: Date) => string,
): CheckupItem[] {
  const items: CheckupItem[] = [];
  if (overview.frozen) items.push({ key: 'checkup.frozen', level: 'danger', anchor: 'sessions' });
  if (overview.paymentLockedUntil) {
    items.push({
      key: 'checkup.paymentLocked',
      level: 'danger',
      anchor: 'payment-password',
      params: { until: formatDate(overview.paymentLockedUntil) },
    });
  }
  if (!overview.hasPaymentPassword)
    items.push({ key: 'checkup.noPaymentPassword', level: 'warning', anchor: 'payment-password' });
  if (overview.passkeys === 0)
    items.push({ key: 'checkup.noPasskey', level: 'suggestion', anchor: 'passkeys' });
  if (!overview.totp) items.push({ key: 'checkup.noTotp', level: 'suggestion', anchor: 'totp' });
  if (overview.backupCodesLeft === 0) {
    items.push({ key: 'checkup.noBackupCodes', level: 'suggestion', anchor: 'backup-codes' });
  } else if (overview.backupCodesLeft < BACKUP_CODES_LOW) {
    items.push({
      key: 'checkup.fewBackupCodes',
      level: 'warning',
      anchor: 'backup-codes',
      params: { count: overview.backupCodesLeft },
    });
  }
  if (overview.email === null) items.push({ key: 'checkup.noEmail', level: 'suggestion', anchor: 'email' });
  return items;
}
