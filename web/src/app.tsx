import { useCallback, useEffect, useRef, useState } from 'react';
import { AgreementSignPage } from './agreement-sign-page.tsx';
import type { DemoLogin, User } from './api.ts';
import { ApiError, fetchDemoLogins, fetchMe, signOut } from './api.ts';
import { CardsPage } from './cards-page.tsx';
import { CASHIER_PREFIX, CashierPage } from './cashier-page.tsx';
import { CollectPage } from './collect-page.tsx';
import { ConsolePage } from './console-page.tsx';
import { CreditPage } from './credit-page.tsx';
import { DemoContext } from './dev-inbox-panel.tsx';
import { EmergencyPage } from './emergency-page.tsx';
import { ErrorNotice } from './error-notice.tsx';
import { FamilyCardPage } from './family-card-page.tsx';
import { SessionExpiredContext } from './forms.tsx';
import { InboxBadge, LanguageSwitch, useAccountLocale } from './header-controls.tsx';
import { type MessageKey, useI18n } from './i18n.ts';
import { MerchantPage } from './merchant-page.tsx';
import { NotMePage } from './not-me-page.tsx';
import { NotificationCentrePage } from './notification-centre-page.tsx';
import { OpsApp } from './ops/ops-app.tsx';
import { PayCodePage } from './pay-code-page.tsx';
import { RecordsPage } from './records-page.tsx';
import { RecoveryCancelPage, RecoveryPage } from './recovery-page.tsx';
import { ReportPage } from './report-page.tsx';
import { Link, navigate, ROUTES, useLocation } from './router.tsx';
import { SecurityCenterPage } from './security/security-center-page.tsx';
import { SignInPage } from './sign-in-page.tsx';
import { SignUpPage } from './sign-up-page.tsx';
import { StepUpProvider } from './step-up-dialog.tsx';
import { TransferPage } from './transfer-page.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';
import { WalletPage } from './wallet-page.tsx';

type Session =
  | { readonly state: 'checking' }
  | { readonly state: 'unreachable'; readonly error: unknown }
  | { readonly state: 'signed-out' }
  | { readonly state: 'signed-in'; readonly user: User };

/** Pages only for people who are signed out; a signed-in visit goes to the wallet. */
const SIGNED_OUT_PATHS: ReadonlySet<string> = new Set([ROUTES.signIn, ROUTES.signUp]);

function pageTitleKey(pathname: string, session: Session['state']): MessageKey | null {
  if (pathname === ROUTES.notMe) return 'notMe.title';
  if (pathname === ROUTES.recovery) return 'recovery.title';
  if (pathname === ROUTES.recoveryCancel) return 'cancel.title';
  if (pathname === ROUTES.emergency && session === 'signed-in') return 'emergency.title';
  if (pathname === ROUTES.console) return 'console.title';
  if (pathname === ROUTES.merchant) return 'merchant.title';
  if (session !== 'signed-in') return pathname === ROUTES.signUp ? 'signUp.title' : 'signIn.title';
  if (pathname === ROUTES.security) return 'security.title';
  if (pathname === ROUTES.transfer) return 'transfer.title';
  if (pathname === ROUTES.cards) return 'cards.title';
  if (pathname === ROUTES.collect) return 'collect.title';
  if (pathname === ROUTES.credit) return 'credit.title';
  if (pathname === ROUTES.records) return 'records.title';
  if (pathname === ROUTES.agreementSign) return 'sign.title';
  if (pathname === ROUTES.familyCard) return 'familyCard.title';
  if (pathname === ROUTES.inbox) return 'inbox.title';
  if (pathname === ROUTES.payCode) return 'payCode.title';
  if (pathname.startsWith(CASHIER_PREFIX)) return 'cashier.title';
  if (pathname === ROUTES.report) return 'report.title';
  if (pathname === ROUTES.wallet) return 'nav.wallet';
  return null;
}

/** The whole app: asks the server who is signed in (the session cookie decides), then routes on
 *  the path — the wallet, the Security Center, sign-in and sign-up, and the "this wasn't me" page,
 *  which needs no session. */
