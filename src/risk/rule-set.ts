/**
 * The declarative rule language (issue 5 point 3), pure: validation and evaluation. A rule set is
 * JSON an operator edits; it is validated once when saved (and again when loaded), then evaluated
 * for every event. Nothing here touches the store or the clock.
 *
 * ```json
 * { "rules": [
 *   { "id": "drain_to_new_payee", "kinds": ["payment","transfer"],
 *     "when": { "all": [ { "field": "firstTimePayee", "op": "==", "value": true },
 *                        { "field": "balanceShare", "op": ">=", "value": 0.8 } ] },
 *     "outcome": "review", "reason": "drain_to_new_payee", "shadow": false } ] }
 * ```
 * A condition is `{all:[…]}`, `{any:[…]}`, `{not:…}`, a comparison over a feature
 * (`{feature, op, value}`) or an event field (`{field, op, value}`), an arithmetic comparison
 * (`{expr: "user_sum_1h_minor + amountMinor >= 0.8 * balanceMinor"}`, rule-expression.ts), or
 * `{ref: "<rule id>"}`, which reuses another rule's condition (so a reference cycle is possible,
 * and refused).
 */
import { RISK_EVENT_KINDS, type RiskEventKind } from './ports.ts';
import {
  type CompiledComparison,
  compileComparison,
  EXPRESSION_SYNTAX,
  type NameResolution,
  parseComparison,
} from './rule-expression.ts';

/** Limits on what one rule set may be, so a bad save cannot slow every decision. */
export const RULES_PER_SET_MAX = 200;
export const CONDITION_NODES_PER_RULE_MAX = 64;
export const CONDITION_NODES_PER_SET_MAX = 4_000;
export const CONDITION_DEPTH_MAX = 8;
export const IN_LIST_VALUES_MAX = 100;
/** The stored JSON of a rule set. */
export const RULE_SET_BYTES_MAX = 256 * 1024;
export const REFERENCE_DEPTH_MAX = 8;

export const RULE_OUTCOMES = ['allow', 'challenge', 'review', 'deny', 'freeze'] as const;
export type RuleOutcome = (typeof RULE_OUTCOMES)[number];

export const OPERATORS = ['>', '>=', '<', '<=', '==', '!=', 'in', 'not_in'] as const;
export type Operator = (typeof OPERATORS)[number];

/**
 * Event fields a rule may test, with their type. `detail.<key>` reads the event's free detail.
 * Derived fields are computed from the event alone (no state), the same in production and in a
 * backtest: `balanceShare` = amount / balance before the event, `payeeKind` from the payee key.
 */
export const EVENT_FIELDS = {
  kind: 'string',
  amountMinor: 'number',
  balanceMinor: 'number',
  balanceShare: 'number',
  currency: 'string',
  payeeKind: 'string',
  country: 'string',
  hourUtc: 'number',
  /** The model's probability of fraud; absent without a model. */
  score: 'number',
  firstTimePayee: 'boolean',
  knownDevice: 'boolean',
} as const;
export type EventField = keyof typeof EVENT_FIELDS;
const DETAIL_FIELD = /^detail\.[a-zA-Z][a-zA-Z0-9_]{0,39}$/;
const ID_PATTERN = /^[a-z][a-z0-9_]{0,63}$/;
const FEATURE_PATTERN = /^[a-z][a-z0-9_]{0,79}$/;

export type Scalar = number | string | boolean;
export type Condition =
  | { readonly all: readonly Condition[] }
  | { readonly any: readonly Condition[] }
  | { readonly not: Condition }
  | { readonly feature: string; readonly op: Operator; readonly value: Scalar | readonly Scalar[] }
  | { readonly field: string; readonly op: Operator; readonly value: Scalar | readonly Scalar[] }
  | { readonly expr: string }
  | { readonly ref: string };

export interface Rule {
  readonly id: string;
  readonly description?: string;
  /** Event kinds the rule applies to; all kinds when absent. */
  readonly kinds?: readonly RiskEventKind[];
  readonly when: Condition;
  readonly outcome: RuleOutcome;
  /** Stable snake_case code recorded with the decision. */
  readonly reason: string;
  /** Evaluated and logged, never enforced (issue 5 point 3: shadow mode for new rules). */
  readonly shadow?: boolean;
}

