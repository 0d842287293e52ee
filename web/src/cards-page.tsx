/**
 * Cards & top-up (docs/funding.md): link a bank card (the number is sent once and only its masked
 * form is shown afterwards), remove it, top the wallet up from it or withdraw to it. The bank
 * answers later, so the page polls the operation every second, up to 30 times, and shows pending →
 * succeeded or failed. A withdrawal the security lock or the risk engine challenges
 * (second_factor_required, risk_second_factor_required) goes through the step-up dialog and is
 * sent once more with the same clientRequestId, so it can never start twice (docs/risk.md).
 */
import { type FormEvent, useCallback, useEffect, useId, useRef, useState } from 'react';
import {
  type Card,
  type FundingOperation,
  fetchCards,
  fetchFundingOperation,
  linkCard,
  removeCard,
  startTopUp,
  startWithdrawal,
} from './api-funding.ts';
import { newClientRequestId } from './api-payments.ts';
import { ErrorRegion, Field, PaymentPasswordField, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { currencyExponent, formatMoney, parseMajorToMinor } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { useStepUp } from './step-up-dialog.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const CURRENCY = 'CNY';
const POLL_INTERVAL_MS = 1000;
const POLL_ATTEMPTS_MAX = 30;
/** ISO/IEC 7812 numbers are 12–19 digits; room for spaces between groups. */
const CARD_NUMBER_INPUT_MAX = 23;

type Kind = 'top_up' | 'withdrawal';

export function CardsPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [cards, setCards] = useState<readonly Card[] | null>(null);
  const load = useAction();

  const reload = useCallback(async () => {
    await load.run(async () => setCards(await fetchCards()));
  }, [load.run]);

  useEffect(() => {
    void reload();
  }, [reload]);

  return (
    <>
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
          {t('cards.title')}
        </h1>
        <p className="lead">{t('cards.lead')}</p>
        <ErrorRegion title={t('cards.loadFailed')} error={load.error} />
        {cards === null && load.busy && <p className="loading">{t('app.loading')}</p>}
        {cards !== null && cards.length === 0 && <p>{t('cards.none')}</p>}
        {cards !== null && cards.length > 0 && (
          <ul className="card-list">
            {cards.map((card) => (
              <CardRow key={card.id} card={card} onRemoved={reload} />
            ))}
          </ul>
        )}
        <LinkCardForm onLinked={reload} />
      </section>
      {cards !== null && cards.length > 0 && <FundingForm cards={cards} />}
      <p>
        <Link to={ROUTES.wallet}>{t('transfer.backToWallet')}</Link>
      </p>
    </>
  );
}

function CardRow({ card, onRemoved }: { readonly card: Card; readonly onRemoved: () => Promise<void> }) {
  const { t } = useI18n();
  const remove = useAction();
  const label = `${card.brand} ${card.masked}`.trim();
  return (
    <li data-testid="linked-card">
      <span>
        {label}
        {card.bank !== null && ` · ${card.bank}`}
      </span>{' '}
      <button
        type="button"
        className="button button-quiet"
        aria-busy={remove.busy}
        aria-label={t('cards.removeNamed', { card: label })}
        onClick={() =>
          void remove.run(async () => {
            await removeCard(card.id);
            await onRemoved();
          })
        }
      >
        {t('common.remove')}
      </button>
      <ErrorRegion title={t('cards.removeFailed')} error={remove.error} />
    </li>
  );
}

function LinkCardForm({ onLinked }: { readonly onLinked: () => Promise<void> }) {
  const { t } = useI18n();
  const [cardNumber, setCardNumber] = useState('');
  const [linked, setLinked] = useState<string | null>(null);
  const link = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setLinked(null);
    const ok = await link.run(async () => {
      const card = await linkCard(cardNumber);
      // The number is not kept in the page once the server has it.
      setCardNumber('');
      setLinked(card.masked);
      await onLinked();
    });
    if (!ok) setLinked(null);
  }

  return (
    <form className="form" onSubmit={onSubmit} aria-busy={link.busy} noValidate>
      <h2>{t('cards.linkTitle')}</h2>
      <Field
        label={t('cards.number')}
        hint={t('cards.numberHint')}
        type="text"
        inputMode="numeric"
        autoComplete="cc-number"
        required
        maxLength={CARD_NUMBER_INPUT_MAX}
        value={cardNumber}
        onChange={(event) => setCardNumber(event.target.value.replace(/[^0-9 -]/g, ''))}
      />
      <ErrorRegion title={t('cards.linkFailed')} error={link.error} />
      <div role="status" className="live-region">
        {linked !== null && <p className="notice notice-success">{t('cards.linked', { card: linked })}</p>}
      </div>
      <button type="submit" className="button button-primary" aria-busy={link.busy}>
        {link.busy ? t('common.working') : t('cards.link')}
      </button>
    </form>
  );
}

