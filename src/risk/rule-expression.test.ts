// Proves the arithmetic conditions of the rule language (`{expr}`), pure, no database: precedence
// and associativity, names (features and numeric event fields only), a missing value or a division
// by zero making every comparison false, the length/depth/size limits, and refusals with the rule,
// the path and the column. The description the operator API serves (EXPRESSION_SYNTAX,
// expressionVocabulary) is checked against the parser and the evaluator, entry by entry. fast-check then checks that randomly generated expressions, printed
// with the fewest parentheses, parse back to the same tree and evaluate as a reference evaluator
// does, and that random garbage is refused with an error value and never throws.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import {
  compileComparison,
  EXPRESSION_CHARS_MAX,
  EXPRESSION_DEPTH_MAX,
  EXPRESSION_SYNTAX,
  type Expression,
  type ExpressionFalseWhen,
  type NameResolution,
  parseComparison,
} from './rule-expression.ts';
import {
  CONDITION_NODES_PER_RULE_MAX,
  evaluateRuleSet,
  expressionVocabulary,
  type Facts,
  type RuleSetBody,
  validateRuleSet,
} from './rule-set.ts';

const FEATURES = ['user_sum_1h_minor', 'user_payments_1h', 'amount_minor', 'balance_share'] as const;
const NUMBER_FIELDS = ['amountMinor', 'balanceMinor', 'balanceShare', 'hourUtc', 'score'] as const;
const known = { knownFeatures: new Set<string>(FEATURES) };

function facts(input: {
  features?: Record<string, number>;
  fields?: Record<string, number | string | boolean | undefined>;
}): Facts {
  return { kind: 'payment', fields: input.fields ?? {}, features: input.features ?? {} };
}

function ruleSetWith(when: unknown) {
  return { rules: [{ id: 'r', when, outcome: 'review', reason: 'r' }] };
}

/** Validates a one-rule set with `expr` and evaluates it; throws if the set is refused. */
function holds(expr: string, on: Facts = facts({})): boolean {
  const checked = validateRuleSet(ruleSetWith({ expr }), known);
  assert.ok(checked.ok, checked.ok ? '' : JSON.stringify(checked.errors));
  return evaluateRuleSet(checked.ruleSet, on).length === 1;
}

/** The one error of a one-rule set whose condition is `when`. */
function refusal(when: unknown): { ruleIndex: number | null; path: string; reason: string } {
  const checked = validateRuleSet(ruleSetWith(when), known);
  assert.ok(!checked.ok, 'expected a refusal');
  assert.equal(checked.errors.length, 1, JSON.stringify(checked.errors));
  return checked.errors[0]!;
}

describe('rule expressions: parsing and precedence', () => {
  test('* and / bind tighter than + and -; each level goes left to right; parentheses group', () => {
    assert.ok(holds('1 + 2 * 3 == 7'));
    assert.ok(holds('(1 + 2) * 3 == 9'));
    assert.ok(holds('10 - 4 - 3 == 3'), 'left to right, not 10 - (4 - 3)');
    assert.ok(holds('16 / 4 / 2 == 2'), 'left to right, not 16 / (4 / 2)');
    assert.ok(holds('2 * 3 + 4 * 5 == 26'));
    assert.ok(holds('1 - 2 * 3 < -4.5'));
  });

  test('unary minus, decimals, digit separators and spacing', () => {
    assert.ok(holds('-2 * -3 == 6'));
    assert.ok(holds('-(1 + 2) == -3'));
    assert.ok(holds('2 - -1 == 3'));
    assert.ok(holds('--4 == 4'));
    assert.ok(holds('1_000_000 == 1000000'));
    assert.ok(holds('0.8*10==8'));
    assert.ok(holds(' 1\t+\n1 >= 2 '));
  });

  test('comparisons on both sides read features and numeric event fields', () => {
    const expr = 'user_sum_1h_minor + amountMinor >= 0.8 * (balanceMinor + user_sum_1h_minor)';
    const on = (sumMinor: number, amountMinor: number, balanceMinor: number) =>
      holds(
        expr,
        facts({ features: { user_sum_1h_minor: sumMinor }, fields: { amountMinor, balanceMinor } }),
      );
    assert.equal(on(790_000, 20_000, 210_000), true, '81 % of the balance an hour ago');
    assert.equal(on(700_000, 20_000, 300_000), false, '72 %');
    assert.equal(on(0, 800_000, 1_000_000), true, 'exactly 80 %');
  });

  test('every comparison operator', () => {
    const cases: [string, boolean][] = [
      ['2 > 1', true],
      ['1 > 1', false],
      ['1 >= 1', true],
      ['1 < 2', true],
      ['2 <= 1', false],
      ['3 == 3', true],
      ['3 != 3', false],
      ['3 != 4', true],
    ];
    for (const [expr, expected] of cases) assert.equal(holds(expr), expected, expr);
  });
});

