/** Where the account is signed in (sessions: end one, end all others) and the devices it has
 *  seen (rename, forget — forgetting a device ends its sessions and asks again next time). */
import { useState } from 'react';
import type { DeviceView, SessionView } from '../api-security.ts';
import {
  endOtherSessions,
  endSession,
  fetchDevices,
  fetchSessions,
  removeDevice,
  renameDevice,
} from '../api-security.ts';
import { ErrorRegion, StatusRegion, useAction } from '../forms.tsx';
import { useI18n } from '../i18n.ts';
import {
  ConfirmButton,
  LoadState,
  NamedItem,
  placeOf,
  RemovableList,
  SectionCard,
  useDateTimeFormat,
  useLoad,
  useRemoval,
  useSecurityRefresh,
} from './shared.tsx';

/** The server's limit on a device's name. */
export const DEVICE_NAME_LENGTH_MAX = 60;

/** A short description of a browser from its user agent, for sessions without a device name. */
function describeAgent(userAgent: string | null): string | null {
  if (!userAgent) return null;
  return userAgent.length > 60 ? `${userAgent.slice(0, 57)}…` : userAgent;
}

export function SessionsSection() {
  const { t } = useI18n();
  const { refresh } = useSecurityRefresh();
  const sessions = useLoad(fetchSessions);
  const end = useAction();
  const endOthers = useAction();
  const [done, setDone] = useState<string | null>(null);
  const dateFormat = useDateTimeFormat();

  async function onEnd(session: SessionView) {
    setDone(null);
    const ok = await end.run(() => endSession(session.id));
    if (ok) {
      setDone(t('sessions.ended'));
      refresh();
    }
  }

  async function onEndOthers() {
    setDone(null);
    await endOthers.run(async () => {
      const count = await endOtherSessions();
      setDone(t('sessions.endedOthers', { count }));
      refresh();
    });
  }

  const list = sessions.data ?? [];
  const others = list.filter((s) => !s.current).length;
  return (
    <SectionCard
      anchor="sessions"
      title={t('sessions.title')}
      lead={t('sessions.lead')}
      busy={sessions.phase === 'loading'}
    >
      <LoadState loaded={sessions} />
      {list.length > 0 && (
        <ul className="item-list" aria-label={t('sessions.listLabel')}>
          {list.map((session) => {
            const who = session.deviceName ?? describeAgent(session.userAgent) ?? t('sessions.unknownDevice');
            const place = placeOf(session);
            return (
              <li key={session.id} className="item">
                <div className="item-main">
                  <span className="item-name">{who}</span>
                  {session.current && <span className="tag tag-posted">{t('sessions.current')}</span>}
                </div>
                <p className="item-meta">
                  {place && `${place} · `}
                  {t('sessions.lastActive', { date: dateFormat.format(session.lastSeenAt) })}
                  {' · '}
                  {t('sessions.started', { date: dateFormat.format(session.createdAt) })}
                </p>
                {!session.current && (
                  <div className="item-actions">
                    <button
                      type="button"
                      className="button button-small"
                      onClick={() => void onEnd(session)}
                      aria-label={t('sessions.endNamed', { name: who })}
                    >
                      {t('sessions.end')}
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
      <ErrorRegion title={t('sessions.endFailed')} error={end.error ?? endOthers.error} />
      <StatusRegion message={done} />
      {others > 0 && (
        <ConfirmButton
          label={t('sessions.endOthers')}
          question={t('sessions.endOthersQuestion', { count: others })}
          confirmLabel={t('sessions.endOthers')}
          busy={endOthers.busy}
          onConfirm={() => void onEndOthers()}
        />
      )}
    </SectionCard>
  );
}

export function DevicesSection() {
  const { t } = useI18n();
  const devices = useLoad(fetchDevices);
  const removal = useRemoval<DeviceView>({
    remove: (device) => removeDevice(device.id),
    removedMessage: (device) => t('devices.removed', { name: device.name }),
  });

  return (
    <SectionCard
      anchor="devices"
      title={t('devices.title')}
      lead={t('devices.lead')}
      busy={devices.phase === 'loading'}
    >
      <RemovableList
        loaded={devices}
        listLabel={t('devices.listLabel')}
        removeFailedTitle={t('devices.removeFailed')}
        removeError={removal.action.error}
        renderItem={(device) => (
          <DeviceItem
            key={device.id}
            device={device}
            busy={removal.action.busy}
            onRemove={() => void removal.onRemove(device)}
          />
        )}
      />
      <StatusRegion message={removal.done} />
    </SectionCard>
  );
}

function DeviceItem({
  device,
  busy,
  onRemove,
}: {
  readonly device: DeviceView;
  readonly busy: boolean;
  readonly onRemove: () => void;
}) {
  const { t } = useI18n();
  const dateFormat = useDateTimeFormat();
  const place = placeOf({ city: device.lastCity, country: device.lastCountry, ip: device.lastIp });
  const software = [device.browser, device.os].filter(Boolean).join(' · ');
  return (
    <NamedItem
      name={device.name}
      tags={device.current && <span className="tag tag-posted">{t('devices.current')}</span>}
      meta={
        <>
          {software && `${software} · `}
          {place && `${place} · `}
          {t('sessions.lastActive', { date: dateFormat.format(device.lastSeenAt) })}
          {' · '}
          {t('devices.firstSeen', { date: dateFormat.format(device.firstSeenAt) })}
        </>
      }
      rename={{
        label: t('devices.renameLabel', { name: device.name }),
        lengthMax: DEVICE_NAME_LENGTH_MAX,
        onRename: (name) => renameDevice(device.id, name),
      }}
      // Forgetting this device would end this very session: sign out does that.
      {...(device.current
        ? {}
        : {
            remove: {
              label: t('devices.remove'),
              name: t('devices.removeNamed', { name: device.name }),
              question: t('devices.removeQuestion', { name: device.name }),
              busy,
              onConfirm: onRemove,
            },
          })}
    />
  );
}
