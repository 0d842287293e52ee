/**
 * Changing the phone number and the e-mail address: start (a code to the new address, step-up)
 * → the code → confirm (step-up). A number or address already in use gets no code and the same
 * answer, so the page cannot reveal who else uses it.
 */
import { type FormEvent, useState } from 'react';
import type { Cooldown } from '../api-auth.ts';
import type { SecurityOverview } from '../api-security.ts';
import {
  confirmEmailChange,
  confirmPhoneChange,
  startEmailChange,
  startPhoneChange,
} from '../api-security.ts';
import { DevInboxPanel } from '../dev-inbox-panel.tsx';
import {
  CodeField,
  ErrorRegion,
  Field,
  SendCodeButton,
  StatusRegion,
  useAction,
  useCooldown,
} from '../forms.tsx';
import type { MessageKey } from '../i18n.ts';
import { useI18n } from '../i18n.ts';
import { normalizePhone } from '../sign-in-page.tsx';
import { useStepUp } from '../step-up-dialog.tsx';
import { SectionCard, useSecurityRefresh } from './shared.tsx';

interface ContactCopy {
  readonly title: MessageKey;
  readonly current: MessageKey;
  readonly none: MessageKey;
  readonly newLabel: MessageKey;
  readonly hint: MessageKey;
  readonly send: MessageKey;
  readonly codeSent: MessageKey;
  readonly code: MessageKey;
  readonly confirm: MessageKey;
  readonly changed: MessageKey;
  readonly failed: MessageKey;
}

function ContactChange({
  anchor,
  current,
  copy,
  inputType,
  normalize,
  start,
  confirm,
}: {
  readonly anchor: string;
  readonly current: string | null | undefined;
  readonly copy: ContactCopy;
  readonly inputType: 'tel' | 'email';
  readonly normalize: (value: string) => string;
  readonly start: (address: string) => Promise<Cooldown>;
  readonly confirm: (input: { address: string; code: string }) => Promise<void>;
}) {
  const { t } = useI18n();
  const withStepUp = useStepUp();
  const { refresh } = useSecurityRefresh();
  const [address, setAddress] = useState('');
  const [pending, setPending] = useState<string | null>(null);
  const [code, setCode] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const send = useAction();
  const save = useAction();
  const cooldown = useCooldown();

  async function onSend() {
    setDone(null);
    const target = normalize(address);
    await send.run(async () => {
      await cooldown.timed(() => withStepUp(() => start(target)));
      setPending(target);
    });
  }

  async function onStart(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await onSend();
  }

  async function onConfirm(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (pending === null) return;
    const ok = await save.run(() => withStepUp(() => confirm({ address: pending, code })));
    if (ok) {
      setDone(t(copy.changed, { address: pending }));
      setPending(null);
      setAddress('');
      setCode('');
      refresh();
    }
  }

  return (
    <SectionCard anchor={anchor} title={t(copy.title)}>
      <p>
        {t(copy.current)}:{' '}
        <strong>{current === undefined ? t('app.loading') : (current ?? t(copy.none))}</strong>
      </p>
      {pending === null ? (
        <form className="form" onSubmit={onStart} aria-busy={send.busy}>
          <Field
            label={t(copy.newLabel)}
            hint={t(copy.hint)}
            type={inputType}
            inputMode={inputType}
            autoComplete={inputType === 'tel' ? 'tel' : 'email'}
            required
            value={address}
            onChange={(event) => setAddress(event.target.value)}
          />
          <ErrorRegion title={t('code.sendFailed')} error={send.error} />
          <StatusRegion message={done} />
          <button type="submit" className="button button-primary" aria-busy={send.busy}>
            {send.busy ? t('code.sending') : t(copy.send)}
          </button>
        </form>
      ) : (
        <form className="form" onSubmit={onConfirm} aria-busy={save.busy}>
          <div role="status">
            <p className="hint">{t(copy.codeSent, { address: pending })}</p>
          </div>
          <CodeField label={t(copy.code)} value={code} onValue={setCode} />
          <SendCodeButton
            sent
            busy={send.busy}
            secondsLeft={cooldown.secondsLeft}
            onSend={() => void onSend()}
          />
          <ErrorRegion title={t('code.sendFailed')} error={send.error} />
          <ErrorRegion title={t(copy.failed)} error={save.error} />
          <div className="actions">
            <button type="submit" className="button button-primary" aria-busy={save.busy}>
              {save.busy ? t('common.saving') : t(copy.confirm)}
            </button>
            <button
              type="button"
              className="button"
              onClick={() => {
                setPending(null);
                setCode('');
                save.clearError();
              }}
            >
              {t('common.cancel')}
            </button>
          </div>
          <DevInboxPanel addresses={[pending]} />
        </form>
      )}
    </SectionCard>
  );
}

export function PhoneSection({ overview }: { readonly overview: SecurityOverview | null }) {
  return (
    <ContactChange
      anchor="phone"
      current={overview?.phone}
      inputType="tel"
      normalize={normalizePhone}
      start={startPhoneChange}
      confirm={({ address, code }) => confirmPhoneChange({ phone: address, code })}
      copy={{
        title: 'phone.title',
        current: 'phone.current',
        none: 'overview.none',
        newLabel: 'phone.new',
        hint: 'signIn.phoneHint',
        send: 'phone.send',
        codeSent: 'phone.codeSent',
        code: 'phone.code',
        confirm: 'phone.confirm',
        changed: 'phone.changed',
        failed: 'phone.failed',
      }}
    />
  );
}

export function EmailSection({ overview }: { readonly overview: SecurityOverview | null }) {
  return (
    <ContactChange
      anchor="email"
      current={overview ? overview.email : undefined}
      inputType="email"
      normalize={(value) => value.trim()}
      start={startEmailChange}
      confirm={({ address, code }) => confirmEmailChange({ email: address, code })}
      copy={{
        title: 'email.title',
        current: 'email.current',
        none: 'overview.none',
        newLabel: 'email.new',
        hint: 'email.hint',
        send: 'email.send',
        codeSent: 'email.codeSent',
        code: 'email.code',
        confirm: 'email.confirm',
        changed: 'email.changed',
        failed: 'email.failed',
      }}
    />
  );
}
