/**
 * Collect & scan (docs/qr.md): my collect-money code (the server's SVG and its text, with a copy
 * button), and "Pay by code": a pasted code is resolved first — who will be paid (a merchant's
 * verified name or a person's masked name) and any fixed amount — then paid through the same
 * confirmation step as a transfer. A family-card member may pay a merchant's own code with the
 * card instead (issue 4 points 3 and 9): the owner's money, the card's monthly cap, the member's
 * payment password, through the family-card payment API. Order codes and people are not offered
 * the card (an order is settled only through a payment intent; a card pays merchants only). A
 * card payment the risk engine challenges goes through the step-up dialog and is sent once more
 * with the same clientRequestId; one it holds for review is shown as held, not as paid.
 */
import { type FormEvent, useEffect, useId, useState } from 'react';
import {
  type FamilyCard,
  type FamilyCardPayment,
  familyCardLeft,
  fetchUsableFamilyCards,
  payWithFamilyCard,
} from './api-agreements.ts';
import {
  type CollectCode,
  fetchCollectCode,
  payByCode,
  type ResolvedCode,
  resolveCode,
  svgDataUrl,
} from './api-funding.ts';
import type { PaymentChannel, PaymentIntent } from './api-payments.ts';
import { newClientRequestId } from './api-payments.ts';
import { ErrorRegion, Field, PaymentPasswordField, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { currencyExponent, formatMoney, parseMajorToMinor } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { useDateTimeFormat } from './security/shared.tsx';
import { useStepUp } from './step-up-dialog.tsx';
import {
  ChannelChoice,
  ConfirmStep,
  PaymentCancelledNotice,
  PaymentErrorRegion,
  Receipt,
  ReceiptCard,
} from './transfer-page.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const CURRENCY = 'CNY';
/** The server's QR_CODE_LENGTH_MAX is well below this; the field only stops runaway pastes. */
const CODE_INPUT_MAX = 2048;

type Step =
  /** `cancelled`: the intent whose confirmation the payer just cancelled (nothing was paid). */
  | { readonly phase: 'main'; readonly cancelled?: PaymentIntent }
  | { readonly phase: 'confirm'; readonly intent: PaymentIntent }
  | { readonly phase: 'receipt'; readonly intent: PaymentIntent }
  | { readonly phase: 'family-receipt'; readonly payment: FamilyCardPayment };

/** How the payer funds a code payment: one of their channels, or a family card they hold. */
type Funding = { readonly channel: PaymentChannel } | { readonly card: FamilyCard };

export function CollectPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const [step, setStep] = useState<Step>({ phase: 'main' });
  if (step.phase === 'confirm') {
    return (
      <ConfirmStep
        key={step.intent.id}
        intent={step.intent}
        onPaid={(intent) => setStep({ phase: 'receipt', intent })}
        onBack={() => setStep({ phase: 'main', cancelled: step.intent })}
      />
    );
  }
  if (step.phase === 'receipt') {
    return <Receipt intent={step.intent} onAnother={() => setStep({ phase: 'main' })} />;
  }
  if (step.phase === 'family-receipt') {
    return <FamilyCardReceipt payment={step.payment} onAnother={() => setStep({ phase: 'main' })} />;
  }
  return (
    <>
      <PaymentCancelledNotice intent={step.cancelled ?? null} />
      <MyCode focusHeading={focusHeading} />
      <PayByCode
        onIntent={(intent) => setStep({ phase: 'confirm', intent })}
        onFamilyCardPaid={(payment) => setStep({ phase: 'family-receipt', payment })}
      />
      <p>
        <Link to={ROUTES.wallet}>{t('transfer.backToWallet')}</Link>
      </p>
    </>
  );
}

