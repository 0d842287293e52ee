/**
 * What the Security Center's sections share: a version counter that reloads every section after
 * a change, a loader hook, the section card, an inline "are you sure?" button, and a rename form.
 */
import {
  createContext,
  type FormEvent,
  type ReactNode,
  useContext,
  useEffect,
  useId,
  useMemo,
  useRef,
  useState,
} from 'react';
import { isUnauthenticated } from '../api.ts';
import { ErrorNotice } from '../error-notice.tsx';
import { ErrorRegion, Field, SessionExpiredContext, useAction } from '../forms.tsx';
import { useI18n } from '../i18n.ts';

export interface SecurityRefresh {
  /** Bumped after every change; loaders re-run when it changes. */
  readonly version: number;
  readonly refresh: () => void;
}

export const SecurityRefreshContext = createContext<SecurityRefresh>({ version: 0, refresh: () => {} });

export function useSecurityRefresh(): SecurityRefresh {
  return useContext(SecurityRefreshContext);
}

export type Loaded<T> =
  | { readonly phase: 'loading'; readonly data: T | null }
  | { readonly phase: 'ready'; readonly data: T }
  | { readonly phase: 'failed'; readonly data: T | null; readonly error: unknown };

/** Loads `fetcher` now and after every Security Center change; keeps showing the previous data
 *  while reloading, so lists do not flicker. */
export function useLoad<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
): Loaded<T> & { readonly retry: () => void } {
  const { version } = useSecurityRefresh();
  const onSessionExpired = useContext(SessionExpiredContext);
  const [attempt, setAttempt] = useState(0);
  const [state, setState] = useState<Loaded<T>>({ phase: 'loading', data: null });
  const fetcherRef = useRef(fetcher);
  fetcherRef.current = fetcher;

  useEffect(() => {
    // `version` and `attempt` re-run the load after a change or a "Try again".
    void version;
    void attempt;
    const controller = new AbortController();
    setState((previous) => ({ phase: 'loading', data: previous.data }));
    fetcherRef.current(controller.signal).then(
      (data) => setState({ phase: 'ready', data }),
      (error: unknown) => {
        if (controller.signal.aborted) return;
        if (isUnauthenticated(error)) onSessionExpired();
        else setState((previous) => ({ phase: 'failed', data: previous.data, error }));
      },
    );
    return () => controller.abort();
  }, [version, attempt, onSessionExpired]);

  return { ...state, retry: () => setAttempt((n) => n + 1) };
}

/** One card of the Security Center: a region named by its heading, reachable by `#anchor`. */
export function SectionCard({
  anchor,
  title,
  lead,
  busy,
  children,
}: {
  readonly anchor: string;
  readonly title: string;
  readonly lead?: string;
  readonly busy?: boolean;
  readonly children: ReactNode;
}) {
  const headingId = `${anchor}-title`;
  return (
    <section className="card" id={anchor} aria-labelledby={headingId} aria-busy={busy}>
      <h2 id={headingId}>{title}</h2>
      {lead && <p className="hint section-lead">{lead}</p>}
      {children}
    </section>
  );
}

/** What a section shows while its data loads or after the load failed. */
export function LoadState<T>({ loaded }: { readonly loaded: Loaded<T> & { readonly retry: () => void } }) {
  const { t } = useI18n();
  if (loaded.phase === 'loading' && loaded.data === null)
    return <p className="loading">{t('app.loading')}</p>;
  if (loaded.phase !== 'failed') return null;
  return (
    <div role="alert">
      <ErrorNotice title={t('security.loadFailed')} error={loaded.error} />
      <button type="button" className="button button-small" onClick={loaded.retry}>
        {t('wallet.retry')}
      </button>
    </div>
  );
}

/** A destructive button that asks once, in place: "Remove" → "Remove ‘Work laptop’? Yes / No". */
export function ConfirmButton({
  label,
  question,
  confirmLabel,
  busy,
  onConfirm,
  danger = true,
  name,
}: {
  readonly label: string;
  /** The full accessible name when several such buttons share a label ("Remove ‘Work laptop’"). */
  readonly name?: string;
  readonly question: string;
  readonly confirmLabel: string;
  readonly busy: boolean;
  readonly onConfirm: () => void;
  readonly danger?: boolean;
}) {
  const { t } = useI18n();
  const [asking, setAsking] = useState(false);
  const yesRef = useRef<HTMLButtonElement>(null);
  const askRef = useRef<HTMLButtonElement>(null);
  const wasAsking = useRef(false);
  useEffect(() => {
    // Keep keyboard focus on the control that replaced the one just pressed.
    if (asking) yesRef.current?.focus();
    else if (wasAsking.current) askRef.current?.focus();
    wasAsking.current = asking;
  }, [asking]);
  if (!asking) {
    return (
      <button
        ref={askRef}
        type="button"
        className="button button-small"
        onClick={() => setAsking(true)}
        aria-busy={busy}
        aria-label={name}
      >
        {label}
      </button>
    );
  }
  return (
    <fieldset className="confirm">
      <legend className="confirm-question">{question}</legend>
      <button
        ref={yesRef}
        type="button"
        className={danger ? 'button button-small button-danger' : 'button button-small button-primary'}
        onClick={() => {
          onConfirm();
          setAsking(false);
        }}
      >
        {confirmLabel}
      </button>
      <button type="button" className="button button-small" onClick={() => setAsking(false)}>
        {t('common.cancel')}
      </button>
    </fieldset>
  );
}

