/**
 * Records and bills (issue 4 point 10; docs/records.md): search the wallet's history by type,
 * status, counterparty, dates and amount; load older pages; download the same rows as CSV; see a
 * month's bill with totals by category and download it as a PDF; report a suspicious record
 * (the report page and its API belong to the case queue: this page only links to it).
 */
import { type FormEvent, useCallback, useEffect, useId, useState } from 'react';
import {
  type Bill,
  billPdfUrl,
  fetchBill,
  fetchRecords,
  type RecordFilters,
  type RecordRow,
  recordsCsvUrl,
} from './api-agreements.ts';
import { ErrorRegion, Field, useAction } from './forms.tsx';
import { isMessageKey, type MessageKey, useI18n } from './i18n.ts';
import { currencyExponent, formatMoney, parseMajorToMinor } from './money.ts';
import { useDateTimeFormat } from './security/shared.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const CURRENCY = 'CNY';
const TYPES = [
  'top_up',
  'withdraw',
  'transfer_out',
  'transfer_in',
  'merchant_payment',
  'refund',
  'credit_repayment',
  'other',
] as const;
const STATUSES = ['posted', 'pending', 'released'] as const;

/** The current month in Beijing time (the bills' time zone), YYYY-MM. */
function currentBeijingMonth(nowMs: number): string {
  return new Date(nowMs + 8 * 3_600_000).toISOString().slice(0, 7);
}

export function RecordsPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  return (
    <>
      <section className="card" aria-labelledby={`${ids}-title`}>
        <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
          {t('records.title')}
        </h1>
        <p className="lead">{t('records.lead')}</p>
        <RecordsSearch />
      </section>
      <BillSection />
    </>
  );
}

function label(t: (key: MessageKey) => string, key: string, fallback: string): string {
  return isMessageKey(key) ? t(key) : fallback;
}

