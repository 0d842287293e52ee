/** Verified identity (issue 7 point 5): real name and resident ID number, set once behind
 *  step-up, then shown masked only (`1101**********1234`). */
import { type FormEvent, useState } from 'react';
import { isRecord, nullableString, record, request } from '../api.ts';
import { ErrorRegion, Field, useAction } from '../forms.tsx';
import { useI18n } from '../i18n.ts';
import { useStepUp } from '../step-up-dialog.tsx';
import { LoadState, SectionCard, useLoad, useSecurityRefresh } from './shared.tsx';

interface IdentityView {
  readonly verified: boolean;
  readonly realNameMasked: string | null;
  readonly idNumberMasked: string | null;
}

function toView(value: unknown): IdentityView {
  const body = record(value, 'body');
  return {
    verified: isRecord(body) && body.verified === true,
    realNameMasked: nullableString(body, 'realNameMasked', 'body'),
    idNumberMasked: nullableString(body, 'idNumberMasked', 'body'),
  };
}

const fetchIdentity = async (signal: AbortSignal) =>
  toView(await request({ method: 'GET', path: '/api/v1/me/identity', signal }));

export function IdentitySection() {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const loaded = useLoad(fetchIdentity);
  const save = useAction();
  const [realName, setRealName] = useState('');
  const [idNumber, setIdNumber] = useState('');

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const ok = await save.run(() =>
      withStepUp(async () => {
        await request({ method: 'PUT', path: '/api/v1/me/identity', body: { realName, idNumber } });
      }),
    );
    if (ok) {
      setRealName('');
      setIdNumber('');
      refresh();
    }
  }

  return (
    <SectionCard
      anchor="identity"
      title={t('identity.title')}
      lead={t('identity.lead')}
      busy={loaded.phase === 'loading'}
    >
      <LoadState loaded={loaded} />
      {loaded.data?.verified && (
        <p data-testid="identity-verified">
          {t('identity.verified', {
            name: loaded.data.realNameMasked ?? '',
            id: loaded.data.idNumberMasked ?? '',
          })}
        </p>
      )}
      {loaded.data && !loaded.data.verified && (
        <form className="form" onSubmit={onSubmit} aria-busy={save.busy} noValidate>
          <Field
            label={t('recovery.realName')}
            autoComplete="name"
            value={realName}
            onChange={(e) => setRealName(e.target.value)}
          />
          <Field
            label={t('recovery.idNumber')}
            maxLength={18}
            value={idNumber}
            onChange={(e) => setIdNumber(e.target.value)}
          />
          <ErrorRegion title={t('identity.title')} error={save.error} />
          <button type="submit" className="button button-primary" aria-busy={save.busy}>
            {t('identity.save')}
          </button>
        </form>
      )}
    </SectionCard>
  );
}