describe('rule expressions: compiled once', () => {
  test('compiled when validated (at save and at load): evaluating never reads the source again', () => {
    const body = { rules: [{ id: 'r', when: { expr: 'amountMinor > 1' }, outcome: 'review', reason: 'r' }] };
    const checked = validateRuleSet(body, known);
    assert.ok(checked.ok);
    // The source changed behind the validated set's back: events still see what was compiled.
    body.rules[0]!.when.expr = 'amountMinor < 1';
    assert.equal(evaluateRuleSet(checked.ruleSet, facts({ fields: { amountMinor: 5 } })).length, 1);
  });

  test('a set never validated (the built-in default before the first load) compiles on first use', () => {
    const ruleSet: RuleSetBody = {
      rules: [
        { id: 'ok', when: { expr: 'amountMinor * 2 > user_sum_1h_minor' }, outcome: 'review', reason: 'ok' },
        { id: 'score', when: { expr: 'score * 10 >= 9' }, outcome: 'review', reason: 'score' },
        { id: 'bad', when: { expr: 'amountMinor >' }, outcome: 'deny', reason: 'bad' },
        { id: 'text', when: { expr: 'currency > 1' }, outcome: 'deny', reason: 'text' },
      ],
    };
    const on = facts({
      features: { user_sum_1h_minor: 5 },
      fields: { amountMinor: 3, currency: 'CNY', score: 0.95 },
    });
    assert.deepEqual(
      evaluateRuleSet(ruleSet, on).map((h) => h.ruleId),
      ['ok', 'score'],
      'what does not parse satisfies nothing and throws nothing',
    );
    assert.deepEqual(
      evaluateRuleSet(ruleSet, on).map((h) => h.ruleId),
      ['ok', 'score'],
      'the second time, from the compiled form',
    );
  });
});

describe('rule expressions: missing values and division by zero', () => {
  const ops = ['>', '>=', '<', '<=', '==', '!='];

  test('a missing feature or field (NaN, absent, not a number) makes every comparison false, != too', () => {
    const missing = [
      facts({ features: { user_sum_1h_minor: Number.NaN }, fields: { amountMinor: 1 } }),
      facts({ fields: { amountMinor: 1 } }),
      facts({ features: { user_sum_1h_minor: 1 }, fields: {} }),
      facts({ features: { user_sum_1h_minor: 1 }, fields: { amountMinor: 'lots' } }),
    ];
    for (const on of missing) {
      for (const op of ops) {
        assert.equal(holds(`user_sum_1h_minor * 0 + amountMinor * 0 ${op} 0`, on), false, op);
        assert.equal(holds(`0 ${op} user_sum_1h_minor - amountMinor`, on), false, op);
      }
    }
  });

  test('{not: …} of a comparison with a missing value holds (the comparison is false; documented)', () => {
    const checked = validateRuleSet(ruleSetWith({ not: { expr: 'user_sum_1h_minor > 0' } }), known);
    assert.ok(checked.ok);
    assert.equal(evaluateRuleSet(checked.ruleSet, facts({})).length, 1);
  });

  test('division by zero (x/0, 0/0, -x/0, by a zero feature) makes the comparison false, never throws', () => {
    const zero = facts({ features: { user_payments_1h: 0 }, fields: { amountMinor: 5 } });
    for (const op of ops) {
      assert.equal(holds(`1 / 0 ${op} 0`), false, `1/0 ${op}`);
      assert.equal(holds(`0 / 0 ${op} 0`), false, `0/0 ${op}`);
      assert.equal(holds(`-1 / 0 ${op} 0`), false, `-1/0 ${op}`);
      assert.equal(holds(`amountMinor / user_payments_1h ${op} 1`, zero), false, op);
      assert.equal(holds(`1 / (amountMinor - amountMinor) ${op} 1`, zero), false, op);
      // JavaScript's 1 / (0 * -1) is -Infinity: still a division by zero.
      assert.equal(holds(`1 / (0 * -1) ${op} 1`), false, op);
    }
    const one = facts({ features: { user_payments_1h: 1 }, fields: { amountMinor: 5 } });
    assert.equal(holds('amountMinor / user_payments_1h >= 5', one), true);
  });

  test('a result too large for a number (±Infinity) is missing too', () => {
    const big = '9'.repeat(200); // 1e200 squared is past Number.MAX_VALUE
    assert.equal(holds(`${big} * ${big} > 0`), false);
    assert.equal(holds(`${big} * ${big} != 0`), false);
    assert.equal(holds(`-${big} * ${big} < 0`), false);
  });
});

