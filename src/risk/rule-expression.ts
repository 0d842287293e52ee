/**
 * Arithmetic in rule conditions, pure: `{ "expr": "user_sum_1h_minor + amountMinor >= 0.8 * balanceMinor" }`.
 * One comparison (`> >= < <= == !=`) between two sums over numbers, numeric event fields and
 * features, with `+ - * /`, unary minus and parentheses at the usual precedence (left to right
 * within a level). Parsed and checked when a rule set is validated, compiled once into closures,
 * then evaluated per event without allocating.
 *
 * Semantics an operator cannot be surprised by: every value is a number (no text, no booleans);
 * a missing value (NaN), a division by zero or a result too large for a number (±Infinity) makes
 * the comparison false — `!=` included — and nothing ever throws. Parsing never throws either:
 * bad input is an error value with the column and the reason.
 */

/** Longest expression source: as long as a rule's description, far more than a rule needs. */
export const EXPRESSION_CHARS_MAX = 500;
/**
 * Deepest expression tree (a number or name is depth 1; `a + b` is 2; `a + b + c` is 3): bounds
 * the evaluator's call depth and the parser's recursion, which stops as soon as it is exceeded.
 */
export const EXPRESSION_DEPTH_MAX = 16;

/** The comparison, one per expression, between two arithmetic sides: looser than any arithmetic. */
export const COMPARISON_OPERATORS = ['>', '>=', '<', '<=', '==', '!='] as const;
export type ComparisonOperator = (typeof COMPARISON_OPERATORS)[number];
/**
 * The binary arithmetic operators by precedence level, loosest first; within a level, left to
 * right. The parser climbs these levels in this order, so the table is the grammar.
 */
export const ARITHMETIC_LEVELS = [
  ['+', '-'],
  ['*', '/'],
] as const;
export type ArithmeticOperator = (typeof ARITHMETIC_LEVELS)[number][number];
/** Prefix operators (negation), tighter than every level of ARITHMETIC_LEVELS. */
export const UNARY_OPERATORS = ['-'] as const;
/** The parentheses that group a sub-expression. */
export const GROUPING = ['(', ')'] as const;

/**
 * Why a side can be other than a finite number, each making the comparison false (`!=` too):
 * a name whose value is missing (NaN, absent, not a number), a division by zero, a result beyond
 * the largest number (±Infinity). compileExpression and compileComparison implement them;
 * rule-expression.test.ts checks each by name.
 */
export const EXPRESSION_FALSE_WHEN = ['missing_value', 'division_by_zero', 'overflow'] as const;
export type ExpressionFalseWhen = (typeof EXPRESSION_FALSE_WHEN)[number];

export type Expression =
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'feature'; readonly name: string }
  | { readonly kind: 'field'; readonly name: string }
  | { readonly kind: 'negate'; readonly operand: Expression }
  | {
      readonly kind: 'binary';
      readonly op: ArithmeticOperator;
      readonly left: Expression;
      readonly right: Expression;
    };

export interface Comparison {
  readonly left: Expression;
  readonly op: ComparisonOperator;
  readonly right: Expression;
}

/** What a name in an expression reads, or why it cannot be used. */
export type NameResolution = 'feature' | 'field' | { readonly refused: string };

export type ParseResult =
  | { readonly ok: true; readonly comparison: Comparison; readonly nodes: number; readonly depth: number }
  /** `column` is 1-based; one past the end for "ended too early". */
  | { readonly ok: false; readonly column: number; readonly reason: string };

type Token =
  | { readonly kind: 'number'; readonly value: number; readonly column: number; readonly text: string }
  | { readonly kind: 'name'; readonly name: string; readonly column: number; readonly text: string }
  | { readonly kind: 'op'; readonly op: string; readonly column: number; readonly text: string }
  | { readonly kind: 'end'; readonly column: number; readonly text: string };

class ParseError {
  constructor(
    readonly column: number,
    readonly reason: string,
  ) {}
}

