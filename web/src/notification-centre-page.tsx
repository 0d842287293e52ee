/**
 * The notification centre (issue 9 point 1): every alert, notice, receipt and announcement sent
 * to the person, newest first, with unread ones marked, filters by kind, "mark read" per message
 * and for all, more pages on demand, and the per-channel preferences (security notices locked on).
 * Message texts are plain text from the server and rendered as text, never as HTML.
 */
import { useCallback, useEffect, useId, useState } from 'react';
import {
  type CategoryPreferences,
  CHANNELS,
  type Channel,
  fetchInbox,
  fetchPreferences,
  INBOX_CATEGORIES,
  type InboxCategory,
  type InboxMessage,
  markAllRead,
  markMessageRead,
  setPreference,
} from './api-messages.ts';
import { ErrorNotice } from './error-notice.tsx';
import { ErrorRegion, useAction } from './forms.tsx';
import { UNREAD_CHANGED_EVENT } from './header-controls.tsx';
import { type MessageKey, useI18n } from './i18n.ts';
import { useFocusOnMount } from './use-focus-on-mount.ts';

type Filter = 'all' | InboxCategory;
const FILTERS: readonly Filter[] = ['all', ...INBOX_CATEGORIES];

function announceUnreadChanged(): void {
  window.dispatchEvent(new Event(UNREAD_CHANGED_EVENT));
}

export function NotificationCentrePage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  return (
    <div className="centre">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('inbox.title')}
      </h1>
      <p className="lead">{t('inbox.lead')}</p>
      <Inbox />
      <Preferences />
    </div>
  );
}

interface InboxState {
  readonly messages: readonly InboxMessage[];
  readonly nextBefore: string | null;
  readonly unread: number;
}