function MyCode({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [code, setCode] = useState<CollectCode | null>(null);
  const [copied, setCopied] = useState(false);
  const load = useAction();
  const copy = useAction();

  useEffect(() => {
    void load.run(async () => setCode(await fetchCollectCode()));
  }, [load.run]);

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('collect.title')}
      </h1>
      <p className="lead">{t('collect.lead')}</p>
      <ErrorRegion title={t('collect.loadFailed')} error={load.error} />
      {code === null && load.busy && <p className="loading">{t('app.loading')}</p>}
      {code !== null && (
        <>
          <img
            className="qr-image"
            src={svgDataUrl(code.svg)}
            alt={t('collect.qrAlt')}
            width={240}
            height={240}
          />
          <p className="hint">{t('collect.expires', { time: new Date(code.expiresAt).toLocaleString() })}</p>
          <label htmlFor={`${ids}-code`}>{t('collect.codeText')}</label>
          <textarea id={`${ids}-code`} readOnly value={code.code} rows={3} className="code-text" />
          <button
            type="button"
            className="button"
            aria-busy={copy.busy}
            onClick={() =>
              void copy.run(async () => {
                setCopied(false);
                await navigator.clipboard.writeText(code.code);
                setCopied(true);
              })
            }
          >
            {t('collect.copy')}
          </button>
          <ErrorRegion title={t('collect.copyFailed')} error={copy.error} />
          <div role="status" className="live-region">
            {copied && <p className="hint">{t('collect.copied')}</p>}
          </div>
        </>
      )}
    </section>
  );
}

