/**
 * The code-entry step both second-factor screens share, the sign-in challenge and the step-up
 * dialog: the choice of method (radios), then what that method needs (an SMS code with its send
 * button and cool-down, an authenticator code, a backup code, or a passkey hint). The caller owns
 * the form, the chosen method and the code, and renders any method of its own (the step-up's
 * payment password) through `extra`.
 */
import { type ReactNode, useId, useState } from 'react';
import { CodeField, ErrorRegion, Field, SendCodeButton, useAction, useCooldown } from './forms.tsx';
import { type MessageKey, useI18n } from './i18n.ts';

export interface FactorCodeTexts {
  readonly chooseMethod: MessageKey;
  readonly smsLead: string;
  readonly smsCode: MessageKey;
  /** Said (politely, in a live region) once a code was sent; none: nothing said. */
  readonly smsSent?: MessageKey;
  readonly totpCode: MessageKey;
  readonly backupCode: MessageKey;
  readonly passkeyLead: MessageKey;
}

export function FactorCodeEntry<M extends string>({
  methods,
  method,
  onChoose,
  methodLabels,
  hideSingleChoice = false,
  code,
  onCode,
  sendSmsCode,
  texts,
  extra,
}: {
  readonly methods: readonly M[];
  readonly method: M | null;
  /** The caller clears the code and the submit error: another method, another answer. */
  readonly onChoose: (method: M) => void;
  readonly methodLabels: Readonly<Record<M, MessageKey>>;
  /** No radio group when there is only one method (the sign-in challenge). */
  readonly hideSingleChoice?: boolean;
  readonly code: string;
  readonly onCode: (code: string) => void;
  readonly sendSmsCode: () => Promise<{ resendAfterMs: number }>;
  readonly texts: FactorCodeTexts;
  readonly extra?: ReactNode;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [sent, setSent] = useState(false);
  const send = useAction();
  const cooldown = useCooldown();
  // The methods drawn here: sms, totp, backup_code, passkey; any other is the caller's `extra`.
  const chosen: string | null = method;

  async function onSendCode() {
    await send.run(async () => {
      await cooldown.timed(sendSmsCode);
      setSent(true);
    });
  }

  return (
    <>
      {!(hideSingleChoice && methods.length <= 1) && (
        <fieldset className="choices">
          <legend>{t(texts.chooseMethod)}</legend>
          {methods.map((m) => (
            <label key={m} className="choice">
              <input
                type="radio"
                name={`${ids}-method`}
                value={m}
                checked={method === m}
                onChange={() => onChoose(m)}
              />
              <span>{t(methodLabels[m])}</span>
            </label>
          ))}
        </fieldset>
      )}
      {extra}
      {chosen === 'sms' && (
        <>
          <p className="hint">{texts.smsLead}</p>
          <SendCodeButton
            sent={sent}
            busy={send.busy}
            secondsLeft={cooldown.secondsLeft}
            onSend={onSendCode}
          />
          <ErrorRegion title={t('code.sendFailed')} error={send.error} />
          {texts.smsSent && (
            <div role="status" className="live-region">
              {sent && <p className="hint">{t(texts.smsSent)}</p>}
            </div>
          )}
          <CodeField label={t(texts.smsCode)} value={code} onValue={onCode} />
        </>
      )}
      {chosen === 'totp' && <CodeField label={t(texts.totpCode)} value={code} onValue={onCode} />}
      {chosen === 'backup_code' && (
        <Field
          label={t(texts.backupCode)}
          hint={t('stepUp.backupCodeHint')}
          type="text"
          autoComplete="off"
          autoCapitalize="none"
          spellCheck={false}
          required
          maxLength={32}
          value={code}
          onChange={(event) => onCode(event.target.value)}
        />
      )}
      {chosen === 'passkey' && <p className="hint">{t(texts.passkeyLead)}</p>}
    </>
  );
}
