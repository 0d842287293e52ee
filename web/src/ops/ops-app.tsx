/**
 * The operators' console at /ops: sign-in (user name, password, authenticator code), then the
 * pages of OPS_NAV the operator's role allows — user lookup and detail (masked; freeze, approve
 * unfreeze), manual recoveries (documents, approve/reject), loss claims (approve/reject, four
 * eyes), the audit log. Everything shown is what the server already masked.
 */
import { type ReactNode, useCallback, useEffect, useId, useState } from 'react';
import type { JsonRecord } from '../api.ts';
import { ErrorNotice } from '../error-notice.tsx';
import { ActionForm, ErrorRegion, Field, useAction } from '../forms.tsx';
import { useI18n } from '../i18n.ts';
import { formatMoney } from '../money.ts';
import { OpsConsole } from '../ops-console.tsx';
import { Link, navigate, useLocation } from '../router.tsx';
import { list, type Operator, opsRequest, toOperator } from './api-ops.ts';
import { OPS_NAV } from './nav.ts';
import { OPS_PASSKEYS_PATH, OpsPasskeysPage, signInWithPasskey } from './ops-passkeys.tsx';
import { RecoveryEvidenceDisclosure } from './recovery-evidence.tsx';

export function OpsApp() {
  const { t } = useI18n();
  const location = useLocation();
  const [operator, setOperator] = useState<Operator | null | undefined>(undefined);

  useEffect(() => {
    opsRequest('GET', '/api/v1/ops/me').then(
      (me) => setOperator(toOperator(me)),
      () => setOperator(null),
    );
  }, []);
  useEffect(() => {
    document.title = t('ops.title');
  }, [t]);

  const signOut = useCallback(async () => {
    await opsRequest('POST', '/api/v1/ops/sign-out').catch(() => {});
    setOperator(null);
  }, []);

  return (
    <div className="app ops">
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            R
          </span>
          {t('ops.title')}
        </span>
        {operator && (
          <span>
            {t('ops.signedInAs', { name: operator.displayName, role: operator.role })}{' '}
            <Link to={OPS_PASSKEYS_PATH}>{t('ops.passkeys')}</Link>{' '}
            <button type="button" className="button button-quiet" onClick={() => void signOut()}>
              {t('ops.signOut')}
            </button>
          </span>
        )}
      </header>
      {operator && (
        <nav className="tabs" aria-label={t('ops.nav')}>
          {OPS_NAV.filter((item) => operator.permissions.includes(item.permission)).map((item) => (
            <Link key={item.path} className="tab" to={item.path}>
              {t(item.label)}
            </Link>
          ))}
        </nav>
      )}
      <main id="main" tabIndex={-1}>
        {operator === undefined && <p className="loading">{t('app.loading')}</p>}
        {operator === null && <OpsSignIn onSignedIn={setOperator} />}
        {operator && <OpsPage pathname={location.pathname} operator={operator} />}
      </main>
    </div>
  );
}

function OpsSignIn({ onSignedIn }: { readonly onSignedIn: (operator: Operator) => void }) {
  const { t } = useI18n();
  const action = useAction();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  return (
    <section className="card" aria-labelledby="ops-sign-in">
      <h1 id="ops-sign-in">{t('ops.signInTitle')}</h1>
      <ActionForm
        action={action}
        onSubmit={async () => {
          const result = await opsRequest('POST', '/api/v1/ops/sign-in', { username, password, code });
          onSignedIn(toOperator(result.operator));
          navigate('/ops/users');
        }}
        errorTitle={t('ops.signInTitle')}
        submitLabel={action.busy ? t('ops.signingIn') : t('ops.signIn')}
        secondaryActions={
          <button
            type="button"
            className="button"
            onClick={() =>
              void action.run(async () => {
                onSignedIn(await signInWithPasskey(username, password));
                navigate('/ops/users');
              })
            }
          >
            {t('ops.signInPasskey')}
          </button>
        }
      >
        <Field
          label={t('ops.username')}
          autoComplete="username"
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
        <Field
          label={t('ops.password')}
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <Field
          label={t('ops.code')}
          inputMode="numeric"
          autoComplete="one-time-code"
          value={code}
          onChange={(e) => setCode(e.target.value)}
        />
      </ActionForm>
    </section>
  );
}

