import { type FormEvent, useEffect, useId, useRef, useState } from 'react';
import type { DemoLogin, User } from './api.ts';
import { ApiError, fetchDemoLogins, signIn } from './api.ts';
import { ErrorNotice } from './error-notice.tsx';
import { useI18n } from './i18n.ts';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export interface SignInPageProps {
  readonly onSignedIn: (user: User) => void;
  readonly focusHeading: boolean;
}

/** People type phone numbers with spaces, dashes and brackets; the API wants E.164 (`+8613800138000`). */
export function normalizePhone(input: string): string {
  return input.replace(/[\s\-().]/g, '');
}

export function SignInPage({ onSignedIn, focusHeading }: SignInPageProps) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const passwordRef = useRef<HTMLInputElement>(null);
  const ids = useId();
  const [phone, setPhone] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const [demoLogins, setDemoLogins] = useState<readonly DemoLogin[] | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    fetchDemoLogins(controller.signal).then(setDemoLogins, () => {
      // The hint is a convenience: without it the form still works.
    });
    return () => controller.abort();
  }, []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    // The button stays enabled (so it keeps focus); a second press while waiting does nothing.
    if (submitting) return;
    setSubmitting(true);
    setError(null);
    try {
      const user = await signIn({ phone: normalizePhone(phone), password });
      onSignedIn(user);
    } catch (caught) {
      setError(caught);
      setSubmitting(false);
      if (caught instanceof ApiError && caught.code === 'invalid_credentials') {
        passwordRef.current?.select();
      }
    }
  }

  function fillDemo(login: DemoLogin) {
    setPhone(login.phone);
    setPassword(login.password);
    setError(null);
  }

  const credentialsRejected = error instanceof ApiError && error.code === 'invalid_credentials';
  const errorId = `${ids}-error`;
  const phoneHintId = `${ids}-phone-hint`;

  return (
    <div className="sign-in">
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
          {t('signIn.title')}
        </h1>
        <p className="lead">{t('signIn.lead')}</p>
        <form className="form" onSubmit={onSubmit} aria-busy={submitting}>
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
              onChange={(event) => setPhone(event.target.value)}
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
          <div role="alert" className="live-region">
            {error !== null && <ErrorNotice id={errorId} title={t('signIn.failed')} error={error} />}
          </div>
          <button type="submit" className="button button-primary button-block">
            {submitting ? t('signIn.submitting') : t('signIn.submit')}
          </button>
        </form>
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
    </div>
  );
}