export function App() {
  const { t } = useI18n();
  const location = useLocation();
  const [session, setSession] = useState<Session>({ state: 'checking' });
  // False until the first view is decided: only later changes of view move focus.
  const [viewChanged, setViewChanged] = useState(false);
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<unknown>(null);
  const [attempt, setAttempt] = useState(0);
  const [demoLogins, setDemoLogins] = useState<readonly DemoLogin[] | null>(null);
  const firstPath = useRef(location.pathname);

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

  useEffect(() => {
    const controller = new AbortController();
    fetchDemoLogins(controller.signal).then(setDemoLogins, () => {
      // Demo hints and the developer inbox are conveniences: without them every page still works.
    });
    return () => controller.abort();
  }, []);

  useEffect(() => {
    if (location.pathname !== firstPath.current) setViewChanged(true);
  }, [location.pathname]);

  // A signed-in person who opens /sign-in or /sign-up lands in the wallet.
  useEffect(() => {
    if (session.state === 'signed-in' && SIGNED_OUT_PATHS.has(location.pathname)) {
      navigate(ROUTES.wallet, { replace: true });
    }
  }, [session.state, location.pathname]);

  const titleKey = pageTitleKey(location.pathname, session.state);
  useEffect(() => {
    document.title = titleKey ? `${t(titleKey)} · ${t('app.name')}` : t('app.name');
  }, [titleKey, t]);

  const showSignIn = useCallback(() => {
    setViewChanged(true);
    setSignOutError(null);
    setSession({ state: 'signed-out' });
  }, []);

  const onSignedIn = useCallback((user: User) => {
    setViewChanged(true);
    setSession({ state: 'signed-in', user });
    if (SIGNED_OUT_PATHS.has(window.location.pathname)) navigate(ROUTES.wallet);
  }, []);

  const onSignOut = useCallback(async () => {
    if (signingOut) return;
    setSigningOut(true);
    setSignOutError(null);
    try {
      await signOut();
      navigate(ROUTES.wallet);
      showSignIn();
    } catch (error) {
      // Already signed out elsewhere (expired, or another tab): the goal is reached.
      if (error instanceof ApiError && error.status === 401) {
        navigate(ROUTES.wallet);
        showSignIn();
      } else setSignOutError(error);
    } finally {
      setSigningOut(false);
    }
  }, [signingOut, showSignIn]);

  const onConsole = location.pathname === ROUTES.console;
  // Pages that need no session: the alert link, account help and the recovery cancel link.
  const onNotMe =
    location.pathname === ROUTES.notMe ||
    location.pathname === ROUTES.recovery ||
    location.pathname === ROUTES.recoveryCancel;
  useAccountLocale(session.state === 'signed-in');
  // The operators' console, the risk pages included (issue 7's accounts and roles).
  if (location.pathname === ROUTES.ops || location.pathname.startsWith(`${ROUTES.ops}/`)) return <OpsApp />;
  // The merchant console signs in on its own (app id + console token), like the not-me page.
  const onMerchant = location.pathname === ROUTES.merchant;
  const signedIn = session.state === 'signed-in' && !onNotMe && !onConsole;

  return (
    <DemoContext value={demoLogins}>
      <SessionExpiredContext value={showSignIn}>
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
            <span className="topbar-controls">
              <LanguageSwitch signedIn={session.state === 'signed-in'} />
              {signedIn && <InboxBadge pathname={location.pathname} />}
            </span>
            {signedIn && (
              <button
                type="button"
                className="button button-quiet"
                onClick={onSignOut}
                aria-busy={signingOut}
              >
                {signingOut ? t('wallet.signingOut') : t('wallet.signOut')}
              </button>
            )}
          </header>
          {signedIn && (
            <nav className="tabs" aria-label={t('nav.label')}>
              <Link className="tab" to={ROUTES.wallet}>
                {t('nav.wallet')}
              </Link>
              <Link className="tab" to={ROUTES.transfer}>
                {t('nav.transfer')}
              </Link>
              <Link className="tab" to={ROUTES.credit}>
                {t('nav.credit')}
              </Link>
              <Link className="tab" to={ROUTES.records}>
                {t('nav.records')}
              </Link>
              <Link className="tab" to={ROUTES.security}>
                {t('nav.security')}
              </Link>
              <Link className="tab" to={ROUTES.payCode}>
                {t('nav.payCode')}
              </Link>
            </nav>
          )}
          <main id="main" tabIndex={-1} aria-busy={session.state === 'checking' && !onNotMe}>
            <div role="alert" className="live-region">
              {signOutError !== null && signedIn && (
                <ErrorNotice title={t('wallet.signOut')} error={signOutError} />
              )}
            </div>
            {onConsole ? (
              <ConsolePage focusHeading={viewChanged} />
            ) : onNotMe ? (
              location.pathname === ROUTES.recovery ? (
                <RecoveryPage focusHeading={viewChanged} />
              ) : location.pathname === ROUTES.recoveryCancel ? (
                <RecoveryCancelPage search={location.search} focusHeading={viewChanged} />
              ) : (
                <NotMePage search={location.search} focusHeading={viewChanged} />
              )
            ) : onMerchant ? (
              <MerchantPage focusHeading={viewChanged} />
            ) : (
              <>
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
                {session.state === 'signed-out' &&
                  (location.pathname === ROUTES.signUp ? (
                    <SignUpPage key="sign-up" onSignedIn={onSignedIn} focusHeading={viewChanged} />
                  ) : (
                    <SignInPage key="sign-in" onSignedIn={onSignedIn} focusHeading={viewChanged} />
                  ))}
                {session.state === 'signed-in' && (
                  <StepUpProvider>
                    <SignedInPage
                      pathname={location.pathname}
                      search={location.search}
                      user={session.user}
                      onSessionExpired={showSignIn}
                      focusHeading={viewChanged}
                    />
                  </StepUpProvider>
                )}
              </>
            )}
          </main>
        </div>
      </SessionExpiredContext>
    </DemoContext>
  );
}

