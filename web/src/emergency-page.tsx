/**
 * Emergency (/security/emergency, signed in): freeze the account at once, or "my account was
 * stolen" — which freezes, signs out everywhere (this page included), turns password-free
 * payments off and suspends agreements, then lists the activity since the suspected time so the
 * person can mark what was not them and open a loss claim with the report token the server gave.
 */
import { type FormEvent, useId, useState } from 'react';
import {
  type ActivityItem,
  claimStolen,
  freezeMyAccount,
  reportStolen,
  type StolenReport,
} from './api-recovery.ts';
import { ErrorRegion, Field, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { formatMoney } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const HOUR_MS = 3600_000;

/** `datetime-local` value for a time, in the browser's zone. */
function localInputValue(date: Date): string {
  const shifted = new Date(date.getTime() - date.getTimezoneOffset() * 60_000);
  return shifted.toISOString().slice(0, 16);
}

export function EmergencyPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const freeze = useAction();
  const stolen = useAction();
  const [frozen, setFrozen] = useState(false);
  const [since, setSince] = useState(() => localInputValue(new Date(Date.now() - 24 * HOUR_MS)));
  const [report, setReport] = useState<StolenReport | null>(null);

  // Both actions end this session on purpose: their results are shown from local state, never
  // by asking the server again (which would now answer 401).
  if (report) return <StolenResult report={report} />;
  return (
    <div className="security">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('emergency.title')}
      </h1>
      <p className="lead">{t('emergency.lead')}</p>
      <section className="card" aria-labelledby={`${ids}-freeze`}>
        <h2 id={`${ids}-freeze`}>{t('emergency.freezeTitle')}</h2>
        <p>{t('emergency.freezeLead')}</p>
        <ErrorRegion title={t('emergency.freeze')} error={freeze.error} />
        <div role="status" className="live-region">
          {frozen && <p className="notice notice-success">{t('emergency.frozen')}</p>}
        </div>
        {!frozen && (
          <button
            type="button"
            className="button button-danger"
            aria-busy={freeze.busy}
            onClick={() =>
              void freeze.run(async () => {
                await freezeMyAccount();
                setFrozen(true);
              })
            }
          >
            {freeze.busy ? t('emergency.freezing') : t('emergency.freeze')}
          </button>
        )}
      </section>
      <section className="card" aria-labelledby={`${ids}-stolen`}>
        <h2 id={`${ids}-stolen`}>{t('emergency.stolenTitle')}</h2>
        <p>{t('emergency.stolenLead')}</p>
        <form
          className="form"
          noValidate
          onSubmit={(event: FormEvent) => {
            event.preventDefault();
            void stolen.run(async () => setReport(await reportStolen(new Date(since))));
          }}
        >
          <Field
            label={t('emergency.since')}
            type="datetime-local"
            value={since}
            max={localInputValue(new Date())}
            onChange={(event) => setSince(event.target.value)}
            required
          />
          <ErrorRegion title={t('emergency.stolenTitle')} error={stolen.error} />
          <button type="submit" className="button button-danger" aria-busy={stolen.busy}>
            {stolen.busy ? t('emergency.reporting') : t('emergency.report')}
          </button>
        </form>
      </section>
    </div>
  );
}

function describe(
  item: ActivityItem,
  t: ReturnType<typeof useI18n>['t'],
  locale: ReturnType<typeof useI18n>['locale'],
): string {
  const time = item.at.toLocaleString(locale);
  if (item.kind === 'sign_in') return `${time} · ${t('emergency.signInAt', { where: item.where ?? '?' })}`;
  const amount = formatMoney(
    { amountMinor: item.amountMinor ?? '0', currency: item.currency ?? 'CNY' },
    { locale },
  );
  return `${time} · ${t('emergency.moneyOut', { amount, code: item.code })}`;
}

function StolenResult({ report }: { readonly report: StolenReport }) {
  const { t, locale } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const claim = useAction();
  const [marked, setMarked] = useState<ReadonlySet<string>>(new Set());
  const [shared, setShared] = useState(false);
  const [statement, setStatement] = useState('');
  const [claimed, setClaimed] = useState<{ id: string; status: string } | null>(null);
  const [none, setNone] = useState(false);
  const money = report.activity.filter((a) => a.kind === 'money_out');
  const signIns = report.activity.filter((a) => a.kind === 'sign_in');

  function toggle(id: string) {
    setMarked((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('emergency.stolenTitle')}
      </h1>
      <div role="status">
        <p className="notice notice-success">
          {t('emergency.reported', { suspended: report.grantsSuspended })}
        </p>
      </div>
      <h2>{t('emergency.activityTitle')}</h2>
      {report.activity.length === 0 && <p>{t('emergency.activityEmpty')}</p>}
      <ul className="card-list">
        {signIns.map((item) => (
          <li key={`s-${item.id}`}>{describe(item, t, locale)}</li>
        ))}
      </ul>
      <form
        className="form"
        noValidate
        onSubmit={(event: FormEvent) => {
          event.preventDefault();
          if (marked.size === 0) {
            setNone(true);
            return;
          }
          setNone(false);
          void claim.run(async () => {
            setClaimed(
              await claimStolen({
                reportToken: report.reportToken,
                transferIds: [...marked],
                credentialsShared: shared,
                statement,
              }),
            );
          });
        }}
      >
        <fieldset>
          {money.map((item) => (
            <div className="field field-check" key={item.id}>
              <input
                id={`${ids}-${item.id}`}
                type="checkbox"
                checked={marked.has(item.id)}
                onChange={() => toggle(item.id)}
              />
              <label htmlFor={`${ids}-${item.id}`}>
                {t('emergency.notMe', { what: describe(item, t, locale) })}
              </label>
            </div>
          ))}
        </fieldset>
        <div className="field field-check">
          <input
            id={`${ids}-shared`}
            type="checkbox"
            checked={shared}
            onChange={(e) => setShared(e.target.checked)}
          />
          <label htmlFor={`${ids}-shared`}>{t('emergency.shared')}</label>
        </div>
        <Field
          label={t('emergency.statement')}
          value={statement}
          maxLength={2000}
          onChange={(e) => setStatement(e.target.value)}
        />
        <div role="alert" className="live-region">
          {none && <p className="notice notice-error">{t('emergency.claimNone')}</p>}
        </div>
        <ErrorRegion title={t('emergency.claim')} error={claim.error} />
        <div role="status" className="live-region">
          {claimed && (
            <p className="notice notice-success">
              {t('emergency.claimed', { id: claimed.id, status: claimed.status })}
            </p>
          )}
        </div>
        {!claimed && money.length > 0 && (
          <button type="submit" className="button button-primary" aria-busy={claim.busy}>
            {claim.busy ? t('emergency.claiming') : t('emergency.claim')}
          </button>
        )}
      </form>
      <p className="switch-page">
        <Link to={ROUTES.recovery}>{t('recovery.kind.unfreeze')}</Link>
      </p>
    </section>
  );
}