function Inbox() {
  const { t, locale } = useI18n();
  const ids = useId();
  const [filter, setFilter] = useState<Filter>('all');
  const [unreadOnly, setUnreadOnly] = useState(false);
  const [state, setState] = useState<InboxState | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const more = useAction();
  const change = useAction();
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });
  const category = filter === 'all' ? undefined : filter;

  const load = useCallback(
    (signal?: AbortSignal) =>
      fetchInbox({ category, unreadOnly }, signal).then(
        (page) => {
          setState(page);
          setLoadError(null);
        },
        (error: unknown) => {
          if (!signal?.aborted) setLoadError(error);
        },
      ),
    [category, unreadOnly],
  );

  useEffect(() => {
    // The language is part of the texts: a switch reloads them in the new one.
    void locale;
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load, locale]);

  function onMore() {
    if (!state?.nextBefore) return;
    void more.run(async () => {
      const page = await fetchInbox({ category, unreadOnly, before: state.nextBefore });
      setState({
        messages: [...state.messages, ...page.messages],
        nextBefore: page.nextBefore,
        unread: page.unread,
      });
    });
  }

  function onRead(message: InboxMessage) {
    void change.run(async () => {
      const unread = await markMessageRead(message.id);
      setState((current) =>
        current === null
          ? current
          : {
              ...current,
              unread,
              messages: current.messages.map((m) => (m.id === message.id ? { ...m, readAt: new Date() } : m)),
            },
      );
      announceUnreadChanged();
    });
  }

  function onReadAll() {
    void change.run(async () => {
      const { marked } = await markAllRead(category);
      setStatus(t('inbox.markedAll', { count: marked }));
      await load();
      announceUnreadChanged();
    });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} className="visually-hidden">
        {t('inbox.title')}
      </h2>
      <fieldset className="filters">
        <legend>{t('inbox.filtersLabel')}</legend>
        <div className="filter-buttons">
          {FILTERS.map((f) => (
            <button
              key={f}
              type="button"
              className="button button-small filter-button"
              aria-pressed={filter === f}
              onClick={() => setFilter(f)}
            >
              {t(`inbox.filter.${f}` as MessageKey)}
            </button>
          ))}
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            checked={unreadOnly}
            onChange={(event) => setUnreadOnly(event.target.checked)}
          />
          <span>{t('inbox.unreadOnly')}</span>
        </label>
      </fieldset>
      <div className="actions">
        <button
          type="button"
          className="button button-small"
          onClick={onReadAll}
          disabled={!state || state.unread === 0}
          aria-busy={change.busy}
        >
          {t('inbox.markAllRead')}
        </button>
      </div>
      <p role="status" className="live-region">
        {status}
      </p>
      <ErrorRegion title={t('inbox.failed')} error={change.error} />
      {loadError !== null && (
        <div role="alert">
          <ErrorNotice title={t('inbox.loadFailed')} error={loadError} />
        </div>
      )}
      {state === null && loadError === null && <p className="loading">{t('app.loading')}</p>}
      {state !== null && state.messages.length === 0 && <p className="hint">{t('inbox.empty')}</p>}
      {state !== null && state.messages.length > 0 && (
        <ul className="centre-list" aria-label={t('inbox.title')}>
          {state.messages.map((message) => (
            <li
              key={message.id}
              className={`centre-item${message.readAt === null ? ' centre-unread' : ''}`}
              data-testid="inbox-message"
            >
              <div className="centre-head">
                <h3 className="centre-title">{message.title}</h3>
                <span className="entry-tags">
                  {message.readAt === null && <span className="tag tag-unread">{t('inbox.unreadTag')}</span>}
                  {message.critical && <span className="tag tag-critical">{t('inbox.criticalTag')}</span>}
                </span>
              </div>
              <p className="centre-body">{message.body}</p>
              <p className="centre-meta">
                <span>{t(`inbox.filter.${message.category}` as MessageKey)}</span>
                {' · '}
                <time dateTime={message.createdAt.toISOString()}>
                  {t('inbox.receivedAt', { time: dateFormat.format(message.createdAt) })}
                </time>
              </p>
              {message.readAt === null && (
                <button type="button" className="button button-small" onClick={() => onRead(message)}>
                  {t('inbox.markRead')}
                  <span className="visually-hidden">: {message.title}</span>
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {state?.nextBefore ? (
        <button type="button" className="button" onClick={onMore} aria-busy={more.busy}>
          {t('inbox.loadMore')}
        </button>
      ) : (
        state !== null && state.messages.length > 0 && <p className="end-note">{t('inbox.end')}</p>
      )}
      <ErrorRegion title={t('inbox.loadFailed')} error={more.error} />
    </section>
  );
}

function Preferences() {
  const { t } = useI18n();
  const ids = useId();
  const [categories, setCategories] = useState<readonly CategoryPreferences[] | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const save = useAction();

  useEffect(() => {
    const controller = new AbortController();
    fetchPreferences(controller.signal).then(setCategories, (error: unknown) => {
      if (!controller.signal.aborted) setLoadError(error);
    });
    return () => controller.abort();
  }, []);

  function onToggle(category: InboxCategory, channel: Channel, enabled: boolean) {
    setStatus('');
    void save.run(async () => {
      setCategories(await setPreference({ category, channel, enabled }));
      setStatus(t('prefs.saved'));
    });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{t('prefs.title')}</h2>
      <p className="section-lead">{t('prefs.lead')}</p>
      {loadError !== null && (
        <div role="alert">
          <ErrorNotice title={t('prefs.failed')} error={loadError} />
        </div>
      )}
      {categories && (
        <div className="table-scroll">
          <table className="prefs">
            <thead>
              <tr>
                <th scope="col">{t('prefs.category')}</th>
                {CHANNELS.map((channel) => (
                  <th scope="col" key={channel}>
                    {t(`prefs.channel.${channel}`)}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {categories.map((c) => {
                const categoryName = t(`inbox.filter.${c.category}` as MessageKey);
                return (
                  <tr key={c.category}>
                    <th scope="row">{categoryName}</th>
                    {CHANNELS.map((channel) => {
                      const value = c.channels[channel];
                      if (value === undefined) {
                        return (
                          <td key={channel} className="hint">
                            {t('prefs.notOffered')}
                          </td>
                        );
                      }
                      const name = t('prefs.toggle', {
                        category: categoryName,
                        channel: t(`prefs.channel.${channel}`),
                      });
                      return (
                        <td key={channel}>
                          {c.locked ? (
                            <input
                              type="checkbox"
                              checked
                              disabled
                              aria-label={`${name} (${t('prefs.locked')})`}
                              title={t('prefs.locked')}
                            />
                          ) : (
                            <input
                              type="checkbox"
                              checked={value}
                              aria-label={name}
                              onChange={(event) => onToggle(c.category, channel, event.target.checked)}
                            />
                          )}
                        </td>
                      );
                    })}
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      <p role="status" className="live-region">
        {status}
      </p>
      <ErrorRegion title={t('prefs.failed')} error={save.error} />
    </section>
  );
}
