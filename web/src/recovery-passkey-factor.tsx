/**
 * The passkey as the second factor of a signed-out recovery (forgot login password, unfreeze):
 * after the SMS code proved the phone, the browser signs the server's challenge with a passkey
 * of the account. The challenge is fetched when the person submits, so the WebAuthn prompt opens
 * right after their click (browsers want a user gesture) and the ceremony cannot go stale while
 * they type the new password.
 */
import type { Factor, RecoveryKind } from './api-recovery.ts';
import { recoveryPasskeyOptions } from './api-recovery.ts';
import { useI18n } from './i18n.ts';
import { signWithPasskey } from './passkey.ts';

/** Runs the passkey ceremony for the attempt; resolves the factor to send with the last step. */
export async function passkeyFactor(kind: RecoveryKind, attemptToken: string): Promise<Factor> {
  const { ceremonyId, options } = await recoveryPasskeyOptions(kind, attemptToken);
  return { method: 'passkey', ceremonyId, response: await signWithPasskey(options) };
}

/** What the form shows when the passkey is the chosen factor (no code to type). */
export function PasskeyFactorHint() {
  const { t } = useI18n();
  return <p className="hint">{t('recovery.passkeyHint')}</p>;
}
