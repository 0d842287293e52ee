/**
 * Pay code (docs/gateway.md): the user's one-time payment barcode for a cashier to scan
 * (alipay.trade.pay), refreshed before it expires, and any barcode payment that waits for the
 * user's confirmation — confirmed through the same step as a transfer (payment password or
 * passkey, same limits and risk checks).
 */
import { useCallback, useEffect, useId, useState } from 'react';
import {
  fetchIntent,
  fetchPayCode,
  fetchPendingPayments,
  type PayCode,
  type PendingPayment,
} from './api-gateway.ts';
import type { PaymentIntent } from './api-payments.ts';
import { ErrorRegion, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { formatMoney } from './money.ts';
import { Link, ROUTES } from './router.tsx';
import { ConfirmStep, PaymentCancelledNotice, Receipt } from './transfer-page.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

/** How often the page asks whether a merchant scanned the code and waits for confirmation. */
const PENDING_POLL_MS = 2_000;
/** A new code a little before the old one expires (the server's lifetime is 60 s). */
const REFRESH_MARGIN_MS = 5_000;

type Step =
  /** `cancelled`: the intent whose confirmation the payer just cancelled (nothing was paid). */
  | { readonly phase: 'code'; readonly cancelled?: PaymentIntent }
  | { readonly phase: 'confirm'; readonly intent: PaymentIntent }
  | { readonly phase: 'receipt'; readonly intent: PaymentIntent };

export function PayCodePage({ focusHeading }: { readonly focusHeading: boolean }) {
  const [step, setStep] = useState<Step>({ phase: 'code' });
  if (step.phase === 'confirm') {
    return (
      <ConfirmStep
        key={step.intent.id}
        intent={step.intent}
        onPaid={(intent) => setStep({ phase: 'receipt', intent })}
        onBack={() => setStep({ phase: 'code', cancelled: step.intent })}
      />
    );
  }
  if (step.phase === 'receipt')
    return <Receipt intent={step.intent} onAnother={() => setStep({ phase: 'code' })} />;
  return (
    <CodeView
      focusHeading={focusHeading}
      cancelled={step.cancelled ?? null}
      onConfirm={(intent) => setStep({ phase: 'confirm', intent })}
    />
  );
}

function CodeView({
  focusHeading,
  cancelled,
  onConfirm,
}: {
  readonly focusHeading: boolean;
  readonly cancelled: PaymentIntent | null;
  readonly onConfirm: (intent: PaymentIntent) => void;
}) {
  const { t, locale } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [code, setCode] = useState<PayCode | null>(null);
  const [nowMs, setNowMs] = useState(() => Date.now());
  const [pending, setPending] = useState<readonly PendingPayment[]>([]);
  const load = useAction();
  const open = useAction();

  const refresh = useCallback(() => {
    void load.run(async () => setCode(await fetchPayCode()));
  }, [load.run]);

  useEffect(refresh, [refresh]);
  useEffect(() => {
    const timer = setInterval(() => setNowMs(Date.now()), 1_000);
    return () => clearInterval(timer);
  }, []);
  useEffect(() => {
    if (code && nowMs >= code.expiresAt.getTime() - REFRESH_MARGIN_MS) refresh();
  }, [code, nowMs, refresh]);
  useEffect(() => {
    const controller = new AbortController();
    const poll = () => {
      fetchPendingPayments(controller.signal).then(setPending, () => undefined);
    };
    poll();
    const timer = setInterval(poll, PENDING_POLL_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, []);

  const secondsLeft = code ? Math.max(0, Math.ceil((code.expiresAt.getTime() - nowMs) / 1000)) : 0;
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('payCode.title')}
      </h1>
      <p className="lead">{t('payCode.lead')}</p>
      <PaymentCancelledNotice intent={cancelled} />
      <ErrorRegion title={t('payCode.loadFailed')} error={load.error} />
      {code && (
        <>
          <h2 className="visually-hidden" id={`${ids}-code`}>
            {t('payCode.codeLabel')}
          </h2>
          <output className="pay-code" aria-labelledby={`${ids}-code`} data-testid="pay-code">
            {code.code.replace(/(\d{4})(?=\d)/g, '$1 ')}
          </output>
          <p className="hint">{t('payCode.expiresIn', { seconds: secondsLeft })}</p>
        </>
      )}
      <button type="button" className="button button-quiet" onClick={refresh} aria-busy={load.busy}>
        {t('payCode.refresh')}
      </button>
      <div role="status" aria-live="polite">
        {pending.length > 0 && (
          <section aria-labelledby={`${ids}-pending`}>
            <h2 id={`${ids}-pending`}>{t('payCode.pendingTitle')}</h2>
            <ul>
              {pending.map((p) => (
                <li key={p.intentId}>
                  {t('payCode.pendingItem', {
                    merchant: p.merchantName,
                    subject: p.subject,
                    amount: formatMoney(p.amount, { locale }),
                  })}{' '}
                  <button
                    type="button"
                    className="button"
                    aria-busy={open.busy}
                    onClick={() => void open.run(async () => onConfirm(await fetchIntent(p.intentId)))}
                  >
                    {t('payCode.confirm')}
                  </button>
                </li>
              ))}
            </ul>
          </section>
        )}
      </div>
      <ErrorRegion title={t('payCode.loadFailed')} error={open.error} />
      <p>
        <Link to={ROUTES.wallet}>{t('transfer.backToWallet')}</Link>
      </p>
    </section>
  );
}
