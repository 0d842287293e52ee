/**
 * Step-up: sensitive changes answer 403 step_up_required until the person confirms it is them
 * (within the last 5 minutes, docs/identity.md). `useStepUp()` wraps any such call: it runs it,
 * and on step_up_required opens one modal dialog (payment password, SMS code, authenticator
 * code, backup code or passkey — whichever the account has), then runs the call once more.
 * The security lock's second_factor_required and the risk engine's risk_second_factor_required
 * (a challenged security change, withdrawal or family-card payment, docs/risk.md) open it without
 * the payment password. Closing the dialog rejects with CancelledError, which useAction ignores —
 * except on a risk challenge, where the person is told the change (or the withdrawal, or the
 * family-card payment) was not made and why.
 *
 * The identity check (403 identity_check_required: lifting the payment lock early, changing the
 * login password, replacing the payment password without the current one; docs/identity.md) is
 * the same dialog with a login-password field beside the second factor: an SMS code alone reaches
 * whoever holds the phone. A call that will need it says so (`identityCheck`), so the first
 * dialog already asks for the password and the person confirms once.
 */
import {
  createContext,
  type FormEvent,
  type ReactNode,
  useCallback,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import {
  ApiError,
  isIdentityCheckRequired,
  isRiskSecondFactorRequired,
  isSecondFactorRequired,
  isStepUpRequired,
} from './api.ts';
import type { SecurityOverview, StepUpMethod } from './api-security.ts';
import { fetchSecurityOverview, sendStepUpCode, stepUp, stepUpPasskeyOptions } from './api-security.ts';
import { DevInboxPanel } from './dev-inbox-panel.tsx';
import { FactorCodeEntry } from './factor-code-entry.tsx';
import { CancelledError, ErrorRegion, Field, PaymentPasswordField, useAction } from './forms.tsx';
import type { MessageKey } from './i18n.ts';
import { useI18n } from './i18n.ts';
import { signWithPasskey } from './passkey.ts';

/**
 * What a risk challenge protects, for the dialog's lead and the message a closed dialog leaves:
 * a security change (the default), a withdrawal to a card or a payment with a family card. Only
 * the wording differs; the server's rule is the same (docs/risk.md, "Security changes" and
 * "Withdrawals"; docs/agreements.md, "Risk decisions").
 */
export type RiskSubject = 'change' | 'withdrawal' | 'family_card_payment';

/** The dialog's lead for each subject of a risk challenge. */
const RISK_LEADS: Readonly<Record<RiskSubject, MessageKey>> = {
  change: 'stepUp.riskLead',
  withdrawal: 'stepUp.riskLeadWithdrawal',
  family_card_payment: 'stepUp.riskLeadFamilyCard',
};

/**
 * What a call needs besides a fresh step-up: the identity check (the login password plus a second
 * factor), or — replacing the payment password — that or the current payment password.
 */
export type IdentityCheck = 'required' | 'or_payment_password';

export interface StepUpOptions {
  readonly riskSubject?: RiskSubject;
  readonly identityCheck?: IdentityCheck;
}

type WithStepUp = <T>(work: () => Promise<T>, options?: StepUpOptions) => Promise<T>;

const StepUpContext = createContext<WithStepUp>((work) => work());

/** Runs a sensitive call; on 403 step_up_required asks the person to confirm, then retries once. */
export function useStepUp(): WithStepUp {
  return useContext(StepUpContext);
}

/**
 * Why the dialog opens: the route wants a fresh step-up (step_up_required), the security lock
 * wants a second factor (second_factor_required), the risk engine challenged a security change
 * (risk_second_factor_required), or the change needs the identity check (identity_check_required).
 * The middle two never offer the payment password.
 */
type StepUpReason = 'step_up' | 'second_factor' | 'risk' | 'identity_check';

function stepUpReasonOf(error: unknown): StepUpReason | null {
  if (isStepUpRequired(error)) return 'step_up';
  if (isSecondFactorRequired(error)) return 'second_factor';
  if (isRiskSecondFactorRequired(error)) return 'risk';
  if (isIdentityCheckRequired(error)) return 'identity_check';
  return null;
}

/** Whether the dialog asks for the login password: on the server's identity_check_required (its
 *  details say whether the payment password would do instead), or ahead of it when the call said
 *  it will need it. Never for the security lock's or the risk engine's second factor. */
function identityCheckFor(
  reason: StepUpReason,
  error: unknown,
  options?: StepUpOptions,
): IdentityCheck | null {
  if (reason === 'identity_check') {
    const accepts = error instanceof ApiError ? error.details?.acceptsPaymentPassword : undefined;
    if (typeof accepts === 'boolean') return accepts ? 'or_payment_password' : 'required';
    return options?.identityCheck ?? 'required';
  }
  return reason === 'step_up' ? (options?.identityCheck ?? null) : null;
}

/** What a closed risk dialog leaves on the form: the server's code, and (describeError, by
 *  `details.riskSubject`) the sentence that the change or withdrawal was not made and why. */
function riskCheckCancelled(challenge: unknown, riskSubject: RiskSubject): ApiError {
  return new ApiError({
    kind: 'browser',
    status: challenge instanceof ApiError ? challenge.status : 403,
    code: 'risk_second_factor_required',
    message: `The second-factor check was cancelled; the ${riskSubject.replaceAll('_', ' ')} was not made.`,
    details: { riskSubject },
  });
}

interface Pending {
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly reason: StepUpReason;
  readonly riskSubject: RiskSubject;
  readonly identityCheck: IdentityCheck | null;
}

export function StepUpProvider({ children }: { readonly children: ReactNode }) {
  const [pending, setPending] = useState<Pending | null>(null);
  // One dialog at a time: a second sensitive call while it is open waits for the same answer.
  const waiting = useRef<Promise<void> | null>(null);

  const confirm = useCallback(
    (reason: StepUpReason, riskSubject: RiskSubject, identityCheck: IdentityCheck | null): Promise<void> => {
      waiting.current ??= new Promise<void>((resolve, reject) => {
        setPending({ resolve, reject, reason, riskSubject, identityCheck });
      }).finally(() => {
        waiting.current = null;
        setPending(null);
      });
      return waiting.current;
    },
    [],
  );

  const withStepUp = useCallback<WithStepUp>(
    async (work, options) => {
      const riskSubject = options?.riskSubject ?? 'change';
      // Each reason is asked at most once per call, so there are at most four retries: a stale
      // step-up answered with the payment password may be followed by the risk engine's
      // challenge, which wants a second factor (docs/risk.md); the same refusal twice is final.
      const asked = new Set<StepUpReason>();
      for (;;) {
        try {
          return await work();
        } catch (error) {
          const reason = stepUpReasonOf(error);
          if (reason === null || asked.has(reason)) throw error;
          asked.add(reason);
          try {
            await confirm(reason, riskSubject, identityCheckFor(reason, error, options));
          } catch (closed) {
            // A closed risk dialog is not silent: the change did not happen, and the form says why.
            if (reason === 'risk' && closed instanceof CancelledError)
              throw riskCheckCancelled(error, riskSubject);
            throw closed;
          }
        }
      }
    },
    [confirm],
  );

  return (
    <StepUpContext value={withStepUp}>
      {children}
      {pending !== null && (
        <StepUpDialog
          reason={pending.reason}
          riskSubject={pending.riskSubject}
          identityCheck={pending.identityCheck}
          onDone={pending.resolve}
          onCancel={() => pending.reject(new CancelledError('step-up cancelled'))}
        />
      )}
    </StepUpContext>
  );
}

const METHOD_LABELS: Readonly<Record<StepUpMethod, MessageKey>> = {
  payment_password: 'stepUp.method.payment_password',
  sms: 'stepUp.method.sms',
  totp: 'stepUp.method.totp',
  backup_code: 'stepUp.method.backup_code',
  passkey: 'stepUp.method.passkey',
};

/** The methods this account can use, in the order offered. */
export function stepUpMethods(overview: SecurityOverview, secondFactorOnly = false): StepUpMethod[] {
  const methods: StepUpMethod[] = [];
  if (!secondFactorOnly && overview.hasPaymentPassword && overview.paymentLockedUntil === null)
    methods.push('payment_password');
  if (overview.passkeys > 0) methods.push('passkey');
  if (overview.totp) methods.push('totp');
  methods.push('sms');
  if (overview.backupCodesLeft > 0) methods.push('backup_code');
  return methods;
}

/** The dialog's lead: what is asked and why. */
function leadOf(
  reason: StepUpReason,
  riskSubject: RiskSubject,
  identityCheck: IdentityCheck | null,
): MessageKey {
  if (reason === 'risk') return RISK_LEADS[riskSubject];
  if (reason === 'second_factor') return 'stepUp.secondFactorLead';
  if (identityCheck === 'required') return 'stepUp.identityCheckLead';
  if (identityCheck === 'or_payment_password') return 'stepUp.identityCheckLeadOrPin';
  return 'stepUp.lead';
}

function StepUpDialog({
  reason,
  riskSubject,
  identityCheck,
  onDone,
  onCancel,
}: {
  readonly reason: StepUpReason;
  readonly riskSubject: RiskSubject;
  readonly identityCheck: IdentityCheck | null;
  readonly onDone: () => void;
  readonly onCancel: () => void;
}) {
  const { t } = useI18n();
  const secondFactorOnly = reason === 'second_factor' || reason === 'risk' || identityCheck === 'required';
  const ids = useId();
  const dialogRef = useRef<HTMLDialogElement>(null);
  const [overview, setOverview] = useState<SecurityOverview | null>(null);
  const [method, setMethod] = useState<StepUpMethod | null>(null);
  const load = useAction();
  const submit = useAction();
  const [code, setCode] = useState('');
  const [paymentPassword, setPaymentPassword] = useState('');
  const [loginPassword, setLoginPassword] = useState('');
  // The login password goes with every method but the payment password (which is its own proof).
  const withLoginPassword = identityCheck !== null && method !== 'payment_password';

  useEffect(() => {
    const dialog = dialogRef.current;
    // showModal: the rest of the page becomes inert, Escape closes, focus moves inside
    // (WAI-ARIA APG, Dialog (Modal) pattern).
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.close();
  }, []);

  useEffect(() => {
    void load.run(async () => {
      const loaded = await fetchSecurityOverview();
      setOverview(loaded);
      setMethod(stepUpMethods(loaded, secondFactorOnly)[0] ?? 'sms');
    });
  }, [load.run, secondFactorOnly]);

  const methods = useMemo(
    () => (overview ? stepUpMethods(overview, secondFactorOnly) : []),
    [overview, secondFactorOnly],
  );

  function choose(next: StepUpMethod) {
    setMethod(next);
    setCode('');
    submit.clearError();
  }

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (method === null) return;
    const password = withLoginPassword ? { password: loginPassword } : {};
    const done = await submit.run(async () => {
      if (method === 'payment_password') await stepUp({ method, paymentPassword });
      else if (method === 'passkey') {
        const { ceremonyId, options } = await stepUpPasskeyOptions();
        const response = await signWithPasskey(options);
        await stepUp({ method, ceremonyId, response, ...password });
      } else await stepUp({ method, code, ...password });
    });
    if (done) onDone();
  }

  const attemptsLeft =
    submit.error instanceof ApiError && typeof submit.error.details?.attemptsLeft === 'number'
      ? submit.error.details.attemptsLeft
      : null;

  return (
    <dialog
      ref={dialogRef}
      className="dialog"
      aria-labelledby={`${ids}-title`}
      aria-describedby={`${ids}-lead`}
      onCancel={(event) => {
        // Escape: close through React state so the pending call is rejected exactly once.
        event.preventDefault();
        onCancel();
      }}
    >
      <h2 id={`${ids}-title`}>{t('stepUp.title')}</h2>
      <p id={`${ids}-lead`} className="lead">
        {t(leadOf(reason, riskSubject, identityCheck))}
      </p>
      {overview === null ? (
        <>
          {load.busy && <p className="loading">{t('app.loading')}</p>}
          <ErrorRegion title={t('stepUp.failed')} error={load.error} />
        </>
      ) : (
        <form className="form" onSubmit={onSubmit} aria-busy={submit.busy}>
          <FactorCodeEntry
            methods={methods}
            method={method}
            onChoose={choose}
            methodLabels={METHOD_LABELS}
            code={code}
            onCode={setCode}
            sendSmsCode={sendStepUpCode}
            texts={{
              chooseMethod: 'stepUp.chooseMethod',
              smsLead: t('stepUp.smsTo', { phone: overview.phone }),
              smsCode: 'stepUp.smsCode',
              totpCode: 'stepUp.totpCode',
              backupCode: 'stepUp.backupCode',
              passkeyLead: 'stepUp.passkeyHint',
            }}
            extra={
              method === 'payment_password' ? (
                <PaymentPasswordField
                  label={t('stepUp.paymentPassword')}
                  value={paymentPassword}
                  onValue={setPaymentPassword}
                  problem={
                    attemptsLeft !== null ? t('stepUp.attemptsLeft', { count: attemptsLeft }) : undefined
                  }
                />
              ) : (
                withLoginPassword && (
                  <Field
                    label={t('stepUp.loginPassword')}
                    hint={t('stepUp.loginPasswordHint')}
                    type="password"
                    autoComplete="current-password"
                    required
                    maxLength={256}
                    value={loginPassword}
                    onChange={(event) => setLoginPassword(event.target.value)}
                    problem={
                      submit.error instanceof ApiError && submit.error.code === 'wrong_password'
                        ? t('stepUp.loginPasswordWrong', { count: attemptsLeft ?? 0 })
                        : undefined
                    }
                  />
                )
              )
            }
          />
          <ErrorRegion title={t('stepUp.failed')} error={submit.error} />
          <div className="actions">
            <button type="submit" className="button button-primary" aria-busy={submit.busy}>
              {submit.busy
                ? t('stepUp.confirming')
                : method === 'passkey'
                  ? t('stepUp.usePasskey')
                  : t('stepUp.confirm')}
            </button>
            <button type="button" className="button" onClick={onCancel}>
              {t('common.cancel')}
            </button>
          </div>
          {method === 'sms' && <DevInboxPanel addresses={[overview.phone]} />}
        </form>
      )}
      {overview === null && (
        <div className="actions">
          <button type="button" className="button" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      )}
    </dialog>
  );
}
