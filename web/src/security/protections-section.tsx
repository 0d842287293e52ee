/**
 * Security Center: "Agreements, family cards and authorised apps" (issue 4 point 9). Who may
 * take money from the wallet or read the person's data, each with who, what, caps and last use,
 * and a one-step cancel that asks once ("Cancel the agreement with X? Yes / Cancel") before it
 * acts. Giving a family card is here too.
 */
import { type FormEvent, useState } from 'react';
import {
  type Agreement,
  type AuthorisedApp,
  cancelAgreement,
  cancelFamilyCard,
  type FamilyCard,
  fetchAgreements,
  fetchAuthorisedApps,
  fetchFamilyCards,
  offerFamilyCard,
  reviewAgreement,
  revokeAuthorisedApp,
} from '../api-agreements.ts';
import { ErrorRegion, Field, PaymentPasswordField, StatusRegion, useAction } from '../forms.tsx';
import { isMessageKey, useI18n } from '../i18n.ts';
import { currencyExponent, formatMoney, parseMajorToMinor } from '../money.ts';
import { Link } from '../router.tsx';
import {
  ConfirmButton,
  LoadState,
  SectionCard,
  useDateTimeFormat,
  useLoad,
  useSecurityRefresh,
} from './shared.tsx';

const CURRENCY = 'CNY';

export function ProtectionsSection() {
  const { t } = useI18n();
  const agreements = useLoad(fetchAgreements);
  const cards = useLoad(fetchFamilyCards);
  const apps = useLoad(fetchAuthorisedApps);
  const [done, setDone] = useState<string | null>(null);
  return (
    <SectionCard
      anchor="protections"
      title={t('protections.title')}
      lead={t('protections.lead')}
      busy={agreements.phase === 'loading' || cards.phase === 'loading' || apps.phase === 'loading'}
    >
      <StatusRegion message={done} />
      <h3>{t('agreements.title')}</h3>
      <LoadState loaded={agreements} />
      {agreements.data?.length === 0 && <p>{t('agreements.none')}</p>}
      {agreements.data && agreements.data.length > 0 && (
        <ul className="protection-list" data-testid="agreements">
          {agreements.data.map((a) => (
            <AgreementItem key={a.id} agreement={a} onDone={setDone} />
          ))}
        </ul>
      )}
      <h3>{t('family.title')}</h3>
      <LoadState loaded={cards} />
      {cards.data?.length === 0 && <p>{t('family.none')}</p>}
      {cards.data && cards.data.length > 0 && (
        <ul className="protection-list" data-testid="family-cards">
          {cards.data.map((c) => (
            <FamilyCardItem key={c.id} card={c} />
          ))}
        </ul>
      )}
      <GiveFamilyCardForm />
      <h3>{t('apps.title')}</h3>
      <LoadState loaded={apps} />
      {apps.data?.length === 0 && <p>{t('apps.none')}</p>}
      {apps.data && apps.data.length > 0 && (
        <ul className="protection-list" data-testid="authorised-apps">
          {apps.data.map((a) => (
            <AppItem key={a.id} app={a} />
          ))}
        </ul>
      )}
    </SectionCard>
  );
}

function statusText(t: ReturnType<typeof useI18n>['t'], prefix: string, status: string): string {
  const key = `${prefix}.${status}`;
  return isMessageKey(key) ? t(key) : status;
}