function PayByCode({
  onIntent,
  onFamilyCardPaid,
}: {
  readonly onIntent: (intent: PaymentIntent) => void;
  readonly onFamilyCardPaid: (payment: FamilyCardPayment) => void;
}) {
  const { t, locale } = useI18n();
  const ids = useId();
  const [code, setCode] = useState('');
  const [resolved, setResolved] = useState<ResolvedCode | null>(null);
  const [amount, setAmount] = useState('');
  const [amountProblem, setAmountProblem] = useState(false);
  const [funding, setFunding] = useState<Funding>({ channel: 'balance' });
  const [familyCards, setFamilyCards] = useState<readonly FamilyCard[]>([]);
  const [paymentPassword, setPaymentPassword] = useState('');
  // One id per family-card payment attempt: a retry after a lost answer is the same payment.
  const [familyRequestId, setFamilyRequestId] = useState(newClientRequestId);
  const resolve = useAction();
  const pay = useAction();
  const withStepUp = useStepUp();

  async function onResolve(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setResolved(null);
    setFunding({ channel: 'balance' });
    await resolve.run(async () => {
      const found = await resolveCode(code.trim());
      // Only a merchant's own code can be paid with a family card. Without the list (it failed
      // to load) the payer still pays from their own channels, so a failure here is not shown.
      setFamilyCards(found.codeKind === 'merchant' ? await fetchUsableFamilyCards().catch(() => []) : []);
      setResolved(found);
    });
  }

  async function onPay(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (resolved === null) return;
    let money = resolved.amount;
    if (money === null) {
      const amountMinor = parseMajorToMinor(amount, currencyExponent(CURRENCY));
      if (amountMinor === null || amountMinor <= 0n) {
        setAmountProblem(true);
        return;
      }
      money = { amountMinor: amountMinor.toString(), currency: CURRENCY };
    }
    const chosen = money;
    if ('card' in funding) {
      const { card } = funding;
      const merchantId = resolved.merchantId;
      if (merchantId === null) return;
      await pay.run(async () => {
        // A risk challenge: a second factor, then the same request (same clientRequestId) once more.
        const payment = await withStepUp(
          () =>
            payWithFamilyCard(card.id, {
              merchantId,
              amount: chosen,
              paymentPassword,
              clientRequestId: familyRequestId,
            }),
          { riskSubject: 'family_card_payment' },
        );
        setPaymentPassword('');
        setFamilyRequestId(newClientRequestId());
        onFamilyCardPaid(payment);
      });
      return;
    }
    const { channel } = funding;
    await pay.run(async () => {
      onIntent(
        await payByCode({
          code: code.trim(),
          amount: chosen,
          channel,
          clientRequestId: newClientRequestId(),
        }),
      );
    });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{t('collect.payTitle')}</h2>
      <form className="form" onSubmit={onResolve} aria-busy={resolve.busy} noValidate>
        <Field
          label={t('collect.pasteCode')}
          hint={t('collect.pasteCodeHint')}
          type="text"
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={CODE_INPUT_MAX}
          value={code}
          onChange={(event) => {
            setCode(event.target.value);
            setResolved(null);
          }}
        />
        <ErrorRegion title={t('collect.resolveFailed')} error={resolve.error} />
        <button type="submit" className="button" aria-busy={resolve.busy}>
          {resolve.busy ? t('transfer.checking') : t('collect.check')}
        </button>
      </form>
      {resolved !== null && (
        <form className="form" onSubmit={onPay} aria-busy={pay.busy} noValidate>
          <p className="payee-statement" data-testid="qr-payee">
            {t(resolved.merchant ? 'collect.payeeMerchant' : 'collect.payeePerson', {
              name: resolved.payeeName,
            })}
          </p>
          {resolved.merchant && (
            <ul className="merchant-flags" data-testid="merchant-flags">
              <li className={resolved.verified ? 'notice notice-success' : 'notice notice-warning'}>
                {t(resolved.verified ? 'merchant.verified' : 'merchant.unverified')}
              </li>
              {resolved.isNew && <li className="notice notice-warning">{t('merchant.new')}</li>}
            </ul>
          )}
          {resolved.amount !== null ? (
            <p>{t('collect.fixedAmount', { amount: formatMoney(resolved.amount, { locale }) })}</p>
          ) : (
            <Field
              label={t('transfer.amount')}
              hint={t('transfer.amountHint')}
              type="text"
              inputMode="decimal"
              autoComplete="off"
              required
              maxLength={20}
              value={amount}
              onChange={(event) => {
                setAmount(event.target.value);
                setAmountProblem(false);
                setFamilyRequestId(newClientRequestId());
              }}
              problem={amountProblem ? t('transfer.amountInvalid') : undefined}
            />
          )}
          <ChannelChoice
            value={'channel' in funding ? funding.channel : null}
            onChange={(channel) => setFunding({ channel })}
            more={(name) =>
              familyCards.map((card) => (
                <label key={card.id} className="choice">
                  <input
                    type="radio"
                    name={name}
                    value={card.id}
                    checked={'card' in funding && funding.card.id === card.id}
                    onChange={() => {
                      setFunding({ card });
                      setFamilyRequestId(newClientRequestId());
                    }}
                  />
                  <span>
                    {t('collect.familyCard', {
                      name: card.counterpartName,
                      phone: card.counterpartPhone,
                      left: formatMoney(familyCardLeft(card), { locale }),
                    })}
                  </span>
                </label>
              ))
            }
          />
          {'card' in funding && (
            <PaymentPasswordField
              label={t('familyCard.password')}
              hint={t('collect.familyCardHint')}
              value={paymentPassword}
              onValue={setPaymentPassword}
            />
          )}
          <PaymentErrorRegion title={t('transfer.failed')} error={pay.error} />
          <button type="submit" className="button button-primary button-block" aria-busy={pay.busy}>
            {pay.busy ? t('transfer.checking') : 'card' in funding ? t('familyCard.pay') : t('transfer.next')}
          </button>
        </form>
      )}
    </section>
  );
}

/** A family-card payment is done in one call (no intent to confirm): what was paid, to whom, or
 *  that it is held for the risk team's review. */
function FamilyCardReceipt({
  payment,
  onAnother,
}: {
  readonly payment: FamilyCardPayment;
  readonly onAnother: () => void;
}) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  const shown = { amount: formatMoney(payment.amount, { locale }), merchant: payment.merchantName };
  const held = payment.status === 'in_review' && payment.reviewDeadlineAt !== null;
  return (
    <ReceiptCard
      onAnother={onAnother}
      status={
        <p className={held ? 'notice notice-warning' : 'notice notice-success'}>
          {held && payment.reviewDeadlineAt
            ? t('familyCard.held', { ...shown, until: dateFormat.format(payment.reviewDeadlineAt) })
            : t('familyCard.paid', shown)}
        </p>
      }
    />
  );
}
