/**
 * The app header's controls (issue 9): the language switch, saved to the account when signed in,
 * and the notification centre's link with its unread badge, refreshed on every page change and
 * every BADGE_POLL_MS while the tab is visible.
 */
import { type ChangeEvent, useEffect, useId, useRef, useState } from 'react';
import { fetchUnreadCount, fetchUserLocale, saveUserLocale } from './api-messages.ts';
import { LOCALES, type Locale, useI18n } from './i18n.ts';
import { useLocaleSwitch } from './locale-root.tsx';
import { Link, ROUTES } from './router.tsx';

/** How often the badge asks for the unread count: fresh enough, cheap for the server. */
const BADGE_POLL_MS = 30_000;
/** Fired by the notification centre after marking messages read. */
export const UNREAD_CHANGED_EVENT = 'rampart:unread-changed';

/** Once signed in, a language the person picked in the app wins over this browser's. */
export function useAccountLocale(signedIn: boolean): void {
  const { locale, setLocale } = useLocaleSwitch();
  // Read at answer time, so only a sign-in (not every switch) asks the server.
  const current = useRef(locale);
  current.current = locale;
  useEffect(() => {
    if (!signedIn) return;
    const controller = new AbortController();
    fetchUserLocale(controller.signal).then(
      (saved) => {
        // Only a language the person picked follows them across devices; one set implicitly at
        // sign-up does not override this browser's.
        if (saved.chosen && saved.locale !== current.current) setLocale(saved.locale);
      },
      () => {
        // The page still works in the current language.
      },
    );
    return () => controller.abort();
  }, [signedIn, setLocale]);
}

export function LanguageSwitch({ signedIn }: { readonly signedIn: boolean }) {
  const { t } = useI18n();
  const { locale, setLocale } = useLocaleSwitch();
  const id = useId();
  const [failed, setFailed] = useState(false);

  function onChange(event: ChangeEvent<HTMLSelectElement>) {
    const next = LOCALES.find((l) => l === event.target.value);
    if (!next) return;
    setLocale(next);
    setFailed(false);
    if (signedIn) saveUserLocale(next).catch(() => setFailed(true));
  }

  return (
    <span className="language-switch">
      <label htmlFor={id} className="visually-hidden">
        {t('language.label')}
      </label>
      <select id={id} value={locale} onChange={onChange} className="language-select">
        {LOCALES.map((l: Locale) => (
          <option key={l} value={l} lang={l}>
            {t(`language.${l}`)}
          </option>
        ))}
      </select>
      {failed && (
        <span role="alert" className="visually-hidden">
          {t('language.failed')}
        </span>
      )}
    </span>
  );
}

export function InboxBadge({ pathname }: { readonly pathname: string }) {
  const { t } = useI18n();
  const [unread, setUnread] = useState<number | null>(null);

  useEffect(() => {
    void pathname; // a page change refreshes the count
    let controller = new AbortController();
    const refresh = () => {
      controller.abort();
      controller = new AbortController();
      fetchUnreadCount(controller.signal).then(setUnread, () => {
        // Keep the last count; the centre itself shows errors.
      });
    };
    refresh();
    const timer = window.setInterval(() => {
      if (document.visibilityState === 'visible') refresh();
    }, BADGE_POLL_MS);
    window.addEventListener(UNREAD_CHANGED_EVENT, refresh);
    return () => {
      controller.abort();
      window.clearInterval(timer);
      window.removeEventListener(UNREAD_CHANGED_EVENT, refresh);
    };
  }, [pathname]);

  const count = unread ?? 0;
  return (
    <Link to={ROUTES.inbox} className="inbox-link" data-testid="inbox-badge">
      <span>{t('nav.inbox')}</span>
      {count > 0 && (
        <span className="badge">
          <span aria-hidden="true">{count > 99 ? '99+' : count}</span>
          <span className="visually-hidden">{t('inbox.badge', { count })}</span>
        </span>
      )}
    </Link>
  );
}