export interface RuleSetBody {
  readonly rules: readonly Rule[];
}

export interface RuleSetError {
  /** Index of the rule in `rules`, or null for an error about the whole set. */
  readonly ruleIndex: number | null;
  /** JSON path of the offending part, e.g. `rules[3].when.all[1].op`. */
  readonly path: string;
  readonly reason: string;
}

export type ValidationResult =
  | { readonly ok: true; readonly ruleSet: RuleSetBody }
  | { readonly ok: false; readonly errors: readonly RuleSetError[] };

const ERRORS_MAX = 50;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Validates untrusted JSON as a rule set. Refuses unknown fields, features the deployment does not
 * compute, bad operators and values, duplicate ids, dangling or cyclic references, and anything
 * over the limits above. `knownFeatures` is what the wired FeatureSource produces.
 */
export function validateRuleSet(
  input: unknown,
  options: { knownFeatures: ReadonlySet<string> },
): ValidationResult {
  const errors: RuleSetError[] = [];
  const fail = (ruleIndex: number | null, path: string, reason: string) => {
    if (errors.length < ERRORS_MAX) errors.push({ ruleIndex, path, reason });
  };
  let bytes: number;
  try {
    bytes = Buffer.byteLength(JSON.stringify(input) ?? '', 'utf8');
  } catch {
    return { ok: false, errors: [{ ruleIndex: null, path: '', reason: 'not JSON' }] };
  }
  if (bytes > RULE_SET_BYTES_MAX) {
    return {
      ok: false,
      errors: [
        { ruleIndex: null, path: '', reason: `rule set is ${bytes} bytes; at most ${RULE_SET_BYTES_MAX}` },
      ],
    };
  }
  if (!isRecord(input))
    return { ok: false, errors: [{ ruleIndex: null, path: '', reason: 'expected an object' }] };
  for (const key of Object.keys(input)) {
    if (key !== 'rules') fail(null, key, `unknown key "${key}"`);
  }
  const rules = input.rules;
  if (!Array.isArray(rules))
    return { ok: false, errors: [{ ruleIndex: null, path: 'rules', reason: 'expected an array' }] };
  if (rules.length > RULES_PER_SET_MAX) {
    return {
      ok: false,
      errors: [
        { ruleIndex: null, path: 'rules', reason: `${rules.length} rules; at most ${RULES_PER_SET_MAX}` },
      ],
    };
  }
  const ids = new Map<string, number>();
  const refs = new Map<string, string[]>();
  let totalNodes = 0;
  rules.forEach((rule: unknown, index) => {
    const at = `rules[${index}]`;
    if (!isRecord(rule)) {
      fail(index, at, 'expected an object');
      return;
    }
    for (const key of Object.keys(rule)) {
      if (!['id', 'description', 'kinds', 'when', 'outcome', 'reason', 'shadow'].includes(key)) {
        fail(index, `${at}.${key}`, `unknown key "${key}"`);
      }
    }
    if (typeof rule.id !== 'string' || !ID_PATTERN.test(rule.id)) {
      fail(index, `${at}.id`, 'id must be snake_case, 1–64 characters');
    } else if (ids.has(rule.id)) {
      fail(index, `${at}.id`, `duplicate id "${rule.id}" (also rules[${ids.get(rule.id)}])`);
    } else ids.set(rule.id, index);
    if (
      rule.description !== undefined &&
      (typeof rule.description !== 'string' || rule.description.length > 500)
    ) {
      fail(index, `${at}.description`, 'description must be text of at most 500 characters');
    }
    if (rule.kinds !== undefined) {
      if (!Array.isArray(rule.kinds) || rule.kinds.length === 0)
        fail(index, `${at}.kinds`, 'kinds must be a non-empty array');
      else
        rule.kinds.forEach((kind: unknown, k) => {
          if (!RISK_EVENT_KINDS.includes(kind as RiskEventKind)) {
            fail(index, `${at}.kinds[${k}]`, `unknown event kind ${JSON.stringify(kind)}`);
          }
        });
    }
    if (!RULE_OUTCOMES.includes(rule.outcome as RuleOutcome)) {
      fail(index, `${at}.outcome`, `outcome must be one of ${RULE_OUTCOMES.join(', ')}`);
    }
    if (typeof rule.reason !== 'string' || !ID_PATTERN.test(rule.reason)) {
      fail(index, `${at}.reason`, 'reason must be a snake_case code');
    }
    if (rule.shadow !== undefined && typeof rule.shadow !== 'boolean')
      fail(index, `${at}.shadow`, 'shadow must be true or false');
    const ruleRefs: string[] = [];
    const nodes = checkCondition(rule.when, {
      index,
      path: `${at}.when`,
      depth: 1,
      fail,
      refs: ruleRefs,
      options,
    });
    if (nodes > CONDITION_NODES_PER_RULE_MAX) {
      fail(index, `${at}.when`, `${nodes} conditions; at most ${CONDITION_NODES_PER_RULE_MAX} per rule`);
    }
    totalNodes += nodes;
    if (typeof rule.id === 'string') refs.set(rule.id, ruleRefs);
  });
  if (totalNodes > CONDITION_NODES_PER_SET_MAX) {
    fail(null, 'rules', `${totalNodes} conditions; at most ${CONDITION_NODES_PER_SET_MAX} in a set`);
  }
  // References: each names an existing rule, and following them never comes back (no cycle).
  for (const [id, targets] of refs) {
    const index = ids.get(id) ?? null;
    for (const target of targets) {
      if (!ids.has(target)) fail(index, `rules[${index}].when`, `ref "${target}" names no rule`);
    }
  }
  const cycle = findCycle(refs);
  if (cycle)
    fail(
      ids.get(cycle[0] ?? '') ?? null,
      `rules[${ids.get(cycle[0] ?? '')}].when`,
      `cyclic references: ${cycle.join(' → ')}`,
    );
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, ruleSet: input as unknown as RuleSetBody };
}

