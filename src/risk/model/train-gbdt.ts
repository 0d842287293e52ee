/**
 * A small histogram gradient-boosted tree learner (logistic loss), in the manner of XGBoost's
 * `hist` method and LightGBM: features are cut into at most 255 quantile bins once, each node's
 * gradient/hessian histogram is built for the smaller child and the larger one is the parent's
 * minus it, missing values get their own bin and the split learns which side they go. Training is
 * deterministic for a seed (row and column sampling use a seeded generator), so the same data and
 * parameters give byte-identical model files. Output: the JSON dump TreeModel scores.
 */
import { assert } from '../../shared/index.ts';
import { MODEL_FORMAT, MODEL_TREES_MAX, type ModelJson, type TreeJson } from './tree-model.ts';

export interface GbdtParams {
  readonly trees: number;
  readonly maxDepth: number;
  readonly learningRate: number;
  /** L2 regularisation on leaf values (XGBoost's lambda). */
  readonly lambda: number;
  /** Minimum hessian sum in a child (XGBoost's min_child_weight). */
  readonly minChildWeight: number;
  /** Minimum loss reduction to split (XGBoost's gamma). */
  readonly minSplitGain: number;
  /** Share of rows drawn for each tree, and of features. */
  readonly rowSample: number;
  readonly columnSample: number;
  /** Weight of a fraud row in the loss (XGBoost's scale_pos_weight); 1 = unweighted. */
  readonly positiveWeight: number;
  /** Boosters trained from seeds seed, seed + 1, …, whose margins the model averages. */
  readonly ensemble: number;
  /** Quantile bins per feature (at most 255; bin 0 is "missing"). */
  readonly bins: number;
  readonly seed: number;
}

/** Chosen on validation splits before the handbook's test week (docs/risk.md, docs/BENCHMARKS.md). */
export const GBDT_DEFAULTS: GbdtParams = {
  trees: 300,
  maxDepth: 6,
  learningRate: 0.025,
  lambda: 1,
  minChildWeight: 3,
  minSplitGain: 0,
  rowSample: 0.8,
  columnSample: 0.8,
  positiveWeight: 1,
  ensemble: 1,
  bins: 255,
  seed: 1,
};

/** Training rows at most (memory: bins are one byte per row and feature). */
export const TRAIN_ROWS_MAX = 5_000_000;
const BIN_SAMPLE_MAX = 200_000;
const HESSIAN_FLOOR = 1e-16;

