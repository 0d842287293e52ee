/**
 * Account help (/recovery, no sign-in): freeze, unfreeze, forgot login password, forgot payment
 * password — each "phone → SMS code → what the kind needs" — and "lost my phone", the manual
 * review request with document uploads. The server answers the same for every phone number; this
 * page says "if this number has an account…" for the same reason. /recovery/cancel is the
 * one-click cancel of an approved manual recovery.
 */
import { useId, useState } from 'react';
import {
  cancelManualRecovery,
  completeUnfreeze,
  type Factor,
  freezeById,
  type Methods,
  type RecoveryKind,
  resetLoginPassword,
  resetPaymentPassword,
  sendManualNewPhoneCode,
  startRecovery,
  submitManualRecovery,
  verifyRecoveryCode,
} from './api-recovery.ts';
import {
  ActionForm,
  CodeField,
  digitsOnly,
  ErrorRegion,
  Field,
  PAYMENT_PASSWORD_LENGTH,
  useAction,
} from './forms.tsx';
import { type MessageKey, useI18n } from './i18n.ts';
import { PasskeyFactorHint, passkeyFactor } from './recovery-passkey-factor.tsx';
import { Link, ROUTES } from './router.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

type Tab = RecoveryKind | 'manual';
const TABS: readonly Tab[] = ['freeze', 'unfreeze', 'forgot-login', 'forgot-payment', 'manual'];

export function RecoveryPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [tab, setTab] = useState<Tab>('freeze');
  return (
    <section className="card" aria-labelledby="recovery-title">
      <h1 id="recovery-title" ref={headingRef} tabIndex={-1}>
        {t('recovery.title')}
      </h1>
      <p className="lead">{t('recovery.lead')}</p>
      <div className="tabs" role="tablist" aria-label={t('recovery.title')}>
        {TABS.map((k) => (
          <button
            key={k}
            type="button"
            role="tab"
            className="tab"
            aria-selected={tab === k}
            onClick={() => setTab(k)}
          >
            {t(`recovery.kind.${k}` as MessageKey)}
          </button>
        ))}
      </div>
      <div role="tabpanel">
        {tab === 'manual' ? <ManualForm /> : <SelfServiceFlow key={tab} kind={tab} />}
        {tab === 'freeze' && <FreezeByIdForm />}
      </div>
      <p className="switch-page">
        <Link to={ROUTES.signIn}>{t('recovery.toSignIn')}</Link>
      </p>
    </section>
  );
}

function SelfServiceFlow({ kind }: { readonly kind: RecoveryKind }) {
  const { t } = useI18n();
  const action = useAction();
  const [phone, setPhone] = useState('');
  const [attempt, setAttempt] = useState<{ attemptToken: string; humanCheck: string | null } | null>(null);
  const [code, setCode] = useState('');
  const [methods, setMethods] = useState<Methods | null>(null);
  const [done, setDone] = useState(false);

  if (done) {
    return (
      <div role="status">
        <p className="notice notice-success">
          {kind === 'freeze' ? t('recovery.frozenDone') : t('recovery.done')}
        </p>
        {kind !== 'freeze' && <Link to={ROUTES.signIn}>{t('recovery.toSignIn')}</Link>}
      </div>
    );
  }
  if (!attempt) {
    return (
      <ActionForm
        action={action}
        onSubmit={async () => setAttempt(await startRecovery(kind, phone))}
        errorTitle={t('recovery.sendCode')}
        submitLabel={action.busy ? t('recovery.sending') : t('recovery.sendCode')}
      >
        <Field
          label={t('recovery.phone')}
          type="tel"
          autoComplete="tel"
          value={phone}
          onChange={(e) => setPhone(e.target.value)}
          required
        />
      </ActionForm>
    );
  }
  if (!methods) {
    return (
      <ActionForm
        action={action}
        onSubmit={async () => {
          const m = await verifyRecoveryCode(kind, attempt.attemptToken, code);
          if (kind === 'freeze') setDone(true);
          else setMethods(m);
        }}
        errorTitle={t('recovery.verify')}
        submitLabel={action.busy ? t('recovery.verifying') : t('recovery.verify')}
      >
        <div role="status">
          <p className="notice">{t('recovery.sent')}</p>
        </div>
        <CodeField label={t('recovery.code')} value={code} onValue={setCode} />
      </ActionForm>
    );
  }
  return (
    <FinishForm
      kind={kind}
      attemptToken={attempt.attemptToken}
      humanCheck={attempt.humanCheck}
      methods={methods}
      onDone={() => setDone(true)}
    />
  );
}

