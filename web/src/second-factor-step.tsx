/**
 * The second step of a sign-in the server challenged: says why (new device, new country,
 * impossible travel, two-step verification on), lets the person pick one of the methods the
 * account has, and answers the challenge (docs/identity.md, "Sign-in").
 */
import { type FormEvent, useId, useState } from 'react';
import type { User } from './api.ts';
import { ApiError } from './api.ts';
import type { SecondFactorMethod, SignInChallenge } from './api-auth.ts';
import { sendSignInCode, signInPasskeyOptions, verifySignIn } from './api-auth.ts';
import {
  CodeField,
  ErrorRegion,
  Field,
  retryAfterMs,
  SendCodeButton,
  useAction,
  useCooldown,
} from './forms.tsx';
import { isMessageKey, type MessageKey, useI18n } from './i18n.ts';
import { signWithPasskey } from './passkey.ts';
import { useFocusOnMount } from './use-focus-on-mount.ts';

const METHOD_LABELS: Readonly<Record<SecondFactorMethod, MessageKey>> = {
  sms: 'challenge.method.sms',
  totp: 'challenge.method.totp',
  backup_code: 'challenge.method.backup_code',
  passkey: 'challenge.method.passkey',
};

export function SecondFactorStep({
  challenge,
  onSignedIn,
  onRestart,
}: {
  readonly challenge: SignInChallenge;
  readonly onSignedIn: (user: User) => void;
  readonly onRestart: () => void;
}) {
  const { t } = useI18n();
  const ids = useId();
  // The step replaces the password form: move focus to its heading (WCAG 2.2 SC 2.4.3).
  const headingRef = useFocusOnMount<HTMLHeadingElement>(true);
  const methods: readonly SecondFactorMethod[] = challenge.methods.length > 0 ? challenge.methods : ['sms'];
  // TOTP first when the account has it (no message to wait for), else the SMS code.
  const [method, setMethod] = useState<SecondFactorMethod>(
    methods.includes('totp') ? 'totp' : (methods[0] ?? 'sms'),
  );
  const [code, setCode] = useState('');
  const [sent, setSent] = useState(false);
  const send = useAction();
  const verify = useAction();
  const cooldown = useCooldown();

  function choose(next: SecondFactorMethod) {
    setMethod(next);
    setCode('');
    verify.clearError();
  }

  async function onSendCode() {
    await send.run(async () => {
      try {
        const { resendAfterMs } = await sendSignInCode(challenge.challengeToken);
        setSent(true);
        cooldown.start(resendAfterMs);
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs !== null) cooldown.start(waitMs);
        throw error;
      }
    });
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    await verify.run(async () => {
      if (method === 'passkey') {
        const { ceremonyId, options } = await signInPasskeyOptions(challenge.challengeToken);
        const response = await signWithPasskey(options);
        onSignedIn(await verifySignIn(challenge.challengeToken, { method, ceremonyId, response }));
      } else {
        onSignedIn(await verifySignIn(challenge.challengeToken, { method, code }));
      }
    });
  }

  const expired = verify.error instanceof ApiError && verify.error.code === 'challenge_invalid';

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('challenge.title')}
      </h1>
      <p className="lead">{t('challenge.lead')}</p>
      <ul className="reasons">
        {challenge.reasons.map((reason) => {
          const key = `challenge.reason.${reason}`;
          return <li key={reason}>{isMessageKey(key) ? t(key) : reason}</li>;
        })}
      </ul>
      <form className="form" onSubmit={onSubmit} aria-busy={verify.busy}>
        {methods.length > 1 && (
          <fieldset className="choices">
            <legend>{t('challenge.chooseMethod')}</legend>
            {methods.map((m) => (
              <label key={m} className="choice">
                <input
                  type="radio"
                  name={`${ids}-method`}
                  value={m}
                  checked={method === m}
                  onChange={() => choose(m)}
                />
                <span>{t(METHOD_LABELS[m])}</span>
              </label>
            ))}
          </fieldset>
        )}
        {method === 'sms' && (
          <>
            <p className="hint">{t('challenge.smsLead')}</p>
            <SendCodeButton
              sent={sent}
              busy={send.busy}
              secondsLeft={cooldown.secondsLeft}
              onSend={onSendCode}
            />
            <ErrorRegion title={t('code.sendFailed')} error={send.error} />
            <div role="status" className="live-region">
              {sent && <p className="hint">{t('challenge.smsSent')}</p>}
            </div>
            <CodeField label={t('challenge.smsCode')} value={code} onValue={setCode} />
          </>
        )}
        {method === 'totp' && <CodeField label={t('challenge.totpCode')} value={code} onValue={setCode} />}
        {method === 'backup_code' && (
          <Field
            label={t('challenge.backupCode')}
            hint={t('stepUp.backupCodeHint')}
            type="text"
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            required
            maxLength={32}
            value={code}
            onChange={(event) => setCode(event.target.value)}
          />
        )}
        {method === 'passkey' && <p className="hint">{t('challenge.passkeyLead')}</p>}
        <ErrorRegion title={t('challenge.failed')} error={verify.error} />
        <button type="submit" className="button button-primary button-block" aria-busy={verify.busy}>
          {verify.busy
            ? t('challenge.verifying')
            : method === 'passkey'
              ? t('challenge.usePasskey')
              : t('challenge.verify')}
        </button>
      </form>
      <button
        type="button"
        className={expired ? 'button button-block' : 'button button-quiet button-block'}
        onClick={onRestart}
      >
        {t('challenge.restart')}
      </button>
    </section>
  );
}
