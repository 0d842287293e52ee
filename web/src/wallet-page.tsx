import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import type { ActivityEntry, User, WalletAccount } from './api.ts';
import { ApiError, fetchActivity, fetchWallet } from './api.ts';
import { ErrorNotice } from './error-notice.tsx';
import { type I18n, isMessageKey, useI18n } from './i18n.ts';
import { formatMoney } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export interface WalletPageProps {
  readonly user: User;
  /** Called when the API says the session is gone (401): the app shows the sign-in page. */
  readonly onSessionExpired: () => void;
  readonly focusHeading: boolean;
}

type WalletState =
  | { readonly phase: 'loading' }
  | { readonly phase: 'ready'; readonly accounts: readonly WalletAccount[] }
  | { readonly phase: 'failed'; readonly error: unknown };

interface ActivityState {
  readonly phase: 'loading' | 'ready' | 'loading-more' | 'failed';
  readonly entries: readonly ActivityEntry[];
  readonly nextBefore: string | null;
  readonly error: unknown;
  /** How many entries the last "load more" added, for the polite announcement. */
  readonly lastAdded: number | null;
}

const ACTIVITY_LOADING: ActivityState = {
  phase: 'loading',
  entries: [],
  nextBefore: null,
  error: null,
  lastAdded: null,
};

function isUnauthenticated(error: unknown): boolean {
  return error instanceof ApiError && error.status === 401;
}

export function WalletPage({ user, onSessionExpired, focusHeading }: WalletPageProps) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const endRef = useRef<HTMLParagraphElement>(null);
  const moreController = useRef<AbortController | null>(null);
  const [attempt, setAttempt] = useState(0);
  const [wallet, setWallet] = useState<WalletState>({ phase: 'loading' });
  const [activity, setActivity] = useState<ActivityState>(ACTIVITY_LOADING);
  const [focusEnd, setFocusEnd] = useState(false);

  useEffect(() => {
    // `attempt` re-runs the first load when the person presses "Try again".
    void attempt;
    const controller = new AbortController();
    const { signal } = controller;
    setWallet({ phase: 'loading' });
    setActivity(ACTIVITY_LOADING);
    fetchWallet(signal).then(
      (accounts) => setWallet({ phase: 'ready', accounts: accounts.filter((a) => a.kind === 'wallet') }),
      (error: unknown) => {
        if (signal.aborted) return;
        if (isUnauthenticated(error)) onSessionExpired();
        else setWallet({ phase: 'failed', error });
      },
    );
    fetchActivity({ before: null, signal }).then(
      (page) => setActivity({ ...ACTIVITY_LOADING, phase: 'ready', ...page }),
      (error: unknown) => {
        if (signal.aborted) return;
        if (isUnauthenticated(error)) onSessionExpired();
        else setActivity({ ...ACTIVITY_LOADING, phase: 'failed', error });
      },
    );
    return () => {
      controller.abort();
      moreController.current?.abort();
    };
  }, [attempt, onSessionExpired]);

  const loadMore = useCallback(async () => {
    if (activity.phase !== 'ready' || activity.nextBefore === null) return;
    const controller = new AbortController();
    moreController.current = controller;
    setActivity((state) => ({ ...state, phase: 'loading-more', error: null, lastAdded: null }));
    try {
      const page = await fetchActivity({ before: activity.nextBefore, signal: controller.signal });
      setActivity((state) => {
        // Entries are immutable and ordered by id, so a repeat can only be the same entry.
        const seen = new Set(state.entries.map((entry) => entry.id));
        const added = page.entries.filter((entry) => !seen.has(entry.id));
        return {
          phase: 'ready',
          entries: [...state.entries, ...added],
          nextBefore: page.nextBefore,
          error: null,
          lastAdded: added.length,
        };
      });
      // The button disappears with the last page; keep the keyboard user in place.
      if (page.nextBefore === null) setFocusEnd(true);
    } catch (error) {
      if (controller.signal.aborted) return;
      if (isUnauthenticated(error)) onSessionExpired();
      else setActivity((state) => ({ ...state, phase: 'ready', error }));
    }
  }, [activity.phase, activity.nextBefore, onSessionExpired]);

  useEffect(() => {
    if (!focusEnd) return;
    endRef.current?.focus();
    setFocusEnd(false);
  }, [focusEnd]);

  const retry = () => setAttempt((n) => n + 1);

  return (
    <div className="wallet">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('wallet.greeting', { name: user.displayName })}
      </h1>

      <section
        className="card balance"
        aria-labelledby={`${ids}-balance`}
        aria-busy={wallet.phase === 'loading'}
      >
        <h2 id={`${ids}-balance`}>{t('wallet.balanceTitle')}</h2>
        {wallet.phase === 'loading' && <p className="loading">{t('app.loading')}</p>}
        {wallet.phase === 'failed' && <LoadFailed error={wallet.error} onRetry={retry} />}
        {wallet.phase === 'ready' && wallet.accounts.length === 0 && <p>{t('wallet.noAccount')}</p>}
        {wallet.phase === 'ready' &&
          wallet.accounts.map((account) => <Balance key={account.accountId} account={account} />)}
        <Link className="button button-primary button-block" to={ROUTES.transfer}>
          {t('nav.transfer')}
        </Link>
        <div className="actions">
          <Link className="button" to={ROUTES.cards}>
            {t('nav.cards')}
          </Link>
          <Link className="button" to={ROUTES.collect}>
            {t('nav.collect')}
          </Link>
        </div>
      </section>

      <section
        className="card"
        aria-labelledby={`${ids}-activity`}
        aria-busy={activity.phase === 'loading' || activity.phase === 'loading-more'}
      >
        <h2 id={`${ids}-activity`}>{t('activity.title')}</h2>
        {activity.phase === 'loading' && <p className="loading">{t('app.loading')}</p>}
        {activity.phase === 'failed' && <LoadFailed error={activity.error} onRetry={retry} />}
        {activity.phase !== 'loading' && activity.phase !== 'failed' && (
          <>
            {activity.entries.length === 0 ? (
              <p className="empty">{t('activity.empty')}</p>
            ) : (
              <ActivityList entries={activity.entries} />
            )}
            <div role="status" className="live-region visually-hidden">
              {activity.lastAdded !== null && t('activity.loaded', { count: activity.lastAdded })}
            </div>
            <div role="alert" className="live-region">
              {activity.error !== null && (
                <ErrorNotice title={t('wallet.loadFailed')} error={activity.error} />
              )}
            </div>
            {activity.nextBefore !== null ? (
              <button
                type="button"
                className="button button-block"
                onClick={loadMore}
                aria-busy={activity.phase === 'loading-more'}
              >
                {activity.phase === 'loading-more' ? t('activity.loadingMore') : t('activity.loadMore')}
              </button>
            ) : (
              activity.entries.length > 0 && (
                <p className="end-note" ref={endRef} tabIndex={-1}>
                  {t('activity.end')}
                </p>
              )
            )}
          </>
        )}
      </section>
    </div>
  );
}

