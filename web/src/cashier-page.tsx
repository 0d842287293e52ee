/**
 * The cashier (alipay.trade.page.pay / wap.pay, docs/gateway.md): a merchant's web shop sends
 * the buyer here; the signed-in user sees the merchant's verified name, the subject and the
 * amount, pays through the same confirmation step as any payment, and is sent back to the
 * merchant's return_url with signed parameters.
 */
import { useEffect, useId, useState } from 'react';
import { type CashierOrder, fetchOrder, orderReturnUrl, payOrder } from './api-gateway.ts';
import { newClientRequestId, type PaymentIntent } from './api-payments.ts';
import { ErrorRegion, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { formatMoney } from './money.ts';
import { ConfirmStep, PaymentCancelledNotice } from './transfer-page.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export const CASHIER_PREFIX = '/cashier/';

export function CashierPage({
  pathname,
  focusHeading,
}: {
  readonly pathname: string;
  readonly focusHeading: boolean;
}) {
  const { t, locale } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const tradeNo = pathname.slice(CASHIER_PREFIX.length);
  const [order, setOrder] = useState<CashierOrder | null>(null);
  const [intent, setIntent] = useState<PaymentIntent | null>(null);
  // The intent whose confirmation the buyer just cancelled: the order is still unpaid.
  const [cancelled, setCancelled] = useState<PaymentIntent | null>(null);
  // One key per payment attempt: a retried press answers the same intent, but after a cancel
  // (the intent is cancelled for good) paying again is a new payment.
  const [requestId, setRequestId] = useState(newClientRequestId);
  const load = useAction();
  const pay = useAction();
  const back = useAction();

  useEffect(() => {
    void load.run(async () => setOrder(await fetchOrder(tradeNo)));
  }, [load.run, tradeNo]);

  function returnToMerchant() {
    void back.run(async () => {
      window.location.assign(await orderReturnUrl(tradeNo));
    });
  }

  if (intent) {
    return (
      <ConfirmStep
        intent={intent}
        onPaid={returnToMerchant}
        onBack={() => {
          setCancelled(intent);
          setIntent(null);
          setRequestId(newClientRequestId());
        }}
      />
    );
  }
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('cashier.title')}
      </h1>
      <PaymentCancelledNotice intent={cancelled} />
      <ErrorRegion title={t('cashier.failed')} error={load.error ?? pay.error ?? back.error} />
      {order && (
        <>
          <p className="lead">{t('cashier.payee', { merchant: order.merchantName })}</p>
          <p>{order.subject}</p>
          <p className="amount">{formatMoney(order.amount, { locale })}</p>
          {order.status === 'WAIT_BUYER_PAY' ? (
            <button
              type="button"
              className="button"
              aria-busy={pay.busy}
              onClick={() =>
                void pay.run(async () => {
                  setCancelled(null);
                  setIntent(await payOrder(tradeNo, requestId));
                })
              }
            >
              {t('cashier.pay')}
            </button>
          ) : (
            <p role="status">{t('cashier.notPayable', { status: order.status })}</p>
          )}
        </>
      )}
    </section>
  );
}