const NUMBER = /[0-9]+(?:_[0-9]+)*(?:\.[0-9]+(?:_[0-9]+)*)?/y;
const NAME = /[A-Za-z][A-Za-z0-9_]*/y;
/** Every operator of the tables above, longest first (so `>=` is not read as `>` then `=`). */
const OPERATOR = new RegExp(
  [
    ...new Set<string>([
      ...COMPARISON_OPERATORS,
      ...ARITHMETIC_LEVELS.flat(),
      ...UNARY_OPERATORS,
      ...GROUPING,
    ]),
  ]
    .sort((a, b) => b.length - a.length)
    .map((op) => op.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('|'),
  'y',
);
const SPACE = /[ \t\r\n]+/y;

/** One arithmetic operator as EXPRESSION_SYNTAX describes it: higher precedence binds tighter. */
export interface ArithmeticOperatorSyntax {
  readonly operator: ArithmeticOperator | (typeof UNARY_OPERATORS)[number];
  readonly arity: 'unary' | 'binary';
  /** 1 for the loosest level; the comparison is looser than all of them. */
  readonly precedence: number;
  /** Binary: left to right within a level (`10 - 4 - 3` is 3); prefix: `--4` is -(-4). */
  readonly associativity: 'left' | 'right';
}

/**
 * The expression language for the operator API's vocabulary (`GET …/risk/rules`), built from the
 * tables and limits the parser and the evaluator use, so the description cannot drift from them.
 * The names a deployment accepts are not here: rule-set.ts adds them (expressionVocabulary).
 */
export const EXPRESSION_SYNTAX = {
  charsMax: EXPRESSION_CHARS_MAX,
  depthMax: EXPRESSION_DEPTH_MAX,
  comparisonOperators: COMPARISON_OPERATORS,
  arithmeticOperators: [
    ...ARITHMETIC_LEVELS.flatMap((ops, index) =>
      ops.map(
        (operator): ArithmeticOperatorSyntax => ({
          operator,
          arity: 'binary',
          precedence: index + 1,
          associativity: 'left',
        }),
      ),
    ),
    ...UNARY_OPERATORS.map(
      (operator): ArithmeticOperatorSyntax => ({
        operator,
        arity: 'unary',
        precedence: ARITHMETIC_LEVELS.length + 1,
        associativity: 'right',
      }),
    ),
  ],
  grouping: GROUPING,
  /** A number literal (JavaScript regular expression source): digits, `_` between digits, no exponent. */
  numberPattern: NUMBER.source,
  falseWhen: EXPRESSION_FALSE_WHEN,
} as const;

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let at = 0;
  const match = (pattern: RegExp): string | null => {
    pattern.lastIndex = at;
    const found = pattern.exec(source);
    return found ? found[0] : null;
  };
  while (at < source.length) {
    const column = at + 1;
    const space = match(SPACE);
    if (space !== null) {
      at += space.length;
      continue;
    }
    const number = match(NUMBER);
    if (number !== null) {
      const value = Number(number.replaceAll('_', ''));
      if (!Number.isFinite(value)) throw new ParseError(column, `number ${number} is too large`);
      at += number.length;
      // `1abc`, `1.2.3` or `1_` read as one bad number rather than two tokens side by side.
      if (/[A-Za-z0-9_.]/.test(source[at] ?? ''))
        throw new ParseError(column, `bad number "${number}${source[at]}"`);
      tokens.push({ kind: 'number', value, column, text: number });
      continue;
    }
    const name = match(NAME);
    if (name !== null) {
      at += name.length;
      if (source[at] === '.')
        throw new ParseError(
          column,
          name === 'detail'
            ? 'detail.<key> fields are text; arithmetic takes numbers'
            : `"${name}." is not a name (names have no dots)`,
        );
      tokens.push({ kind: 'name', name, column, text: name });
      continue;
    }
    const op = match(OPERATOR);
    if (op !== null) {
      at += op.length;
      tokens.push({ kind: 'op', op, column, text: op });
      continue;
    }
    const char = source[at] ?? '';
    if (char === '=') throw new ParseError(column, 'use == to compare for equality');
    if (char === '.') throw new ParseError(column, 'a number starts with a digit (0.5, not .5)');
    throw new ParseError(column, `unexpected character ${JSON.stringify(char)}`);
  }
  tokens.push({ kind: 'end', column: source.length + 1, text: 'the end' });
  return tokens;
}

