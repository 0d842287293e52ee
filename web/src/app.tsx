import { useCallback, useEffect, useState } from 'react';
import type { User } from './api.ts';
import { ApiError, fetchMe, signOut } from './api.ts';
import { ErrorNotice } from './error-notice.tsx';
import { useI18n } from './i18n.ts';
import { SignInPage } from './sign-in-page.tsx';
import { WalletPage } from './wallet-page.tsx';

type Session =
  | { readonly state: 'checking' }
  | { readonly state: 'unreachable'; readonly error: unknown }
  | { readonly state: 'signed-out' }
  | { readonly state: 'signed-in'; readonly user: User };

/** The whole app: asks the server who is signed in (the session cookie decides), then shows the
 *  sign-in page or the wallet. There are no client-side routes yet; every path shows this. */
export function App() {
  const { t } = useI18n();
  const [session, setSession] = useState<Session>({ state: 'checking' });
  // False until the first view is decided: only later changes of view move focus.
  const [viewChanged, setViewChanged] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);

  useEffect(() => {
    // `attempt` re-runs this check when the person presses "Try again".
    void attempt;
    const controller = new AbortController();
    fetchMe(controller.signal).then(
      (user) => setSession(user ? { state: 'signed-in', user } : { state: 'signed-out' }),
      (error: unknown) => {
        if (!controller.signal.aborted) setSession({ state: 'unreachable', error });
      },
    );
    return () => controller.abort();
  }, [attempt]);

  const showSignIn = useCallback(() => {
    setViewChanged(true);
    setSignOutError(null);
    setSession({ state: 'signed-out' });
  }, []);

  const onSignedIn = useCallback((user: User) => {
    setViewChanged(true);
    setSession({ state: 'signed-in', user });
  }, []);

  const onSignOut = useCallback(async () => {
    if (signingOut) return;
    setSigningOut(true);
    setSignOutError(null);
    try {
      await signOut();
      showSignIn();
    } catch (error) {
      // Already signed out elsewhere (expired, or another tab): the goal is reached.
      if (error instanceof ApiError && error.status === 401) showSignIn();
      else setSignOutError(error);
    } finally {
      setSigningOut(false);
    }
  }, [signingOut, showSignIn]);

  return (
    <div className="app">
      <a className="skip-link" href="#main">
        {t('app.skipToContent')}
      </a>
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            R
          </span>
          {t('app.name')}
        </span>
        {session.state === 'signed-in' && (
          <button type="button" className="button button-quiet" onClick={onSignOut} aria-busy={signingOut}>
            {signingOut ? t('wallet.signingOut') : t('wallet.signOut')}
          </button>
        )}
      </header>
      <main id="main" tabIndex={-1} aria-busy={session.state === 'checking'}>
        <div role="alert" className="live-region">
          {signOutError !== null && session.state === 'signed-in' && (
            <ErrorNotice title={t('wallet.signOut')} error={signOutError} />
          )}
        </div>
        {session.state === 'checking' && <p className="loading">{t('app.loading')}</p>}
        {session.state === 'unreachable' && (
          <section className="card">
            <h1>{t('app.name')}</h1>
            <ErrorNotice title={t('wallet.loadFailed')} error={session.error} />
            <button
              type="button"
              className="button"
              onClick={() => {
                setSession({ state: 'checking' });
                setAttempt((n) => n + 1);
              }}
            >
              {t('wallet.retry')}
            </button>
          </section>
        )}
        {session.state === 'signed-out' && <SignInPage onSignedIn={onSignedIn} focusHeading={viewChanged} />}
        {session.state === 'signed-in' && (
          <WalletPage user={session.user} onSessionExpired={showSignIn} focusHeading={viewChanged} />
        )}
      </main>
    </div>
  );
}
