/**
 * Transfer to another Rampart user by phone (docs/payments.md): the form creates a payment intent
 * (no money moves), the confirmation screen shows whom the money goes to — the payee's masked
 * name, as Alipay does, so a wrong number is caught before paying — and what confirmation the
 * server asks for, then the receipt. Amounts are typed in yuan and converted to minor units with
 * bigint arithmetic only (money.ts).
 */
import { type FormEvent, type ReactNode, useId, useState } from 'react';
import { ApiError } from './api.ts';
import type { PaymentChannel, PaymentIntent } from './api-payments.ts';
import {
  cancelPaymentIntent,
  confirmPaymentIntent,
  createPaymentIntent,
  fetchPaymentIntent,
  newClientRequestId,
  paymentPasskeyOptions,
  wireMoney,
} from './api-payments.ts';
import { sendPaymentSmsCode } from './api-risk.ts';
import { CodeField, ErrorRegion, Field, PaymentPasswordField, StatusRegion, useAction } from './forms.tsx';
import { UNREAD_CHANGED_EVENT } from './header-controls.tsx';
import { useI18n } from './i18n.ts';
import { currencyExponent, formatMoney, parseMajorToMinor } from './money.ts';
import { signWithPasskey } from './passkey.ts';
import { Link, ROUTES } from './router.tsx';
import { useStepUp } from './step-up-dialog.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

/** Payments are CNY only for now (docs/payments.md, "Decisions"). */
const CURRENCY = 'CNY';
/** The server's NOTE_LENGTH_MAX: a transfer slip's remark. */
const NOTE_LENGTH_MAX = 100;

type Step =
  /** `cancelled`: the intent whose confirmation the payer just cancelled (nothing was paid). */
  | { readonly phase: 'form'; readonly cancelled?: PaymentIntent }
  | { readonly phase: 'confirm'; readonly intent: PaymentIntent }
  | { readonly phase: 'receipt'; readonly intent: PaymentIntent };

export function TransferPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const [step, setStep] = useState<Step>({ phase: 'form' });
  const [moved, setMoved] = useState(false);
  const go = (next: Step) => {
    setMoved(true);
    setStep(next);
  };
  if (step.phase === 'confirm') {
    return (
      <ConfirmStep
        key={step.intent.id}
        intent={step.intent}
        onPaid={(intent) => go({ phase: 'receipt', intent })}
        onBack={() => go({ phase: 'form', cancelled: step.intent })}
      />
    );
  }
  if (step.phase === 'receipt') {
    return <Receipt intent={step.intent} onAnother={() => go({ phase: 'form' })} />;
  }
  return (
    <TransferForm
      focusHeading={focusHeading || moved}
      cancelled={step.cancelled ?? null}
      onIntent={(intent) => go({ phase: 'confirm', intent })}
    />
  );
}

function TransferForm({
  focusHeading,
  cancelled,
  onIntent,
}: {
  readonly focusHeading: boolean;
  readonly cancelled: PaymentIntent | null;
  readonly onIntent: (intent: PaymentIntent) => void;
}) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [phone, setPhone] = useState('');
  const [amount, setAmount] = useState('');
  const [note, setNote] = useState('');
  const [channel, setChannel] = useState<PaymentChannel>('balance');
  const [amountProblem, setAmountProblem] = useState(false);
  // Said until the payer starts another payment, whose own outcome then speaks.
  const [showCancelled, setShowCancelled] = useState(true);
  const create = useAction();

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setShowCancelled(false);
    const amountMinor = parseMajorToMinor(amount, currencyExponent(CURRENCY));
    if (amountMinor === null || amountMinor <= 0n) {
      setAmountProblem(true);
      return;
    }
    await create.run(async () => {
      const intent = await createPaymentIntent({
        phone: phone.trim(),
        amount: { amountMinor: amountMinor.toString(), currency: CURRENCY },
        note: note.trim(),
        channel,
        // A new key per press: the form is a new payment each time; a retry of the confirm
        // call reuses the intent, which is what makes it safe.
        clientRequestId: newClientRequestId(),
      });
      onIntent(intent);
    });
  }

  return (
    <section className="card transfer">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('transfer.title')}
      </h1>
      <p className="lead">{t('transfer.lead')}</p>
      <PaymentCancelledNotice intent={showCancelled ? cancelled : null} />
      <form className="form" onSubmit={onSubmit} aria-busy={create.busy} noValidate>
        <Field
          label={t('transfer.phone')}
          hint={t('transfer.phoneHint')}
          type="tel"
          autoComplete="off"
          required
          maxLength={32}
          value={phone}
          onChange={(event) => setPhone(event.target.value)}
          problem={payeeProblem(create.error)}
        />
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
        <Field
          label={t('transfer.note')}
          hint={t('transfer.noteHint', { max: NOTE_LENGTH_MAX })}
          type="text"
          autoComplete="off"
          maxLength={NOTE_LENGTH_MAX}
          value={note}
          onChange={(event) => setNote(event.target.value)}
        />
        <ChannelChoice value={channel} onChange={setChannel} />
        <PaymentErrorRegion title={t('transfer.failed')} error={create.error} />
        <button type="submit" className="button button-primary button-block" aria-busy={create.busy}>
          {create.busy ? t('transfer.checking') : t('transfer.next')}
        </button>
      </form>
      <p>
        <Link to={ROUTES.wallet}>{t('transfer.backToWallet')}</Link>
      </p>
    </section>
  );
}

