/**
 * The operator's risk console (issue 5): `/ops/cases` (list and filter), `/ops/cases/<id>` (one
 * case: payment, risk decision, audit trail, and the actions), `/ops/rules` (the rule set as JSON
 * with validation errors shown per rule, save, backtest). They run inside the operators' console
 * (issue 7's accounts and roles) and speak to the operator API with its session (api-risk.ts).
 */
import { useCallback, useEffect, useId, useRef, useState } from 'react';
import { ApiError, isRecord, type JsonRecord } from './api.ts';
import { operatorCall } from './api-risk.ts';
import { ErrorRegion, Field, StatusRegion } from './forms.tsx';
import { isMessageKey, type MessageKey, useI18n } from './i18n.ts';
import { formatMoney } from './money.ts';
import { Link } from './router.tsx';
import { useFocusOnMount } from './use-focus-on-mount.ts';

/** Like forms.tsx's useAction, but a 401 here is the operator's session, shown as an error (not
 *  the user's session expiring). */
function useOpsAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const running = useRef(false);
  const run = useCallback(async (work: () => Promise<void>) => {
    if (running.current) return;
    running.current = true;
    setBusy(true);
    setError(null);
    try {
      await work();
    } catch (caught) {
      setError(caught);
    } finally {
      running.current = false;
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}

export const OPS_ROUTES = { cases: '/ops/cases', rules: '/ops/rules' } as const;

/** The risk pages inside the operators' console (ops/ops-app.tsx), which has signed the
 *  operator in and shows the nav; the server checks the role on every call. */
export function OpsConsole({
  pathname,
  focusHeading,
}: {
  readonly pathname: string;
  readonly focusHeading: boolean;
}) {
  const caseId = pathname.startsWith(`${OPS_ROUTES.cases}/`)
    ? decodeURIComponent(pathname.slice(OPS_ROUTES.cases.length + 1))
    : null;
  if (pathname === OPS_ROUTES.rules) return <RulesPage focusHeading={focusHeading} />;
  if (caseId) return <CasePage key={caseId} caseId={caseId} focusHeading={focusHeading} />;
  return <CasesPage focusHeading={focusHeading} />;
}

function useOperatorData(path: string, version: number) {
  const [data, setData] = useState<JsonRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    void version;
    const controller = new AbortController();
    setError(null);
    operatorCall('GET', path, undefined, controller.signal).then(setData, (caught: unknown) => {
      if (!controller.signal.aborted) setError(caught);
    });
    return () => controller.abort();
  }, [path, version]);
  return { data, error };
}

const text = (value: unknown): string =>
  typeof value === 'string' ? value : value === null || value === undefined ? '—' : JSON.stringify(value);
const time = (value: unknown): string => (typeof value === 'string' ? new Date(value).toLocaleString() : '—');
/** Held money (a payment, a withdrawal or a family-card payment): approved or rejected, never cleared. */
const HOLD_KINDS: readonly unknown[] = ['payment_hold', 'withdrawal_hold', 'family_card_hold'];
const isHold = (kind: unknown): boolean => HOLD_KINDS.includes(kind);
const kindKey = (kind: unknown) => `riskOps.kind.${String(kind)}` as MessageKey;

function CasesPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [status, setStatus] = useState('open');
  const [kind, setKind] = useState('');
  const query = new URLSearchParams({
    limit: '100',
    ...(status ? { status } : {}),
    ...(kind ? { kind } : {}),
  });
  const { data, error } = useOperatorData(`/api/v1/operator/cases?${query}`, 0);
  const cases = Array.isArray(data?.cases) ? data.cases.filter(isRecord) : [];
  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('riskOps.cases')}
      </h1>
      <div className="form ops-filters">
        <div className="field">
          <label htmlFor={`${ids}-status`}>{t('riskOps.filterStatus')}</label>
          <select id={`${ids}-status`} value={status} onChange={(e) => setStatus(e.target.value)}>
            <option value="">{t('riskOps.any')}</option>
            <option value="open">{t('riskOps.open')}</option>
            <option value="closed">{t('riskOps.closed')}</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-kind`}>{t('riskOps.filterKind')}</label>
          <select id={`${ids}-kind`} value={kind} onChange={(e) => setKind(e.target.value)}>
            <option value="">{t('riskOps.any')}</option>
            {['payment_hold', 'withdrawal_hold', 'family_card_hold', 'user_report', 'alert'].map((k) => (
              <option key={k} value={k}>
                {t(kindKey(k))}
              </option>
            ))}
          </select>
        </div>
      </div>
      <ErrorRegion title={t('riskOps.loadFailed')} error={error} />
      {data && cases.length === 0 && <p>{t('riskOps.noCases')}</p>}
      {cases.length > 0 && (
        <table className="ops-table">
          <thead>
            <tr>
              <th scope="col">{t('riskOps.filterKind')}</th>
              <th scope="col">{t('riskOps.reason')}</th>
              <th scope="col">{t('riskOps.user')}</th>
              <th scope="col">{t('riskOps.created')}</th>
              <th scope="col">{t('riskOps.deadline')}</th>
              <th scope="col">{t('riskOps.assignee')}</th>
            </tr>
          </thead>
          <tbody>
            {cases.map((c) => (
              <tr key={text(c.id)} data-testid="case-row">
                <td>
                  <Link to={`${OPS_ROUTES.cases}/${encodeURIComponent(text(c.id))}`}>
                    {t(kindKey(c.kind))}
                  </Link>
                </td>
                <td>{text(c.reason)}</td>
                <td>{text(c.userId)}</td>
                <td>{time(c.createdAt)}</td>
                <td>{time(c.deadlineAt)}</td>
                <td>{text(c.assignee)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function CasePage({ caseId, focusHeading }: { readonly caseId: string; readonly focusHeading: boolean }) {
  const { t, locale } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [version, setVersion] = useState(0);
  const { data, error } = useOperatorData(`/api/v1/operator/cases/${encodeURIComponent(caseId)}`, version);
  const [note, setNote] = useState('');
  const [assignee, setAssignee] = useState('');
  const [blockPayee, setBlockPayee] = useState(false);
  const [done, setDone] = useState<string | null>(null);
  const act = useOpsAction();
  const c = isRecord(data?.case) ? data.case : null;
  const payment = isRecord(data?.payment) ? data.payment : null;
  const decision = isRecord(data?.decision) ? data.decision : null;
  const actions = Array.isArray(data?.actions) ? data.actions.filter(isRecord) : [];
  const open = c?.status === 'open';

  const run = useCallback(
    (action: string, body: object = {}) => {
      setDone(null);
      void act.run(async () => {
        await operatorCall('POST', `/api/v1/operator/cases/${encodeURIComponent(caseId)}/${action}`, {
          ...body,
          ...(note.trim() && action !== 'assign' && action !== 'note' ? { note: note.trim() } : {}),
        });
        setNote('');
        setDone(t('riskOps.done'));
        setVersion((v) => v + 1);
      });
    },
    [act, caseId, note, t],
  );

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <p>
        <Link to={OPS_ROUTES.cases}>{t('riskOps.back')}</Link>
      </p>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('riskOps.caseTitle', { id: caseId })}
      </h1>
      <ErrorRegion title={t('riskOps.loadFailed')} error={error} />
      {c && (
        <dl className="facts">
          <div className="fact-wide">
            <dt>{t('riskOps.filterKind')}</dt>
            <dd data-testid="case-kind">{t(kindKey(c.kind))}</dd>
          </div>
          <div className="fact-wide">
            <dt>{t('riskOps.filterStatus')}</dt>
            <dd data-testid="case-status">
              {text(c.status)}
              {c.resolution ? ` (${text(c.resolution)})` : ''}
            </dd>
          </div>
          <div className="fact-wide">
            <dt>{t('riskOps.reason')}</dt>
            <dd>{text(c.reason)}</dd>
          </div>
          <div className="fact-wide">
            <dt>{t('riskOps.user')}</dt>
            <dd>{text(c.userId)}</dd>
          </div>
          {c.note !== null && (
            <div className="fact-wide">
              <dt>{t('riskOps.noteLabel')}</dt>
              <dd>{text(c.note)}</dd>
            </div>
          )}
          {payment && isRecord(payment.amount) && (
            <div className="fact-wide">
              <dt>{t('riskOps.payment')}</dt>
              <dd>
                {formatMoney(
                  { amountMinor: text(payment.amount.amountMinor), currency: text(payment.amount.currency) },
                  { locale },
                )}{' '}
                → {text(payment.payeeName)} ({text(payment.status)})
              </dd>
            </div>
          )}
          {decision && (
            <div className="fact-wide">
              <dt>{t('riskOps.decision')}</dt>
              <dd>
                {text(decision.decision)}:{' '}
                {Array.isArray(decision.reasons) ? decision.reasons.join(', ') : ''}
                {typeof decision.score === 'number'
                  ? ` · ${t('riskOps.score')} ${decision.score.toFixed(3)}`
                  : ''}
              </dd>
            </div>
          )}
          {c.deadlineAt !== null && (
            <div className="fact-wide">
              <dt>{t('riskOps.deadline')}</dt>
              <dd>{time(c.deadlineAt)}</dd>
            </div>
          )}
        </dl>
      )}
      {c && (
        <div className="form">
          <div className="field">
            <label htmlFor={`${ids}-note`}>{t('riskOps.noteLabel')}</label>
            <textarea
              id={`${ids}-note`}
              rows={3}
              maxLength={1000}
              value={note}
              onChange={(e) => setNote(e.target.value)}
            />
          </div>
          <div className="actions">
            <button
              type="button"
              className="button"
              disabled={!note.trim()}
              onClick={() => run('note', { note: note.trim() })}
            >
              {t('riskOps.addNote')}
            </button>
            {open && isHold(c.kind) && (
              <>
                <button type="button" className="button button-primary" onClick={() => run('approve')}>
                  {t('riskOps.approve')}
                </button>
                <button type="button" className="button" onClick={() => run('reject')}>
                  {t('riskOps.reject')}
                </button>
              </>
            )}
            {open && !isHold(c.kind) && (
              <>
                <button type="button" className="button" onClick={() => run('confirm-fraud', { blockPayee })}>
                  {t('riskOps.confirmFraud')}
                </button>
                <button type="button" className="button" onClick={() => run('clear')}>
                  {t('riskOps.clear')}
                </button>
              </>
            )}
            {open && c.userId !== null && (
              <button type="button" className="button" onClick={() => run('freeze')}>
                {t('riskOps.freeze')}
              </button>
            )}
            {c.userId !== null && (
              <button type="button" className="button" onClick={() => run('unfreeze')}>
                {t('riskOps.unfreeze')}
              </button>
            )}
          </div>
          {open && !isHold(c.kind) && c.payeeKey !== null && (
            <label className="checkbox">
              <input type="checkbox" checked={blockPayee} onChange={(e) => setBlockPayee(e.target.checked)} />{' '}
              {t('riskOps.blockPayee')}
            </label>
          )}
          {open && (
            <div className="actions">
              <Field
                label={t('riskOps.assignee')}
                pattern="[A-Za-z0-9_.@-]{1,64}"
                value={assignee}
                onChange={(e) => setAssignee(e.target.value)}
              />
              <button
                type="button"
                className="button"
                disabled={!assignee.trim()}
                onClick={() => run('assign', { assignee: assignee.trim() })}
              >
                {t('riskOps.assign')}
              </button>
            </div>
          )}
          <ErrorRegion title={t('riskOps.actionFailed')} error={act.error} />
          <StatusRegion message={done} />
        </div>
      )}
      {actions.length > 0 && (
        <>
          <h2>{t('riskOps.trail')}</h2>
          <ol className="ops-trail" data-testid="case-trail">
            {actions.map((a) => (
              <li key={text(a.id)}>
                {time(a.createdAt)} · <strong>{text(a.action)}</strong> · {text(a.actor)}
                {a.note ? ` · ${text(a.note)}` : ''}
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}

interface RuleError {
  readonly ruleIndex: number | null;
  readonly path: string;
  readonly reason: string;
}

function ruleErrorsOf(error: unknown): RuleError[] | null {
  if (!(error instanceof ApiError) || error.code !== 'rule_set_invalid') return null;
  const list = error.details?.errors;
  return Array.isArray(list)
    ? list.filter(isRecord).map((e) => ({
        ruleIndex: typeof e.ruleIndex === 'number' ? e.ruleIndex : null,
        path: text(e.path),
        reason: text(e.reason),
      }))
    : [];
}

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

/** Names or operators as code, one after another. */
function CodeList({ items }: { readonly items: readonly string[] }) {
  return (
    <>
      {items.map((item, i) => (
        <span key={item}>
          {i > 0 && ' '}
          <code>{item}</code>
        </span>
      ))}
    </>
  );
}

/**
 * The rule editor's help: what a rule may name and how an `{expr}` condition is written, all from
 * the server's `vocabulary` (risk's expressionVocabulary), so the limits, operators and names shown
 * are the ones validation applies.
 */
function RuleHelp({ vocabulary }: { readonly vocabulary: JsonRecord }) {
  const { t } = useI18n();
  const ids = useId();
  const expression = isRecord(vocabulary.expression) ? vocabulary.expression : null;
  const names = expression && isRecord(expression.names) ? expression.names : null;
  const operators =
    expression && Array.isArray(expression.arithmeticOperators)
      ? expression.arithmeticOperators.filter(isRecord)
      : [];
  // Tightest first, one line per precedence level.
  const levels = [...new Set(operators.map((o) => Number(o.precedence)))].sort((a, b) => b - a);
  const [open, close] = expression ? strings(expression.grouping) : [];
  return (
    <details className="rule-help" data-testid="rule-help">
      <summary>{t('riskOps.help')}</summary>
      <dl>
        <dt>{t('riskOps.helpFields')}</dt>
        <dd>
          <CodeList items={strings(vocabulary.fields)} />
        </dd>
        <dt>{t('riskOps.helpFeatures', { count: strings(vocabulary.features).length })}</dt>
        <dd>
          <CodeList items={strings(vocabulary.features)} />
        </dd>
        <dt>{t('riskOps.helpOperators')}</dt>
        <dd>
          <CodeList items={strings(vocabulary.operators)} />
        </dd>
        <dt>{t('riskOps.helpOutcomes')}</dt>
        <dd>
          <CodeList items={strings(vocabulary.outcomes)} />
        </dd>
      </dl>
      {expression && (
        <section aria-labelledby={`${ids}-expr`} data-testid="expr-help">
          <h2 id={`${ids}-expr`}>{t('riskOps.exprTitle')}</h2>
          <p>
            {t('riskOps.exprIntro')} <code>{'{"expr": "amountMinor >= 0.8 * balanceMinor"}'}</code>
          </p>
          <dl>
            <dt>{t('riskOps.exprComparison')}</dt>
            <dd>
              <CodeList items={strings(expression.comparisonOperators)} />
            </dd>
            <dt>{t('riskOps.exprArithmetic')}</dt>
            <dd>
              <ol data-testid="expr-precedence">
                {levels.map((level) => {
                  const atLevel = operators.filter((o) => Number(o.precedence) === level);
                  const unary = atLevel.every((o) => o.arity === 'unary');
                  return (
                    <li key={level}>
                      <CodeList
                        items={atLevel.map((o) => (unary ? `${text(o.operator)}x` : text(o.operator)))}
                      />{' '}
                      {unary ? t('riskOps.exprPrefix') : t('riskOps.exprLeftToRight')}
                    </li>
                  );
                })}
              </ol>
              {open && close && t('riskOps.exprGrouping', { open, close })}
            </dd>
            <dt>{t('riskOps.exprNames')}</dt>
            <dd>
              <CodeList items={names ? strings(names.fields) : []} />{' '}
              {t('riskOps.exprNamesFeatures', { count: names ? strings(names.features).length : 0 })}
            </dd>
            <dt>{t('riskOps.exprNumbers')}</dt>
            <dd>{t('riskOps.exprNumbersText')}</dd>
            <dt>{t('riskOps.exprFalseWhen')}</dt>
            <dd>
              <ul>
                {strings(expression.falseWhen).map((code) => {
                  const key = `riskOps.exprFalse.${code}`;
                  return <li key={code}>{isMessageKey(key) ? t(key) : code}</li>;
                })}
              </ul>
            </dd>
            <dt>{t('riskOps.exprLimits')}</dt>
            <dd data-testid="expr-limits">
              {t('riskOps.exprLimitsText', {
                chars: text(expression.charsMax),
                depth: text(expression.depthMax),
              })}
            </dd>
          </dl>
        </section>
      )}
    </details>
  );
}

function RulesPage({ focusHeading }: { readonly focusHeading: boolean }) {
  const { t } = useI18n();
  const ids = useId();
  const headingRef = useFocusOnMount<HTMLHeadingElement>(focusHeading);
  const [version, setVersion] = useState(0);
  const { data, error } = useOperatorData('/api/v1/operator/risk/rules', version);
  const active = isRecord(data?.active) ? data.active : null;
  const vocabulary = isRecord(data?.vocabulary) ? data.vocabulary : null;
  const [draft, setDraft] = useState<string | null>(null);
  const [errors, setErrors] = useState<RuleError[] | null>(null);
  const [message, setMessage] = useState<string | null>(null);
  const [report, setReport] = useState<JsonRecord | null>(null);
  const act = useOpsAction();
  const textValue = draft ?? (active ? JSON.stringify(active.body, null, 2) : '');

  function parsed(): unknown {
    try {
      return JSON.parse(textValue);
    } catch (caught) {
      setErrors([{ ruleIndex: null, path: '', reason: t('riskOps.notJson', { message: String(caught) }) }]);
      return undefined;
    }
  }

  function onAction(kind: 'validate' | 'save' | 'backtest') {
    setMessage(null);
    setErrors(null);
    setReport(null);
    const body = parsed();
    if (body === undefined) return;
    void act.run(async () => {
      try {
        if (kind === 'validate') {
          const result = await operatorCall('POST', '/api/v1/operator/risk/rules/validate', {
            body,
          });
          const list = Array.isArray(result.errors) ? result.errors.filter(isRecord) : [];
          if (result.ok === true) setMessage(t('riskOps.valid'));
          else
            setErrors(
              list.map((e) => ({
                ruleIndex: typeof e.ruleIndex === 'number' ? e.ruleIndex : null,
                path: text(e.path),
                reason: text(e.reason),
              })),
            );
        } else if (kind === 'save') {
          const saved = await operatorCall('POST', '/api/v1/operator/risk/rules', { body });
          setMessage(t('riskOps.saved', { version: text(saved.version) }));
          setDraft(null);
          setVersion((v) => v + 1);
        } else {
          setReport(await operatorCall('POST', '/api/v1/operator/risk/backtest', { body }));
        }
      } catch (caught) {
        const ruleErrors = ruleErrorsOf(caught);
        if (!ruleErrors) throw caught;
        setErrors(ruleErrors);
      }
    });
  }

  return (
    <section className="card" aria-labelledby={`${ids}-title`}>
      <h1 id={`${ids}-title`} ref={headingRef} tabIndex={-1}>
        {t('riskOps.rulesTitle')}
      </h1>
      <ErrorRegion title={t('riskOps.loadFailed')} error={error} />
      {active && (
        <p data-testid="rules-version">{t('riskOps.rulesVersion', { version: text(active.version) })}</p>
      )}
      <div className="field">
        <label htmlFor={`${ids}-json`}>{t('riskOps.rulesJson')}</label>
        <textarea
          id={`${ids}-json`}
          className="ops-json"
          rows={24}
          spellCheck={false}
          value={textValue}
          aria-describedby={errors ? `${ids}-errors` : undefined}
          onChange={(e) => setDraft(e.target.value)}
        />
      </div>
      <div className="actions">
        <button type="button" className="button" onClick={() => onAction('validate')}>
          {t('riskOps.validate')}
        </button>
        <button type="button" className="button button-primary" onClick={() => onAction('save')}>
          {t('riskOps.save')}
        </button>
        <button type="button" className="button" onClick={() => onAction('backtest')}>
          {t('riskOps.backtest')}
        </button>
      </div>
      <div role="alert" className="live-region" id={`${ids}-errors`}>
        {errors && (
          <div className="notice notice-error" data-testid="rule-errors">
            <p>{t('riskOps.invalid')}</p>
            <ul>
              {errors.map((e) => (
                <li key={`${e.path}:${e.reason}`}>
                  {e.ruleIndex === null
                    ? t('riskOps.errorSet', { path: e.path, reason: e.reason })
                    : t('riskOps.errorAt', { index: e.ruleIndex, path: e.path, reason: e.reason })}
                </li>
              ))}
            </ul>
          </div>
        )}
      </div>
      <ErrorRegion title={t('riskOps.actionFailed')} error={act.error} />
      <StatusRegion message={message} />
      {report && (
        <div data-testid="backtest-report">
          <p>{t('riskOps.backtestResult', { events: text(report.events), changed: text(report.changed) })}</p>
          <ul>
            {isRecord(report.transitions) &&
              Object.entries(report.transitions).map(([key, count]) => {
                const [from, to] = key.split('→');
                return (
                  <li key={key}>
                    {t('riskOps.transition', { from: from ?? '', to: to ?? '', count: text(count) })}
                  </li>
                );
              })}
          </ul>
          <p>
            {t('riskOps.frauds', {
              before: text(report.fraudsStoppedBefore),
              after: text(report.fraudsStoppedAfter),
              total: text(report.labelledFrauds),
            })}
          </p>
        </div>
      )}
      {vocabulary && <RuleHelp vocabulary={vocabulary} />}
    </section>
  );
}