function OpsPage({ pathname, operator }: { readonly pathname: string; readonly operator: Operator }) {
  const { t } = useI18n();
  if (pathname === OPS_PASSKEYS_PATH) return <OpsPasskeysPage />;
  const item = OPS_NAV.find((n) => pathname === n.path || pathname.startsWith(`${n.path}/`));
  if (!item) {
    const first = OPS_NAV.find((n) => operator.permissions.includes(n.permission));
    return first ? <Redirect to={first.path} /> : <p>{t('ops.forbidden')}</p>;
  }
  if (!operator.permissions.includes(item.permission))
    return <p className="notice notice-error">{t('ops.forbidden')}</p>;
  if (pathname.startsWith('/ops/users/'))
    return <UserDetail userId={pathname.slice('/ops/users/'.length)} operator={operator} />;
  if (item.path === '/ops/users') return <UserLookup />;
  if (item.path === '/ops/recoveries') return <Recoveries operator={operator} />;
  if (item.path === '/ops/claims') return <Claims operator={operator} />;
  if (item.path === '/ops/audit') return <Audit />;
  if (item.path === '/ops/cases' || item.path === '/ops/rules')
    return <OpsConsole pathname={pathname} focusHeading={false} />;
  return null;
}

function Redirect({ to }: { readonly to: string }) {
  useEffect(() => navigate(to, { replace: true }), [to]);
  return null;
}

function useOpsLoad(path: string, version = 0) {
  const [data, setData] = useState<JsonRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void version;
    setError(null);
    opsRequest('GET', path).then(setData, setError);
  }, [path, version]);
  return { data, error };
}

