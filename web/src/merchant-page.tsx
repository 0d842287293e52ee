/**
 * The merchant console (docs/gateway.md): sign in with the app id and the console token (kept in
 * this tab's sessionStorage only), then the app's platform public keys, orders, refunds,
 * notifications with a manual resend, bill downloads and reconciliation of an order list.
 * Independent of the wallet's sign-in: a merchant's staff need no wallet account.
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import {
  type ConsoleCredentials,
  type ConsoleData,
  fetchConsole,
  fetchConsoleBill,
  reconcileOrders,
  resendConsoleNotification,
} from './api-gateway.ts';
import { ErrorNotice } from './error-notice.tsx';
import { useI18n } from './i18n.ts';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const STORAGE_KEY = 'rampart.merchantConsole';

function storedCredentials(): ConsoleCredentials | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    const parsed: unknown = raw ? JSON.parse(raw) : null;
    if (parsed && typeof parsed === 'object' && 'appId' in parsed && 'token' in parsed) {
      const { appId, token } = parsed as { appId: unknown; token: unknown };
      if (typeof appId === 'string' && typeof token === 'string') return { appId, token };
    }
  } catch {}
  return null;
}

export function MerchantPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [credentials, setCredentials] = useState<ConsoleCredentials | null>(storedCredentials);
  const [data, setData] = useState<ConsoleData | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);

  const reload = useCallback(async (creds: ConsoleCredentials) => {
    setBusy(true);
    setError(null);
    try {
      setData(await fetchConsole(creds));
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(creds));
      setCredentials(creds);
    } catch (caught) {
      setError(caught);
      setData(null);
    } finally {
      setBusy(false);
    }
  }, []);

  useEffect(() => {
    const creds = storedCredentials();
    if (creds) void reload(creds);
  }, [reload]);

  function onSignIn(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    void reload({
      appId: String(form.get('appId') ?? '').trim(),
      token: String(form.get('token') ?? '').trim(),
    });
  }

  function onSignOut() {
    sessionStorage.removeItem(STORAGE_KEY);
    setCredentials(null);
    setData(null);
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('merchant.title')}
      </h1>
      <div role="alert" className="live-region">
        {error !== null && <ErrorNotice title={t('merchant.failed')} error={error} />}
      </div>
      {!data || !credentials ? (
        <form onSubmit={onSignIn} aria-busy={busy}>
          <p className="lead">{t('merchant.lead')}</p>
          <label>
            {t('merchant.appId')}
            <input
              name="appId"
              required
              inputMode="numeric"
              autoComplete="username"
              defaultValue={credentials?.appId ?? ''}
            />
          </label>
          <label>
            {t('merchant.token')}
            <input name="token" type="password" required autoComplete="current-password" />
          </label>
          <button type="submit" className="button">
            {t('merchant.signIn')}
          </button>
        </form>
      ) : (
        <Console
          credentials={credentials}
          data={data}
          onReload={() => void reload(credentials)}
          onSignOut={onSignOut}
        />
      )}
    </section>
  );
}

function Console({
  credentials,
  data,
  onReload,
  onSignOut,
}: {
  readonly credentials: ConsoleCredentials;
  readonly data: ConsoleData;
  readonly onReload: () => void;
  readonly onSignOut: () => void;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<unknown>(null);
  const [report, setReport] = useState<string | null>(null);
  const guard = async (work: () => Promise<void>) => {
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    }
  };
  const empty = <p>{t('merchant.empty')}</p>;

  async function onBill(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const billType = String(form.get('billType'));
    const billDate = String(form.get('billDate'));
    await guard(async () => {
      const csv = await fetchConsoleBill(credentials, { billType, billDate });
      const link = document.createElement('a');
      link.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      link.download = `${credentials.appId}_${billType}_${billDate}.csv`;
      link.click();
      URL.revokeObjectURL(link.href);
    });
  }

  async function onReconcile(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    await guard(async () => {
      const result = await reconcileOrders(credentials, {
        ordersCsv: String(form.get('ordersCsv')),
        billDate: String(form.get('billDate')),
      });
      setReport(
        [
          t('merchant.reconcileResult', { matched: result.matched, mismatches: result.mismatches.length }),
          ...result.mismatches.map((m) => `${m.outTradeNo}: ${m.kind}`),
        ].join('\n'),
      );
    });
  }

  return (
    <>
      <p>
        {data.appName} ({credentials.appId}){' '}
        <button type="button" className="button button-quiet" onClick={onSignOut}>
          {t('merchant.signOut')}
        </button>
      </p>
      <div role="alert" className="live-region">
        {error !== null && <ErrorNotice title={t('merchant.failed')} error={error} />}
      </div>
      <h2>{t('merchant.keys')}</h2>
      <ul>
        {data.keys.map((k) => (
          <li key={k.publicKey}>
            {k.current ? t('merchant.keyCurrent') : t('merchant.keyFrom', { date: k.signsFrom })}
            <pre className="key">{k.publicKey}</pre>
          </li>
        ))}
      </ul>
      <h2>{t('merchant.orders')}</h2>
      {data.orders.length === 0 ? (
        empty
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('merchant.col.outTradeNo')}</th>
              <th>{t('merchant.col.subject')}</th>
              <th>{t('merchant.col.amount')}</th>
              <th>{t('merchant.col.refunded')}</th>
              <th>{t('merchant.col.fee')}</th>
              <th>{t('merchant.col.status')}</th>
              <th>{t('merchant.col.created')}</th>
            </tr>
          </thead>
          <tbody>
            {data.orders.map((o) => (
              <tr key={o.tradeNo}>
                <td>{o.outTradeNo}</td>
                <td>{o.subject}</td>
                <td>{o.totalAmount}</td>
                <td>{o.refundedAmount}</td>
                <td>{o.fee}</td>
                <td>{o.status}</td>
                <td>{new Date(o.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('merchant.refunds')}</h2>
      {data.refunds.length === 0 ? (
        empty
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('merchant.col.outTradeNo')}</th>
              <th>{t('merchant.col.requestNo')}</th>
              <th>{t('merchant.col.amount')}</th>
              <th>{t('merchant.col.created')}</th>
            </tr>
          </thead>
          <tbody>
            {data.refunds.map((r) => (
              <tr key={`${r.outTradeNo}:${r.outRequestNo}`}>
                <td>{r.outTradeNo}</td>
                <td>{r.outRequestNo}</td>
                <td>{r.amount}</td>
                <td>{new Date(r.createdAt).toLocaleString()}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('merchant.notifications')}</h2>
      {data.notifications.length === 0 ? (
        empty
      ) : (
        <table>
          <thead>
            <tr>
              <th>{t('merchant.col.outTradeNo')}</th>
              <th>{t('merchant.col.status')}</th>
              <th>{t('merchant.col.attempts')}</th>
              <th>{t('merchant.col.created')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {data.notifications.map((n) => (
              <tr key={n.id}>
                <td>
                  {n.tradeNo} · {n.tradeStatus}
                </td>
                <td>
                  {n.status}
                  {n.lastError ? ` (${n.lastError})` : ''}
                </td>
                <td>{n.attempts}</td>
                <td>{new Date(n.createdAt).toLocaleString()}</td>
                <td>
                  <button
                    type="button"
                    className="button button-quiet"
                    onClick={() =>
                      void guard(async () => {
                        await resendConsoleNotification(credentials, n.id);
                        onReload();
                      })
                    }
                  >
                    {t('merchant.resend')}
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <h2>{t('merchant.bills')}</h2>
      <form onSubmit={(event) => void onBill(event)}>
        <label>
          {t('merchant.billType')}
          <select name="billType" defaultValue="trade">
            <option value="trade">trade</option>
            <option value="signcustomer">signcustomer</option>
          </select>
        </label>
        <label>
          {t('merchant.billDate')}
          <input name="billDate" required pattern="\d{4}-\d{2}(-\d{2})?" />
        </label>
        <button type="submit" className="button">
          {t('merchant.download')}
        </button>
      </form>
      <h2>{t('merchant.reconcile')}</h2>
      <form onSubmit={(event) => void onReconcile(event)}>
        <label>
          {t('merchant.billDate')}
          <input name="billDate" required pattern="\d{4}-\d{2}(-\d{2})?" />
        </label>
        <label>
          {t('merchant.ordersCsv')}
          <textarea name="ordersCsv" required rows={5} />
        </label>
        <button type="submit" className="button">
          {t('merchant.reconcile')}
        </button>
      </form>
      {report !== null && (
        <pre role="status" data-testid="reconcile-report">
          {report}
        </pre>
      )}
    </>
  );
}