/** Where the money comes from: the balance or the credit line (docs/credit.md). */
export function ChannelChoice({
  value,
  onChange,
  more,
}: {
  /** null while one of the `more` choices is picked. */
  readonly value: PaymentChannel | null;
  readonly onChange: (channel: PaymentChannel) => void;
  /** Further radios of the same group (the QR page's family cards), given the group's name. */
  readonly more?: (name: string) => ReactNode;
}) {
  const { t } = useI18n();
  const name = useId();
  return (
    <fieldset className="choices">
      <legend>{t('transfer.channel')}</legend>
      {(['balance', 'credit_line'] as const).map((channel) => (
        <label key={channel} className="choice">
          <input
            type="radio"
            name={name}
            value={channel}
            checked={value === channel}
            onChange={() => onChange(channel)}
          />
          <span>{t(`transfer.channel.${channel}`)}</span>
        </label>
      ))}
      {more?.(name)}
    </fieldset>
  );
}

function payeeProblem(error: unknown): string | undefined {
  if (!(error instanceof ApiError)) return undefined;
  const codes = ['payee_not_found', 'cannot_pay_self', 'invalid_phone'];
  return codes.includes(error.code) ? `${error.message} (${error.code})` : undefined;
}

export function ConfirmStep({
  intent,
  onPaid,
  onBack,
}: {
  readonly intent: PaymentIntent;
  readonly onPaid: (intent: PaymentIntent) => void;
  /** After the intent was cancelled on the server: nothing was paid. */
  readonly onBack: () => void;
}) {
  const { t, locale } = useI18n();
  const ids = useId();
  // With a warning, focus goes to the warning's heading instead (it is what to read first).
  const headingRef = useFocusOnMount<HTMLHeadingElement>(!intent.fraudWarning);
  const [paymentPassword, setPaymentPassword] = useState('');
  const [smsCode, setSmsCode] = useState('');
  const [codeSent, setCodeSent] = useState(false);
  const sendCode = useAction();
  const pay = useAction();
  const cancel = useAction();
  const withStepUp = useStepUp();
  // Issue 5: the risk engine challenged this payment; password plus an SMS code or a passkey.
  const extraCheck = intent.confirmation === 'payment_password_and_second_factor';
  const payeeName = intent.payee.kind === 'user' ? intent.payee.maskedName : intent.payee.name;
  // Issue 9: a first payment to this payee waits behind the anti-fraud warning until the payer
  // ticks the box and presses the separate "continue" button; the confirm call then says so.
  const [warningRead, setWarningRead] = useState(!intent.fraudWarning);
  const acknowledged = { warningAcknowledged: intent.fraudWarning && warningRead };

  async function confirmWith(work: () => Promise<PaymentIntent>) {
    await pay.run(async () => {
      onPaid(await work());
      // The receipt is in the notification centre now: the header badge re-reads its count.
      window.dispatchEvent(new Event(UNREAD_CHANGED_EVENT));
    });
  }

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!warningRead) return;
    // The security lock may ask for a second factor first: the step-up dialog, then once more.
    if (intent.confirmation === 'none')
      void confirmWith(() => withStepUp(() => confirmPaymentIntent(intent.id, {}, acknowledged)));
    else if (extraCheck)
      void confirmWith(() =>
        withStepUp(() => confirmPaymentIntent(intent.id, { paymentPassword, smsCode }, acknowledged)),
      );
    else
      void confirmWith(() =>
        withStepUp(() => confirmPaymentIntent(intent.id, { paymentPassword }, acknowledged)),
      );
  }

  /**
   * Cancel (here or in the anti-fraud warning) cancels the intent on the server first, so it can
   * never be confirmed later; only then does the page say the payment was not made. If it can no
   * longer be cancelled, a confirmation (another tab, a press just before) got there first: the
   * receipt says what happened instead, unless it merely ran out of time (nothing was paid).
   */
  function onCancel() {
    void cancel.run(async () => {
      try {
        await cancelPaymentIntent(intent.id);
      } catch (error) {
        if (!(error instanceof ApiError && error.code === 'intent_not_cancellable')) throw error;
        const current = await fetchPaymentIntent(intent.id);
        if (current.status !== 'expired') {
          onPaid(current);
          return;
        }
      }
      onBack();
    });
  }

  function onSendCode() {
    void sendCode.run(async () => {
      await sendPaymentSmsCode(intent.id);
      setCodeSent(true);
    });
  }

  function onPasskey() {
    void confirmWith(async () => {
      const { ceremonyId, options } = await paymentPasskeyOptions(intent.id);
      const response = await signWithPasskey(options);
      return confirmPaymentIntent(
        intent.id,
        extraCheck
          ? { paymentPassword, passkey: { ceremonyId, response } }
          : { passkey: { ceremonyId, response } },
        acknowledged,
      );
    });
  }

  const attemptsLeft =
    pay.error instanceof ApiError &&
    pay.error.code === 'wrong_payment_password' &&
    typeof pay.error.details?.attemptsLeft === 'number'
      ? pay.error.details.attemptsLeft
      : null;
  // A wrong or expired SMS code is said at the field it belongs to, not only in the alert below.
  const smsCodeWrong = extraCheck && pay.error instanceof ApiError && pay.error.code === 'invalid_code';

  return (
    <section className="card transfer" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('transfer.confirmTitle')}
      </h1>
      <p className="payee-statement" data-testid="payee-statement">
        {t('transfer.payingTo', { name: payeeName })}
      </p>
      <dl className="facts">
        {intent.payee.kind === 'user' && (
          <div className="fact-wide">
            <dt>{t('transfer.payeePhone')}</dt>
            <dd>{intent.payee.maskedPhone}</dd>
          </div>
        )}
        <div className="fact-wide">
          <dt>{t('transfer.amount')}</dt>
          <dd className="transfer-amount">{formatMoney(intent.amount, { locale })}</dd>
        </div>
        {intent.note !== null && (
          <div className="fact-wide">
            <dt>{t('transfer.note')}</dt>
            <dd>{intent.note}</dd>
          </div>
        )}
        <div className="fact-wide">
          <dt>{t('transfer.allowanceLeft')}</dt>
          <dd>{formatMoney(intent.allowanceLeftToday, { locale })}</dd>
        </div>
        <div className="fact-wide">
          <dt>{t('transfer.confirmationNeeded')}</dt>
          <dd>{t(`transfer.confirmation.${intent.confirmation}`)}</dd>
        </div>
      </dl>
      <p className="hint">{t('transfer.checkName')}</p>
      {intent.fraudWarning && !warningRead && (
        <FraudWarning
          payeeName={payeeName}
          onContinue={() => setWarningRead(true)}
          onCancel={onCancel}
          cancelling={cancel.busy}
        />
      )}
      {intent.fraudWarning && warningRead && (
        <p className="notice notice-warning" role="status">
          {t('fraud.acknowledged')}
        </p>
      )}
      {warningRead && (
        <form className="form" onSubmit={onSubmit} aria-busy={pay.busy}>
          {extraCheck && <p className="notice">{t('transfer.extraCheck')}</p>}
          {intent.confirmation !== 'none' && (
            <PaymentPasswordField
              label={t('transfer.paymentPassword')}
              value={paymentPassword}
              onValue={setPaymentPassword}
              problem={attemptsLeft !== null ? t('stepUp.attemptsLeft', { count: attemptsLeft }) : undefined}
            />
          )}
          {extraCheck && (
            <>
              <CodeField
                label={t('transfer.smsCode')}
                value={smsCode}
                onValue={setSmsCode}
                problem={smsCodeWrong ? t('transfer.smsCodeWrong') : undefined}
              />
              <button type="button" className="button" onClick={onSendCode} aria-busy={sendCode.busy}>
                {t('transfer.sendSmsCode')}
              </button>
              <StatusRegion message={codeSent ? t('transfer.smsCodeSent') : null} />
              <ErrorRegion title={t('transfer.sendSmsCode')} error={sendCode.error} />
            </>
          )}
          <PaymentErrorRegion title={t('transfer.payFailed')} error={pay.error} />
          <div className="actions">
            <button type="submit" className="button button-primary" aria-busy={pay.busy}>
              {pay.busy
                ? t('transfer.paying')
                : t('transfer.pay', { amount: formatMoney(intent.amount, { locale }) })}
            </button>
            {intent.confirmation === 'passkey_or_payment_password' && (
              <button type="button" className="button" onClick={onPasskey} aria-busy={pay.busy}>
                {t('transfer.payWithPasskey')}
              </button>
            )}
            {extraCheck && (
              <button type="button" className="button" onClick={onPasskey} aria-busy={pay.busy}>
                {t('transfer.payWithPasswordAndPasskey')}
              </button>
            )}
            <button type="button" className="button" onClick={onCancel} aria-busy={cancel.busy}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      <ErrorRegion title={t('transfer.cancelFailed')} error={cancel.error} />
    </section>
  );
}

