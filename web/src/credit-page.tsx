/**
 * The credit line (docs/credit.md): limit, owed, available, the current bill with its due date,
 * recent bills, and repayment from the wallet balance in full or in part. Amounts are typed in
 * yuan and converted to minor units with bigint arithmetic only (money.ts). Paying on credit is a
 * choice on the transfer page.
 */
import { type FormEvent, useState } from 'react';
import type { CreditBill, CreditLine } from './api-credit.ts';
import { fetchCreditLine, repayCredit } from './api-credit.ts';
import { newClientRequestId } from './api-payments.ts';
import { ErrorRegion, Field, StatusRegion, useAction } from './forms.tsx';
import { isMessageKey, useI18n } from './i18n.ts';
import type { WireMoney } from './money.ts';
import {
  currencyExponent,
  formatMoney,
  minorToMajorText,
  parseAmountMinor,
  parseMajorToMinor,
} from './money.ts';
import {
  LoadState,
  SectionCard,
  SecurityRefreshContext,
  useDateTimeFormat,
  useLoad,
} from './security/shared.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

export function CreditPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const [version, setVersion] = useState(0);
  const context = { version, refresh: () => setVersion((n) => n + 1) };
  return (
    <SecurityRefreshContext value={context}>
      <Credit focusHeading={focusHeading} onChanged={context.refresh} />
    </SecurityRefreshContext>
  );
}

function Credit({
  focusHeading,
  onChanged,
}: {
  readonly focusHeading: boolean;
  readonly onChanged: () => void;
}) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const line = useLoad(fetchCreditLine);
  return (
    <div className="security credit">
      <h1 ref={headingRef} tabIndex={-1}>
        {t('credit.title')}
      </h1>
      <p className="lead">{t('credit.lead')}</p>
      <SectionCard anchor="credit-line" title={t('credit.facts')} busy={line.phase === 'loading'}>
        <LoadState loaded={line} />
        {line.phase === 'ready' && line.data === null && <p className="hint">{t('credit.none')}</p>}
        {line.data && <Facts line={line.data} />}
      </SectionCard>
      {line.data && (
        <>
          <CurrentBill line={line.data} />
          <RepayForm line={line.data} onRepaid={onChanged} />
          {line.data.bills.length > 0 && <Bills bills={line.data.bills} />}
        </>
      )}
    </div>
  );
}

function Facts({ line }: { readonly line: CreditLine }) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  return (
    <dl className="facts" data-testid="credit-facts">
      <div>
        <dt>{t('credit.limit')}</dt>
        <dd>{formatMoney(line.limit, { locale })}</dd>
      </div>
      <div>
        <dt>{t('credit.used')}</dt>
        <dd data-testid="credit-used">{formatMoney(line.used, { locale })}</dd>
      </div>
      <div>
        <dt>{t('credit.available')}</dt>
        <dd data-testid="credit-available">{formatMoney(line.available, { locale })}</dd>
      </div>
      <div>
        <dt>{t('credit.unbilled')}</dt>
        <dd>{formatMoney(line.unbilled, { locale })}</dd>
      </div>
      <div className="fact-wide">
        <dt>{t('credit.nextStatement')}</dt>
        <dd>{dateFormat.format(line.nextStatementAt)}</dd>
      </div>
    </dl>
  );
}

function statusText(status: string, t: ReturnType<typeof useI18n>['t']): string {
  const key = `credit.status.${status}`;
  return isMessageKey(key) ? t(key) : status;
}

function CurrentBill({ line }: { readonly line: CreditLine }) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  const bill = line.currentBill;
  return (
    <SectionCard anchor="credit-bill" title={t('credit.currentBill')}>
      {line.overdue && (
        <div className="notice notice-danger" role="alert">
          <p className="notice-title">{t('credit.overdueTitle')}</p>
          <p>{t('credit.overdue')}</p>
        </div>
      )}
      {bill === null ? (
        <p className="hint">{t('credit.noBill')}</p>
      ) : (
        <dl className="facts">
          <div className="fact-wide">
            <dt>{t('credit.billFor', { period: bill.period })}</dt>
            <dd>{formatMoney(bill.amount, { locale })}</dd>
          </div>
          <div>
            <dt>{t('credit.billRemaining')}</dt>
            <dd data-testid="bill-remaining">{formatMoney(bill.remaining, { locale })}</dd>
          </div>
          <div>
            <dt>{t('credit.billDue')}</dt>
            <dd>{dateFormat.format(bill.dueAt)}</dd>
          </div>
          <div>
            <dt>{t('credit.billStatus')}</dt>
            <dd className={bill.status === 'overdue' ? 'text-danger' : undefined}>
              {statusText(bill.status, t)}
            </dd>
          </div>
        </dl>
      )}
    </SectionCard>
  );
}

