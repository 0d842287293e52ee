/**
 * Small pieces every form uses: labelled fields (a visible <label>, hints and errors tied in with
 * aria-describedby), one-time-code and payment-password inputs, an action runner that keeps
 * busy/error state, and the resend cool-down.
 */
import {
  createContext,
  type InputHTMLAttributes,
  type ReactNode,
  type Ref,
  useCallback,
  useContext,
  useEffect,
  useId,
  useRef,
  useState,
} from 'react';
import { ApiError, isUnauthenticated } from './api.ts';
import { ErrorNotice } from './error-notice.tsx';
import { useI18n } from './i18n.ts';

/** Called when the API says the session is gone: the app shows the sign-in page. */
export const SessionExpiredContext = createContext<() => void>(() => {});

/** Thrown (and silently ignored by useAction) when the person closes the step-up dialog. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
}

export interface Action {
  readonly busy: boolean;
  readonly error: unknown;
  readonly clearError: () => void;
  /** Runs `work` unless already running; true when it finished without throwing. */
  readonly run: (work: () => Promise<void>) => Promise<boolean>;
}

/** Busy and error state for one button or form. A second press while busy does nothing, so the
 *  button can stay enabled (and keep focus) while the request runs. */
export function useAction(): Action {
  const onSessionExpired = useContext(SessionExpiredContext);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const running = useRef(false);
  const run = useCallback(
    async (work: () => Promise<void>) => {
      if (running.current) return false;
      running.current = true;
      setBusy(true);
      setError(null);
      try {
        await work();
        return true;
      } catch (caught) {
        if (caught instanceof CancelledError) return false;
        if (isUnauthenticated(caught)) onSessionExpired();
        else setError(caught);
        return false;
      } finally {
        running.current = false;
        setBusy(false);
      }
    },
    [onSessionExpired],
  );
  const clearError = useCallback(() => setError(null), []);
  return { busy, error, clearError, run };
}

/** Seconds to wait before another code may be sent (the server's 60 s cool-down). */
export interface Cooldown {
  readonly secondsLeft: number;
  readonly start: (ms: number) => void;
  /** Runs a send: the cool-down starts from its answer, or from the server's wait on resend_too_soon. */
  readonly timed: <T extends { readonly resendAfterMs: number }>(send: () => Promise<T>) => Promise<T>;
}

export function useCooldown(): Cooldown {
  const [untilMs, setUntilMs] = useState(0);
  const [nowMs, setNowMs] = useState(() => Date.now());
  useEffect(() => {
    if (untilMs <= nowMs) return;
    const timer = window.setTimeout(() => setNowMs(Date.now()), 1000);
    return () => window.clearTimeout(timer);
  }, [untilMs, nowMs]);
  const start = useCallback((ms: number) => {
    const now = Date.now();
    setNowMs(now);
    setUntilMs(now + Math.max(0, ms));
  }, []);
  const timed = useCallback(
    async <T extends { readonly resendAfterMs: number }>(send: () => Promise<T>): Promise<T> => {
      try {
        const answer = await send();
        start(answer.resendAfterMs);
        return answer;
      } catch (error) {
        const waitMs = retryAfterMs(error);
        if (waitMs !== null) start(waitMs);
        throw error;
      }
    },
    [start],
  );
  return { secondsLeft: Math.max(0, Math.ceil((untilMs - nowMs) / 1000)), start, timed };
}

/** The wait the server asked for in a 429 resend_too_soon, or null for any other error. */
export function retryAfterMs(error: unknown): number | null {
  if (!(error instanceof ApiError) || error.code !== 'resend_too_soon') return null;
  const ms = error.details?.retryAfterMs;
  return typeof ms === 'number' && Number.isFinite(ms) ? ms : 60_000;
}

export interface FieldProps extends Omit<InputHTMLAttributes<HTMLInputElement>, 'id' | 'children'> {
  readonly label: string;
  readonly hint?: ReactNode;
  /** A message shown under the field when it is the one the server refused. */
  readonly problem?: ReactNode;
  readonly inputRef?: Ref<HTMLInputElement>;
}

/** A labelled input with an optional hint and an optional problem, both announced with it. */
export function Field({ label, hint, problem, inputRef, ...input }: FieldProps) {
  const id = useId();
  const hintId = `${id}-hint`;
  const problemId = `${id}-problem`;
  const describedBy = [hint ? hintId : null, problem ? problemId : null].filter(Boolean).join(' ');
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        ref={inputRef}
        aria-invalid={problem ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint && (
        <p className="hint" id={hintId}>
          {hint}
        </p>
      )}
      {problem && (
        <p className="field-problem" id={problemId}>
          {problem}
        </p>
      )}
    </div>
  );
}