/**
 * What the page a cancelled confirmation returns to says first: Cancel (in the confirm step or
 * the anti-fraud warning) cancelled the intent on the server, so nothing was paid, but the form alone
 * does not say so, and a payer who was asked for an extra check is the one most likely to wonder
 * whether the money went. An alert because it is mounted with its text (WAI-ARIA 1.2).
 */
export function PaymentCancelledNotice({ intent }: { readonly intent: PaymentIntent | null }) {
  const { t, locale } = useI18n();
  if (intent === null) return null;
  const vars = {
    amount: formatMoney(intent.amount, { locale }),
    name: intent.payee.kind === 'user' ? intent.payee.maskedName : intent.payee.name,
  };
  return (
    <div className="notice notice-warning" role="alert" data-testid="payment-cancelled">
      <p className="notice-title">{t('transfer.payFailed')}</p>
      <p>
        {intent.confirmation === 'payment_password_and_second_factor'
          ? t('transfer.cancelledExtraCheck', vars)
          : t('transfer.cancelled', vars)}
      </p>
    </div>
  );
}

/** The anti-fraud warning: names the common scams; going on takes a tick and a separate press. */
function FraudWarning({
  payeeName,
  onContinue,
  onCancel,
  cancelling,
}: {
  readonly payeeName: string;
  readonly onContinue: () => void;
  readonly onCancel: () => void;
  readonly cancelling: boolean;
}) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const [ticked, setTicked] = useState(false);
  const [nudge, setNudge] = useState(false);
  return (
    <section className="fraud-warning" aria-labelledby={`${ids}-fraud`} data-testid="fraud-warning">
      <h2 id={`${ids}-fraud`} ref={headingRef} tabIndex={-1}>
        {t('fraud.title')}
      </h2>
      <p>{t('fraud.lead', { name: payeeName })}</p>
      <p className="fraud-list-title">{t('fraud.scamsTitle')}</p>
      <ul className="fraud-list">
        <li>{t('fraud.scam.customerService')}</li>
        <li>{t('fraud.scam.refund')}</li>
        <li>{t('fraud.scam.safeAccount')}</li>
        <li>{t('fraud.scam.job')}</li>
      </ul>
      <p>{t('fraud.advice')}</p>
      <label className="checkbox fraud-ack">
        <input
          type="checkbox"
          checked={ticked}
          aria-describedby={nudge ? `${ids}-nudge` : undefined}
          onChange={(event) => {
            setTicked(event.target.checked);
            setNudge(false);
          }}
        />
        <span>{t('fraud.acknowledge')}</span>
      </label>
      <p id={`${ids}-nudge`} role="alert" className="field-problem">
        {nudge ? t('fraud.mustTick') : ''}
      </p>
      <div className="actions">
        <button type="button" className="button button-primary" onClick={onCancel} aria-busy={cancelling}>
          {t('common.cancel')}
        </button>
        <button
          type="button"
          className="button"
          onClick={() => {
            if (ticked) onContinue();
            else setNudge(true);
          }}
        >
          {t('fraud.continue')}
        </button>
      </div>
    </section>
  );
}

