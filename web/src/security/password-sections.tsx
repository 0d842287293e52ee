/** Changing the login password and the 6-digit payment password (each behind step-up). */
import { type FormEvent, useState } from 'react';
import { ApiError } from '../api.ts';
import type { SecurityOverview } from '../api-security.ts';
import { changePassword, changePaymentPassword } from '../api-security.ts';
import { ErrorRegion, Field, PaymentPasswordField, StatusRegion, useAction } from '../forms.tsx';
import { isMessageKey, useI18n } from '../i18n.ts';
import { LOGIN_PASSWORD_LENGTH_MAX, LOGIN_PASSWORD_LENGTH_MIN } from '../sign-up-page.tsx';
import { useStepUp } from '../step-up-dialog.tsx';
import { SectionCard, useSecurityRefresh } from './shared.tsx';

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
    const ok = await save.run(() => withStepUp(() => changePassword(password)));
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
    const ok = await save.run(() => withStepUp(() => changePaymentPassword(pin)));
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
