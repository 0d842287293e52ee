/**
 * Signing an auto-debit agreement (issue 4 point 9, issue 6 point 6): `/agreements/sign?id=…`.
 * The person reads, in plain words, who may take money, for what, how much at most per debit and
 * per month, and that cancelling is one step; then signs with the payment password, or declines.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import {
  type Agreement,
  agreementRequestReturnUrl,
  cancelAgreement,
  claimAgreementRequest,
  confirmAgreement,
  fetchAgreement,
} from './api-agreements.ts';
import { ErrorRegion, PaymentPasswordField, StatusRegion, useAction } from './forms.tsx';
import { isMessageKey, useI18n } from './i18n.ts';
import { formatMoney } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { useDateTimeFormat } from './security/shared.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export function AgreementSignPage({
  search,
  focusHeading,
}: {
  readonly search: string;
  readonly focusHeading: boolean;
}) {
  const { t, locale } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const dateFormat = useDateTimeFormat();
  const query = new URLSearchParams(search);
  // A merchant's signing link (open API page.sign) names a request, which becomes an agreement.
  const requestId = query.get('request');
  const [claimedId, setClaimedId] = useState<string | null>(null);
  const id = query.get('id') ?? claimedId;
  const [agreement, setAgreement] = useState<Agreement | null>(null);
  const [pin, setPin] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const load = useAction();
  const sign = useAction();
  const decline = useAction();
  const back = useAction();

  useEffect(() => {
    if (requestId === null || claimedId !== null) return;
    void load.run(async () => setClaimedId(await claimAgreementRequest(requestId)));
  }, [requestId, claimedId, load.run]);

  useEffect(() => {
    if (id === null) return;
    void load.run(async () => setAgreement(await fetchAgreement(id)));
  }, [id, load.run]);

  // A merchant's link that named a return_url: back to the merchant with the signed outcome
  // (signed or declined), as Alipay's signing page does; otherwise the page shows the outcome.
  function returnToMerchant() {
    if (requestId === null) return;
    void back.run(async () => {
      const url = await agreementRequestReturnUrl(requestId);
      if (url !== null) window.location.assign(url);
    });
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (agreement === null) return;
    const signed = await sign.run(async () => {
      const result = await confirmAgreement(agreement.id, pin);
      setPin('');
      setAgreement(result);
      setDone(t('sign.signed', { merchant: result.merchantName }));
    });
    if (signed) returnToMerchant();
  }

  async function onDecline(agreementId: string) {
    const declined = await decline.run(async () => setAgreement(await cancelAgreement(agreementId)));
    if (declined) returnToMerchant();
  }

  const money = (m: Agreement['perDebitCap']) => formatMoney(m, { locale });
  const statusKey = agreement ? `agreements.status.${agreement.status}` : '';
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('sign.title')}
      </h1>
      {id === null && requestId === null && <p>{t('sign.missing')}</p>}
      <ErrorRegion title={t('agreements.loadFailed')} error={load.error} />
      {agreement === null && load.busy && <p className="loading">{t('app.loading')}</p>}
      {agreement !== null && (
        <>
          <div className="statement" data-testid="agreement-statement">
            <p>{t('sign.statement', { merchant: agreement.merchantName, purpose: agreement.purpose })}</p>
            <p>
              <strong>
                {t('sign.statementCaps', {
                  perDebit: money(agreement.perDebitCap),
                  monthly: money(agreement.monthlyCap),
                })}
              </strong>
            </p>
            <p>{t('sign.statementCancel')}</p>
          </div>
          <StatusRegion message={done} />
          <ErrorRegion title={t('sign.returnFailed')} error={back.error} />
          {agreement.status === 'pending' ? (
            <form className="form" onSubmit={onSubmit} aria-busy={sign.busy} noValidate>
              <p className="hint">
                {t('sign.expires', { when: dateFormat.format(agreement.requestExpiresAt) })}
              </p>
              <PaymentPasswordField
                label={t('sign.password')}
                hint={t('sign.passwordHint')}
                value={pin}
                onValue={setPin}
              />
              <ErrorRegion title={t('sign.failed')} error={sign.error} />
              <button type="submit" className="button button-primary" aria-busy={sign.busy}>
                {sign.busy ? t('common.working') : t('sign.submit')}
              </button>{' '}
              <button
                type="button"
                className="button"
                aria-busy={decline.busy}
                onClick={() => void onDecline(agreement.id)}
              >
                {t('sign.decline')}
              </button>
              <ErrorRegion title={t('agreements.cancelFailed')} error={decline.error} />
            </form>
          ) : (
            done === null && (
              <p>
                {t('sign.notPending', { status: isMessageKey(statusKey) ? t(statusKey) : agreement.status })}
              </p>
            )
          )}
        </>
      )}
      <p>
        <Link to={`${ROUTES.security}#protections`}>{t('sign.backToSecurity')}</Link>
      </p>
    </section>
  );
}