/** Digits only, for one-time codes and payment passwords typed on any keyboard. */
export function digitsOnly(value: string, lengthMax: number): string {
  return value.replace(/\D/g, '').slice(0, lengthMax);
}

export const CODE_LENGTH = 6;
export const PAYMENT_PASSWORD_LENGTH = 6;

export function CodeField(
  props: Omit<FieldProps, 'onChange' | 'value'> & {
    readonly value: string;
    readonly onValue: (value: string) => void;
  },
) {
  const { value, onValue, ...rest } = props;
  return (
    <Field
      type="text"
      inputMode="numeric"
      autoComplete="one-time-code"
      pattern="[0-9]{6}"
      maxLength={CODE_LENGTH}
      required
      value={value}
      onChange={(event) => onValue(digitsOnly(event.target.value, CODE_LENGTH))}
      {...rest}
    />
  );
}

/** The 6-digit payment password: numeric keypad, masked, never autofilled as a login password. */
export function PaymentPasswordField(
  props: Omit<FieldProps, 'onChange' | 'value'> & {
    readonly value: string;
    readonly onValue: (value: string) => void;
  },
) {
  const { value, onValue, ...rest } = props;
  return (
    <Field
      type="password"
      inputMode="numeric"
      autoComplete="off"
      pattern="[0-9]{6}"
      maxLength={PAYMENT_PASSWORD_LENGTH}
      required
      value={value}
      onChange={(event) => onValue(digitsOnly(event.target.value, PAYMENT_PASSWORD_LENGTH))}
      {...rest}
    />
  );
}

/** The always-present live region for a form's error: screen readers announce what appears. */
export function ErrorRegion({
  title,
  error,
  id,
}: {
  readonly title: string;
  readonly error: unknown;
  readonly id?: string;
}) {
  return (
    <div role="alert" className="live-region">
      {error !== null && error !== undefined && <ErrorNotice id={id} title={title} error={error} />}
    </div>
  );
}

/** The always-present polite live region for a success message. */
export function StatusRegion({ message }: { readonly message: string | null }) {
  return (
    <div role="status" className="live-region">
      {message !== null && <p className="notice notice-success">{message}</p>}
    </div>
  );
}

/** "Send code" / "Send again in 42 s". During the cool-down the button says so and ignores presses
 *  but stays focusable (aria-disabled, not disabled), so keyboard focus is not lost after sending. */
export function SendCodeButton({
  sent,
  busy,
  secondsLeft,
  onSend,
  label,
}: {
  readonly sent: boolean;
  readonly busy: boolean;
  readonly secondsLeft: number;
  readonly onSend: () => void;
  readonly label?: string;
}) {
  const { t } = useI18n();
  const coolingDown = secondsLeft > 0;
  // A label (for example "Send a new e-mail code") tells two such buttons apart in every state.
  const text = busy
    ? t('code.sending')
    : coolingDown
      ? label
        ? t('code.labelIn', { label, seconds: secondsLeft })
        : t('code.resendIn', { seconds: secondsLeft })
      : (label ?? t(sent ? 'code.resend' : 'code.send'));
  return (
    <button
      type="button"
      className="button"
      onClick={() => {
        if (!coolingDown) onSend();
      }}
      aria-disabled={coolingDown}
      aria-busy={busy}
    >
      {text}
    </button>
  );
}

/**
 * A form that runs one action when submitted: its fields (children), then the always-present
 * error region, then the submit button whose aria-busy tracks the action. `status` goes between
 * the error region and the button (a live region saying it worked).
 */
export function ActionForm({
  action,
  onSubmit,
  errorTitle,
  submitLabel,
  buttonClassName = 'button button-primary',
  status,
  secondaryActions,
  children,
}: {
  readonly action: Action;
  readonly onSubmit: () => Promise<void>;
  readonly errorTitle: string;
  readonly submitLabel: string;
  readonly buttonClassName?: string;
  readonly status?: ReactNode;
  /** Other buttons of the same form (e.g. "sign in with a passkey"), after the submit button. */
  readonly secondaryActions?: ReactNode;
  readonly children: ReactNode;
}) {
  return (
    <form
      className="form"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        void action.run(onSubmit);
      }}
    >
      {children}
      <ErrorRegion title={errorTitle} error={action.error} />
      {status}
      <button type="submit" className={buttonClassName} aria-busy={action.busy}>
        {submitLabel}
      </button>
      {secondaryActions}
    </form>
  );
}
