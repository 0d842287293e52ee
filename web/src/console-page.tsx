/**
 * The operators' announcements console (issue 9 point 4): a small page at /console that needs no
 * user session, only the operator token (typed in, kept in this page's memory, never stored).
 * Texts are plain; the server refuses HTML with `unsafe_content`.
 */
import { type FormEvent, useId, useState } from 'react';
import {
  ANNOUNCEMENT_SEGMENTS,
  type Announcement,
  type AnnouncementSegment,
  fetchAnnouncements,
  publishAnnouncement,
} from './api-messages.ts';
import { ErrorRegion, Field, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const TITLE_CHARS_MAX = 120;
const BODY_CHARS_MAX = 2_000;

export function ConsolePage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t, locale } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [token, setToken] = useState('');
  const [enTitle, setEnTitle] = useState('');
  const [enBody, setEnBody] = useState('');
  const [zhTitle, setZhTitle] = useState('');
  const [zhBody, setZhBody] = useState('');
  const [segment, setSegment] = useState<AnnouncementSegment>('all');
  const [publishAt, setPublishAt] = useState('');
  const [done, setDone] = useState('');
  const [list, setList] = useState<readonly Announcement[] | null>(null);
  const publish = useAction();
  const load = useAction();
  const dateFormat = new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' });

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone('');
    void publish.run(async () => {
      await publishAnnouncement(token, {
        en: { title: enTitle, body: enBody },
        zhCN: { title: zhTitle, body: zhBody },
        segment,
        publishAt: publishAt === '' ? undefined : new Date(publishAt).toISOString(),
      });
      setDone(t('console.published'));
      setList(await fetchAnnouncements(token, locale));
    });
  }

  function onLoad() {
    void load.run(async () => setList(await fetchAnnouncements(token, locale)));
  }

  return (
    <div className="console">
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
          {t('console.title')}
        </h1>
        <p className="section-lead">{t('console.lead')}</p>
        <form className="form" onSubmit={onSubmit} aria-busy={publish.busy}>
          <Field
            label={t('console.token')}
            hint={t('console.tokenHint')}
            type="password"
            autoComplete="off"
            required
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
          <Field
            label={t('console.enTitle')}
            required
            maxLength={TITLE_CHARS_MAX}
            value={enTitle}
            onChange={(event) => setEnTitle(event.target.value)}
          />
          <TextArea label={t('console.enBody')} value={enBody} onValue={setEnBody} lang="en" />
          <Field
            label={t('console.zhTitle')}
            required
            lang="zh-CN"
            maxLength={TITLE_CHARS_MAX}
            value={zhTitle}
            onChange={(event) => setZhTitle(event.target.value)}
          />
          <TextArea label={t('console.zhBody')} value={zhBody} onValue={setZhBody} lang="zh-CN" />
          <div className="field">
            <label htmlFor={`${ids}-segment`}>{t('console.segment')}</label>
            <select
              id={`${ids}-segment`}
              value={segment}
              onChange={(event) =>
                setSegment(ANNOUNCEMENT_SEGMENTS.find((s) => s === event.target.value) ?? 'all')
              }
            >
              {ANNOUNCEMENT_SEGMENTS.map((s) => (
                <option key={s} value={s}>
                  {t(`console.segment.${s}`)}
                </option>
              ))}
            </select>
          </div>
          <Field
            label={t('console.publishAt')}
            type="datetime-local"
            value={publishAt}
            onChange={(event) => setPublishAt(event.target.value)}
          />
          <p className="hint">{t('console.plainText')}</p>
          <ErrorRegion title={t('console.failed')} error={publish.error} />
          <p role="status" className="live-region">
            {done}
          </p>
          <div className="actions">
            <button type="submit" className="button button-primary" aria-busy={publish.busy}>
              {t('console.publish')}
            </button>
            <button type="button" className="button" onClick={onLoad} disabled={token === ''}>
              {t('console.load')}
            </button>
          </div>
        </form>
      </section>
      {list !== null && (
        <section className="card" aria-labelledby={`${ids}-list`}>
          <h2 id={`${ids}-list`}>{t('console.listTitle')}</h2>
          <ErrorRegion title={t('console.failed')} error={load.error} />
          {list.length === 0 ? (
            <p className="hint">{t('console.none')}</p>
          ) : (
            <ul className="item-list">
              {list.map((a) => (
                <li key={a.id} className="item">
                  <span className="item-name">{a.title}</span>
                  <span className="item-meta">
                    {t('console.scheduled', {
                      segment: t(`console.segment.${a.segment as AnnouncementSegment}`),
                      time: dateFormat.format(a.publishAt),
                    })}
                  </span>
                </li>
              ))}
            </ul>
          )}
        </section>
      )}
    </div>
  );
}

function TextArea({
  label,
  value,
  onValue,
  lang,
}: {
  readonly label: string;
  readonly value: string;
  readonly onValue: (value: string) => void;
  readonly lang: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <textarea
        id={id}
        lang={lang}
        required
        rows={4}
        maxLength={BODY_CHARS_MAX}
        value={value}
        onChange={(event) => onValue(event.target.value)}
      />
    </div>
  );
}