/** "Rename" → a one-field form, labelled with what is being renamed. */
export function RenameControl({
  currentName,
  label,
  lengthMax,
  onRename,
  buttonName,
}: {
  readonly currentName: string;
  /** The button's accessible name, e.g. "Rename ‘Work laptop’". */
  readonly buttonName: string;
  /** The field's label, e.g. "New name for ‘Work laptop’". */
  readonly label: string;
  readonly lengthMax: number;
  readonly onRename: (name: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const [editing, setEditing] = useState(false);
  const [name, setName] = useState(currentName);
  const inputRef = useRef<HTMLInputElement>(null);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  const save = useAction();
  const formId = useId();

  useEffect(() => {
    if (editing) inputRef.current?.select();
    else if (wasEditing.current) buttonRef.current?.focus();
    wasEditing.current = editing;
  }, [editing]);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const done = await save.run(() => onRename(name.trim()));
    if (done) setEditing(false);
  }

  if (!editing) {
    return (
      <button
        ref={buttonRef}
        type="button"
        className="button button-small"
        aria-label={buttonName}
        onClick={() => {
          setName(currentName);
          save.clearError();
          setEditing(true);
        }}
      >
        {t('common.rename')}
      </button>
    );
  }
  return (
    <form className="form rename-form" onSubmit={onSubmit} aria-busy={save.busy} id={formId}>
      <Field
        label={label}
        type="text"
        required
        maxLength={lengthMax}
        value={name}
        onChange={(event) => setName(event.target.value)}
        inputRef={inputRef}
      />
      <ErrorRegion title={t('common.renameFailed')} error={save.error} />
      <div className="actions">
        <button type="submit" className="button button-small button-primary" aria-busy={save.busy}>
          {t('common.save')}
        </button>
        <button type="button" className="button button-small" onClick={() => setEditing(false)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}

/** Dates and times in the reader's language. */
export function useDateTimeFormat(): Intl.DateTimeFormat {
  const { locale } = useI18n();
  return useMemo(
    () => new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }),
    [locale],
  );
}

/** "Shanghai, CN" or the IP address, or null when neither is known. */
export function placeOf(input: {
  city: string | null;
  country: string | null;
  ip: string | null;
}): string | null {
  const place = [input.city, input.country].filter(Boolean).join(', ');
  return place || input.ip;
}

/** Removing one item of a list: the action, the "removed …" message, and a reload after. */
export function useRemoval<T>({
  remove,
  removedMessage,
}: {
  readonly remove: (item: T) => Promise<unknown>;
  readonly removedMessage: (item: T) => string;
}) {
  const { refresh } = useSecurityRefresh();
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  async function onRemove(item: T) {
    setDone(null);
    const ok = await action.run(async () => {
      await remove(item);
    });
    if (ok) {
      setDone(removedMessage(item));
      refresh();
    }
  }
  return { action, done, setDone, onRemove };
}

/**
 * The person's things, each renamed and removed in place (passkeys, devices): the loading
 * state, the labelled list (or, once loaded and empty, `emptyText`), and the removal's error.
 */
export function RemovableList<T extends { readonly id: string }>({
  loaded,
  listLabel,
  emptyText,
  removeFailedTitle,
  removeError,
  renderItem,
}: {
  readonly loaded: Loaded<readonly T[]> & { readonly retry: () => void };
  readonly listLabel: string;
  readonly emptyText?: string;
  readonly removeFailedTitle: string;
  readonly removeError: unknown;
  readonly renderItem: (item: T) => ReactNode;
}) {
  const list = loaded.data ?? [];
  return (
    <>
      <LoadState loaded={loaded} />
      {list.length > 0 ? (
        <ul className="item-list" aria-label={listLabel}>
          {list.map(renderItem)}
        </ul>
      ) : (
        loaded.data !== null && emptyText !== undefined && <p className="empty">{emptyText}</p>
      )}
      <ErrorRegion title={removeFailedTitle} error={removeError} />
    </>
  );
}

/** One item of a RemovableList: its name and tags, a line of facts, rename and (maybe) remove. */
export function NamedItem({
  className = 'item',
  name,
  tags,
  meta,
  rename,
  remove,
}: {
  readonly className?: string;
  readonly name: string;
  readonly tags?: ReactNode;
  readonly meta: ReactNode;
  readonly rename: {
    readonly label: string;
    readonly lengthMax: number;
    /** The list reloads after it. */
    readonly onRename: (name: string) => Promise<unknown>;
  };
  /** Absent: the item cannot be removed here. */
  readonly remove?: {
    readonly label: string;
    readonly name: string;
    readonly question: string;
    readonly busy: boolean;
    readonly onConfirm: () => void;
  };
}) {
  const { t } = useI18n();
  const { refresh } = useSecurityRefresh();
  return (
    <li className={className}>
      <div className="item-main">
        <span className="item-name">{name}</span>
        {tags}
      </div>
      <p className="item-meta">{meta}</p>
      <div className="item-actions">
        <RenameControl
          currentName={name}
          label={rename.label}
          buttonName={t('common.renameNamed', { name })}
          lengthMax={rename.lengthMax}
          onRename={async (newName) => {
            await rename.onRename(newName);
            refresh();
          }}
        />
        {remove && (
          <ConfirmButton
            label={remove.label}
            name={remove.name}
            question={remove.question}
            confirmLabel={remove.label}
            busy={remove.busy}
            onConfirm={remove.onConfirm}
          />
        )}
      </div>
    </li>
  );
}