function UserLookup() {
  const { t } = useI18n();
  const action = useAction();
  const [phone, setPhone] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [found, setFound] = useState<JsonRecord[] | null>(null);
  return (
    <section className="card" aria-labelledby="ops-lookup">
      <h1 id="ops-lookup">{t('ops.lookupTitle')}</h1>
      <ActionForm
        action={action}
        onSubmit={async () => {
          const body = phone ? { phone } : { idNumber };
          setFound(list((await opsRequest('POST', '/api/v1/ops/users/lookup', body)).items));
        }}
        errorTitle={t('ops.lookupTitle')}
        submitLabel={t('ops.lookup')}
      >
        <Field
          label={t('ops.lookupPhone')}
          type="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
        />
        <Field
          label={t('ops.lookupId')}
          value={idNumber}
          maxLength={18}
          onChange={(e) => setIdNumber(e.target.value)}
        />
      </ActionForm>
      <div role="status" className="live-region">
        {found && found.length === 0 && <p>{t('ops.noUser')}</p>}
      </div>
      {found && found.length > 0 && (
        <ul className="card-list" data-testid="ops-lookup-results">
          {found.map((u) => (
            <li key={String(u.userId)}>
              {String(u.displayName)} · {String(u.phoneMasked)} · {String(u.idNumberMasked ?? '—')} ·{' '}
              {u.frozen ? t('ops.frozen') : t('ops.active')}{' '}
              <Link to={`/ops/users/${String(u.userId)}`}>{t('ops.open')}</Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function UserDetail({ userId, operator }: { readonly userId: string; readonly operator: Operator }) {
  const { t } = useI18n();
  const ids = useId();
  const [version, setVersion] = useState(0);
  const { data, error } = useOpsLoad(`/api/v1/ops/users/${encodeURIComponent(userId)}`, version);
  const action = useAction();
  const [note, setNote] = useState('');
  const [done, setDone] = useState(false);
  const act = (path: string) =>
    void action.run(async () => {
      await opsRequest('POST', `/api/v1/ops/users/${encodeURIComponent(userId)}/${path}`, { note });
      setDone(true);
      setVersion((n) => n + 1);
    });
  if (error) return <ErrorNotice title={t('ops.nav.users')} error={error} />;
  if (!data) return <p className="loading">{t('app.loading')}</p>;
  const security = (data.security ?? {}) as JsonRecord;
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`}>{t('ops.userTitle', { name: String(data.displayName) })}</h1>
      <p data-testid="ops-user-status">
        {String(data.phoneMasked)} · {data.frozen ? t('ops.frozen') : t('ops.active')}
      </p>
      <p>
        {data.idNumberMasked
          ? t('ops.identity', { name: String(data.realNameMasked), id: String(data.idNumberMasked) })
          : t('ops.noIdentity')}
      </p>
      <h2>{t('ops.security')}</h2>
      <ul>
        {Object.entries(security).map(([k, v]) => (
          <li key={k}>
            {k}: {String(v)}
          </li>
        ))}
      </ul>
      <h2>{t('ops.devices')}</h2>
      <ul>
        {list(data.devices).map((d) => (
          <li key={String(d.id)}>
            {String(d.name)} · {String(d.lastCountry ?? '')} · {String(d.lastSeenAt)}
          </li>
        ))}
      </ul>
      <h2>{t('ops.events')}</h2>
      <ul>
        {list(data.events)
          .slice(0, 20)
          .map((e) => (
            <li key={String(e.id)}>
              {String(e.at)} · {String(e.type)} · {String(e.ip ?? '')}
            </li>
          ))}
      </ul>
      <Field label={t('ops.note')} value={note} maxLength={500} onChange={(e) => setNote(e.target.value)} />
      <ErrorRegion title={t('ops.nav.users')} error={action.error} />
      <div role="status" className="live-region">
        {done && <p className="notice notice-success">{t('ops.done')}</p>}
      </div>
      {operator.permissions.includes('users.freeze') && !data.frozen && (
        <button
          type="button"
          className="button button-danger"
          onClick={() => act('freeze')}
          aria-busy={action.busy}
        >
          {t('ops.freeze')}
        </button>
      )}
      {operator.permissions.includes('users.unfreeze') && Boolean(data.frozen) && (
        <button
          type="button"
          className="button"
          onClick={() => act('approve-unfreeze')}
          aria-busy={action.busy}
        >
          {t('ops.approveUnfreeze')}
        </button>
      )}
    </section>
  );
}

function Decision({ path, onDone }: { readonly path: string; readonly onDone: () => void }) {
  const { t } = useI18n();
  const action = useAction();
  const decide = (approve: boolean) =>
    void action.run(async () => {
      await opsRequest('POST', path, { approve, note: '' });
      onDone();
    });
  return (
    <span>
      <button type="button" className="button" onClick={() => decide(true)} aria-busy={action.busy}>
        {t('ops.approve')}
      </button>{' '}
      <button
        type="button"
        className="button button-quiet"
        onClick={() => decide(false)}
        aria-busy={action.busy}
      >
        {t('ops.reject')}
      </button>
      <ErrorRegion title={t('ops.approve')} error={action.error} />
    </span>
  );
}

/**
 * One of the console's list pages: loads `path` (again when `version` changes), names its errors
 * after the page, and shows the items as a table under the page's heading.
 */
function OpsListPage({
  labelId,
  title,
  path,
  version,
  testId,
  columns,
  showEmpty = true,
  row,
}: {
  readonly labelId: string;
  readonly title: string;
  readonly path: string;
  readonly version?: number;
  readonly testId?: string;
  /** Column headings, distinct; an empty string is the one column without a heading (actions). */
  readonly columns: readonly string[];
  readonly showEmpty?: boolean;
  readonly row: (item: JsonRecord) => ReactNode;
}) {
  const { t } = useI18n();
  const { data, error } = useOpsLoad(path, version);
  if (error) return <ErrorNotice title={title} error={error} />;
  const items = list(data?.items);
  return (
    <section className="card" aria-labelledby={labelId}>
      <h1 id={labelId}>{title}</h1>
      {showEmpty && items.length === 0 && <p>{t('ops.empty')}</p>}
      <table data-testid={testId}>
        <thead>
          <tr>
            {columns.map((heading) => (
              <th key={heading || 'actions'}>{heading}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {items.map((item) => (
            <tr key={String(item.id)}>{row(item)}</tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Recoveries({ operator }: { readonly operator: Operator }) {
  const { t } = useI18n();
  const [version, setVersion] = useState(0);
  return (
    <OpsListPage
      labelId="ops-recoveries"
      title={t('ops.nav.recoveries')}
      path="/api/v1/ops/recoveries"
      version={version}
      columns={[t('ops.created'), t('ops.status'), t('ops.matches'), t('ops.nav.users'), '']}
      row={(r) => (
        <>
          <td>{String(r.createdAt)}</td>
          <td>{String(r.status)}</td>
          <td>{r.identityMatches ? t('ops.yes') : t('ops.no')}</td>
          <td>
            {String(r.newPhoneMasked)}{' '}
            {list(r.documents).map((d, i) => (
              <a
                key={String(d.id)}
                href={`/api/v1/ops/recoveries/${String(r.id)}/documents/${String(d.id)}`}
                target="_blank"
                rel="noreferrer"
              >
                {t('ops.document', { n: i + 1 })}{' '}
              </a>
            ))}
            <RecoveryEvidenceDisclosure recoveryId={String(r.id)} />
          </td>
          <td>
            {r.status === 'pending_review' && operator.permissions.includes('recoveries.decide') && (
              <Decision
                path={`/api/v1/ops/recoveries/${String(r.id)}/decision`}
                onDone={() => setVersion((n) => n + 1)}
              />
            )}
          </td>
        </>
      )}
    />
  );
}

function Claims({ operator }: { readonly operator: Operator }) {
  const { t, locale } = useI18n();
  const [version, setVersion] = useState(0);
  return (
    <OpsListPage
      labelId="ops-claims"
      title={t('ops.nav.claims')}
      path="/api/v1/ops/claims"
      version={version}
      testId="ops-claims"
      columns={[t('ops.created'), t('ops.status'), t('ops.amount'), t('ops.eligible'), t('ops.reasons'), '']}
      row={(c) => (
        <>
          <td>{String(c.createdAt)}</td>
          <td>{String(c.status)}</td>
          <td>
            {formatMoney({ amountMinor: String(c.totalMinor), currency: String(c.currency) }, { locale })}
          </td>
          <td>{c.eligible ? t('ops.yes') : t('ops.no')}</td>
          <td>{Array.isArray(c.reasons) ? c.reasons.join(', ') : ''}</td>
          <td>
            {(c.status === 'submitted' || c.status === 'awaiting_second') &&
              operator.permissions.includes('claims.decide') && (
                <Decision
                  path={`/api/v1/ops/claims/${String(c.id)}/decision`}
                  onDone={() => setVersion((n) => n + 1)}
                />
              )}
          </td>
        </>
      )}
    />
  );
}

function Audit() {
  const { t } = useI18n();
  return (
    <OpsListPage
      labelId="ops-audit"
      title={t('ops.nav.audit')}
      path="/api/v1/ops/audit?limit=100"
      testId="ops-audit"
      columns={[t('ops.auditTime'), t('ops.auditAction'), t('ops.auditActor'), t('ops.auditSubject')]}
      showEmpty={false}
      row={(e) => (
        <>
          <td>{String(e.createdAt)}</td>
          <td>{String(e.action)}</td>
          <td>
            {String(e.actorKind)} {String(e.actorId ?? '')} {String(e.actorRole ?? '')}
          </td>
          <td>{String(e.userId ?? e.subjectId ?? '')}</td>
        </>
      )}
    />
  );
}