/** "12.34" for the amount field, from wire money. */
function majorText(money: WireMoney): string {
  return minorToMajorText(parseAmountMinor(money.amountMinor) ?? 0n, currencyExponent(money.currency));
}

function RepayForm({ line, onRepaid }: { readonly line: CreditLine; readonly onRepaid: () => void }) {
  const { t, locale } = useI18n();
  const [amount, setAmount] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  // One key per repayment the person starts: a double click or a retry repays once.
  const [clientRequestId, setClientRequestId] = useState(newClientRequestId);
  const repay = useAction();
  const currency = line.used.currency;
  const billRemaining = line.currentBill?.status === 'paid' ? null : (line.currentBill?.remaining ?? null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setDone(null);
    const minor = parseMajorToMinor(amount, currencyExponent(currency));
    if (minor === null || minor <= 0n) return setInvalid(true);
    const money = { amountMinor: minor.toString(), currency };
    const ok = await repay.run(async () => {
      await repayCredit({ amount: money, clientRequestId });
    });
    if (ok) {
      setDone(t('credit.repaid', { amount: formatMoney(money, { locale }) }));
      setAmount('');
      setClientRequestId(newClientRequestId());
      onRepaid();
    }
  }

  return (
    <SectionCard anchor="credit-repay" title={t('credit.repayTitle')}>
      <form className="form" onSubmit={onSubmit} aria-busy={repay.busy} noValidate>
        <div className="actions">
          {billRemaining !== null && (
            <button
              type="button"
              className="button button-small"
              onClick={() => setAmount(majorText(billRemaining))}
            >
              {t('credit.repayBill', { amount: formatMoney(billRemaining, { locale }) })}
            </button>
          )}
          <button
            type="button"
            className="button button-small"
            onClick={() => setAmount(majorText(line.used))}
          >
            {t('credit.repayAll', { amount: formatMoney(line.used, { locale }) })}
          </button>
        </div>
        <Field
          label={t('credit.repayAmount')}
          hint={t('credit.repayHint')}
          type="text"
          inputMode="decimal"
          autoComplete="off"
          required
          maxLength={20}
          value={amount}
          onChange={(event) => {
            setAmount(event.target.value);
            setInvalid(false);
            setClientRequestId(newClientRequestId());
          }}
          problem={invalid ? t('transfer.amountInvalid') : undefined}
        />
        <ErrorRegion title={t('credit.repayFailed')} error={repay.error} />
        <StatusRegion message={done} />
        <button type="submit" className="button button-primary" aria-busy={repay.busy}>
          {repay.busy ? t('credit.repaying') : t('credit.repay')}
        </button>
      </form>
    </SectionCard>
  );
}

function Bills({ bills }: { readonly bills: readonly CreditBill[] }) {
  const { t, locale } = useI18n();
  const dateFormat = useDateTimeFormat();
  return (
    <SectionCard anchor="credit-bills" title={t('credit.bills')}>
      <table className="table">
        <thead>
          <tr>
            <th scope="col">{t('credit.period')}</th>
            <th scope="col">{t('credit.billAmount')}</th>
            <th scope="col">{t('credit.billRemaining')}</th>
            <th scope="col">{t('credit.billDue')}</th>
            <th scope="col">{t('credit.billStatus')}</th>
          </tr>
        </thead>
        <tbody>
          {bills.map((bill) => (
            <tr key={bill.id}>
              <td>{bill.period}</td>
              <td>{formatMoney(bill.amount, { locale })}</td>
              <td>{formatMoney(bill.remaining, { locale })}</td>
              <td>{dateFormat.format(bill.dueAt)}</td>
              <td>{statusText(bill.status, t)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </SectionCard>
  );
}