function FinishForm({
  kind,
  attemptToken,
  humanCheck,
  methods,
  onDone,
}: {
  readonly kind: RecoveryKind;
  readonly attemptToken: string;
  readonly humanCheck: string | null;
  readonly methods: Methods;
  readonly onDone: () => void;
}) {
  const { t } = useI18n();
  const ids = useId();
  const action = useAction();
  const factorChoices = (['passkey', 'totp', 'backup_code', 'id_check'] as const).filter(
    (m) =>
      (m === 'passkey' && methods.passkey) ||
      (m === 'totp' && methods.totp) ||
      (m === 'backup_code' && methods.backupCode) ||
      (m === 'id_check' && methods.idCheck && kind === 'forgot-login'),
  );
  const [method, setMethod] = useState<(typeof factorChoices)[number] | undefined>(factorChoices[0]);
  const [factorCode, setFactorCode] = useState('');
  const [realName, setRealName] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [newPaymentPassword, setNewPaymentPassword] = useState('');
  const [humanAnswer, setHumanAnswer] = useState('');
  const approved = kind === 'unfreeze' && methods.operatorApproved;
  const needsFactor = kind === 'forgot-login' || (kind === 'unfreeze' && !approved);
  const needsId = kind === 'forgot-payment' || (kind === 'unfreeze' && !approved) || method === 'id_check';

  async function factor(): Promise<Factor | undefined> {
    if (!method) return undefined;
    if (method === 'passkey') return passkeyFactor(kind, attemptToken);
    if (method === 'id_check') return { method, realName, idNumber };
    return { method, code: factorCode };
  }

  async function submit() {
    if (kind === 'forgot-login') {
      const f = await factor();
      // Without a factor the server answers second_factor_required: never skipped silently.
      await resetLoginPassword({ attemptToken, newPassword, ...(f ? { factor: f } : {}) });
    } else if (kind === 'forgot-payment') {
      await resetPaymentPassword({ attemptToken, realName, idNumber, humanAnswer, newPaymentPassword });
    } else {
      const f = approved ? undefined : await factor();
      await completeUnfreeze({
        attemptToken,
        newPassword,
        newPaymentPassword,
        ...(approved ? {} : { realName, idNumber }),
        ...(f && !approved ? { factor: f } : {}),
      });
    }
    onDone();
  }

  return (
    <ActionForm
      action={action}
      onSubmit={submit}
      errorTitle={t('recovery.submit')}
      submitLabel={action.busy ? t('recovery.submitting') : t('recovery.submit')}
    >
      {approved && <p className="notice">{t('recovery.operatorApproved')}</p>}
      {needsFactor && factorChoices.length === 0 && (
        <p className="notice notice-error">{t('recovery.noFactor')}</p>
      )}
      {needsFactor && factorChoices.length > 0 && (
        <fieldset>
          <legend>{t('recovery.factor')}</legend>
          {factorChoices.map((m) => (
            <div className="field field-check" key={m}>
              <input
                id={`${ids}-${m}`}
                type="radio"
                name={`${ids}-factor`}
                checked={method === m}
                onChange={() => setMethod(m)}
              />
              <label htmlFor={`${ids}-${m}`}>{t(`recovery.factor.${m}` as MessageKey)}</label>
            </div>
          ))}
          {method === 'passkey' && <PasskeyFactorHint />}
          {method && method !== 'id_check' && method !== 'passkey' && (
            <Field
              label={t('recovery.factorCode')}
              value={factorCode}
              autoComplete="one-time-code"
              onChange={(e) => setFactorCode(e.target.value)}
            />
          )}
        </fieldset>
      )}
      {needsId && (
        <>
          <Field
            label={t('recovery.realName')}
            value={realName}
            autoComplete="name"
            onChange={(e) => setRealName(e.target.value)}
          />
          <Field
            label={t('recovery.idNumber')}
            value={idNumber}
            maxLength={18}
            onChange={(e) => setIdNumber(e.target.value)}
          />
        </>
      )}
      {kind === 'forgot-payment' && humanCheck && (
        <Field
          label={t('recovery.humanCheck', { question: humanCheck })}
          inputMode="numeric"
          value={humanAnswer}
          onChange={(e) => setHumanAnswer(e.target.value)}
        />
      )}
      {kind !== 'forgot-payment' && (
        <Field
          label={t('recovery.newPassword')}
          type="password"
          autoComplete="new-password"
          value={newPassword}
          onChange={(e) => setNewPassword(e.target.value)}
        />
      )}
      {kind !== 'forgot-login' && (
        <Field
          label={t('recovery.newPaymentPassword')}
          type="password"
          inputMode="numeric"
          autoComplete="off"
          value={newPaymentPassword}
          onChange={(e) => setNewPaymentPassword(digitsOnly(e.target.value, PAYMENT_PASSWORD_LENGTH))}
        />
      )}
    </ActionForm>
  );
}

/** Freezing when the phone itself is gone: phone number + real name + ID number. */
function FreezeByIdForm() {
  const { t } = useI18n();
  const action = useAction();
  const [phone, setPhone] = useState('');
  const [realName, setRealName] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [done, setDone] = useState(false);
  return (
    <ActionForm
      action={action}
      onSubmit={async () => {
        await freezeById({ phone, realName, idNumber });
        setDone(true);
      }}
      errorTitle={t('recovery.byIdTitle')}
      submitLabel={t('recovery.kind.freeze')}
      buttonClassName="button button-danger"
      status={
        <div role="status" className="live-region">
          {done && <p className="notice notice-success">{t('recovery.byIdDone')}</p>}
        </div>
      }
    >
      <h2>{t('recovery.byIdTitle')}</h2>
      <Field
        label={t('recovery.phone')}
        type="tel"
        value={phone}
        onChange={(e) => setPhone(e.target.value)}
      />
      <Field label={t('recovery.realName')} value={realName} onChange={(e) => setRealName(e.target.value)} />
      <Field
        label={t('recovery.idNumber')}
        maxLength={18}
        value={idNumber}
        onChange={(e) => setIdNumber(e.target.value)}
      />
    </ActionForm>
  );
}