/**
 * Parses `source` as one comparison. `resolve` says what each name reads (validation passes the
 * deployment's features; see rule-set.ts). Returns an error value for anything else; never throws.
 */
export function parseComparison(source: unknown, resolve: (name: string) => NameResolution): ParseResult {
  if (typeof source !== 'string') return { ok: false, column: 1, reason: 'an expression is text' };
  if (source.length > EXPRESSION_CHARS_MAX)
    return {
      ok: false,
      column: EXPRESSION_CHARS_MAX + 1,
      reason: `expression is ${source.length} characters; at most ${EXPRESSION_CHARS_MAX}`,
    };
  try {
    const tokens = tokenize(source);
    let next = 0;
    let nesting = 0;
    let nodes = 0;
    const peek = (): Token => tokens[next] ?? tokens[tokens.length - 1]!;
    const isOp = (token: Token, ...ops: string[]) => token.kind === 'op' && ops.includes(token.op);
    const nest = (token: Token) => {
      nesting++;
      if (nesting > EXPRESSION_DEPTH_MAX)
        throw new ParseError(token.column, `expression nested deeper than ${EXPRESSION_DEPTH_MAX}`);
    };
    // One function per level of ARITHMETIC_LEVELS, loosest first; past the last, unary.
    const level = (at: number): Expression => {
      const ops = ARITHMETIC_LEVELS[at];
      if (ops === undefined) return unary();
      let left = level(at + 1);
      while (isOp(peek(), ...ops)) {
        const op = (tokens[next++] as { op: ArithmeticOperator }).op;
        nodes++;
        left = { kind: 'binary', op, left, right: level(at + 1) };
      }
      return left;
    };
    const sum = (): Expression => level(0);
    const unary = (): Expression => {
      const token = peek();
      if (!isOp(token, ...UNARY_OPERATORS)) return primary();
      next++;
      nest(token);
      nodes++;
      const operand = unary();
      nesting--;
      return { kind: 'negate', operand };
    };
    const primary = (): Expression => {
      const token = tokens[next++] ?? peek();
      if (token.kind === 'number') {
        nodes++;
        return { kind: 'number', value: token.value };
      }
      if (token.kind === 'name') {
        const resolved = resolve(token.name);
        if (typeof resolved !== 'string') throw new ParseError(token.column, resolved.refused);
        nodes++;
        return { kind: resolved, name: token.name };
      }
      if (isOp(token, GROUPING[0])) {
        nest(token);
        const inner = sum();
        const close = tokens[next++] ?? peek();
        if (!isOp(close, GROUPING[1]))
          throw new ParseError(close.column, `expected ) to close the ( at column ${token.column}`);
        nesting--;
        return inner;
      }
      if (token.kind === 'end') throw new ParseError(token.column, 'expression ends too early');
      throw new ParseError(token.column, `expected a number, a name or (, got ${token.text}`);
    };
    const left = sum();
    const opToken = tokens[next++] ?? peek();
    if (opToken.kind !== 'op' || !(COMPARISON_OPERATORS as readonly string[]).includes(opToken.op)) {
      throw new ParseError(
        opToken.column,
        `expected a comparison (${COMPARISON_OPERATORS.join(' ')}), got ${opToken.text}`,
      );
    }
    nodes++;
    const right = sum();
    const end = peek();
    if (end.kind !== 'end') {
      throw new ParseError(
        end.column,
        end.kind === 'op' && (COMPARISON_OPERATORS as readonly string[]).includes(end.op)
          ? 'one comparison per expression; combine several with all / any'
          : `unexpected ${end.text} after the comparison`,
      );
    }
    const depth = Math.max(depthOf(left), depthOf(right)) + 1;
    if (depth > EXPRESSION_DEPTH_MAX)
      return { ok: false, column: 1, reason: `expression nested deeper than ${EXPRESSION_DEPTH_MAX}` };
    return { ok: true, comparison: { left, op: opToken.op as ComparisonOperator, right }, nodes, depth };
  } catch (error) {
    // Only the parser's own errors become values; anything else is a bug and goes on up.
    if (error instanceof ParseError) return { ok: false, column: error.column, reason: error.reason };
    throw error;
  }
}