function AgreementItem({
  agreement: a,
  onDone,
}: {
  readonly agreement: Agreement;
  readonly onDone: (m: string) => void;
}) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  const { refresh } = useSecurityRefresh();
  const cancel = useAction();
  const keep = useAction();
  const live = a.status === 'active' || a.status === 'pending' || a.status === 'suspended';
  return (
    <li className="protection-item" data-status={a.status}>
      <p className="protection-head">
        <strong>{a.merchantName}</strong> · {statusText(t, 'agreements.status', a.status)}
      </p>
      <dl className="facts">
        <div className="fact-wide">
          <dt>{t('agreements.purpose')}</dt>
          <dd>{a.purpose}</dd>
        </div>
        <div className="fact-wide">
          <dt>{t('agreements.caps')}</dt>
          <dd>
            {t('agreements.capsValue', {
              perDebit: formatMoney(a.perDebitCap, { locale }),
              monthly: formatMoney(a.monthlyCap, { locale }),
            })}
          </dd>
        </div>
        <div>
          <dt>{t('agreements.usedThisMonth')}</dt>
          <dd>{formatMoney(a.usedThisMonth, { locale })}</dd>
        </div>
        <div>
          <dt>{t('agreements.lastUsed')}</dt>
          <dd>{a.lastUsedAt ? dateFormat.format(a.lastUsedAt) : t('agreements.never')}</dd>
        </div>
        <div>
          <dt>{t('agreements.reviewed')}</dt>
          <dd>{a.reviewedAt ? dateFormat.format(a.reviewedAt) : t('agreements.never')}</dd>
        </div>
      </dl>
      {a.status === 'pending' && (
        <Link
          className="button button-small button-primary"
          to={`/agreements/sign?id=${encodeURIComponent(a.id)}`}
        >
          {t('agreements.sign')}
        </Link>
      )}{' '}
      {a.status === 'active' && (
        <button
          type="button"
          className="button button-small"
          aria-busy={keep.busy}
          aria-label={t('agreements.keepNamed', { merchant: a.merchantName })}
          onClick={() =>
            void keep.run(async () => {
              await reviewAgreement(a.id);
              onDone(t('agreements.kept', { merchant: a.merchantName }));
              refresh();
            })
          }
        >
          {t('agreements.keep')}
        </button>
      )}{' '}
      {live && (
        <ConfirmButton
          label={t('agreements.cancel')}
          name={t('agreements.cancelNamed', { merchant: a.merchantName })}
          question={t('agreements.cancelQuestion', { merchant: a.merchantName })}
          confirmLabel={t('agreements.cancelYes')}
          busy={cancel.busy}
          onConfirm={() =>
            void cancel.run(async () => {
              await cancelAgreement(a.id);
              onDone(t('agreements.cancelled', { merchant: a.merchantName }));
              refresh();
            })
          }
        />
      )}
      <ErrorRegion title={t('agreements.cancelFailed')} error={cancel.error} />
      <ErrorRegion title={t('agreements.keepFailed')} error={keep.error} />
    </li>
  );
}

function FamilyCardItem({ card: c }: { readonly card: FamilyCard }) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  const { refresh } = useSecurityRefresh();
  const cancel = useAction();
  const who = { name: c.counterpartName, phone: c.counterpartPhone };
  const live = c.status !== 'cancelled';
  return (
    <li className="protection-item" data-status={c.status}>
      <p className="protection-head">
        <strong>{c.role === 'owner' ? t('family.gave', who) : t('family.got', who)}</strong> ·{' '}
        {statusText(t, 'family.status', c.status)}
      </p>
      <dl className="facts">
        <div>
          <dt>{t('family.cap')}</dt>
          <dd>{formatMoney(c.monthlyCap, { locale })}</dd>
        </div>
        <div>
          <dt>{t('family.used')}</dt>
          <dd>{formatMoney(c.usedThisMonth, { locale })}</dd>
        </div>
        <div>
          <dt>{t('family.lastUsed')}</dt>
          <dd>{c.lastUsedAt ? dateFormat.format(c.lastUsedAt) : t('agreements.never')}</dd>
        </div>
      </dl>
      <Link
        className="button button-small"
        to={`/family-card?id=${encodeURIComponent(c.id)}`}
        aria-label={t('family.openNamed', { name: c.counterpartName })}
      >
        {t('family.open')}
      </Link>{' '}
      {live && (
        <ConfirmButton
          label={t('family.cancel')}
          name={t('family.cancelNamed', { name: c.counterpartName })}
          question={t('family.cancelQuestion', { name: c.counterpartName })}
          confirmLabel={t('family.cancelYes')}
          busy={cancel.busy}
          onConfirm={() =>
            void cancel.run(async () => {
              await cancelFamilyCard(c.id);
              refresh();
            })
          }
        />
      )}
      <ErrorRegion title={t('family.cancelFailed')} error={cancel.error} />
    </li>
  );
}