function ManualForm() {
  const { t } = useI18n();
  const ids = useId();
  const sendCode = useAction();
  const submit = useAction();
  const [oldPhone, setOldPhone] = useState('');
  const [newPhone, setNewPhone] = useState('');
  const [code, setCode] = useState('');
  const [realName, setRealName] = useState('');
  const [idNumber, setIdNumber] = useState('');
  const [remembered, setRemembered] = useState('');
  const [files, setFiles] = useState<FileList | null>(null);
  const [statusToken, setStatusToken] = useState<string | null>(null);
  const [sent, setSent] = useState(false);

  if (statusToken) {
    return (
      <div role="status">
        <p className="notice notice-success">{t('manual.submitted', { token: statusToken })}</p>
      </div>
    );
  }
  return (
    <ActionForm
      action={submit}
      onSubmit={async () => {
        const form = new FormData();
        form.set('oldPhone', oldPhone);
        form.set('newPhone', newPhone);
        form.set('newPhoneCode', code);
        form.set('realName', realName);
        form.set('idNumber', idNumber);
        form.set('rememberedTransactions', remembered);
        for (const file of Array.from(files ?? [])) form.append('document', file, file.name);
        setStatusToken(await submitManualRecovery(form));
      }}
      errorTitle={t('recovery.submit')}
      submitLabel={submit.busy ? t('recovery.submitting') : t('recovery.submit')}
    >
      <p>{t('manual.lead')}</p>
      <Field
        label={t('manual.oldPhone')}
        type="tel"
        value={oldPhone}
        onChange={(e) => setOldPhone(e.target.value)}
      />
      <Field
        label={t('manual.newPhone')}
        type="tel"
        value={newPhone}
        onChange={(e) => setNewPhone(e.target.value)}
      />
      <button
        type="button"
        className="button"
        aria-busy={sendCode.busy}
        onClick={() =>
          void sendCode.run(async () => {
            await sendManualNewPhoneCode(newPhone);
            setSent(true);
          })
        }
      >
        {sendCode.busy ? t('recovery.sending') : t('recovery.sendCode')}
      </button>
      <ErrorRegion title={t('recovery.sendCode')} error={sendCode.error} />
      {sent && <CodeField label={t('recovery.code')} value={code} onValue={setCode} />}
      <Field label={t('recovery.realName')} value={realName} onChange={(e) => setRealName(e.target.value)} />
      <Field
        label={t('recovery.idNumber')}
        value={idNumber}
        maxLength={18}
        onChange={(e) => setIdNumber(e.target.value)}
      />
      <Field
        label={t('manual.remembered')}
        value={remembered}
        maxLength={2000}
        onChange={(e) => setRemembered(e.target.value)}
      />
      <div className="field">
        <label htmlFor={`${ids}-files`}>{t('manual.documents')}</label>
        <input
          id={`${ids}-files`}
          type="file"
          multiple
          accept="image/jpeg,image/png,application/pdf"
          onChange={(e) => setFiles(e.target.files)}
        />
      </div>
    </ActionForm>
  );
}

const TOKEN_PATTERN = /^[A-Za-z0-9_-]{16,128}$/;

export function RecoveryCancelPage({
  search,
  focusHeading,
}: {
  readonly search: string;
  readonly focusHeading: boolean;
}) {
  const { t } = useI18n();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const action = useAction();
  const [done, setDone] = useState(false);
  const token = new URLSearchParams(search).get('token') ?? '';
  return (
    <section className="card" aria-labelledby="cancel-title">
      <h1 id="cancel-title" ref={headingRef} tabIndex={-1}>
        {t('cancel.title')}
      </h1>
      <p className="lead">{t('cancel.lead')}</p>
      <div role="status" className="live-region">
        {done && <p className="notice notice-success">{t('cancel.done')}</p>}
      </div>
      {!TOKEN_PATTERN.test(token) && <p className="notice notice-error">{t('cancel.noToken')}</p>}
      {TOKEN_PATTERN.test(token) && !done && (
        <>
          <ErrorRegion title={t('cancel.title')} error={action.error} />
          <button
            type="button"
            className="button button-danger button-block"
            aria-busy={action.busy}
            onClick={() =>
              void action.run(async () => {
                await cancelManualRecovery(token);
                setDone(true);
              })
            }
          >
            {action.busy ? t('cancel.cancelling') : t('cancel.button')}
          </button>
        </>
      )}
    </section>
  );
}
