/**
 * Operators' passkeys in the console: sign in with the password and a passkey (instead of the
 * authenticator code), and the "My passkeys" page to list and add them. Adding one needs a sign-in
 * within the last 10 minutes; the page says so when the server answers operator_reauth_required.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { ErrorNotice } from '../error-notice.tsx';
import { ErrorRegion, Field, useAction } from '../forms.tsx';
import { useI18n } from '../i18n.ts';
import { createPasskey, signWithPasskey } from '../passkey.ts';
import { list, type Operator, opsRequest, toOperator } from './api-ops.ts';

export const OPS_PASSKEYS_PATH = '/ops/passkeys';

/** Password + passkey: the browser asks for the passkey right after the click. */
export async function signInWithPasskey(username: string, password: string): Promise<Operator> {
  const { ceremonyId, options } = await opsRequest('POST', '/api/v1/ops/sign-in/passkey-options', {});
  const response = await signWithPasskey(options);
  const result = await opsRequest('POST', '/api/v1/ops/sign-in', {
    username,
    password,
    passkey: { ceremonyId, response },
  });
  return toOperator(result.operator);
}

export function OpsPasskeysPage() {
  const { t, locale } = useI18n();
  const action = useAction();
  const [items, setItems] = useState<ReturnType<typeof list> | null>(null);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [name, setName] = useState('');
  const [added, setAdded] = useState<string | null>(null);
  const [version, setVersion] = useState(0);
  useEffect(() => {
    void version;
    opsRequest('GET', '/api/v1/ops/me/passkeys').then((r) => setItems(list(r.items)), setLoadError);
  }, [version]);
  if (loadError) return <ErrorNotice title={t('ops.passkeys')} error={loadError} />;
  return (
    <section className="card" aria-labelledby="ops-passkeys">
      <h1 id="ops-passkeys">{t('ops.passkeys')}</h1>
      <p className="lead">{t('ops.passkeys.lead')}</p>
      {items === null && <p className="loading">{t('app.loading')}</p>}
      {items?.length === 0 && <p>{t('ops.passkeys.none')}</p>}
      {items && items.length > 0 && (
        <ul aria-label={t('ops.passkeys.list')}>
          {items.map((p) => (
            <li key={String(p.id)}>
              {String(p.name)} ·{' '}
              {t('ops.passkeys.added', { time: new Date(String(p.createdAt)).toLocaleString(locale) })}
            </li>
          ))}
        </ul>
      )}
      <form
        className="form"
        noValidate
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          void action.run(async () => {
            const { ceremonyId, options } = await opsRequest('POST', '/api/v1/ops/me/passkeys/options', {});
            const response = await createPasskey(options);
            const created = await opsRequest('POST', '/api/v1/ops/me/passkeys', {
              ceremonyId,
              name,
              response,
            });
            setAdded(String(created.name));
            setName('');
            setVersion((n) => n + 1);
          });
        }}
      >
        <Field
          label={t('ops.passkeys.name')}
          value={name}
          maxLength={64}
          onChange={(e) => setName(e.target.value)}
        />
        <ErrorRegion title={t('ops.passkeys.add')} error={action.error} />
        <button type="submit" className="button button-primary" aria-busy={action.busy}>
          {t('ops.passkeys.add')}
        </button>
      </form>
      {added && (
        <div role="status">
          <p className="notice notice-success">{t('ops.passkeys.done', { name: added })}</p>
        </div>
      )}
    </section>
  );
}
