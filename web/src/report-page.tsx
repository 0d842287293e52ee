/**
 * `/report` (issue 5): a signed-in user reports a suspicious payment (`?transfer=<id>`, linked
 * from the records page and from a held payment) or a payee by phone number. The answer is only
 * a case number: never anything about the reported party.
 */
import { type FormEvent, useId, useState } from 'react';
import { REPORT_REASONS, type ReportReason, sendReport } from './api-risk.ts';
import { ErrorRegion, Field, StatusRegion, useAction } from './forms.tsx';
import { useI18n } from './i18n.ts';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const TRANSFER_PARAM_PATTERN = /^[A-Za-z0-9_.:-]{1,80}$/;

export function ReportPage({
  search,
  focusHeading,
}: {
  readonly search: string;
  readonly focusHeading: boolean;
}) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const fromLink = new URLSearchParams(search).get('transfer');
  const linkedTransfer = fromLink && TRANSFER_PARAM_PATTERN.test(fromLink) ? fromLink : null;
  const [transferId, setTransferId] = useState(linkedTransfer ?? '');
  const [payeePhone, setPayeePhone] = useState('');
  const [reason, setReason] = useState<ReportReason>('scam');
  const [note, setNote] = useState('');
  const [caseId, setCaseId] = useState<string | null>(null);
  const send = useAction();

  function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    void send.run(async () => {
      const trimmed = transferId.trim();
      const result = await sendReport({
        ...(trimmed ? { transferId: trimmed } : { payeePhone: payeePhone.trim() }),
        reason,
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      setCaseId(result.caseId);
    });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('report.title')}
      </h1>
      <p>{t('report.intro')}</p>
      <StatusRegion message={caseId ? t('report.sent', { caseId }) : null} />
      {caseId === null && (
        <form className="form" onSubmit={onSubmit} aria-busy={send.busy}>
          <Field
            label={t('report.transfer')}
            name="transferId"
            value={transferId}
            readOnly={linkedTransfer !== null}
            maxLength={80}
            onChange={(e) => setTransferId(e.target.value)}
          />
          {transferId.trim() === '' && (
            <Field
              label={t('report.payeePhone')}
              name="payeePhone"
              type="tel"
              autoComplete="off"
              hint={t('report.payeePhoneHint')}
              value={payeePhone}
              maxLength={32}
              required
              onChange={(e) => setPayeePhone(e.target.value)}
            />
          )}
          <div className="field">
            <label htmlFor={`${ids}-reason`}>{t('report.reason')}</label>
            <select
              id={`${ids}-reason`}
              value={reason}
              onChange={(e) => setReason(e.target.value as ReportReason)}
            >
              {REPORT_REASONS.map((r) => (
                <option key={r} value={r}>
                  {t(`report.reason.${r}`)}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor={`${ids}-note`}>{t('report.note')}</label>
            <textarea
              id={`${ids}-note`}
              value={note}
              maxLength={1000}
              rows={4}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <ErrorRegion title={t('report.failed')} error={send.error} />
          <button type="submit" className="button button-primary" aria-busy={send.busy}>
            {send.busy ? t('report.sending') : t('report.send')}
          </button>
        </form>
      )}
    </section>
  );
}