function checkCondition(
  node: unknown,
  at: {
    index: number;
    path: string;
    depth: number;
    fail: (ruleIndex: number | null, path: string, reason: string) => void;
    refs: string[];
    options: { knownFeatures: ReadonlySet<string> };
  },
): number {
  const { index, path, fail } = at;
  if (at.depth > CONDITION_DEPTH_MAX) {
    fail(index, path, `conditions nested deeper than ${CONDITION_DEPTH_MAX}`);
    return 1;
  }
  if (!isRecord(node)) {
    fail(index, path, 'expected a condition object');
    return 1;
  }
  const keys = Object.keys(node).sort().join(',');
  const child = (value: unknown, suffix: string) =>
    checkCondition(value, { ...at, path: `${path}${suffix}`, depth: at.depth + 1 });
  if (keys === 'all' || keys === 'any') {
    const list = node[keys];
    if (!Array.isArray(list) || list.length === 0) {
      fail(index, `${path}.${keys}`, `${keys} needs a non-empty array of conditions`);
      return 1;
    }
    let nodes = 1;
    list.forEach((item, i) => {
      nodes += child(item, `.${keys}[${i}]`);
    });
    return nodes;
  }
  if (keys === 'not') return 1 + child(node.not, '.not');
  if (keys === 'ref') {
    if (typeof node.ref !== 'string' || !ID_PATTERN.test(node.ref))
      fail(index, `${path}.ref`, 'ref must name a rule id');
    else at.refs.push(node.ref);
    return 1;
  }
  if (keys === 'expr') {
    const parsed = parseComparison(node.expr, (name) => resolveName(name, at.options.knownFeatures));
    if (!parsed.ok) {
      fail(index, `${path}.expr`, `column ${parsed.column}: ${parsed.reason}`);
      return 1;
    }
    // Compiled here, once: validation runs at load (engine.ts), so events only evaluate.
    compiledExpressions.set(node, compileComparison(parsed.comparison));
    // Each operand and operator counts, so the per-rule and per-set limits bound the work.
    return parsed.nodes;
  }
  if (keys === 'feature,op,value' || keys === 'field,op,value') {
    const op = node.op;
    if (!OPERATORS.includes(op as Operator)) {
      fail(index, `${path}.op`, `unknown operator ${JSON.stringify(op)}; use one of ${OPERATORS.join(' ')}`);
      return 1;
    }
    let type: 'number' | 'string' | 'boolean';
    if ('feature' in node) {
      const name = node.feature;
      if (typeof name !== 'string' || !FEATURE_PATTERN.test(name) || !at.options.knownFeatures.has(name)) {
        fail(index, `${path}.feature`, `unknown feature ${JSON.stringify(name)}`);
        return 1;
      }
      type = 'number';
    } else {
      const name = node.field;
      if (typeof name === 'string' && DETAIL_FIELD.test(name)) type = 'string';
      else if (typeof name === 'string' && Object.hasOwn(EVENT_FIELDS, name))
        type = EVENT_FIELDS[name as EventField];
      else {
        fail(index, `${path}.field`, `unknown field ${JSON.stringify(name)}`);
        return 1;
      }
    }
    checkValue(node.value, op as Operator, type, (reason) => fail(index, `${path}.value`, reason));
    return 1;
  }
  fail(
    index,
    path,
    `a condition is {all}, {any}, {not}, {ref}, {expr}, {feature,op,value} or {field,op,value}; got {${keys}}`,
  );
  return 1;
}

