/**
 * What a reviewer weighs before deciding a manual recovery: what the applicant gave (old phone,
 * name, ID number — masked by the server) and the transactions they remember, beside the matched
 * account's latest movements. The rule the desk follows (docs/recovery.md): approve only when the
 * ID data matches and at least two remembered payments appear in the movements.
 */
import { useEffect, useState } from 'react';
import type { JsonRecord } from '../api.ts';
import { ErrorNotice } from '../error-notice.tsx';
import { useI18n } from '../i18n.ts';
import { formatMoney } from '../money.ts';
import { list, opsRequest } from './api-ops.ts';

/** A disclosure per case; the evidence is fetched only when the reviewer opens it. */
export function RecoveryEvidenceDisclosure({ recoveryId }: { readonly recoveryId: string }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  return (
    <details onToggle={(e) => setOpen(e.currentTarget.open)}>
      <summary>{t('ops.evidence.open')}</summary>
      {open && <RecoveryEvidence recoveryId={recoveryId} />}
    </details>
  );
}

function RecoveryEvidence({ recoveryId }: { readonly recoveryId: string }) {
  const { t, locale } = useI18n();
  const [detail, setDetail] = useState<JsonRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    opsRequest('GET', `/api/v1/ops/recoveries/${encodeURIComponent(recoveryId)}`).then(setDetail, setError);
  }, [recoveryId]);
  if (error) return <ErrorNotice title={t('ops.evidence')} error={error} />;
  if (!detail) return <p className="loading">{t('app.loading')}</p>;
  const movements = list(detail.recentActivity);
  const headingId = `evidence-${recoveryId}`;
  return (
    <section aria-labelledby={headingId}>
      <h2 id={headingId}>{t('ops.evidence')}</h2>
      <dl>
        <dt>{t('ops.evidence.oldPhone')}</dt>
        <dd>{String(detail.oldPhoneMasked)}</dd>
        <dt>{t('ops.evidence.name')}</dt>
        <dd>{String(detail.realNameGiven)}</dd>
        <dt>{t('ops.evidence.idNumber')}</dt>
        <dd>{String(detail.idNumberGivenMasked)}</dd>
        <dt>{t('ops.evidence.remembered')}</dt>
        <dd style={{ whiteSpace: 'pre-wrap' }}>{String(detail.rememberedTransactions) || '—'}</dd>
      </dl>
      {movements.length === 0 ? (
        <p>{t('ops.evidence.noMovements')}</p>
      ) : (
        <table aria-label={t('ops.evidence.movements')}>
          <thead>
            <tr>
              <th>{t('ops.evidence.when')}</th>
              <th>{t('ops.evidence.direction')}</th>
              <th>{t('ops.evidence.amount')}</th>
            </tr>
          </thead>
          <tbody>
            {movements.map((m, i) => (
              // Movements have no id of their own on the wire; their order is fixed (newest first).
              // biome-ignore lint/suspicious/noArrayIndexKey: a read-only list that never reorders
              <tr key={i}>
                <td>{new Date(String(m.at)).toLocaleString(locale)}</td>
                <td>{m.direction === 'out' ? t('ops.evidence.out') : t('ops.evidence.in')}</td>
                <td>
                  {formatMoney(
                    { amountMinor: String(m.amountMinor), currency: String(m.currency) },
                    { locale },
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <p className="hint">{t('ops.evidence.rule')}</p>
    </section>
  );
}
