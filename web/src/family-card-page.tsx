/**
 * One family card (issue 4 point 9): `/family-card?id=…`. The member accepts an offered card and
 * pays merchants with it (the owner's money, the member's own payment password); both owner and
 * member see every use and what is left of the month's cap. A payment the risk engine challenges
 * (403 risk_second_factor_required) opens the step-up dialog and is sent once more with the same
 * clientRequestId, so it can only be that payment; one it holds for review says so (docs/agreements.md).
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import {
  acceptFamilyCard,
  type FamilyCard,
  type FamilyCardPayment,
  familyCardLeft,
  fetchFamilyCardPayments,
  fetchFamilyCards,
  payWithFamilyCard,
} from './api-agreements.ts';
import { newClientRequestId } from './api-payments.ts';
import { ErrorRegion, Field, PaymentPasswordField, StatusRegion, useAction } from './forms.tsx';
import { isMessageKey, useI18n } from './i18n.ts';
import { currencyExponent, formatMoney, parseMajorToMinor } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { useDateTimeFormat } from './security/shared.tsx';
import { useStepUp } from './step-up-dialog.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const CURRENCY = 'CNY';

export function FamilyCardPage({
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
  const id = new URLSearchParams(search).get('id');
  const [card, setCard] = useState<FamilyCard | null | undefined>(undefined);
  const [uses, setUses] = useState<readonly FamilyCardPayment[]>([]);
  const load = useAction();
  const accept = useAction();

  const reload = useCallback(async () => {
    if (id === null) return;
    await load.run(async () => {
      const found = (await fetchFamilyCards()).find((c) => c.id === id) ?? null;
      setCard(found);
      if (found) setUses(await fetchFamilyCardPayments(found.id));
    });
  }, [id, load.run]);

  useEffect(() => {
    void reload();
  }, [reload]);

  const statusKey = card ? `family.status.${card.status}` : '';
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('familyCard.title')}
      </h1>
      {id === null && <p>{t('familyCard.missing')}</p>}
      <ErrorRegion title={t('family.loadFailed')} error={load.error} />
      {card === null && <p>{t('familyCard.notFound')}</p>}
      {card && (
        <>
          <p>
            <strong>
              {card.role === 'owner'
                ? t('family.gave', { name: card.counterpartName, phone: card.counterpartPhone })
                : t('family.got', { name: card.counterpartName, phone: card.counterpartPhone })}
            </strong>{' '}
            · {isMessageKey(statusKey) ? t(statusKey) : card.status}
          </p>
          {card.role === 'member' && card.status === 'pending' && (
            <>
              <p>
                {t('familyCard.offer', {
                  name: card.counterpartName,
                  phone: card.counterpartPhone,
                  cap: formatMoney(card.monthlyCap, { locale }),
                })}
              </p>
              <button
                type="button"
                className="button button-primary"
                aria-busy={accept.busy}
                onClick={() =>
                  void accept.run(async () => {
                    setCard(await acceptFamilyCard(card.id));
                  })
                }
              >
                {t('familyCard.accept')}
              </button>
              <ErrorRegion title={t('familyCard.acceptFailed')} error={accept.error} />
            </>
          )}
          <p>{t('familyCard.left', { left: formatMoney(familyCardLeft(card), { locale }) })}</p>
          {card.role === 'member' && card.status === 'active' && <PayForm card={card} onPaid={reload} />}
          <h2>{t('familyCard.uses')}</h2>
          {uses.length === 0 ? (
            <p>{t('familyCard.noUses')}</p>
          ) : (
            <ul data-testid="family-card-uses">
              {uses.map((u) => {
                const useKey = `familyCard.use.${u.status}`;
                return (
                  <li key={u.id}>
                    {dateFormat.format(u.createdAt)} · {u.merchantName} · {formatMoney(u.amount, { locale })}
                    {u.status !== 'succeeded' && ` · ${isMessageKey(useKey) ? t(useKey) : u.status}`}
                  </li>
                );
              })}
            </ul>
          )}
        </>
      )}
      <p>
        <Link to={`${ROUTES.security}#protections`}>{t('sign.backToSecurity')}</Link>
      </p>
    </section>
  );
}

function PayForm({ card, onPaid }: { readonly card: FamilyCard; readonly onPaid: () => Promise<void> }) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  const pay = useAction();
  const withStepUp = useStepUp();
  const [merchantId, setMerchantId] = useState('');
  const [amount, setAmount] = useState('');
  const [pin, setPin] = useState('');
  const [amountProblem, setAmountProblem] = useState(false);
  const [paid, setPaid] = useState<string | null>(null);
  // One id per attempt: a double submit of the same payment is one payment.
  const [requestId, setRequestId] = useState(newClientRequestId);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const minor = parseMajorToMinor(amount, currencyExponent(CURRENCY));
    setAmountProblem(minor === null || minor <= 0n);
    if (minor === null || minor <= 0n) return;
    setPaid(null);
    const ok = await pay.run(async () => {
      // A risk challenge: the dialog asks for a second factor, then the same request (same
      // clientRequestId) goes once more, so it can only ever be this one payment.
      const payment = await withStepUp(
        () =>
          payWithFamilyCard(card.id, {
            merchantId: merchantId.trim(),
            amount: { amountMinor: minor.toString(), currency: CURRENCY },
            paymentPassword: pin,
            clientRequestId: requestId,
          }),
        { riskSubject: 'family_card_payment' },
      );
      setPin('');
      setAmount('');
      const shown = { amount: formatMoney(payment.amount, { locale }), merchant: payment.merchantName };
      setPaid(
        payment.status === 'in_review' && payment.reviewDeadlineAt
          ? t('familyCard.held', { ...shown, until: dateFormat.format(payment.reviewDeadlineAt) })
          : t('familyCard.paid', shown),
      );
      await onPaid();
    });
    if (ok) setRequestId(newClientRequestId());
  }

  return (
    <form className="form" onSubmit={onSubmit} aria-busy={pay.busy} noValidate>
      <h2>{t('familyCard.payTitle')}</h2>
      <Field
        label={t('familyCard.merchant')}
        hint={t('familyCard.merchantHint')}
        required
        maxLength={64}
        value={merchantId}
        onChange={(e) => setMerchantId(e.target.value)}
      />
      <Field
        label={t('familyCard.amount')}
        inputMode="decimal"
        required
        maxLength={16}
        value={amount}
        problem={amountProblem ? t('family.badAmount') : undefined}
        onChange={(e) => {
          setAmount(e.target.value);
          setRequestId(newClientRequestId());
        }}
      />
      <PaymentPasswordField label={t('familyCard.password')} value={pin} onValue={setPin} />
      <ErrorRegion title={t('familyCard.payFailed')} error={pay.error} />
      <StatusRegion message={paid} />
      <button type="submit" className="button button-primary" aria-busy={pay.busy}>
        {pay.busy ? t('common.working') : t('familyCard.pay')}
      </button>
    </form>
  );
}
