/**
 * Sign-up in two steps (docs/identity.md, "Sign-up"): the phone number (and an optional e-mail)
 * receive codes; then the codes, a display name, the login password, the 6-digit payment password
 * and an optional birth date create the account and sign in.
 */
import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { User } from './api.ts';
import { ApiError } from './api.ts';
import type { SignUpStarted } from './api-auth.ts';
import { completeSignUp, resendSignUpCode, startSignUp } from './api-auth.ts';
import { DevInboxPanel } from './dev-inbox-panel.tsx';
import {
  CodeField,
  ErrorRegion,
  Field,
  PaymentPasswordField,
  SendCodeButton,
  useAction,
  useCooldown,
} from './forms.tsx';
import { isMessageKey, useI18n } from './i18n.ts';
import { Link, ROUTES } from './router.tsx';
import { normalizePhone } from './sign-in-page.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

/** NIST SP 800-63B §3.1.1.2, as the server enforces it. */
export const LOGIN_PASSWORD_LENGTH_MIN = 8;
export const LOGIN_PASSWORD_LENGTH_MAX = 128;
export const DISPLAY_NAME_LENGTH_MAX = 40;

/** Which field a server error code is about, so the message sits next to it. */
const PASSWORD_CODES = new Set(['common_password', 'password_contains_phone', 'weak_password']);
const PAYMENT_CODES = new Set([
  'invalid_payment_password',
  'trivial_payment_password',
  'payment_password_same_as_login',
]);

export function SignUpPage({
  onSignedIn,
  focusHeading,
}: {
  readonly onSignedIn: (user: User) => void;
  readonly focusHeading: boolean;
}) {
  const [started, setStarted] = useState<SignUpStarted | null>(null);
  const [phone, setPhone] = useState('');
  const [email, setEmail] = useState('');
  const inbox = started ? [started.phone, started.email ?? ''] : [normalizePhone(phone), email];
  return (
    <div className="sign-in">
      {started === null ? (
        <StartStep
          phone={phone}
          email={email}
          onPhone={setPhone}
          onEmail={setEmail}
          onStarted={setStarted}
          focusHeading={focusHeading}
        />
      ) : (
        <DetailsStep started={started} onSignedIn={onSignedIn} onRestart={() => setStarted(null)} />
      )}
      <DevInboxPanel addresses={inbox} />
    </div>
  );
}

function StartStep({
  phone,
  email,
  onPhone,
  onEmail,
  onStarted,
  focusHeading,
}: {
  readonly phone: string;
  readonly email: string;
  readonly onPhone: (value: string) => void;
  readonly onEmail: (value: string) => void;
  readonly onStarted: (started: SignUpStarted) => void;
  readonly focusHeading: boolean;
}) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const start = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await start.run(async () => {
      const trimmed = email.trim();
      onStarted(await startSignUp({ phone: normalizePhone(phone), ...(trimmed ? { email: trimmed } : {}) }));
    });
  }

  const code = start.error instanceof ApiError ? start.error.code : null;
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('signUp.title')}
      </h1>
      <p className="lead">{t('signUp.lead')}</p>
      <form className="form" onSubmit={onSubmit} aria-busy={start.busy}>
        <Field
          label={t('signUp.phone')}
          hint={t('signIn.phoneHint')}
          type="tel"
          inputMode="tel"
          autoComplete="tel"
          required
          value={phone}
          onChange={(event) => onPhone(event.target.value)}
          problem={code === 'invalid_phone' ? t('signUp.problem.invalid_phone') : undefined}
        />
        <Field
          label={t('signUp.email')}
          hint={t('signUp.emailHint')}
          type="email"
          inputMode="email"
          autoComplete="email"
          value={email}
          onChange={(event) => onEmail(event.target.value)}
          problem={code === 'invalid_email' ? t('signUp.problem.invalid_email') : undefined}
        />
        <ErrorRegion title={t('signUp.startFailed')} error={start.error} />
        <button type="submit" className="button button-primary button-block" aria-busy={start.busy}>
          {start.busy ? t('code.sending') : t('signUp.sendCodes')}
        </button>
      </form>
      <p className="switch-page">
        {t('signUp.haveAccount')} <Link to={ROUTES.wallet}>{t('signUp.signInLink')}</Link>
      </p>
    </section>
  );
}

