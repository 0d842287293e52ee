/**
 * Scoring gradient-boosted trees from their JSON dump, in plain TypeScript (no WASM, no native
 * code at decision time): a few microseconds per score. Each score also decomposes its log-odds
 * into per-feature contributions along the path taken (Saabas): every split moves the running
 * value from the node's value to the child's, and that move is credited to the split's feature,
 * so bias + Σ contributions equals the margin exactly.
 */
import type { FeatureContribution, FeatureVector, ModelScore, RiskModel } from '../ports.ts';

export const MODEL_FORMAT = 'rampart-gbdt-1';
/** Bounds on a model file: past them it is refused (a model is small; this one is < 2 MB). */
export const MODEL_TREES_MAX = 5_000;
export const MODEL_NODES_PER_TREE_MAX = 4_096;
export const MODEL_FEATURES_MAX = 1_000;
export const REASONS_MAX = 5;

/** One tree as parallel arrays indexed by node; node 0 is the root, children come after parents. */
export interface TreeJson {
  /** Split feature index, or -1 for a leaf. */
  readonly f: readonly number[];
  /** Threshold: a value below it goes left. */
  readonly t: readonly number[];
  /** 1 when a missing (NaN) value goes left. */
  readonly m: readonly number[];
  readonly l: readonly number[];
  readonly r: readonly number[];
  /** The node's value in log-odds (learning rate applied): a leaf's output, or what the node would output as a leaf. */
  readonly v: readonly number[];
}

export interface ModelJson {
  readonly format: typeof MODEL_FORMAT;
  readonly version: string;
  readonly featureNames: readonly string[];
  readonly baseMargin: number;
  readonly trees: readonly TreeJson[];
  /** How it was trained (data, window, parameters, counts): provenance only, never read for scoring. */
  readonly training?: Readonly<Record<string, unknown>>;
}

/** A schema problem in a model file: the path and what is wrong. */
export class ModelSchemaError extends Error {
  override name = 'ModelSchemaError';
}

const VERSION_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** Checks an untrusted parsed JSON value is a well-formed, acyclic, bounded model; throws ModelSchemaError. */
export function validateModelJson(value: unknown): ModelJson {
  const fail = (path: string, reason: string): never => {
    throw new ModelSchemaError(`${path}: ${reason}`);
  };
  if (typeof value !== 'object' || value === null || Array.isArray(value)) fail('$', 'must be an object');
  const v = value as Record<string, unknown>;
  if (v.format !== MODEL_FORMAT) fail('$.format', `must be "${MODEL_FORMAT}"`);
  if (typeof v.version !== 'string' || !VERSION_PATTERN.test(v.version))
    fail('$.version', `must match ${VERSION_PATTERN}`);
  if (
    !Array.isArray(v.featureNames) ||
    v.featureNames.length === 0 ||
    v.featureNames.length > MODEL_FEATURES_MAX
  )
    fail('$.featureNames', `must be an array of 1..${MODEL_FEATURES_MAX} names`);
  const names = v.featureNames as unknown[];
  const seen = new Set<string>();
  names.forEach((name, i) => {
    if (typeof name !== 'string' || name.length === 0 || name.length > 100)
      fail(`$.featureNames[${i}]`, 'must be a name');
    if (seen.has(name as string)) fail(`$.featureNames[${i}]`, `duplicate "${String(name)}"`);
    seen.add(name as string);
  });
  if (typeof v.baseMargin !== 'number' || !Number.isFinite(v.baseMargin))
    fail('$.baseMargin', 'must be a finite number');
  if (!Array.isArray(v.trees) || v.trees.length === 0 || v.trees.length > MODEL_TREES_MAX)
    fail('$.trees', `must be an array of 1..${MODEL_TREES_MAX} trees`);
  (v.trees as unknown[]).forEach((tree, ti) => {
    const path = `$.trees[${ti}]`;
    if (typeof tree !== 'object' || tree === null) fail(path, 'must be an object');
    const t = tree as Record<string, unknown>;
    const columns = ['f', 't', 'm', 'l', 'r', 'v'] as const;
    for (const c of columns) if (!Array.isArray(t[c])) fail(`${path}.${c}`, 'must be an array');
    const n = (t.f as unknown[]).length;
    if (n === 0 || n > MODEL_NODES_PER_TREE_MAX)
      fail(`${path}.f`, `must hold 1..${MODEL_NODES_PER_TREE_MAX} nodes`);
    for (const c of columns)
      if ((t[c] as unknown[]).length !== n) fail(`${path}.${c}`, `must have ${n} entries like f`);
    for (let i = 0; i < n; i++) {
      const f = (t.f as unknown[])[i];
      const val = (t.v as unknown[])[i];
      if (typeof val !== 'number' || !Number.isFinite(val))
        fail(`${path}.v[${i}]`, 'must be a finite number');
      if (f === -1) continue;
      if (typeof f !== 'number' || !Number.isInteger(f) || f < 0 || f >= names.length)
        fail(`${path}.f[${i}]`, `must be -1 or a feature index below ${names.length}`);
      const thr = (t.t as unknown[])[i];
      if (typeof thr !== 'number' || !Number.isFinite(thr))
        fail(`${path}.t[${i}]`, 'must be a finite number');
      const m = (t.m as unknown[])[i];
      if (m !== 0 && m !== 1) fail(`${path}.m[${i}]`, 'must be 0 or 1');
      for (const c of ['l', 'r'] as const) {
        const child = (t[c] as unknown[])[i];
        // Children strictly after their parent: no cycles, every path ends.
        if (typeof child !== 'number' || !Number.isInteger(child) || child <= i || child >= n)
          fail(`${path}.${c}[${i}]`, `must be a node index in (${i}, ${n})`);
      }
    }
  });
  if (v.training !== undefined && (typeof v.training !== 'object' || v.training === null))
    fail('$.training', 'must be an object when present');
  return value as ModelJson;
}