function RecordsSearch() {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  const [type, setType] = useState('');
  const [status, setStatus] = useState('');
  const [counterparty, setCounterparty] = useState('');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [minAmount, setMinAmount] = useState('');
  const [maxAmount, setMaxAmount] = useState('');
  const [amountProblem, setAmountProblem] = useState(false);
  const [filters, setFilters] = useState<RecordFilters>({});
  const [rows, setRows] = useState<readonly RecordRow[] | null>(null);
  const [nextBefore, setNextBefore] = useState<string | null>(null);
  const load = useAction();

  const search = useCallback(
    async (applied: RecordFilters) => {
      await load.run(async () => {
        const page = await fetchRecords(applied, null);
        setRows(page.records);
        setNextBefore(page.nextBefore);
      });
    },
    [load.run],
  );

  useEffect(() => {
    void search({});
  }, [search]);

  function toMinor(text: string): string | null | undefined {
    if (text.trim() === '') return undefined;
    const minor = parseMajorToMinor(text, currencyExponent(CURRENCY));
    return minor === null ? null : minor.toString();
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const min = toMinor(minAmount);
    const max = toMinor(maxAmount);
    setAmountProblem(min === null || max === null);
    if (min === null || max === null) return;
    const applied: RecordFilters = {
      ...(type ? { type } : {}),
      ...(status ? { status } : {}),
      ...(counterparty.trim() ? { counterparty: counterparty.trim() } : {}),
      ...(from ? { from } : {}),
      ...(to ? { to } : {}),
      ...(min !== undefined ? { minAmount: min } : {}),
      ...(max !== undefined ? { maxAmount: max } : {}),
    };
    setFilters(applied);
    await search(applied);
  }

  async function loadMore() {
    if (nextBefore === null) return;
    await load.run(async () => {
      const page = await fetchRecords(filters, nextBefore);
      setRows((previous) => [...(previous ?? []), ...page.records]);
      setNextBefore(page.nextBefore);
    });
  }

  return (
    <>
      <search>
        <form className="form records-filters" onSubmit={onSubmit} aria-busy={load.busy} noValidate>
          <h2>{t('records.filters')}</h2>
          <div className="field">
            <label htmlFor="records-type">{t('records.type')}</label>
            <select id="records-type" value={type} onChange={(e) => setType(e.target.value)}>
              <option value="">{t('records.anyType')}</option>
              {TYPES.map((value) => (
                <option key={value} value={value}>
                  {label(t, `records.type.${value}`, value)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="records-status">{t('records.statusLabel')}</label>
            <select id="records-status" value={status} onChange={(e) => setStatus(e.target.value)}>
              <option value="">{t('records.anyStatus')}</option>
              {STATUSES.map((value) => (
                <option key={value} value={value}>
                  {label(t, `records.status.${value}`, value)}
                </option>
              ))}
            </select>
          </div>
          <Field
            label={t('records.counterparty')}
            maxLength={64}
            value={counterparty}
            onChange={(e) => setCounterparty(e.target.value)}
          />
          <Field
            label={t('records.from')}
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
          <Field label={t('records.to')} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
          <Field
            label={t('records.minAmount')}
            inputMode="decimal"
            maxLength={16}
            value={minAmount}
            problem={amountProblem ? t('records.badAmount') : undefined}
            onChange={(e) => setMinAmount(e.target.value)}
          />
          <Field
            label={t('records.maxAmount')}
            inputMode="decimal"
            maxLength={16}
            value={maxAmount}
            onChange={(e) => setMaxAmount(e.target.value)}
          />
          <button type="submit" className="button button-primary" aria-busy={load.busy}>
            {t('records.search')}
          </button>{' '}
          <a className="button" href={recordsCsvUrl(filters)} download>
            {t('records.csv')}
          </a>
        </form>
      </search>
      <ErrorRegion title={t('records.loadFailed')} error={load.error} />
      <div role="status" className="live-region">
        {rows !== null && <p className="hint">{t('records.count', { count: rows.length })}</p>}
      </div>
      {rows !== null && rows.length === 0 && <p>{t('records.none')}</p>}
      {rows !== null && rows.length > 0 && (
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable)
        <section className="table-scroll" aria-label={t('records.title')} tabIndex={0}>
          <table className="records-table" data-testid="records">
            <thead>
              <tr>
                <th scope="col">{t('records.time')}</th>
                <th scope="col">{t('records.type')}</th>
                <th scope="col">{t('records.counterparty')}</th>
                <th scope="col" className="numeric">
                  {t('records.amount')}
                </th>
                <th scope="col">{t('records.statusLabel')}</th>
                <th scope="col">
                  <span className="visually-hidden">{t('records.report')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {rows.map((row) => {
                const typeText = label(t, `records.type.${row.type}`, row.type);
                const when = dateFormat.format(row.createdAt);
                const amount = formatMoney(row.amount, { locale });
                return (
                  <tr key={row.id}>
                    <td>{when}</td>
                    <td>{typeText}</td>
                    <td>{row.counterparty ?? '—'}</td>
                    <td className="numeric">{amount}</td>
                    <td>{label(t, `records.status.${row.status}`, row.status)}</td>
                    <td>
                      <a
                        href={`/report?transfer=${encodeURIComponent(row.transferId)}`}
                        aria-label={t('records.reportNamed', { type: typeText, amount, time: when })}
                      >
                        {t('records.report')}
                      </a>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </section>
      )}
      {nextBefore !== null && (
        <button type="button" className="button" aria-busy={load.busy} onClick={() => void loadMore()}>
          {t('records.more')}
        </button>
      )}
    </>
  );
}

function BillSection() {
  const { t, locale } = useI18n();
  const ids = useId();
  const [month, setMonth] = useState(() => currentBeijingMonth(Date.now()));
  const [bill, setBill] = useState<Bill | null>(null);
  const load = useAction();

  const show = useCallback(
    async (m: string) => {
      await load.run(async () => setBill(await fetchBill(m)));
    },
    [load.run],
  );

  useEffect(() => {
    void show(currentBeijingMonth(Date.now()));
  }, [show]);

  const totals = new Map<string, { in: bigint; out: bigint }>();
  for (const c of bill?.categories ?? []) {
    // As the server's bill totals (docs/records.md): a credit repayment moves money between the
    // user's own wallet and credit line; the spending it pays was counted when it was made.
    if (c.type === 'credit_repayment') continue;
    const total = totals.get(c.in.currency) ?? { in: 0n, out: 0n };
    total.in += BigInt(c.in.amountMinor);
    total.out += BigInt(c.out.amountMinor);
    totals.set(c.in.currency, total);
  }

  return (
    <section className="card" aria-labelledby={`${ids}-bill`}>
      <h2 id={`${ids}-bill`}>{t('bill.title')}</h2>
      <form
        className="form form-inline"
        onSubmit={(event) => {
          event.preventDefault();
          void show(month);
        }}
      >
        <Field
          label={t('bill.month')}
          type="month"
          required
          value={month}
          onChange={(e) => setMonth(e.target.value)}
        />
        <button type="submit" className="button" aria-busy={load.busy}>
          {t('bill.show')}
        </button>
      </form>
      <ErrorRegion title={t('bill.loadFailed')} error={load.error} />
      {bill !== null && (
        <>
          {bill.categories.length === 0 ? (
            <p>{t('bill.empty', { month: bill.month })}</p>
          ) : (
            // biome-ignore lint/a11y/noNoninteractiveTabindex: a region that scrolls sideways must be reachable by keyboard (WCAG 2.1.1; axe scrollable-region-focusable)
            <section className="table-scroll" aria-label={t('bill.title')} tabIndex={0}>
              <table className="records-table" data-testid="bill">
                <caption className="visually-hidden">{`${t('bill.title')} ${bill.month}`}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('bill.category')}</th>
                    <th scope="col" className="numeric">
                      {t('bill.count')}
                    </th>
                    <th scope="col" className="numeric">
                      {t('bill.in')}
                    </th>
                    <th scope="col" className="numeric">
                      {t('bill.out')}
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {bill.categories.map((c) => (
                    <tr key={`${c.type}-${c.in.currency}`}>
                      <th scope="row">{label(t, `records.type.${c.type}`, c.type)}</th>
                      <td className="numeric">{c.count}</td>
                      <td className="numeric">{formatMoney(c.in, { locale })}</td>
                      <td className="numeric">{formatMoney(c.out, { locale })}</td>
                    </tr>
                  ))}
                </tbody>
                <tfoot>
                  {[...totals].map(([currency, total]) => (
                    <tr key={currency}>
                      <th scope="row">{t('bill.total')}</th>
                      <td />
                      <td className="numeric">
                        {formatMoney({ amountMinor: total.in.toString(), currency }, { locale })}
                      </td>
                      <td className="numeric">
                        {formatMoney({ amountMinor: total.out.toString(), currency }, { locale })}
                      </td>
                    </tr>
                  ))}
                </tfoot>
              </table>
            </section>
          )}
          {bill.truncated && <p className="hint">{t('bill.truncated')}</p>}
          <p>
            <a className="button" href={billPdfUrl(bill.month, locale)} download data-testid="bill-pdf">
              {t('bill.pdf', { month: bill.month })}
            </a>
          </p>
        </>
      )}
    </section>
  );
}
