/**
 * The security lock and the server's security check-up (docs/protection.md). Every change of the
 * lock, turning it off too, answers step_up_required first and is retried through the step-up
 * dialog. Each check-up item links to the section that turns it on.
 */
import { type FormEvent, useEffect, useState } from 'react';
import type { CheckUp, SecurityLock } from '../api-protection.ts';
import { fetchCheckUp, fetchSecurityLock, setSecurityLock } from '../api-protection.ts';
import { ErrorRegion, Field, StatusRegion, useAction } from '../forms.tsx';
import { isMessageKey, useI18n } from '../i18n.ts';
import { useStepUp } from '../step-up-dialog.tsx';
import { LoadState, SectionCard, useLoad, useSecurityRefresh } from './shared.tsx';

/** The server's bounds (src/protection/constants.ts): 1 hour to 7 days. */
const COOLING_OFF_HOURS_MIN = 1;
const COOLING_OFF_HOURS_MAX = 168;

/** The server's check-up (score and protections), shown at the top of the Security Center's
 *  check-up card, above the account warnings the page derives itself. */
export function CheckUpScore() {
  const checkUp = useLoad(fetchCheckUp);
  return (
    <div aria-busy={checkUp.phase === 'loading'}>
      <LoadState loaded={checkUp} />
      {checkUp.data && <CheckUpList checkUp={checkUp.data} />}
    </div>
  );
}

function CheckUpList({ checkUp }: { readonly checkUp: CheckUp }) {
  const { t } = useI18n();
  return (
    <>
      <p className="checkup-score">
        <span>{t('checkUp.scoreLabel')}: </span>
        <meter min={0} max={100} low={60} high={85} optimum={100} value={checkUp.score} aria-hidden="true" />{' '}
        <strong data-testid="check-up-score">{t('checkUp.score', { score: checkUp.score })}</strong>
      </p>
      <ul className="checkup">
        {checkUp.items.map((item) => {
          const key = `checkUp.item.${item.id}`;
          // Same-page anchors: the fix routes all point into the Security Center.
          const hash = item.fixRoute.slice(item.fixRoute.indexOf('#'));
          return (
            <li key={item.id} className={`checkup-item checkup-${item.on ? 'ok' : 'warning'}`}>
              <span className="checkup-level">{item.on ? t('checkUp.on') : t('checkUp.off')}</span>
              <span>{isMessageKey(key) ? t(key) : item.id}</span>{' '}
              <a href={hash} data-testid={`fix-${item.id}`}>
                {item.on ? t('checkUp.review') : t('checkUp.fix')}
              </a>
            </li>
          );
        })}
      </ul>
    </>
  );
}

export function SecurityLockSection() {
  const { t } = useI18n();
  const lock = useLoad(fetchSecurityLock);
  return (
    <SectionCard
      anchor="security-lock"
      title={t('lock.title')}
      lead={t('lock.lead')}
      busy={lock.phase === 'loading'}
    >
      <LoadState loaded={lock} />
      {lock.data && <SecurityLockForm lock={lock.data} />}
    </SectionCard>
  );
}

function SecurityLockForm({ lock }: { readonly lock: SecurityLock }) {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [hours, setHours] = useState(String(lock.coolingOffHours));
  const [nightEnabled, setNightEnabled] = useState(lock.night.enabled);
  const [start, setStart] = useState(lock.night.start);
  const [end, setEnd] = useState(lock.night.end);
  const [timeZone, setTimeZone] = useState(lock.night.timeZone);
  const [invalidHours, setInvalidHours] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const save = useAction();

  useEffect(() => {
    setHours(String(lock.coolingOffHours));
    setNightEnabled(lock.night.enabled);
    setStart(lock.night.start);
    setEnd(lock.night.end);
    setTimeZone(lock.night.timeZone);
  }, [lock]);

  async function submit(enabled: boolean) {
    setDone(null);
    const coolingOffHours = Number(hours);
    if (
      !Number.isInteger(coolingOffHours) ||
      coolingOffHours < COOLING_OFF_HOURS_MIN ||
      coolingOffHours > COOLING_OFF_HOURS_MAX
    ) {
      setInvalidHours(true);
      return;
    }
    const ok = await save.run(async () => {
      await withStepUp(() =>
        setSecurityLock({ enabled, coolingOffHours, night: { enabled: nightEnabled, start, end, timeZone } }),
      );
    });
    if (ok) {
      setDone(
        enabled === lock.enabled ? t('lock.saved') : enabled ? t('lock.turnedOn') : t('lock.turnedOff'),
      );
      refresh();
    }
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void submit(lock.enabled);
  }

  return (
    <>
      <dl className="facts">
        <div>
          <dt>{t('lock.status')}</dt>
          <dd data-testid="lock-status">{lock.enabled ? t('common.on') : t('common.off')}</dd>
        </div>
      </dl>
      {lock.night.activeNow && <p className="hint">{t('lock.nightActive')}</p>}
      <div className="actions">
        <button
          type="button"
          className={lock.enabled ? 'button button-danger' : 'button button-primary'}
          onClick={() => void submit(!lock.enabled)}
          aria-busy={save.busy}
        >
          {save.busy ? t('common.saving') : lock.enabled ? t('lock.turnOff') : t('lock.turnOn')}
        </button>
      </div>
      <form className="form" onSubmit={onSubmit} aria-busy={save.busy} noValidate>
        <Field
          label={t('lock.coolingOff')}
          hint={t('lock.coolingOffHint')}
          type="text"
          inputMode="numeric"
          autoComplete="off"
          required
          maxLength={3}
          value={hours}
          onChange={(event) => {
            setHours(event.target.value);
            setInvalidHours(false);
          }}
          problem={invalidHours ? t('lock.invalidHours') : undefined}
        />
        <label className="choice">
          <input
            type="checkbox"
            checked={nightEnabled}
            onChange={(event) => setNightEnabled(event.target.checked)}
          />
          <span>{t('lock.night')}</span>
        </label>
        {nightEnabled && (
          <>
            <Field
              label={t('lock.nightStart')}
              type="time"
              required
              value={start}
              onChange={(e) => setStart(e.target.value)}
            />
            <Field
              label={t('lock.nightEnd')}
              type="time"
              required
              value={end}
              onChange={(e) => setEnd(e.target.value)}
            />
            <Field
              label={t('lock.timeZone')}
              type="text"
              autoComplete="off"
              maxLength={64}
              value={timeZone}
              onChange={(e) => setTimeZone(e.target.value)}
            />
          </>
        )}
        <p className="hint">{t('lock.stepUpNote')}</p>
        <ErrorRegion title={t('lock.failed')} error={save.error} />
        <StatusRegion message={done} />
        <button type="submit" className="button" aria-busy={save.busy}>
          {save.busy ? t('common.saving') : t('lock.save')}
        </button>
      </form>
    </>
  );
}