function SignedInPage({
  pathname,
  search,
  user,
  onSessionExpired,
  focusHeading,
}: {
  readonly pathname: string;
  readonly search: string;
  readonly user: User;
  readonly onSessionExpired: () => void;
  readonly focusHeading: boolean;
}) {
  if (pathname === ROUTES.security) return <SecurityCenterPage user={user} focusHeading={focusHeading} />;
  if (pathname === ROUTES.emergency) return <EmergencyPage focusHeading={focusHeading} />;
  if (pathname === ROUTES.transfer) return <TransferPage focusHeading={focusHeading} />;
  if (pathname === ROUTES.cards) return <CardsPage focusHeading={focusHeading} />;
  if (pathname === ROUTES.collect) return <CollectPage focusHeading={focusHeading} />;
  if (pathname === ROUTES.credit) return <CreditPage focusHeading={focusHeading} />;
  if (pathname === ROUTES.records) return <RecordsPage focusHeading={focusHeading} />;
  if (pathname === ROUTES.agreementSign)
    return <AgreementSignPage search={search} focusHeading={focusHeading} />;
  if (pathname === ROUTES.familyCard) return <FamilyCardPage search={search} focusHeading={focusHeading} />;
  if (pathname === ROUTES.inbox) return <NotificationCentrePage focusHeading={focusHeading} />;
  if (pathname === ROUTES.payCode) return <PayCodePage focusHeading={focusHeading} />;
  if (pathname.startsWith(CASHIER_PREFIX))
    return <CashierPage pathname={pathname} focusHeading={focusHeading} />;
  if (pathname === ROUTES.report)
    return <ReportPage search={window.location.search} focusHeading={focusHeading} />;
  if (pathname === ROUTES.wallet || SIGNED_OUT_PATHS.has(pathname)) {
    return <WalletPage user={user} onSessionExpired={onSessionExpired} focusHeading={focusHeading} />;
  }
  return <NotFound focusHeading={focusHeading} />;
}

function NotFound({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  return (
    <section className="card">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('app.notFound')}
      </h1>
      <Link to={ROUTES.wallet}>{t('nav.wallet')}</Link>
    </section>
  );
}