function GiveFamilyCardForm() {
  const { t } = useI18n();
  const { refresh } = useSecurityRefresh();
  const give = useAction();
  const [phone, setPhone] = useState('');
  const [cap, setCap] = useState('');
  const [pin, setPin] = useState('');
  const [capProblem, setCapProblem] = useState(false);
  const [given, setGiven] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const capMinor = parseMajorToMinor(cap, currencyExponent(CURRENCY));
    setCapProblem(capMinor === null || capMinor <= 0n);
    if (capMinor === null || capMinor <= 0n) return;
    setGiven(null);
    await give.run(async () => {
      const card = await offerFamilyCard({
        memberPhone: phone,
        monthlyCap: { amountMinor: capMinor.toString(), currency: CURRENCY },
        paymentPassword: pin,
      });
      setPin('');
      setGiven(t('family.given', { name: card.counterpartName }));
      refresh();
    });
  }

  return (
    <form className="form" onSubmit={onSubmit} aria-busy={give.busy} noValidate>
      <h4>{t('family.giveTitle')}</h4>
      <p className="hint">{t('family.giveLead')}</p>
      <Field
        label={t('family.memberPhone')}
        type="tel"
        autoComplete="off"
        required
        maxLength={32}
        value={phone}
        onChange={(e) => setPhone(e.target.value)}
      />
      <Field
        label={t('family.monthlyCap')}
        inputMode="decimal"
        required
        maxLength={16}
        value={cap}
        problem={capProblem ? t('family.badAmount') : undefined}
        onChange={(e) => setCap(e.target.value)}
      />
      <PaymentPasswordField label={t('family.yourPassword')} value={pin} onValue={setPin} />
      <ErrorRegion title={t('family.giveFailed')} error={give.error} />
      <StatusRegion message={given} />
      <button type="submit" className="button button-primary" aria-busy={give.busy}>
        {give.busy ? t('common.working') : t('family.give')}
      </button>
    </form>
  );
}

function AppItem({ app }: { readonly app: AuthorisedApp }) {
  const { t } = useI18n();
  const dateFormat = useDateTimeFormat();
  const { refresh } = useSecurityRefresh();
  const revoke = useAction();
  return (
    <li className="protection-item">
      <p className="protection-head">
        <strong>{app.appName}</strong> {t('apps.by', { merchant: app.merchantName })}
      </p>
      <dl className="facts">
        <div className="fact-wide">
          <dt>{t('apps.scopes')}</dt>
          <dd>{app.scopes.map((s) => statusText(t, 'apps.scope', s)).join(', ')}</dd>
        </div>
        <div>
          <dt>{t('apps.granted')}</dt>
          <dd>{dateFormat.format(app.grantedAt)}</dd>
        </div>
        <div>
          <dt>{t('apps.lastUsed')}</dt>
          <dd>{app.lastUsedAt ? dateFormat.format(app.lastUsedAt) : t('agreements.never')}</dd>
        </div>
      </dl>
      <ConfirmButton
        label={t('apps.revoke')}
        name={t('apps.revokeNamed', { app: app.appName })}
        question={t('apps.revokeQuestion', { app: app.appName })}
        confirmLabel={t('apps.revokeYes')}
        busy={revoke.busy}
        onConfirm={() =>
          void revoke.run(async () => {
            await revokeAuthorisedApp(app.id);
            refresh();
          })
        }
      />
      <ErrorRegion title={t('apps.revokeFailed')} error={revoke.error} />
    </li>
  );
}