export function Receipt({
  intent,
  onAnother,
}: {
  readonly intent: PaymentIntent;
  readonly onAnother: () => void;
}) {
  const { t, locale } = useI18n();
  const payeeName = intent.payee.kind === 'user' ? intent.payee.maskedName : intent.payee.name;
  return (
    <ReceiptCard
      onAnother={onAnother}
      status={
        intent.status === 'in_review' ? (
          <div className="notice" data-testid="held-for-review">
            <p>
              <strong>{t('transfer.heldTitle')}</strong>
            </p>
            <p>{t('transfer.held', { amount: formatMoney(intent.amount, { locale }), name: payeeName })}</p>
            <Link to={`${ROUTES.report}?transfer=${encodeURIComponent(intent.id)}`}>
              {t('transfer.reportIt')}
            </Link>
          </div>
        ) : (
          <p className="notice notice-success">
            {t('transfer.paid', { amount: formatMoney(intent.amount, { locale }), name: payeeName })}
          </p>
        )
      }
    >
      <dl className="facts">
        <div className="fact-wide">
          <dt>{t('transfer.payee')}</dt>
          <dd>{payeeName}</dd>
        </div>
        <div className="fact-wide">
          <dt>{t('transfer.amount')}</dt>
          <dd className="transfer-amount">{formatMoney(intent.amount, { locale })}</dd>
        </div>
        <div className="fact-wide">
          <dt>{t('transfer.reference')}</dt>
          <dd>{intent.transferId ?? intent.id}</dd>
        </div>
        <div className="fact-wide">
          <dt>{t('transfer.allowanceLeft')}</dt>
          <dd>{formatMoney(intent.allowanceLeftToday, { locale })}</dd>
        </div>
      </dl>
    </ReceiptCard>
  );
}