/**
 * A name in an expression: a numeric event field (camelCase) or a feature the deployment computes
 * (snake_case); text and true/false fields are refused, since arithmetic takes numbers.
 */
function resolveName(name: string, knownFeatures: ReadonlySet<string> | null): NameResolution {
  // Without the deployment's features (a set never validated), a field name is the field.
  const isFeature =
    knownFeatures === null
      ? FEATURE_PATTERN.test(name) && !Object.hasOwn(EVENT_FIELDS, name)
      : knownFeatures.has(name);
  if (Object.hasOwn(EVENT_FIELDS, name)) {
    const type = EVENT_FIELDS[name as EventField];
    if (isFeature) return { refused: `"${name}" names both an event field and a feature` };
    if (type !== 'number') return { refused: `"${name}" is a ${type} field; arithmetic takes numbers` };
    return 'field';
  }
  if (isFeature) return 'feature';
  return { refused: `unknown name "${name}": neither a number field nor a computed feature` };
}

/**
 * What `{expr}` accepts in this deployment, for the operator API's vocabulary: the syntax
 * (rule-expression.ts's tables and limits) and the names, each one resolveName accepts: the
 * numeric event fields and the computed features (a feature that shares a field's name is
 * refused, so it is not listed).
 */
export function expressionVocabulary(knownFeatures: readonly string[]) {
  const known = new Set(knownFeatures);
  const syntax = EXPRESSION_SYNTAX;
  // Copies: the tables stay frozen, the caller gets plain JSON it may hand on.
  return {
    charsMax: syntax.charsMax,
    depthMax: syntax.depthMax,
    comparisonOperators: [...syntax.comparisonOperators],
    arithmeticOperators: syntax.arithmeticOperators.map((entry) => ({ ...entry })),
    grouping: [...syntax.grouping],
    numberPattern: syntax.numberPattern,
    falseWhen: [...syntax.falseWhen],
    names: {
      fields: Object.keys(EVENT_FIELDS).filter((name) => resolveName(name, known) === 'field'),
      features: knownFeatures.filter((name) => resolveName(name, known) === 'feature'),
    },
  };
}

/**
 * Each `{expr}` condition's compiled form, keyed by the condition object itself, so
 * evaluateRuleSet keeps its signature (the engine and the backtest pass the validated body) and
 * an event never parses. Weak: a replaced rule set's closures go with it.
 */
const compiledExpressions = new WeakMap<object, CompiledComparison>();

/** The compiled condition; a body that was never validated (the built-in default) compiles here once. */
function compiledExpression(condition: { readonly expr: string }): CompiledComparison {
  const known = compiledExpressions.get(condition);
  if (known) return known;
  const parsed = parseComparison(condition.expr, (name) => resolveName(name, null));
  // Unvalidated and unparseable: satisfies nothing, like any other missing fact.
  const compiled = parsed.ok ? compileComparison(parsed.comparison) : () => false;
  compiledExpressions.set(condition, compiled);
  return compiled;
}