/** Mulberry32: a tiny seeded generator; determinism, not cryptography. */
function seeded(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Cut points of one feature: at most bins - 2 distinct values, from evenly spaced quantiles. */
export function quantileEdges(values: Float64Array, bins: number): Float64Array {
  const present: number[] = [];
  const step = Math.max(1, Math.floor(values.length / BIN_SAMPLE_MAX));
  for (let i = 0; i < values.length; i += step) if (!Number.isNaN(values[i]!)) present.push(values[i]!);
  if (present.length === 0) return new Float64Array(0);
  present.sort((a, b) => a - b);
  const edges: number[] = [];
  const wanted = bins - 2;
  for (let k = 1; k <= wanted; k++) {
    const value = present[Math.min(present.length - 1, Math.floor((k * present.length) / (wanted + 1)))]!;
    // An edge e sends x < e left: edges strictly above the minimum, strictly increasing.
    if (value > present[0]! && (edges.length === 0 || value > edges[edges.length - 1]!)) edges.push(value);
  }
  return Float64Array.from(edges);
}

/** Bin of a value: 0 when missing, else 1 + the number of edges at or below it. */
function binOf(edges: Float64Array, x: number): number {
  if (Number.isNaN(x)) return 0;
  let lo = 0;
  let hi = edges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (edges[mid]! <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo + 1;
}

export interface TrainingSet {
  readonly featureNames: readonly string[];
  /** Column-major: columns[feature][row]; NaN = missing. */
  readonly columns: readonly Float64Array[];
  readonly labels: Uint8Array;
}

interface Split {
  gain: number;
  feature: number;
  /** Bins 1..bin go left (x < edges[bin - 1]). */
  bin: number;
  missingLeft: boolean;
}

interface BuildNode {
  rows: Uint32Array;
  g: number;
  h: number;
  depth: number;
  index: number;
  hist: Float64Array | undefined;
}

export function trainGbdt(input: {
  set: TrainingSet;
  params?: Partial<GbdtParams>;
  version: string;
  training?: Record<string, unknown>;
  onProgress?: (treesDone: number, total: number) => void;
}): ModelJson {
  const p: GbdtParams = { ...GBDT_DEFAULTS, ...input.params };
  const { featureNames, columns, labels } = input.set;
  const nFeatures = featureNames.length;
  const nRows = labels.length;
  assert(columns.length === nFeatures, 'one column per feature');
  assert(nRows > 0 && nRows <= TRAIN_ROWS_MAX, 'training rows within bounds');
  assert(p.bins >= 3 && p.bins <= 255, 'bins in 3..255');
  assert(p.maxDepth >= 1 && p.maxDepth <= 10, 'maxDepth in 1..10');
  assert(
    Number.isInteger(p.ensemble) && p.ensemble >= 1 && p.trees * p.ensemble <= MODEL_TREES_MAX,
    'ensemble × trees within the model bound',
  );
  assert(p.positiveWeight > 0 && p.positiveWeight <= 1000, 'positiveWeight in (0, 1000]');
  for (const column of columns) assert(column.length === nRows, 'columns as long as labels');

  const edges = columns.map((column) => quantileEdges(column, p.bins));
  const binned = columns.map((column, f) => {
    const out = new Uint8Array(nRows);
    const e = edges[f]!;
    for (let i = 0; i < nRows; i++) out[i] = binOf(e, column[i]!);
    return out;
  });
  const BINS = 256;

  let positives = 0;
  for (let i = 0; i < nRows; i++) positives += labels[i]!;
  const prior = Math.min(Math.max(positives / nRows, 1e-6), 1 - 1e-6);
  const baseMargin = Math.log(prior / (1 - prior));
  const margin = new Float64Array(nRows);
  const grad = new Float64Array(nRows);
  const hess = new Float64Array(nRows);
  const trees: TreeJson[] = [];

  // Each member of the ensemble is a whole booster from its own seed; the saved model averages
  // their margins by scaling every node value by 1 / members, so it stays one list of trees.
  for (let member = 0; member < p.ensemble; member++) {
    margin.fill(baseMargin);
    const random = seeded(p.seed + member);
    const firstTree = trees.length;
    for (let t = 0; t < p.trees; t++) {
      for (let i = 0; i < nRows; i++) {
        const prob = 1 / (1 + Math.exp(-margin[i]!));
        const weight = labels[i] === 1 ? p.positiveWeight : 1;
        grad[i] = (prob - labels[i]!) * weight;
        hess[i] = Math.max(prob * (1 - prob) * weight, HESSIAN_FLOOR);
      }
      const sampled: number[] = [];
      for (let i = 0; i < nRows; i++) if (p.rowSample >= 1 || random() < p.rowSample) sampled.push(i);
      const features: number[] = [];
      let drawnCount = 0;
      for (let f = 0; f < nFeatures; f++) {
        const drawn = p.columnSample >= 1 || random() < p.columnSample;
        if (drawn) drawnCount++;
        // A feature without cut points (constant or always missing) can never split: skip its
        // histogram. The draw above still happens, so the sampling sequence does not change.
        if (drawn && edges[f]!.length > 0) features.push(f);
      }
      if (drawnCount === 0) features.push(Math.floor(random() * nFeatures));

      const tree = {
        f: [] as number[],
        t: [] as number[],
        m: [] as number[],
        l: [] as number[],
        r: [] as number[],
        v: [] as number[],
      };
      const addNode = (g: number, h: number): number => {
        tree.f.push(-1);
        tree.t.push(0);
        tree.m.push(0);
        tree.l.push(0);
        tree.r.push(0);
        tree.v.push((-g / (h + p.lambda)) * p.learningRate);
        return tree.f.length - 1;
      };
      const histogram = (rows: Uint32Array): Float64Array => {
        const hist = new Float64Array(nFeatures * BINS * 2);
        for (const f of features) {
          const bins = binned[f]!;
          const base = f * BINS * 2;
          for (let k = 0; k < rows.length; k++) {
            const row = rows[k]!;
            const at = base + bins[row]! * 2;
            hist[at]! += grad[row]!;
            hist[at + 1]! += hess[row]!;
          }
        }
        return hist;
      };
      const bestSplit = (node: BuildNode, hist: Float64Array): Split | undefined => {
        let best: Split | undefined;
        const parentScore = (node.g * node.g) / (node.h + p.lambda);
        for (const f of features) {
          const base = f * BINS * 2;
          const gMissing = hist[base]!;
          const hMissing = hist[base + 1]!;
          const lastBin = edges[f]!.length + 1;
          let gLeft = 0;
          let hLeft = 0;
          for (let bin = 1; bin < lastBin; bin++) {
            gLeft += hist[base + bin * 2]!;
            hLeft += hist[base + bin * 2 + 1]!;
            // Missing values right (side 0), then left (side 1).
            for (let side = 0; side < 2; side++) {
              const gl = side === 1 ? gLeft + gMissing : gLeft;
              const hl = side === 1 ? hLeft + hMissing : hLeft;
              const gr = node.g - gl;
              const hr = node.h - hl;
              if (hl < p.minChildWeight || hr < p.minChildWeight) continue;
              const gain = (gl * gl) / (hl + p.lambda) + (gr * gr) / (hr + p.lambda) - parentScore;
              if (gain > p.minSplitGain && (!best || gain > best.gain))
                best = { gain, feature: f, bin, missingLeft: side === 1 };
            }
          }
        }
        return best;
      };

      let rootG = 0;
      let rootH = 0;
      for (const i of sampled) {
        rootG += grad[i]!;
        rootH += hess[i]!;
      }
      let level: BuildNode[] = [
        {
          rows: Uint32Array.from(sampled),
          g: rootG,
          h: rootH,
          depth: 0,
          index: addNode(rootG, rootH),
          hist: undefined,
        },
      ];
      level[0]!.hist = histogram(level[0]!.rows);
      while (level.length > 0) {
        const next: BuildNode[] = [];
        for (const node of level) {
          if (node.depth >= p.maxDepth || node.rows.length < 2 || !node.hist) continue;
          const split = bestSplit(node, node.hist);
          if (!split) continue;
          const bins = binned[split.feature]!;
          const leftRows: number[] = [];
          const rightRows: number[] = [];
          let gl = 0;
          let hl = 0;
          for (let k = 0; k < node.rows.length; k++) {
            const row = node.rows[k]!;
            const bin = bins[row]!;
            const left = bin === 0 ? split.missingLeft : bin <= split.bin;
            if (left) {
              leftRows.push(row);
              gl += grad[row]!;
              hl += hess[row]!;
            } else rightRows.push(row);
          }
          const left: BuildNode = {
            rows: Uint32Array.from(leftRows),
            g: gl,
            h: hl,
            depth: node.depth + 1,
            index: addNode(gl, hl),
            hist: undefined,
          };
          const right: BuildNode = {
            rows: Uint32Array.from(rightRows),
            g: node.g - gl,
            h: node.h - hl,
            depth: node.depth + 1,
            index: addNode(node.g - gl, node.h - hl),
            hist: undefined,
          };
          tree.f[node.index] = split.feature;
          tree.t[node.index] = edges[split.feature]![split.bin - 1]!;
          tree.m[node.index] = split.missingLeft ? 1 : 0;
          tree.l[node.index] = left.index;
          tree.r[node.index] = right.index;
          if (node.depth + 1 < p.maxDepth) {
            // Histogram of the smaller child; the larger is the parent's minus it.
            const [small, large] = left.rows.length <= right.rows.length ? [left, right] : [right, left];
            small.hist = histogram(small.rows);
            const parent = node.hist;
            const smallHist = small.hist;
            for (const f of features) {
              const base = f * BINS * 2;
              for (let k = base; k < base + BINS * 2; k++) parent[k] = parent[k]! - smallHist[k]!;
            }
            large.hist = parent;
          }
          node.hist = undefined;
          next.push(left, right);
        }
        level = next;
      }
      // Update every row's margin (sampled or not) with the new tree, through its bins.
      for (let i = 0; i < nRows; i++) {
        let node = 0;
        while (tree.f[node]! >= 0) {
          const f = tree.f[node]!;
          const x = columns[f]![i]!;
          const left = Number.isNaN(x) ? tree.m[node] === 1 : x < tree.t[node]!;
          node = left ? tree.l[node]! : tree.r[node]!;
        }
        margin[i]! += tree.v[node]!;
      }
      trees.push(tree);
      input.onProgress?.(member * p.trees + t + 1, p.trees * p.ensemble);
    }
    if (p.ensemble > 1)
      for (let k = firstTree; k < trees.length; k++)
        trees[k] = { ...trees[k]!, v: trees[k]!.v.map((x) => x / p.ensemble) };
  }
  return {
    format: MODEL_FORMAT,
    version: input.version,
    featureNames: [...featureNames],
    baseMargin,
    trees,
    training: { ...input.training, params: p, rows: nRows, positives },
  };
}
