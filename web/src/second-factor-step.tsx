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
import { FactorCodeEntry } from './factor-code-entry.tsx';
import { ErrorRegion, useAction } from './forms.tsx';
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
  const verify = useAction();

  function choose(next: SecondFactorMethod) {
    setMethod(next);
    setCode('');
    verify.clearError();
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
        <FactorCodeEntry
          methods={methods}
          method={method}
          onChoose={choose}
          methodLabels={METHOD_LABELS}
          hideSingleChoice
          code={code}
          onCode={setCode}
          sendSmsCode={() => sendSignInCode(challenge.challengeToken)}
          texts={{
            chooseMethod: 'challenge.chooseMethod',
            smsLead: t('challenge.smsLead'),
            smsCode: 'challenge.smsCode',
            smsSent: 'challenge.smsSent',
            totpCode: 'challenge.totpCode',
            backupCode: 'challenge.backupCode',
            passkeyLead: 'challenge.passkeyLead',
          }}
        />
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
