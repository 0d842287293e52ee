import { type FormEvent, useContext, useId, useRef, useState } from 'react';
import type { DemoLogin, User } from './api.ts';
import { ApiError } from './api.ts';
import type { SignInChallenge } from './api-auth.ts';
import { passkeySignIn, passkeySignInOptions, signIn } from './api-auth.ts';
import { DemoContext, DevInboxPanel } from './dev-inbox-panel.tsx';
import { ErrorRegion, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { signWithPasskey } from './passkey.ts';
import { Link, ROUTES } from './router.tsx';
import { SecondFactorStep } from './second-factor-step.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export interface SignInPageProps {
  readonly onSignedIn: (user: User) => void;
  readonly focusHeading: boolean;
}

/** People type phone numbers with spaces, dashes and brackets; the API wants E.164 (`+8613800138000`). */
export function normalizePhone(input: string): string {
  return input.replace(/[\s\-().]/g, '');
}

/** Sign-in: phone and password, then a second factor when the server asks for one (a new device,
 *  a new country, impossible travel, or two-step verification on); or a passkey alone. */
export function SignInPage({ onSignedIn, focusHeading }: SignInPageProps) {
  const [challenge, setChallenge] = useState<SignInChallenge | null>(null);
  const [phone, setPhone] = useState('');

  return (
    <div className="sign-in">
      {challenge === null ? (
        <PasswordStep
          phone={phone}
          onPhone={setPhone}
          onSignedIn={onSignedIn}
          onChallenge={setChallenge}
          focusHeading={focusHeading}
        />
      ) : (
        <SecondFactorStep
          challenge={challenge}
          onSignedIn={onSignedIn}
          onRestart={() => setChallenge(null)}
        />
      )}
      <DevInboxPanel addresses={[normalizePhone(phone)]} />
    </div>
  );
}

function PasswordStep({
  phone,
  onPhone,
  onSignedIn,
  onChallenge,
  focusHeading,
}: {
  readonly phone: string;
  readonly onPhone: (phone: string) => void;
  readonly onSignedIn: (user: User) => void;
  readonly onChallenge: (challenge: SignInChallenge) => void;
  readonly focusHeading: boolean;
}) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = useId();
  const [password, setPassword] = useState('');
  const submit = useAction();
  const passkey = useAction();
  const demoLogins = useContext(DemoContext);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    passkey.clearError();
    const done = await submit.run(async () => {
      const outcome = await signIn({ phone: normalizePhone(phone), password });
      if (outcome.status === 'signed_in') onSignedIn(outcome.user);
      else onChallenge(outcome);
    });
    if (!done) passwordRef.current?.select();
  }

  async function onPasskey() {
    submit.clearError();
    await passkey.run(async () => {
      const { ceremonyId, options } = await passkeySignInOptions();
      const response = await signWithPasskey(options);
      onSignedIn(await passkeySignIn({ ceremonyId, response }));
    });
  }

  function fillDemo(login: DemoLogin) {
    onPhone(login.phone);
    setPassword(login.password);
    submit.clearError();
  }

  const credentialsRejected = submit.error instanceof ApiError && submit.error.code === 'invalid_credentials';
  const errorId = `${ids}-error`;
  const phoneHintId = `${ids}-phone-hint`;

  return (
    <>
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
          {t('signIn.title')}
        </h1>
        <p className="lead">{t('signIn.lead')}</p>
        <form className="form" onSubmit={onSubmit} aria-busy={submit.busy}>
          <div className="field">
            <label htmlFor={`${ids}-phone`}>{t('signIn.phone')}</label>
            <input
              id={`${ids}-phone`}
              name="phone"
              type="tel"
              inputMode="tel"
              autoComplete="username"
              required
              value={phone}
              onChange={(event) => onPhone(event.target.value)}
              aria-describedby={credentialsRejected ? `${phoneHintId} ${errorId}` : phoneHintId}
              aria-invalid={credentialsRejected}
            />
            <p className="hint" id={phoneHintId}>
              {t('signIn.phoneHint')}
            </p>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-password`}>{t('signIn.password')}</label>
            <input
              id={`${ids}-password`}
              ref={passwordRef}
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
              aria-describedby={credentialsRejected ? errorId : undefined}
              aria-invalid={credentialsRejected}
            />
          </div>
          <ErrorRegion id={errorId} title={t('signIn.failed')} error={submit.error} />
          <button type="submit" className="button button-primary button-block" aria-busy={submit.busy}>
            {submit.busy ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
        <div className="divider" role="presentation">
          <span>{t('signIn.or')}</span>
        </div>
        <button type="button" className="button button-block" onClick={onPasskey} aria-busy={passkey.busy}>
          {passkey.busy ? t('signIn.passkeyWaiting') : t('signIn.passkey')}
        </button>
        <ErrorRegion title={t('signIn.passkeyFailed')} error={passkey.error} />
        <p className="switch-page">
          {t('signIn.noAccount')} <Link to={ROUTES.signUp}>{t('signIn.signUpLink')}</Link>
        </p>
        <p className="switch-page">
          {t('recovery.help')} <Link to={ROUTES.recovery}>{t('recovery.title')}</Link>
        </p>
      </section>
      {demoLogins !== null && demoLogins.length > 0 && (
        <section className="card card-muted" aria-labelledby={`${ids}-demo`}>
          <h2 id={`${ids}-demo`}>{t('signIn.demoTitle')}</h2>
          <p>{t('signIn.demoLead')}</p>
          <ul className="demo-list">
            {demoLogins.map((login) => (
              <li key={login.phone} className="demo-item">
                <div className="demo-who">
                  <span className="demo-name">{login.displayName}</span>
                  <code className="demo-credential">{login.phone}</code>
                  <code className="demo-credential">{login.password}</code>
                </div>
                <button type="button" className="button button-small" onClick={() => fillDemo(login)}>
                  {t('signIn.demoUse', { name: login.displayName })}
                </button>
              </li>
            ))}
          </ul>
        </section>
      )}
    </>
  );
}