describe('rule expressions: refused on save with the rule, the path and the column', () => {
  const refused: [string, RegExp][] = [
    ['balance_minor > 0', /^column 1: unknown name "balance_minor"/],
    ['amountMinor + shoe_size > 0', /^column 15: unknown name "shoe_size"/],
    ['currency > 0', /^column 1: "currency" is a string field; arithmetic takes numbers/],
    ['firstTimePayee == 1', /^column 1: "firstTimePayee" is a boolean field/],
    ['detail.amount > 0', /^column 1: detail\.<key> fields are text/],
    ['amountMinor +', /^column 14: expression ends too early/],
    ['(amountMinor > 0', /^column 14: expected \) to close the \( at column 1/],
    ['amountMinor = 0', /^column 13: use == to compare/],
    ['amountMinor', /^column 12: expected a comparison \(> >= < <= == !=\), got the end/],
    ['amountMinor + 1', /^column 16: expected a comparison/],
    ['0 < amountMinor < 10', /^column 17: one comparison per expression; combine several with all \/ any/],
    ['amountMinor > 0 amountMinor', /^column 17: unexpected amountMinor after the comparison/],
    ['amountMinor > .5', /^column 15: a number starts with a digit/],
    ['amountMinor > 1.2.3', /^column 15: bad number "1\.2\."/],
    ['amountMinor > 1e3', /^column 15: bad number "1e"/],
    ['amountMinor > 0 && 1 > 0', /^column 17: unexpected character "&"/],
    ['amountMinor > "5"', /^column 15: unexpected character "\\""/],
    ['* amountMinor > 0', /^column 1: expected a number, a name or \(, got \*/],
    ['', /^column 1: expression ends too early/],
    [`${'9'.repeat(400)} > 0`, /^column 1: number 9+ is too large/],
  ];
  for (const [expr, reason] of refused) {
    test(`${JSON.stringify(expr.length > 40 ? `${expr.slice(0, 40)}…` : expr)}`, () => {
      const error = refusal({ all: [{ field: 'amountMinor', op: '>', value: 0 }, { expr }] });
      assert.equal(error.ruleIndex, 0);
      assert.equal(error.path, 'rules[0].when.all[1].expr');
      assert.match(error.reason, reason);
    });
  }

  test('an expr that is not text, or an expr with other keys, is refused', () => {
    for (const expr of [42, null, true, ['a > 1'], { a: 1 }]) {
      assert.match(refusal({ expr }).reason, /^column 1: an expression is text/);
    }
    assert.match(refusal({ expr: '1 > 0', op: '>' }).reason, /got \{expr,op\}/);
  });

  test(`longer than ${EXPRESSION_CHARS_MAX} characters is refused`, () => {
    const fits = `amountMinor > ${'1'.padEnd(EXPRESSION_CHARS_MAX - 'amountMinor > '.length, '0')}`;
    assert.equal(fits.length, EXPRESSION_CHARS_MAX);
    assert.ok(!validateRuleSet(ruleSetWith({ expr: fits }), known).ok, 'a number that long is too large');
    const spaced = `amountMinor > ${' '.repeat(EXPRESSION_CHARS_MAX - 'amountMinor > 1'.length)}1`;
    assert.ok(validateRuleSet(ruleSetWith({ expr: spaced }), known).ok);
    const error = refusal({ expr: `${spaced} ` });
    assert.match(
      error.reason,
      new RegExp(`is ${EXPRESSION_CHARS_MAX + 1} characters; at most ${EXPRESSION_CHARS_MAX}`),
    );
  });

  test(`nested deeper than ${EXPRESSION_DEPTH_MAX} is refused: parentheses, unary minus, long chains`, () => {
    const parens = (n: number) => `${'('.repeat(n)}amountMinor${')'.repeat(n)} > 0`;
    assert.ok(validateRuleSet(ruleSetWith({ expr: parens(EXPRESSION_DEPTH_MAX) }), known).ok);
    assert.match(
      refusal({ expr: parens(EXPRESSION_DEPTH_MAX + 1) }).reason,
      new RegExp(
        `^column ${EXPRESSION_DEPTH_MAX + 1}: expression nested deeper than ${EXPRESSION_DEPTH_MAX}`,
      ),
    );
    // A hostile rule: thousands of ( stop at the bound, well before the length check's own limit.
    assert.match(refusal({ expr: '('.repeat(499) }).reason, /nested deeper/);
    // Depth counts the tree: a > b is 2, so the deepest side may be EXPRESSION_DEPTH_MAX - 1 deep.
    const minus = (n: number) => `${'-'.repeat(n)}1 > 0`;
    assert.ok(validateRuleSet(ruleSetWith({ expr: minus(EXPRESSION_DEPTH_MAX - 2) }), known).ok);
    assert.match(refusal({ expr: minus(EXPRESSION_DEPTH_MAX - 1) }).reason, /nested deeper/);
    const chain = (terms: number) => `${Array.from({ length: terms }, () => 'amountMinor').join(' + ')} > 0`;
    assert.ok(validateRuleSet(ruleSetWith({ expr: chain(EXPRESSION_DEPTH_MAX - 1) }), known).ok);
    assert.match(refusal({ expr: chain(EXPRESSION_DEPTH_MAX) }).reason, /nested deeper/);
  });

  test(`every operand and operator counts toward the ${CONDITION_NODES_PER_RULE_MAX} conditions of a rule`, () => {
    const balanced = (terms: number) => {
      let side = 'score';
      for (let n = 1; n < terms; n *= 2) side = `(${side} + ${side})`;
      return side;
    };
    // 32 terms and 31 operators, then "> 0": 65 nodes.
    const error = refusal({ expr: `${balanced(32)} > 0` });
    assert.equal(error.path, 'rules[0].when');
    assert.match(
      error.reason,
      new RegExp(`^65 conditions; at most ${CONDITION_NODES_PER_RULE_MAX} per rule`),
    );
    // 31 + 1 + 31 = 63 nodes: allowed.
    assert.ok(validateRuleSet(ruleSetWith({ expr: `${balanced(16)} > ${balanced(16)}` }), known).ok);
  });

  test('a name that is both an event field and a computed feature is ambiguous, so refused', () => {
    const checked = validateRuleSet(ruleSetWith({ expr: 'score > 0.5' }), {
      knownFeatures: new Set(['score']),
    });
    assert.ok(!checked.ok && /names both an event field and a feature/.test(checked.errors[0]?.reason ?? ''));
  });
});

// --- Generated expressions against a reference evaluator -----------------------------------------

type Leaf = Extract<Expression, { kind: 'number' | 'feature' | 'field' }>;

const literalArb: fc.Arbitrary<Leaf> = fc
  .oneof(
    fc.constant('0'),
    fc.constant('1'),
    fc.integer({ min: 0, max: 1_000_000 }).map(String),
    fc
      .tuple(fc.integer({ min: 0, max: 100_000 }), fc.integer({ min: 0, max: 999 }))
      .map(([whole, fraction]) => `${whole}.${String(fraction).padStart(3, '0')}`),
  )
  .map((text) => ({ kind: 'number', value: Number(text) }));
const leafArb: fc.Arbitrary<Leaf> = fc.oneof(
  literalArb,
  fc.constantFrom(...FEATURES).map((name): Leaf => ({ kind: 'feature', name })),
  fc.constantFrom(...NUMBER_FIELDS).map((name): Leaf => ({ kind: 'field', name })),
);
const { expression: expressionArb } = fc.letrec<{ expression: Expression }>((tie) => ({
  expression: fc.oneof(
    { depthSize: 'small', maxDepth: 6 },
    leafArb,
    tie('expression').map((operand): Expression => ({ kind: 'negate', operand })),
    fc
      .record({
        op: fc.constantFrom('+', '-', '*', '/'),
        left: tie('expression'),
        right: tie('expression'),
      })
      .map((b): Expression => ({ kind: 'binary', ...b })),
  ),
}));
const comparisonArb = fc.record({
  left: expressionArb,
  op: fc.constantFrom('>', '>=', '<', '<=', '==', '!=' as const),
  right: expressionArb,
});

const precedence = (node: Expression): number =>
  node.kind === 'binary' ? (node.op === '+' || node.op === '-' ? 1 : 2) : node.kind === 'negate' ? 3 : 4;

/** The fewest parentheses that keep the tree: what tests precedence and associativity. */
function render(node: Expression, space: string): string {
  switch (node.kind) {
    case 'number':
      return String(node.value);
    case 'feature':
    case 'field':
      return node.name;
    case 'negate': {
      const inner = render(node.operand, space);
      return `-${precedence(node.operand) < 3 ? `(${inner})` : inner}`;
    }
    case 'binary': {
      const left = render(node.left, space);
      const right = render(node.right, space);
      const p = precedence(node);
      return `${precedence(node.left) < p ? `(${left})` : left}${space}${node.op}${space}${
        precedence(node.right) <= p ? `(${right})` : right
      }`;
    }
  }
}

function depthOf(node: Expression): number {
  if (node.kind === 'negate') return 1 + depthOf(node.operand);
  if (node.kind === 'binary') return 1 + Math.max(depthOf(node.left), depthOf(node.right));
  return 1;
}

/** The documented semantics, written out independently of the compiled closures. */
function reference(node: Expression, on: Facts): number {
  switch (node.kind) {
    case 'number':
      return node.value;
    case 'feature': {
      const v = on.features[node.name];
      return typeof v === 'number' ? v : Number.NaN;
    }
    case 'field': {
      const v = on.fields[node.name];
      return typeof v === 'number' ? v : Number.NaN;
    }
    case 'negate':
      return -reference(node.operand, on);
    case 'binary': {
      const a = reference(node.left, on);
      const b = reference(node.right, on);
      if (node.op === '+') return a + b;
      if (node.op === '-') return a - b;
      if (node.op === '*') return a * b;
      return b === 0 ? Number.NaN : a / b;
    }
  }
}

function referenceHolds(c: { left: Expression; op: string; right: Expression }, on: Facts): boolean {
  const a = reference(c.left, on);
  const b = reference(c.right, on);
  if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
  if (c.op === '>') return a > b;
  if (c.op === '>=') return a >= b;
  if (c.op === '<') return a < b;
  if (c.op === '<=') return a <= b;
  if (c.op === '==') return a === b;
  return a !== b;
}

function namesOf(node: Expression, into: string[] = []): string[] {
  if (node.kind === 'feature' || node.kind === 'field') into.push(node.name);
  else if (node.kind === 'negate') namesOf(node.operand, into);
  else if (node.kind === 'binary') {
    namesOf(node.left, into);
    namesOf(node.right, into);
  }
  return into;
}

const valueArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: -1_000, max: 1_000_000 }) },
  { weight: 2, arbitrary: fc.constantFrom(0, -0, 1, Number.NaN) },
  { weight: 1, arbitrary: fc.double() },
);
const factsArb: fc.Arbitrary<Facts> = fc
  .record({
    features: fc.record(Object.fromEntries(FEATURES.map((n) => [n, valueArb])), { requiredKeys: [] }),
    fields: fc.record(
      Object.fromEntries(NUMBER_FIELDS.map((n) => [n, fc.oneof(valueArb, fc.constant(undefined))])),
      { requiredKeys: [] },
    ),
  })
  .map((r) => facts(r as { features: Record<string, number>; fields: Record<string, number | undefined> }));