interface CompiledTree {
  readonly f: Int32Array;
  readonly t: Float64Array;
  readonly m: Uint8Array;
  readonly l: Int32Array;
  readonly r: Int32Array;
  readonly v: Float64Array;
}

export function sigmoid(margin: number): number {
  return 1 / (1 + Math.exp(-margin));
}

export class TreeModel implements RiskModel {
  readonly version: string;
  readonly featureNames: readonly string[];
  readonly json: ModelJson;
  readonly #trees: CompiledTree[];
  readonly #bias: number;

  constructor(json: ModelJson) {
    const model = validateModelJson(json);
    this.json = model;
    this.version = model.version;
    this.featureNames = Object.freeze([...model.featureNames]);
    this.#trees = model.trees.map((tree) => ({
      f: Int32Array.from(tree.f),
      t: Float64Array.from(tree.t),
      m: Uint8Array.from(tree.m),
      l: Int32Array.from(tree.l),
      r: Int32Array.from(tree.r),
      v: Float64Array.from(tree.v),
    }));
    this.#bias = model.baseMargin + this.#trees.reduce((sum, tree) => sum + tree.v[0]!, 0);
  }

  /** Log-odds of the row (features in featureNames order; NaN = missing). */
  marginOfRow(row: ArrayLike<number>): number {
    let margin = this.json.baseMargin;
    for (const tree of this.#trees) {
      let node = 0;
      while (tree.f[node]! >= 0) {
        const x = row[tree.f[node]!]!;
        const left = Number.isNaN(x) ? tree.m[node] === 1 : x < tree.t[node]!;
        node = left ? tree.l[node]! : tree.r[node]!;
      }
      margin += tree.v[node]!;
    }
    return margin;
  }

  /** Margin and per-feature contributions of one row (contributions[i] for featureNames[i]). */
  explainRow(row: ArrayLike<number>): { margin: number; bias: number; contributions: Float64Array } {
    const contributions = new Float64Array(this.featureNames.length);
    let margin = this.json.baseMargin;
    for (const tree of this.#trees) {
      let node = 0;
      while (tree.f[node]! >= 0) {
        const feature = tree.f[node]!;
        const x = row[feature]!;
        const left = Number.isNaN(x) ? tree.m[node] === 1 : x < tree.t[node]!;
        const child = left ? tree.l[node]! : tree.r[node]!;
        contributions[feature]! += tree.v[child]! - tree.v[node]!;
        node = child;
      }
      margin += tree.v[node]!;
    }
    return { margin, bias: this.#bias, contributions };
  }

  rowOf(features: FeatureVector): Float64Array {
    const row = new Float64Array(this.featureNames.length);
    for (let i = 0; i < row.length; i++) {
      const value = features[this.featureNames[i]!];
      row[i] = typeof value === 'number' ? value : Number.NaN;
    }
    return row;
  }

  score(features: FeatureVector): ModelScore {
    const { margin, contributions } = this.explainRow(this.rowOf(features));
    const top: FeatureContribution[] = [];
    for (let i = 0; i < contributions.length; i++) {
      const contribution = contributions[i]!;
      if (contribution === 0) continue;
      top.push({ feature: this.featureNames[i]!, contribution });
    }
    top.sort((a, b) => b.contribution - a.contribution || (a.feature < b.feature ? -1 : 1));
    return { probability: sigmoid(margin), modelVersion: this.version, reasons: top.slice(0, REASONS_MAX) };
  }
}
