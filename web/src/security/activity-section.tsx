/** Recent security activity (GET /api/v1/me/security-events), newest first, with readable names. */
import { useEffect, useState } from 'react';
import type { SecurityEvent, SecurityEventPage } from '../api-security.ts';
import { fetchSecurityEvents } from '../api-security.ts';
import { ErrorRegion, useAction } from '../forms.tsx';
import { type I18n, isMessageKey, useI18n } from '../i18n.ts';
import { LoadState, placeOf, SectionCard, useDateTimeFormat, useLoad } from './shared.tsx';

/** "sign_in" → "Signed in"; an event type this page does not know shows as its code. */
export function describeEventType(type: string, t: I18n['t']): string {
  const key = `event.${type}`;
  return isMessageKey(key) ? t(key) : type;
}

/** Methods such as "password+sms" → "Password + SMS code". */
function describeMethods(methods: string, t: I18n['t']): string {
  return methods
    .split(/[+,]/)
    .filter(Boolean)
    .map((method) => {
      const key = `authMethod.${method}`;
      return isMessageKey(key) ? t(key) : method;
    })
    .join(' + ');
}

function describeReasons(reasons: string, t: I18n['t']): string {
  return reasons
    .split(',')
    .filter(Boolean)
    .map((reason) => {
      const key = `challenge.reasonShort.${reason}`;
      return isMessageKey(key) ? t(key) : reason;
    })
    .join(', ');
}

/** The one detail worth a line for this event, or null. Never shows raw details wholesale. */
function describeDetails(event: SecurityEvent, t: I18n['t']): string | null {
  const { details } = event;
  const parts: string[] = [];
  const methods =
    typeof details.methods === 'string'
      ? details.methods
      : typeof details.method === 'string'
        ? details.method
        : null;
  if (methods) parts.push(t('event.detail.methods', { methods: describeMethods(methods, t) }));
  const reasons = typeof details.reasons === 'string' ? details.reasons : '';
  if (reasons) parts.push(t('event.detail.reasons', { reasons: describeReasons(reasons, t) }));
  // A new device is usually also the reason given; say it once.
  if (details.newDevice === true && !reasons.includes('new_device')) parts.push(t('event.detail.newDevice'));
  return parts.length > 0 ? parts.join(' · ') : null;
}

export function ActivitySection() {
  const { t } = useI18n();
  const dateFormat = useDateTimeFormat();
  const first = useLoad((signal) => fetchSecurityEvents({ before: null, signal }));
  const [more, setMore] = useState<SecurityEventPage | null>(null);
  const loadMore = useAction();

  // A reload of the first page (after a change) starts the list again.
  useEffect(() => {
    if (first.phase === 'ready') setMore(null);
  }, [first.phase]);

  const events = [...(first.data?.events ?? []), ...(more?.events ?? [])];
  const nextBefore = more ? more.nextBefore : (first.data?.nextBefore ?? null);

  async function onLoadMore() {
    if (nextBefore === null) return;
    await loadMore.run(async () => {
      const page = await fetchSecurityEvents({ before: nextBefore });
      setMore((previous) => ({
        events: [...(previous?.events ?? []), ...page.events],
        nextBefore: page.nextBefore,
      }));
    });
  }

  return (
    <SectionCard
      anchor="activity"
      title={t('activity.securityTitle')}
      lead={t('activity.securityLead')}
      busy={first.phase === 'loading'}
    >
      <LoadState loaded={first} />
      {first.data !== null && events.length === 0 && <p className="empty">{t('activity.empty')}</p>}
      {events.length > 0 && (
        <ol className="item-list events" aria-label={t('activity.securityTitle')}>
          {events.map((event) => {
            const place = placeOf(event);
            const detail = describeDetails(event, t);
            return (
              <li key={event.id} className="item event" data-event-type={event.type}>
                <div className="item-main">
                  <span className="item-name">{describeEventType(event.type, t)}</span>
                  <time dateTime={event.createdAt.toISOString()}>{dateFormat.format(event.createdAt)}</time>
                </div>
                {(place || detail) && (
                  <p className="item-meta">{[detail, place].filter(Boolean).join(' · ')}</p>
                )}
              </li>
            );
          })}
        </ol>
      )}
      <ErrorRegion title={t('security.loadFailed')} error={loadMore.error} />
      {nextBefore !== null && (
        <button type="button" className="button button-block" onClick={onLoadMore} aria-busy={loadMore.busy}>
          {loadMore.busy ? t('activity.loadingMore') : t('activity.loadMore')}
        </button>
      )}
    </SectionCard>
  );
}
