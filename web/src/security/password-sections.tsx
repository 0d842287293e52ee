/**
 * Changing the login password and the 6-digit payment password (each behind step-up), and lifting
 * the payment lock early. The login password, the lift and a payment password replaced without
 * the current one need the identity check (the login password plus a second factor, in the
 * step-up dialog): an SMS code alone reaches whoever holds the phone (docs/identity.md).
 */
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api.ts';
import type { SecurityOverview } from '../api-security.ts';
import { changePassword, changePaymentPassword, unlockPayments } from '../api-security.ts';
import { ErrorRegion, Field, PaymentPasswordField, StatusRegion, useAction } from '../forms.tsx';
import { isMessageKey, useI18n } from '../i18n.ts';
import { LOGIN_PASSWORD_LENGTH_MAX, LOGIN_PASSWORD_LENGTH_MIN } from '../sign-up-page.tsx';
import { useStepUp } from '../step-up-dialog.tsx';
import { SectionCard, useDateTimeFormat, useSecurityRefresh } from './shared.tsx';

const PASSWORD_CODES = new Set(['common_password', 'password_contains_phone', 'weak_password']);
const PAYMENT_CODES = new Set([
  'invalid_payment_password',
  'trivial_payment_password',
  'payment_password_same_as_login',
]);

/** The translated reason next to a field, with the server's code; undefined when not this field's. */
function useProblem(error: unknown, codes: ReadonlySet<string>): string | undefined {
  const { t } = useI18n();
  if (!(error instanceof ApiError) || !codes.has(error.code)) return undefined;
  const key = `signUp.problem.${error.code}`;
  return `${isMessageKey(key) ? t(key) : error.message} (${error.code})`;
}

export function LoginPasswordSection() {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const save = useAction();
  const problem = useProblem(save.error, PASSWORD_CODES);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    if (password !== confirm) {
      setMismatch(true);
      return;
    }
    const ok = await save.run(() =>
      withStepUp(() => changePassword(password), { identityCheck: 'required' }),
    );
    if (ok) {
      setPassword('');
      setConfirm('');
      setDone(t('password.changed'));
      refresh();
    }
  }

  return (
    <SectionCard anchor="login-password" title={t('password.title')} lead={t('password.lead')}>
      <form className="form" onSubmit={onSubmit} aria-busy={save.busy}>
        <Field
          label={t('password.new')}
          hint={t('signUp.passwordHint', { min: LOGIN_PASSWORD_LENGTH_MIN, max: LOGIN_PASSWORD_LENGTH_MAX })}
          type="password"
          autoComplete="new-password"
          required
          minLength={LOGIN_PASSWORD_LENGTH_MIN}
          maxLength={LOGIN_PASSWORD_LENGTH_MAX}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          problem={problem}
        />
        <Field
          label={t('password.confirm')}
          type="password"
          autoComplete="new-password"
          required
          value={confirm}
          onChange={(event) => {
            setConfirm(event.target.value);
            setMismatch(false);
          }}
          problem={mismatch ? t('password.mismatch') : undefined}
        />
        <ErrorRegion title={t('password.failed')} error={save.error} />
        <StatusRegion message={done} />
        <button type="submit" className="button button-primary" aria-busy={save.busy}>
          {save.busy ? t('common.saving') : t('password.submit')}
        </button>
      </form>
    </SectionCard>
  );
}

export function PaymentPasswordSection({ overview }: { readonly overview: SecurityOverview | null }) {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [pin, setPin] = useState('');
  const [confirm, setConfirm] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const save = useAction();
  const problem = useProblem(save.error, PAYMENT_CODES);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    if (pin !== confirm) {
      setMismatch(true);
      return;
    }
    // Replacing a payment password takes the current one or the identity check; setting the
    // first one, any step-up.
    const ok = await save.run(() =>
      withStepUp(
        () => changePaymentPassword(pin),
        overview?.hasPaymentPassword ? { identityCheck: 'or_payment_password' } : {},
      ),
    );
    if (ok) {
      setPin('');
      setConfirm('');
      setDone(t('paymentPassword.changed'));
      refresh();
    }
  }

  return (
    <SectionCard
      anchor="payment-password"
      title={t('paymentPassword.title')}
      lead={
        overview?.hasPaymentPassword === false ? t('paymentPassword.leadNone') : t('paymentPassword.lead')
      }
    >
      <PaymentLock overview={overview} />
      <form className="form" onSubmit={onSubmit} aria-busy={save.busy}>
        <PaymentPasswordField
          label={t('paymentPassword.new')}
          hint={t('signUp.paymentPasswordHint')}
          value={pin}
          onValue={setPin}
          problem={problem}
        />
        <PaymentPasswordField
          label={t('paymentPassword.confirm')}
          value={confirm}
          onValue={(value) => {
            setConfirm(value);
            setMismatch(false);
          }}
          problem={mismatch ? t('signUp.problem.mismatch') : undefined}
        />
        <ErrorRegion title={t('paymentPassword.failed')} error={save.error} />
        <StatusRegion message={done} />
        <button type="submit" className="button button-primary" aria-busy={save.busy}>
          {save.busy ? t('common.saving') : t('paymentPassword.submit')}
        </button>
      </form>
    </SectionCard>
  );
}

/** The payment lock in force, and — for a first lock in 24 hours — lifting it now. */
function PaymentLock({ overview }: { readonly overview: SecurityOverview | null }) {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const dateFormat = useDateTimeFormat();
  const [done, setDone] = useState<string | null>(null);
  const unlock = useAction();
  const lockedUntil = overview?.paymentLockedUntil ?? null;

  async function onUnlock() {
    setDone(null);
    const ok = await unlock.run(async () => {
      await withStepUp(unlockPayments, { identityCheck: 'required' });
    });
    if (ok) {
      setDone(t('paymentLock.unlocked'));
      refresh();
    }
  }

  return (
    <>
      {lockedUntil !== null && (
        <div className="notice notice-warning">
          <p className="notice-title">{t('paymentLock.locked', { until: dateFormat.format(lockedUntil) })}</p>
          <p>{overview?.paymentLockLiftable ? t('paymentLock.liftable') : t('paymentLock.notLiftable')}</p>
          {overview?.paymentLockLiftable && (
            <button
              type="button"
              className="button button-primary"
              aria-busy={unlock.busy}
              onClick={onUnlock}
            >
              {unlock.busy ? t('paymentLock.unlocking') : t('paymentLock.unlock')}
            </button>
          )}
        </div>
      )}
      <ErrorRegion title={t('paymentLock.failed')} error={unlock.error} />
      <StatusRegion message={done} />
    </>
  );
}
