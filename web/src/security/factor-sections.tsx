/**
 * Second factors: passkeys (list, add, rename, remove), the authenticator app (TOTP: enrol with
 * the server's QR code, confirm with a code, turn off) and backup codes (generate, shown once).
 */
import { type FormEvent, useId, useRef, useState } from 'react';
import type { Passkey, SecurityOverview, TotpEnrollment } from '../api-security.ts';
import {
  addPasskey,
  confirmTotp,
  disableTotp,
  enrollTotp,
  fetchPasskeys,
  generateBackupCodes,
  passkeyRegistrationOptions,
  removePasskey,
  renamePasskey,
} from '../api-security.ts';
import { CodeField, ErrorRegion, Field, StatusRegion, useAction } from '../forms.tsx';
import { useI18n } from '../i18n.ts';
import { createPasskey } from '../passkey.ts';
import { useStepUp } from '../step-up-dialog.tsx';
import {
  ConfirmButton,
  NamedItem,
  RemovableList,
  SectionCard,
  useDateTimeFormat,
  useLoad,
  useRemoval,
  useSecurityRefresh,
} from './shared.tsx';

/** The server's limit on a passkey's name. */
export const PASSKEY_NAME_LENGTH_MAX = 64;

/** A name for a new passkey that says where it lives: "Chrome on Linux", "Safari on iPhone". */
export function suggestPasskeyName(userAgent: string): string {
  const browser = /Edg\//.test(userAgent)
    ? 'Edge'
    : /Firefox\//.test(userAgent)
      ? 'Firefox'
      : /Chrom(e|ium)\//.test(userAgent)
        ? 'Chrome'
        : /Safari\//.test(userAgent)
          ? 'Safari'
          : null;
  const system = /iPhone|iPad/.test(userAgent)
    ? 'iPhone'
    : /Android/.test(userAgent)
      ? 'Android'
      : /Mac OS X/.test(userAgent)
        ? 'Mac'
        : /Windows/.test(userAgent)
          ? 'Windows'
          : /Linux/.test(userAgent)
            ? 'Linux'
            : null;
  if (browser && system) return `${browser} on ${system}`;
  return browser ?? system ?? 'Passkey';
}

export function PasskeysSection() {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const passkeys = useLoad(fetchPasskeys);
  const [name, setName] = useState(() => suggestPasskeyName(navigator.userAgent));
  const add = useAction();
  const removal = useRemoval<Passkey>({
    remove: (passkey) => withStepUp(() => removePasskey(passkey.id)),
    removedMessage: (passkey) => t('passkeys.removed', { name: passkey.name }),
  });

  async function onAdd(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    removal.setDone(null);
    const trimmed = name.trim();
    const ok = await add.run(async () => {
      const { ceremonyId, options } = await withStepUp(passkeyRegistrationOptions);
      const response = await createPasskey(options);
      await addPasskey({ ceremonyId, response, name: trimmed });
    });
    if (ok) {
      removal.setDone(t('passkeys.added', { name: trimmed }));
      setName(suggestPasskeyName(navigator.userAgent));
      refresh();
    }
  }

  return (
    <SectionCard
      anchor="passkeys"
      title={t('passkeys.title')}
      lead={t('passkeys.lead')}
      busy={passkeys.phase === 'loading'}
    >
      <RemovableList
        loaded={passkeys}
        listLabel={t('passkeys.listLabel')}
        emptyText={t('passkeys.empty')}
        removeFailedTitle={t('passkeys.removeFailed')}
        removeError={removal.action.error}
        renderItem={(passkey) => (
          <PasskeyItem
            key={passkey.id}
            passkey={passkey}
            busy={removal.action.busy}
            onRemove={() => void removal.onRemove(passkey)}
          />
        )}
      />
      <form className="form add-form" onSubmit={onAdd} aria-busy={add.busy}>
        <Field
          label={t('passkeys.name')}
          hint={t('passkeys.nameHint')}
          type="text"
          required
          maxLength={PASSKEY_NAME_LENGTH_MAX}
          value={name}
          onChange={(event) => setName(event.target.value)}
        />
        <ErrorRegion title={t('passkeys.addFailed')} error={add.error} />
        <StatusRegion message={removal.done} />
        <button type="submit" className="button button-primary" aria-busy={add.busy}>
          {add.busy ? t('passkeys.adding') : t('passkeys.add')}
        </button>
      </form>
    </SectionCard>
  );
}

function PasskeyItem({
  passkey,
  busy,
  onRemove,
}: {
  readonly passkey: Passkey;
  readonly busy: boolean;
  readonly onRemove: () => void;
}) {
  const { t } = useI18n();
  const dateFormat = useDateTimeFormat();
  return (
    <NamedItem
      className="item passkey-item"
      name={passkey.name}
      tags={passkey.backedUp && <span className="tag">{t('passkeys.synced')}</span>}
      meta={
        <>
          {t('passkeys.created', { date: dateFormat.format(passkey.createdAt) })}
          {' · '}
          {passkey.lastUsedAt
            ? t('passkeys.lastUsed', { date: dateFormat.format(passkey.lastUsedAt) })
            : t('passkeys.neverUsed')}
        </>
      }
      rename={{
        label: t('passkeys.renameLabel', { name: passkey.name }),
        lengthMax: PASSKEY_NAME_LENGTH_MAX,
        onRename: (name) => renamePasskey(passkey.id, name),
      }}
      remove={{
        label: t('common.remove'),
        name: t('common.removeNamed', { name: passkey.name }),
        question: t('passkeys.removeQuestion', { name: passkey.name }),
        busy,
        onConfirm: onRemove,
      }}
    />
  );
}

