/**
 * The developer inbox panel: on a demo/dev server (GET /api/v1/demo answers 200) every SMS and
 * e-mail lands in an in-memory inbox instead of a phone, and this panel lists the latest ones for
 * the addresses on screen, so a person can read a code without a phone. It is a disclosure
 * button (aria-expanded) and polls only while open.
 */
import { createContext, useContext, useEffect, useId, useMemo, useState } from 'react';
import type { DemoLogin } from './api.ts';
import type { InboxMessage } from './api-auth.ts';
import { DEV_INBOX_LIMIT, fetchDevInbox } from './api-auth.ts';
import { ErrorNotice } from './error-notice.tsx';
import { useI18n } from './i18n.ts';

/** Demo logins when the server runs in demo mode, null otherwise (also: no developer inbox). */
export const DemoContext = createContext<readonly DemoLogin[] | null>(null);

/** Messages are delivered by a background worker about once a second: poll a little slower. */
export const DEV_INBOX_POLL_MS = 2_000;
/** Stop polling after this many rounds (~10 minutes); "Refresh" starts again. */
export const DEV_INBOX_POLLS_MAX = 300;
/** Addresses shown at once (phone and e-mail of one form). */
const ADDRESSES_MAX = 3;

export function DevInboxPanel({ addresses }: { readonly addresses: readonly string[] }) {
  const demo = useContext(DemoContext);
  if (demo === null) return null;
  return <DevInbox addresses={addresses} />;
}

function DevInbox({ addresses }: { readonly addresses: readonly string[] }) {
  const { t, locale } = useI18n();
  const ids = useId();
  const [open, setOpen] = useState(false);
  const [messages, setMessages] = useState<readonly InboxMessage[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [round, setRound] = useState(0);
  const [restart, setRestart] = useState(0);
  const wanted = useMemo(
    () => [...new Set(addresses.map((a) => a.trim()).filter((a) => a.length > 0))].slice(0, ADDRESSES_MAX),
    [addresses],
  );
  const key = wanted.join('\n');
  const timeFormat = useMemo(() => new Intl.DateTimeFormat(locale, { timeStyle: 'medium' }), [locale]);

  useEffect(() => {
    // `restart` re-runs the polling after "Refresh"; `key` when the addresses change.
    void restart;
    if (!open || key === '') {
      setMessages([]);
      return;
    }
    const controller = new AbortController();
    let timer: number | undefined;
    let rounds = 0;
    const poll = async () => {
      try {
        const lists = await Promise.all(key.split('\n').map((to) => fetchDevInbox(to, controller.signal)));
        const merged = lists.flat().sort((a, b) => b.sentAt.getTime() - a.sentAt.getTime());
        setMessages(merged.slice(0, DEV_INBOX_LIMIT * ADDRESSES_MAX));
        setError(null);
      } catch (caught) {
        if (controller.signal.aborted) return;
        setError(caught);
      }
      rounds += 1;
      setRound(rounds);
      if (!controller.signal.aborted && rounds < DEV_INBOX_POLLS_MAX) {
        timer = window.setTimeout(poll, DEV_INBOX_POLL_MS);
      }
    };
    void poll();
    return () => {
      controller.abort();
      window.clearTimeout(timer);
    };
  }, [open, key, restart]);

  return (
    <section className="card card-muted dev-inbox" aria-labelledby={`${ids}-title`}>
      <div className="dev-inbox-head">
        <h2 id={`${ids}-title`}>{t('devInbox.title')}</h2>
        <button
          type="button"
          className="button button-small"
          aria-expanded={open}
          aria-controls={`${ids}-body`}
          onClick={() => setOpen((value) => !value)}
        >
          {open ? t('devInbox.hide') : t('devInbox.show')}
        </button>
      </div>
      <p className="hint">{t('devInbox.lead')}</p>
      <div id={`${ids}-body`} hidden={!open}>
        {wanted.length === 0 ? (
          <p className="empty">{t('devInbox.noAddress')}</p>
        ) : (
          <>
            <p className="hint">{t('devInbox.showing', { addresses: wanted.join(', ') })}</p>
            {error !== null && <ErrorNotice title={t('devInbox.failed')} error={error} />}
            {messages.length === 0 ? (
              <p className="empty">{t('devInbox.empty')}</p>
            ) : (
              <ol className="inbox-list">
                {messages.map((message) => (
                  <li
                    key={`${message.sentAt.getTime()}-${message.to}-${message.text}`}
                    className="inbox-item"
                  >
                    <p className="inbox-meta">
                      <span className="tag">
                        {t(message.channel === 'sms' ? 'devInbox.sms' : 'devInbox.email')}
                      </span>{' '}
                      <span>{message.to}</span>{' '}
                      <time dateTime={message.sentAt.toISOString()}>{timeFormat.format(message.sentAt)}</time>
                    </p>
                    {message.subject && <p className="inbox-subject">{message.subject}</p>}
                    <p className="inbox-text">{message.text}</p>
                  </li>
                ))}
              </ol>
            )}
            {round >= DEV_INBOX_POLLS_MAX && <p className="hint">{t('devInbox.paused')}</p>}
            <button type="button" className="button button-small" onClick={() => setRestart((n) => n + 1)}>
              {t('devInbox.refresh')}
            </button>
          </>
        )}
      </div>
    </section>
  );
}