function DetailsStep({
  started,
  onSignedIn,
  onRestart,
}: {
  readonly started: SignUpStarted;
  readonly onSignedIn: (user: User) => void;
  readonly onRestart: () => void;
}) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const [phoneCode, setPhoneCode] = useState('');
  const [emailCode, setEmailCode] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [password, setPassword] = useState('');
  const [paymentPassword, setPaymentPassword] = useState('');
  const [paymentConfirm, setPaymentConfirm] = useState('');
  const [birthDate, setBirthDate] = useState('');
  const [mismatch, setMismatch] = useState(false);
  const complete = useAction();
  const smsResend = useAction();
  const emailResend = useAction();
  const smsCooldown = useCooldown();
  const emailCooldown = useCooldown();
  const passwordRef = useRef<HTMLInputElement>(null);
  const paymentRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);
  const phoneCodeRef = useRef<HTMLInputElement>(null);
  const startCooldown = smsCooldown.start;
  const startEmailCooldown = emailCooldown.start;

  useEffect(() => {
    startCooldown(started.resendAfterMs);
    if (started.email) startEmailCooldown(started.resendAfterMs);
  }, [started, startCooldown, startEmailCooldown]);

  const errorCode = complete.error instanceof ApiError ? complete.error.code : null;

  useEffect(() => {
    // Put the keyboard where the problem is (WCAG 2.2 SC 3.3.1 Error Identification).
    if (errorCode === null) return;
    if (PASSWORD_CODES.has(errorCode)) passwordRef.current?.focus();
    else if (PAYMENT_CODES.has(errorCode)) paymentRef.current?.focus();
    else if (errorCode === 'invalid_code') phoneCodeRef.current?.focus();
  }, [errorCode]);

  function problemFor(codes: ReadonlySet<string>): string | undefined {
    if (errorCode === null || !codes.has(errorCode)) return undefined;
    const key = `signUp.problem.${errorCode}`;
    const text = isMessageKey(key) ? t(key) : errorCode;
    return `${text} (${errorCode})`;
  }

  async function resend(channel: 'sms' | 'email') {
    const action = channel === 'sms' ? smsResend : emailResend;
    const cooldown = channel === 'sms' ? smsCooldown : emailCooldown;
    await action.run(async () => {
      await cooldown.timed(() => resendSignUpCode({ signUpId: started.signUpId, channel }));
    });
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (paymentPassword !== paymentConfirm) {
      setMismatch(true);
      complete.clearError();
      confirmRef.current?.focus();
      return;
    }
    setMismatch(false);
    await complete.run(async () => {
      const user = await completeSignUp({
        signUpId: started.signUpId,
        phoneCode,
        ...(started.email ? { emailCode } : {}),
        displayName: displayName.trim(),
        password,
        paymentPassword,
        ...(birthDate ? { birthDate } : {}),
      });
      onSignedIn(user);
    });
  }

  const expired = errorCode === 'sign_up_expired';
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('signUp.detailsTitle')}
      </h1>
      <p className="lead">
        {started.email
          ? t('signUp.codesSentBoth', { phone: started.phone, email: started.email })
          : t('signUp.codesSent', { phone: started.phone })}
      </p>
      <form className="form" onSubmit={onSubmit} aria-busy={complete.busy}>
        <fieldset className="group">
          <legend>{t('signUp.codesLegend')}</legend>
          <CodeField
            label={t('signUp.phoneCode')}
            value={phoneCode}
            onValue={setPhoneCode}
            inputRef={phoneCodeRef}
            problem={
              errorCode === 'invalid_code' ? `${t('signUp.problem.invalid_code')} (invalid_code)` : undefined
            }
          />
          <SendCodeButton
            sent
            busy={smsResend.busy}
            secondsLeft={smsCooldown.secondsLeft}
            onSend={() => void resend('sms')}
            label={t('signUp.resendSms')}
          />
          <ErrorRegion title={t('code.sendFailed')} error={smsResend.error} />
          {started.email && (
            <>
              <CodeField label={t('signUp.emailCode')} value={emailCode} onValue={setEmailCode} />
              <SendCodeButton
                sent
                busy={emailResend.busy}
                secondsLeft={emailCooldown.secondsLeft}
                onSend={() => void resend('email')}
                label={t('signUp.resendEmail')}
              />
              <ErrorRegion title={t('code.sendFailed')} error={emailResend.error} />
            </>
          )}
        </fieldset>
        <Field
          label={t('signUp.displayName')}
          type="text"
          autoComplete="nickname"
          required
          maxLength={DISPLAY_NAME_LENGTH_MAX}
          value={displayName}
          onChange={(event) => setDisplayName(event.target.value)}
        />
        <Field
          label={t('signUp.password')}
          hint={t('signUp.passwordHint', { min: LOGIN_PASSWORD_LENGTH_MIN, max: LOGIN_PASSWORD_LENGTH_MAX })}
          type="password"
          autoComplete="new-password"
          required
          minLength={LOGIN_PASSWORD_LENGTH_MIN}
          maxLength={LOGIN_PASSWORD_LENGTH_MAX}
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          inputRef={passwordRef}
          problem={problemFor(PASSWORD_CODES)}
        />
        <PaymentPasswordField
          label={t('signUp.paymentPassword')}
          hint={t('signUp.paymentPasswordHint')}
          value={paymentPassword}
          onValue={setPaymentPassword}
          inputRef={paymentRef}
          problem={problemFor(PAYMENT_CODES)}
        />
        <PaymentPasswordField
          label={t('signUp.paymentPasswordConfirm')}
          value={paymentConfirm}
          onValue={(value) => {
            setPaymentConfirm(value);
            setMismatch(false);
          }}
          inputRef={confirmRef}
          problem={mismatch ? t('signUp.problem.mismatch') : undefined}
        />
        <Field
          label={t('signUp.birthDate')}
          hint={t('signUp.birthDateHint')}
          type="date"
          autoComplete="bday"
          value={birthDate}
          onChange={(event) => setBirthDate(event.target.value)}
        />
        <ErrorRegion title={t('signUp.failed')} error={complete.error} />
        <button type="submit" className="button button-primary button-block" aria-busy={complete.busy}>
          {complete.busy ? t('signUp.creating') : t('signUp.create')}
        </button>
      </form>
      <button
        type="button"
        className={expired ? 'button button-block' : 'button button-quiet button-block'}
        onClick={onRestart}
      >
        {t('signUp.restart')}
      </button>
    </section>
  );
}