/**
 * The frame of every receipt: the heading (focused, the page changed), what happened in a live
 * region, the details (children), then pay again or back to the wallet.
 */
export function ReceiptCard({
  status,
  onAnother,
  children,
}: {
  readonly status: ReactNode;
  readonly onAnother: () => void;
  readonly children?: ReactNode;
}) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  return (
    <section className="card transfer receipt">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('transfer.receiptTitle')}
      </h1>
      <div role="status" className="live-region">
        {status}
      </div>
      {children}
      <div className="actions">
        <button type="button" className="button button-primary" onClick={onAnother}>
          {t('transfer.another')}
        </button>
        <Link className="button" to={ROUTES.wallet}>
          {t('transfer.backToWallet')}
        </Link>
      </div>
    </section>
  );
}

/** The server's message and code, plus what the payer can do about the common refusals. */
export function PaymentErrorRegion({ title, error }: { readonly title: string; readonly error: unknown }) {
  const { t, locale } = useI18n();
  let extra: string | null = null;
  let unlockLink = false;
  if (error instanceof ApiError && error.kind === 'server') {
    const details = error.details;
    if (error.code === 'limit_exceeded' && details) {
      try {
        const left = wireMoney(details.allowanceLeftToday, 'details.allowanceLeftToday');
        const key = details.exceeded === 'per_payment' ? 'transfer.limitPerPayment' : 'transfer.limitPerDay';
        extra = `${t(key)} ${t('transfer.allowanceLeftIs', { amount: formatMoney(left, { locale }) })}`;
      } catch {
        extra = null;
      }
    } else if (error.code === 'payment_locked') {
      extra = t('transfer.lockedHint');
      // A first lock may be lifted now, with the identity check, in the Security Center.
      unlockLink = error.details?.liftableEarly === true;
    } else if (error.code === 'insufficient_funds') extra = t('transfer.insufficientHint');
    else if (error.code === 'account_frozen') extra = t('transfer.frozenHint');
    else if (error.code === 'credit_bill_overdue') extra = t('transfer.creditOverdueHint');
    else if (error.code === 'exceeds_credit_limit') extra = t('transfer.creditLimitHint');
    else if (error.code === 'payee_cooling_off' && typeof details?.payableAt === 'string') {
      extra = t('transfer.coolingOffHint', {
        at: new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(
          new Date(details.payableAt),
        ),
      });
    }
  }
  return (
    <>
      <ErrorRegion title={title} error={error} />
      <div role="status" className="live-region">
        {extra !== null && error !== null && <p className="hint payment-error-extra">{extra}</p>}
        {unlockLink && error !== null && (
          <p className="hint">
            <Link to={`${ROUTES.security}#payment-password`}>{t('transfer.lockedLink')}</Link>
          </p>
        )}
      </div>
    </>
  );
}