function LoadFailed({ error, onRetry }: { readonly error: unknown; readonly onRetry: () => void }) {
  const { t } = useI18n();
  return (
    <div role="alert">
      <ErrorNotice title={t('wallet.loadFailed')} error={error} />
      <button type="button" className="button" onClick={onRetry}>
        {t('wallet.retry')}
      </button>
    </div>
  );
}

function Balance({ account }: { readonly account: WalletAccount }) {
  const { t, locale } = useI18n();
  return (
    <dl className="balance-figures">
      <div className="balance-available">
        <dt>{t('wallet.available')}</dt>
        <dd>{formatMoney(account.available, { locale })}</dd>
      </div>
      <div className="balance-posted">
        <dt>{t('wallet.posted')}</dt>
        <dd>{formatMoney(account.posted, { locale })}</dd>
      </div>
    </dl>
  );
}

function describeCode(code: string, t: I18n['t']): string {
  const key = `activity.code.${code}`;
  return isMessageKey(key) ? t(key) : code;
}

function describeStatus(status: string, t: I18n['t']): string {
  const key = `activity.status.${status}`;
  return isMessageKey(key) ? t(key) : status;
}

function ActivityList({ entries }: { readonly entries: readonly ActivityEntry[] }) {
  const { t, locale } = useI18n();
  const dateFormat = useMemo(
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }),
    [locale],
  );
  return (
    <ol className="activity">
      {entries.map((entry) => (
        <li key={entry.id} className={`entry entry-${entry.direction} entry-status-${entry.status}`}>
          <div className="entry-main">
            <span className="entry-description">{describeCode(entry.code, t)}</span>
            <span className="entry-amount">
              {formatMoney(entry.amount, { locale, sign: entry.direction === 'in' ? 'plus' : 'minus' })}
            </span>
          </div>
          <div className="entry-meta">
            <time dateTime={entry.createdAt.toISOString()}>{dateFormat.format(entry.createdAt)}</time>
            <span className="entry-tags">
              <span className="tag tag-direction">
                {t(entry.direction === 'in' ? 'activity.in' : 'activity.out')}
              </span>
              <span className={`tag tag-status tag-${entry.status}`}>{describeStatus(entry.status, t)}</span>
            </span>
          </div>
        </li>
      ))}
    </ol>
  );
}