const resolveKnown = (name: string): NameResolution =>
  (FEATURES as readonly string[]).includes(name)
    ? 'feature'
    : (NUMBER_FIELDS as readonly string[]).includes(name)
      ? 'field'
      : { refused: 'unknown' };

describe('rule expressions: properties', () => {
  const fits = (c: { left: Expression; right: Expression }, source: string) =>
    Math.max(depthOf(c.left), depthOf(c.right)) + 1 <= EXPRESSION_DEPTH_MAX &&
    source.length <= EXPRESSION_CHARS_MAX;

  test('a generated expression, printed with the fewest parentheses, parses back to the same tree', () => {
    fc.assert(
      fc.property(comparisonArb, fc.constantFrom('', ' ', '  '), (c, space) => {
        const source = `${render(c.left, space)}${space}${c.op}${space}${render(c.right, space)}`;
        fc.pre(fits(c, source));
        const parsed = parseComparison(source, resolveKnown);
        assert.ok(parsed.ok, `${source}: ${parsed.ok ? '' : parsed.reason}`);
        assert.deepEqual(JSON.parse(JSON.stringify(parsed.comparison)), JSON.parse(JSON.stringify(c)));
      }),
      { numRuns: 500 },
    );
  });

  test('the evaluator agrees with the reference on random expressions and facts (NaN, 0, -0, huge)', () => {
    fc.assert(
      fc.property(comparisonArb, fc.array(factsArb, { minLength: 1, maxLength: 5 }), (c, many) => {
        const source = `${render(c.left, ' ')} ${c.op} ${render(c.right, ' ')}`;
        fc.pre(fits(c, source));
        const checked = validateRuleSet(ruleSetWith({ expr: source }), known);
        // Large generated trees may exceed the 64 conditions of a rule: refused, not evaluated.
        if (!checked.ok) {
          assert.match(checked.errors[0]?.reason ?? '', /conditions; at most 64 per rule/);
          return;
        }
        for (const on of many) {
          const expected = referenceHolds(c, on);
          assert.equal(evaluateRuleSet(checked.ruleSet, on).length === 1, expected, source);
          // The compiled closure alone (what the rule set holds) gives the same answer.
          const parsed = parseComparison(source, resolveKnown);
          assert.ok(parsed.ok);
          assert.equal(compileComparison(parsed.comparison)(on), expected);
        }
      }),
      { numRuns: 500 },
    );
  });

  test('a missing value anywhere in an expression makes it false, whatever the operator', () => {
    fc.assert(
      fc.property(comparisonArb, factsArb, fc.nat(), (c, on, pick) => {
        const names = [...namesOf(c.left), ...namesOf(c.right)];
        fc.pre(names.length > 0);
        const name = names[pick % names.length]!;
        const missing = facts({
          features: { ...on.features, [name]: Number.NaN },
          fields: { ...on.fields, [name]: undefined },
        });
        const parsed = parseComparison(
          `${render(c.left, ' ')} ${c.op} ${render(c.right, ' ')}`,
          resolveKnown,
        );
        fc.pre(parsed.ok);
        assert.equal(parsed.ok && compileComparison(parsed.comparison)(missing), false);
      }),
      { numRuns: 300 },
    );
  });

  test('random garbage is refused with a column and a reason, and never throws', () => {
    const tokenSoup = fc
      .array(
        fc.constantFrom(
          'amountMinor',
          'user_sum_1h_minor',
          'currency',
          'detail.x',
          'nope',
          '1',
          '0.5',
          '1_000',
          '.',
          '_',
          '(',
          ')',
          '+',
          '-',
          '*',
          '/',
          '>',
          '>=',
          '<',
          '==',
          '!=',
          '=',
          '!',
          ' ',
          '"',
          '\u0000',
          '名',
        ),
        { maxLength: 40 },
      )
      .map((parts) => parts.join(''));
    const garbage = fc.oneof(
      fc.string({ maxLength: 600 }),
      tokenSoup,
      fc.string({ unit: 'binary', maxLength: 60 }),
    );
    fc.assert(
      fc.property(garbage, factsArb, (source, on) => {
        const parsed = parseComparison(source, resolveKnown);
        if (!parsed.ok) {
          assert.ok(parsed.column >= 1 && parsed.column <= Math.max(source.length, EXPRESSION_CHARS_MAX) + 1);
          assert.ok(parsed.reason.length > 0);
        }
        const checked = validateRuleSet(ruleSetWith({ expr: source }), known);
        if (checked.ok) assert.ok(parsed.ok, 'validation accepts only what parses');
        if (!checked.ok) {
          assert.ok(checked.errors.every((e) => e.ruleIndex === 0 && e.path.startsWith('rules[0].when')));
        } else {
          assert.equal(typeof (evaluateRuleSet(checked.ruleSet, on).length === 1), 'boolean');
        }
      }),
      { numRuns: 1_000 },
    );
    fc.assert(
      fc.property(fc.anything(), (expr) => {
        fc.pre(typeof expr !== 'string');
        const checked = validateRuleSet(ruleSetWith({ expr }), known);
        assert.ok(!checked.ok && /an expression is text/.test(checked.errors[0]?.reason ?? ''));
      }),
      { numRuns: 200 },
    );
  });
});