function FundingForm({ cards }: { readonly cards: readonly Card[] }) {
  const { t, locale } = useI18n();
  const ids = useId();
  const [kind, setKind] = useState<Kind>('top_up');
  const [cardId, setCardId] = useState(cards[0]?.id ?? '');
  const [amount, setAmount] = useState('');
  const [amountProblem, setAmountProblem] = useState(false);
  const [paymentPassword, setPaymentPassword] = useState('');
  const [operation, setOperation] = useState<FundingOperation | null>(null);
  const [gaveUp, setGaveUp] = useState(false);
  const start = useAction();
  const withStepUp = useStepUp();
  const polling = useRef<AbortController | null>(null);

  // A removed card leaves the choice: fall back to the first live one.
  const selected = cards.some((card) => card.id === cardId) ? cardId : (cards[0]?.id ?? '');

  useEffect(() => () => polling.current?.abort(), []);

  async function poll(first: FundingOperation) {
    polling.current?.abort();
    const controller = new AbortController();
    polling.current = controller;
    let current = first;
    // A withdrawal held for review waits for an operator, not the bank: nothing to poll for.
    const waiting = (o: FundingOperation) => o.status === 'pending' && o.inReviewUntil === null;
    for (let attempt = 0; waiting(current) && attempt < POLL_ATTEMPTS_MAX; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, POLL_INTERVAL_MS));
      if (controller.signal.aborted) return;
      try {
        current = await fetchFundingOperation(current.id, controller.signal);
      } catch {
        // A missed poll is retried on the next tick; the operation settles on the server anyway.
        continue;
      }
      if (controller.signal.aborted) return;
      setOperation(current);
    }
    if (waiting(current)) setGaveUp(true);
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const amountMinor = parseMajorToMinor(amount, currencyExponent(CURRENCY));
    if (amountMinor === null || amountMinor <= 0n) {
      setAmountProblem(true);
      return;
    }
    const money = { amountMinor: amountMinor.toString(), currency: CURRENCY };
    // One id per press: a retry after the step-up is the same withdrawal, never a second one.
    const clientRequestId = newClientRequestId();
    let started: FundingOperation | null = null;
    await start.run(async () => {
      setOperation(null);
      setGaveUp(false);
      started =
        kind === 'top_up'
          ? await startTopUp({ cardId: selected, amount: money, clientRequestId })
          : await withStepUp(
              () => startWithdrawal({ cardId: selected, amount: money, paymentPassword, clientRequestId }),
              { riskSubject: 'withdrawal' },
            );
      setOperation(started);
      setPaymentPassword('');
    });
    if (started !== null) void poll(started);
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`}>{t('cards.fundingTitle')}</h2>
      <form className="form" onSubmit={onSubmit} aria-busy={start.busy} noValidate>
        <fieldset>
          <legend>{t('cards.kind')}</legend>
          <label>
            <input
              type="radio"
              name={`${ids}-kind`}
              checked={kind === 'top_up'}
              onChange={() => setKind('top_up')}
            />{' '}
            {t('cards.kind.top_up')}
          </label>{' '}
          <label>
            <input
              type="radio"
              name={`${ids}-kind`}
              checked={kind === 'withdrawal'}
              onChange={() => setKind('withdrawal')}
            />{' '}
            {t('cards.kind.withdrawal')}
          </label>
        </fieldset>
        <div className="field">
          <label htmlFor={`${ids}-card`}>{t('cards.card')}</label>
          <select id={`${ids}-card`} value={selected} onChange={(event) => setCardId(event.target.value)}>
            {cards.map((card) => (
              <option key={card.id} value={card.id}>
                {`${card.brand} ${card.masked}`.trim()}
              </option>
            ))}
          </select>
        </div>
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
          }}
          problem={amountProblem ? t('transfer.amountInvalid') : undefined}
        />
        {kind === 'withdrawal' && (
          <PaymentPasswordField
            label={t('transfer.paymentPassword')}
            value={paymentPassword}
            onValue={setPaymentPassword}
          />
        )}
        <ErrorRegion title={t('cards.fundingFailed')} error={start.error} />
        <button type="submit" className="button button-primary button-block" aria-busy={start.busy}>
          {start.busy ? t('common.working') : t(kind === 'top_up' ? 'cards.topUp' : 'cards.withdraw')}
        </button>
      </form>
      <div role="status" className="live-region" data-testid="funding-status">
        {operation !== null && (
          <p
            className={
              operation.status === 'succeeded'
                ? 'notice notice-success'
                : operation.status === 'failed'
                  ? 'notice notice-error'
                  : 'notice'
            }
          >
            {t(operation.kind === 'withdrawal' ? 'cards.kind.withdrawal' : 'cards.kind.top_up')}{' '}
            {formatMoney(operation.amount, { locale })} · {operation.cardMasked}:{' '}
            {operation.status === 'succeeded'
              ? t('cards.status.succeeded')
              : operation.status === 'failed'
                ? t('cards.status.failed', { reason: operation.failureReason ?? '' })
                : operation.status === 'pending' && operation.inReviewUntil !== null
                  ? t('cards.status.inReview', {
                      until: new Date(operation.inReviewUntil).toLocaleString(locale),
                    })
                  : operation.status === 'pending'
                    ? t('cards.status.pending')
                    : operation.status}
          </p>
        )}
        {gaveUp && <p className="hint">{t('cards.stillPending')}</p>}
      </div>
    </section>
  );
}