export function TotpSection({ overview }: { readonly overview: SecurityOverview | null }) {
  const { t } = useI18n();
  const ids = useId();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [enrollment, setEnrollment] = useState<TotpEnrollment | null>(null);
  const [code, setCode] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const start = useAction();
  const confirm = useAction();
  const disable = useAction();

  async function onStart() {
    setDone(null);
    await start.run(async () => {
      setEnrollment(await withStepUp(enrollTotp));
      setCode('');
    });
  }

  async function onConfirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const ok = await confirm.run(() => confirmTotp(code));
    if (ok) {
      setEnrollment(null);
      setDone(t('totp.enabled'));
      refresh();
    }
  }

  async function onDisable() {
    setDone(null);
    const ok = await disable.run(() => withStepUp(disableTotp));
    if (ok) {
      setDone(t('totp.disabled'));
      refresh();
    }
  }

  return (
    <SectionCard anchor="totp" title={t('totp.title')} lead={t('totp.lead')}>
      {overview === null ? null : overview.totp ? (
        <>
          <p>
            <span className="tag tag-posted">{t('common.on')}</span> {t('totp.onText')}
          </p>
          <ErrorRegion title={t('totp.disableFailed')} error={disable.error} />
          <ConfirmButton
            label={t('totp.disable')}
            question={t('totp.disableQuestion')}
            confirmLabel={t('totp.disable')}
            busy={disable.busy}
            onConfirm={() => void onDisable()}
          />
        </>
      ) : enrollment === null ? (
        <>
          <p>
            <span className="tag">{t('common.off')}</span> {t('totp.offText')}
          </p>
          <ErrorRegion title={t('totp.startFailed')} error={start.error} />
          <button type="button" className="button button-primary" onClick={onStart} aria-busy={start.busy}>
            {start.busy ? t('common.working') : t('totp.start')}
          </button>
        </>
      ) : (
        <form className="form" onSubmit={onConfirm} aria-busy={confirm.busy}>
          <ol className="steps">
            <li>{t('totp.step1')}</li>
            <li>
              {t('totp.step2')}
              <div className="qr">
                {/* An <img> never runs script inside the SVG, so the server's markup needs no sanitising. */}
                <img
                  src={`data:image/svg+xml;charset=utf-8,${encodeURIComponent(enrollment.qrSvg)}`}
                  alt={t('totp.qrAlt')}
                  width={192}
                  height={192}
                />
              </div>
              <p className="hint" id={`${ids}-secret`}>
                {t('totp.secretLabel')}
              </p>
              <code className="secret" aria-describedby={`${ids}-secret`}>
                {enrollment.secret.replace(/(.{4})/g, '$1 ').trim()}
              </code>
            </li>
            <li>{t('totp.step3')}</li>
          </ol>
          <CodeField label={t('totp.code')} value={code} onValue={setCode} />
          <ErrorRegion title={t('totp.confirmFailed')} error={confirm.error} />
          <div className="actions">
            <button type="submit" className="button button-primary" aria-busy={confirm.busy}>
              {confirm.busy ? t('common.working') : t('totp.confirm')}
            </button>
            <button type="button" className="button" onClick={() => setEnrollment(null)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
      <StatusRegion message={done} />
    </SectionCard>
  );
}

export function BackupCodesSection({ overview }: { readonly overview: SecurityOverview | null }) {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [codes, setCodes] = useState<readonly string[] | null>(null);
  const [copied, setCopied] = useState<string | null>(null);
  const generate = useAction();
  const copy = useAction();
  const listRef = useRef<HTMLOListElement>(null);

  async function onGenerate() {
    setCopied(null);
    const ok = await generate.run(async () => {
      setCodes(await withStepUp(generateBackupCodes));
    });
    if (ok) {
      refresh();
      // The codes appear once: take the reader straight to them.
      window.setTimeout(() => listRef.current?.focus(), 0);
    }
  }

  async function onCopy() {
    if (codes === null) return;
    await copy.run(async () => {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied(t('backupCodes.copied'));
    });
  }

  const left = overview?.backupCodesLeft ?? 0;
  return (
    <SectionCard anchor="backup-codes" title={t('backupCodes.title')} lead={t('backupCodes.lead')}>
      {overview !== null && <p>{t('overview.backupCodesLeft', { count: left })}</p>}
      {codes !== null && (
        <div className="backup-codes">
          <p className="notice notice-warning">{t('backupCodes.showOnce')}</p>
          <ol className="code-list" ref={listRef} tabIndex={-1} aria-label={t('backupCodes.listLabel')}>
            {codes.map((code) => (
              <li key={code}>
                <code>{code}</code>
              </li>
            ))}
          </ol>
          <div className="actions">
            <button type="button" className="button" onClick={onCopy}>
              {t('backupCodes.copy')}
            </button>
            <button type="button" className="button" onClick={() => window.print()}>
              {t('backupCodes.print')}
            </button>
            <button type="button" className="button" onClick={() => setCodes(null)}>
              {t('backupCodes.hide')}
            </button>
          </div>
          <ErrorRegion title={t('backupCodes.copyFailed')} error={copy.error} />
          <StatusRegion message={copied} />
        </div>
      )}
      <ErrorRegion title={t('backupCodes.failed')} error={generate.error} />
      {codes === null &&
        (left > 0 ? (
          <ConfirmButton
            label={t('backupCodes.regenerate')}
            question={t('backupCodes.regenerateQuestion')}
            confirmLabel={t('backupCodes.regenerate')}
            busy={generate.busy}
            onConfirm={() => void onGenerate()}
            danger={false}
          />
        ) : (
          <button
            type="button"
            className="button button-primary"
            onClick={onGenerate}
            aria-busy={generate.busy}
          >
            {generate.busy ? t('common.working') : t('backupCodes.generate')}
          </button>
        ))}
    </SectionCard>
  );
}