function checkValue(
  value: unknown,
  op: Operator,
  type: 'number' | 'string' | 'boolean',
  fail: (reason: string) => void,
) {
  const scalarOk = (v: unknown) =>
    type === 'number' ? typeof v === 'number' && Number.isFinite(v) : typeof v === type;
  if (op === 'in' || op === 'not_in') {
    if (!Array.isArray(value) || value.length === 0 || value.length > IN_LIST_VALUES_MAX) {
      fail(`${op} needs an array of 1–${IN_LIST_VALUES_MAX} values`);
    } else if (!value.every(scalarOk)) fail(`every value must be a ${type}`);
    return;
  }
  if (!scalarOk(value)) {
    fail(`value must be a ${type}`);
    return;
  }
  if (type !== 'number' && op !== '==' && op !== '!=')
    fail(`${op} compares numbers; use == or != for a ${type}`);
}

function findCycle(refs: ReadonlyMap<string, readonly string[]>): string[] | null {
  const state = new Map<string, 'visiting' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    if (state.get(id) === 'done') return null;
    if (state.get(id) === 'visiting') return [...stack.slice(stack.indexOf(id)), id];
    state.set(id, 'visiting');
    stack.push(id);
    for (const next of refs.get(id) ?? []) {
      if (!refs.has(next)) continue;
      const found = visit(next);
      if (found) return found;
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const id of refs.keys()) {
    const found = visit(id);
    if (found) return found;
  }
  return null;
}

/** What a rule is evaluated over: event fields (derived ones included) and features. */
export interface Facts {
  readonly kind: RiskEventKind;
  readonly fields: Readonly<Record<string, Scalar | undefined>>;
  readonly features: Readonly<Record<string, number>>;
}

export interface RuleHit {
  readonly ruleId: string;
  readonly outcome: RuleOutcome;
  readonly reason: string;
  readonly shadow: boolean;
}

/** Every rule whose condition holds, in rule order; shadow rules included (marked). */
export function evaluateRuleSet(ruleSet: RuleSetBody, facts: Facts): RuleHit[] {
  const byId = new Map(ruleSet.rules.map((rule) => [rule.id, rule]));
  const hits: RuleHit[] = [];
  for (const rule of ruleSet.rules) {
    if (rule.kinds && !rule.kinds.includes(facts.kind)) continue;
    if (holds(rule.when, facts, byId, 0)) {
      hits.push({
        ruleId: rule.id,
        outcome: rule.outcome,
        reason: rule.reason,
        shadow: rule.shadow === true,
      });
    }
  }
  return hits;
}

function holds(
  condition: Condition,
  facts: Facts,
  byId: ReadonlyMap<string, Rule>,
  refDepth: number,
): boolean {
  if ('all' in condition) return condition.all.every((c) => holds(c, facts, byId, refDepth));
  if ('any' in condition) return condition.any.some((c) => holds(c, facts, byId, refDepth));
  if ('not' in condition) return !holds(condition.not, facts, byId, refDepth);
  if ('ref' in condition) {
    const target = byId.get(condition.ref);
    // Validation refused dangling and cyclic references; the depth bound is a second line.
    if (!target || refDepth >= REFERENCE_DEPTH_MAX) return false;
    return holds(target.when, facts, byId, refDepth + 1);
  }
  if ('expr' in condition) return compiledExpression(condition)(facts);
  const actual = 'feature' in condition ? facts.features[condition.feature] : facts.fields[condition.field];
  // A missing fact (no such feature computed, no amount on a sign-in) satisfies no comparison.
  if (actual === undefined || (typeof actual === 'number' && Number.isNaN(actual))) return false;
  return compare(actual, condition.op, condition.value);
}

function compare(actual: Scalar, op: Operator, expected: Scalar | readonly Scalar[]): boolean {
  if (op === 'in' || op === 'not_in') {
    const list = expected as readonly Scalar[];
    return op === 'in' ? list.includes(actual) : !list.includes(actual);
  }
  switch (op) {
    case '==':
      return actual === expected;
    case '!=':
      return actual !== expected;
    case '>':
      return typeof actual === 'number' && actual > (expected as number);
    case '>=':
      return typeof actual === 'number' && actual >= (expected as number);
    case '<':
      return typeof actual === 'number' && actual < (expected as number);
    case '<=':
      return typeof actual === 'number' && actual <= (expected as number);
  }
}