describe('rule expressions: the syntax the operator API describes is the one parsed', () => {
  const binary = EXPRESSION_SYNTAX.arithmeticOperators.filter((o) => o.arity === 'binary');
  const unary = EXPRESSION_SYNTAX.arithmeticOperators.filter((o) => o.arity === 'unary');
  const leaf = (name: string): Expression => ({ kind: 'feature', name });
  const [a, b, c] = [leaf('user_sum_1h_minor'), leaf('user_payments_1h'), leaf('amount_minor')];
  const left = (source: string): Expression => {
    const parsed = parseComparison(`${source} > 0`, resolveKnown);
    assert.ok(parsed.ok, parsed.ok ? '' : parsed.reason);
    return parsed.comparison.left;
  };

  test('every pair of binary operators nests as their precedence and associativity say', () => {
    assert.ok(binary.length >= 4 && binary.every((o) => o.associativity === 'left'));
    for (const x of binary) {
      for (const y of binary) {
        const source = `user_sum_1h_minor ${x.operator} user_payments_1h ${y.operator} amount_minor`;
        const expected: Expression =
          x.precedence >= y.precedence
            ? {
                kind: 'binary',
                op: y.operator,
                left: { kind: 'binary', op: x.operator, left: a, right: b },
                right: c,
              }
            : {
                kind: 'binary',
                op: x.operator,
                left: a,
                right: { kind: 'binary', op: y.operator, left: b, right: c },
              };
        assert.deepEqual(left(source), expected, source);
      }
    }
  });

  test('a prefix operator binds tighter than every binary one; grouping overrides precedence', () => {
    assert.deepEqual(
      unary.map((o) => o.operator),
      ['-'],
    );
    for (const u of unary) {
      assert.ok(binary.every((o) => u.precedence > o.precedence));
      for (const x of binary) {
        assert.deepEqual(left(`${u.operator}user_sum_1h_minor ${x.operator} user_payments_1h`), {
          kind: 'binary',
          op: x.operator,
          left: { kind: 'negate', operand: a },
          right: b,
        });
      }
    }
    const [open, close] = EXPRESSION_SYNTAX.grouping;
    const loosest = binary.find((o) => o.precedence === 1)!;
    const tightest = binary.find((o) => o.precedence > 1)!;
    assert.deepEqual(
      left(
        `${open}user_sum_1h_minor ${loosest.operator} user_payments_1h${close} ${tightest.operator} amount_minor`,
      ),
      {
        kind: 'binary',
        op: tightest.operator,
        left: { kind: 'binary', op: loosest.operator, left: a, right: b },
        right: c,
      },
    );
  });

  test('every comparison listed parses, looser than all arithmetic, one per expression', () => {
    for (const op of EXPRESSION_SYNTAX.comparisonOperators) {
      const parsed = parseComparison(`1 + 2 ${op} 3 * 4`, resolveKnown);
      assert.ok(parsed.ok, op);
      assert.equal(parsed.comparison.op, op);
      assert.equal(parsed.comparison.left.kind, 'binary');
      assert.equal(parsed.comparison.right.kind, 'binary');
      assert.ok(!parseComparison(`1 ${op} 2 ${op} 3`, resolveKnown).ok, `${op} twice`);
    }
  });

  test('the number pattern is what the parser reads as one number', () => {
    const number = new RegExp(`^(?:${EXPRESSION_SYNTAX.numberPattern})$`);
    for (const literal of [
      '0',
      '80',
      '0.8',
      '100_000',
      '1_000.000_1',
      '.5',
      '1.',
      '1_',
      '1e5',
      '1__0',
      '0x10',
    ]) {
      assert.equal(parseComparison(`${literal} > 0`, resolveKnown).ok, number.test(literal), literal);
    }
  });

  test('each case listed in falseWhen makes every comparison listed false, != included', () => {
    // A Record: a case added to EXPRESSION_FALSE_WHEN without an example here does not compile.
    const examples: Record<ExpressionFalseWhen, { side: string; on: Facts }> = {
      missing_value: {
        side: 'user_sum_1h_minor + 1',
        on: facts({ features: { user_sum_1h_minor: Number.NaN } }),
      },
      division_by_zero: {
        side: 'amountMinor / user_payments_1h',
        on: facts({ features: { user_payments_1h: 0 }, fields: { amountMinor: 5 } }),
      },
      overflow: { side: `${'9'.repeat(200)} * ${'9'.repeat(200)}`, on: facts({}) },
    };
    assert.deepEqual(Object.keys(examples).sort(), [...EXPRESSION_SYNTAX.falseWhen].sort());
    for (const falseWhen of EXPRESSION_SYNTAX.falseWhen) {
      const { side, on } = examples[falseWhen];
      for (const op of EXPRESSION_SYNTAX.comparisonOperators) {
        assert.equal(holds(`${side} ${op} 0`, on), false, `${falseWhen}: ${op}`);
        assert.equal(holds(`0 ${op} ${side}`, on), false, `${falseWhen}: ${op}, on the right`);
      }
    }
  });

  test('the vocabulary lists exactly the names validation accepts, and every part of the syntax', () => {
    const vocabulary = expressionVocabulary([...FEATURES]);
    const { names, ...syntax } = vocabulary;
    assert.deepEqual(syntax, EXPRESSION_SYNTAX);
    assert.deepEqual(names, { fields: [...NUMBER_FIELDS], features: [...FEATURES] });
    const all = facts({
      features: Object.fromEntries(FEATURES.map((f) => [f, 1])),
      fields: Object.fromEntries(NUMBER_FIELDS.map((f) => [f, 1])),
    });
    for (const name of [...names.fields, ...names.features]) assert.ok(holds(`${name} * 0 == 0`, all), name);
    // A deployment computing a feature named like a field: the name is ambiguous, refused either
    // way, so listed as neither.
    const clash = expressionVocabulary([...FEATURES, 'score']).names;
    assert.ok(!clash.fields.includes('score') && !clash.features.includes('score'));
    assert.ok(!validateRuleSet(ruleSetWith({ expr: 'score > 0' }), { knownFeatures: new Set(['score']) }).ok);
  });
});