/** Tree depth; the parser's nesting bound keeps this recursion shallow. */
function depthOf(node: Expression): number {
  switch (node.kind) {
    case 'number':
    case 'feature':
    case 'field':
      return 1;
    case 'negate':
      return 1 + depthOf(node.operand);
    case 'binary':
      return 1 + Math.max(depthOf(node.left), depthOf(node.right));
  }
}

/** Every name an expression mentions (text that does not parse may yield a partial list). */
export function expressionNames(source: string): string[] {
  const names: string[] = [];
  for (const found of source.matchAll(/[A-Za-z][A-Za-z0-9_]*/g)) {
    const start = found.index ?? 0;
    // Skip letters inside numbers (never valid, but keep the list to names).
    if (start > 0 && /[0-9_.]/.test(source[start - 1] ?? '')) continue;
    names.push(found[0]);
  }
  return names;
}

/** What an expression reads: the event's fields (derived ones included) and the features. */
export interface ExpressionFacts {
  readonly fields: Readonly<Record<string, unknown>>;
  readonly features: Readonly<Record<string, number>>;
}

export type CompiledNumber = (facts: ExpressionFacts) => number;
export type CompiledComparison = (facts: ExpressionFacts) => boolean;

/**
 * Closures built once per expression: evaluating one reads the facts and does the arithmetic,
 * nothing else (no allocation, no lookup beyond the fact's property).
 */
export function compileExpression(node: Expression): CompiledNumber {
  switch (node.kind) {
    case 'number': {
      const value = node.value;
      return () => value;
    }
    case 'feature': {
      const name = node.name;
      return (facts) => {
        const value = facts.features[name];
        return typeof value === 'number' ? value : Number.NaN;
      };
    }
    case 'field': {
      const name = node.name;
      return (facts) => {
        const value = facts.fields[name];
        return typeof value === 'number' ? value : Number.NaN;
      };
    }
    case 'negate': {
      const operand = compileExpression(node.operand);
      return (facts) => -operand(facts);
    }
    case 'binary': {
      const left = compileExpression(node.left);
      const right = compileExpression(node.right);
      switch (node.op) {
        case '+':
          return (facts) => left(facts) + right(facts);
        case '-':
          return (facts) => left(facts) - right(facts);
        case '*':
          return (facts) => left(facts) * right(facts);
        case '/':
          return (facts) => {
            const divisor = right(facts);
            // x / 0 is ±Infinity (or NaN) in JavaScript; here it is missing, so the comparison is false.
            return divisor === 0 ? Number.NaN : left(facts) / divisor;
          };
      }
    }
  }
}

export function compileComparison(comparison: Comparison): CompiledComparison {
  const left = compileExpression(comparison.left);
  const right = compileExpression(comparison.right);
  // A side that is NaN or ±Infinity (EXPRESSION_FALSE_WHEN: missing fact, division by zero,
  // overflow) satisfies nothing.
  const finite = Number.isFinite;
  switch (comparison.op) {
    case '>':
      return (facts) => {
        const a = left(facts);
        const b = right(facts);
        return finite(a) && finite(b) && a > b;
      };
    case '>=':
      return (facts) => {
        const a = left(facts);
        const b = right(facts);
        return finite(a) && finite(b) && a >= b;
      };
    case '<':
      return (facts) => {
        const a = left(facts);
        const b = right(facts);
        return finite(a) && finite(b) && a < b;
      };
    case '<=':
      return (facts) => {
        const a = left(facts);
        const b = right(facts);
        return finite(a) && finite(b) && a <= b;
      };
    case '==':
      return (facts) => {
        const a = left(facts);
        const b = right(facts);
        return finite(a) && finite(b) && a === b;
      };
    case '!=':
      return (facts) => {
        const a = left(facts);
        const b = right(facts);
        return finite(a) && finite(b) && a !== b;
      };
  }
}
