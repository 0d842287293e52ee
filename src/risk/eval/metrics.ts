/**
 * The evaluation's metrics, with the definitions the handbook uses (scikit-learn's): ROC AUC with
 * ties counted half, step-wise average precision over distinct thresholds, recall at a false
 * positive rate, and the handbook's card precision@k.
 */

function orderDescending(scores: ArrayLike<number>): Uint32Array {
  const order = new Uint32Array(scores.length);
  for (let i = 0; i < order.length; i++) order[i] = i;
  order.sort((a, b) => scores[b]! - scores[a]!);
  return order;
}

function counts(labels: ArrayLike<number>): { positives: number; negatives: number } {
  let positives = 0;
  for (let i = 0; i < labels.length; i++) positives += labels[i]! ? 1 : 0;
  return { positives, negatives: labels.length - positives };
}

/** Area under the ROC curve; NaN when one class is absent. */
export function rocAuc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives, negatives } = counts(labels);
  if (positives === 0 || negatives === 0) return Number.NaN;
  const order = orderDescending(scores);
  // Walk tie groups from the top: each positive beats the negatives below its group, ties half.
  let negativesAbove = 0;
  let wins = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    let groupPositives = 0;
    let groupNegatives = 0;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) {
      if (labels[order[end]!]) groupPositives++;
      else groupNegatives++;
      end++;
    }
    const negativesBelow = negatives - negativesAbove - groupNegatives;
    wins += groupPositives * (negativesBelow + groupNegatives / 2);
    negativesAbove += groupNegatives;
    start = end;
  }
  return wins / (positives * negatives);
}

/** Σ (R_n − R_{n−1}) P_n over distinct thresholds, highest first; NaN with no positives. */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const { positives } = counts(labels);
  if (positives === 0) return Number.NaN;
  const order = orderDescending(scores);
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let lastRecall = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) {
      if (labels[order[end]!]) tp++;
      seen++;
      end++;
    }
    const recall = tp / positives;
    ap += (recall - lastRecall) * (tp / seen);
    lastRecall = recall;
    start = end;
  }
  return ap;
}

/** The highest recall at any threshold whose false positive rate is at most `fprMax`. */
export function recallAtFpr(scores: ArrayLike<number>, labels: ArrayLike<number>, fprMax: number): number {
  const { positives, negatives } = counts(labels);
  if (positives === 0 || negatives === 0) return Number.NaN;
  const order = orderDescending(scores);
  let tp = 0;
  let fp = 0;
  let best = 0;
  for (let start = 0; start < order.length; ) {
    let end = start;
    while (end < order.length && scores[order[end]!] === scores[order[start]!]) {
      if (labels[order[end]!]) tp++;
      else fp++;
      end++;
    }
    if (fp / negatives <= fprMax) best = Math.max(best, tp / positives);
    start = end;
  }
  return best;
}

export interface ScoredPayment {
  readonly day: number;
  readonly customerId: string;
  readonly score: number;
  readonly fraud: boolean;
}

/**
 * The handbook's card precision@k: each day, each customer's highest score and label; the share of
 * frauds among the k highest-scoring customers (divided by k); customers caught are dropped from
 * later days; the mean over days.
 */
export function cardPrecisionAtK(payments: readonly ScoredPayment[], k: number): number {
  const days = [...new Set(payments.map((p) => p.day))].sort((a, b) => a - b);
  const caught = new Set<string>();
  let total = 0;
  for (const day of days) {
    const best = new Map<string, { score: number; fraud: boolean }>();
    for (const p of payments) {
      if (p.day !== day || caught.has(p.customerId)) continue;
      const held = best.get(p.customerId);
      if (!held) best.set(p.customerId, { score: p.score, fraud: p.fraud });
      else best.set(p.customerId, { score: Math.max(held.score, p.score), fraud: held.fraud || p.fraud });
    }
    // Ties in score keep the customers' first-seen order (pandas' stable sort after groupby's id order).
    const ranked = [...best.entries()].sort((a, b) => b[1].score - a[1].score);
    let hits = 0;
    for (const [customerId, info] of ranked.slice(0, k)) {
      if (!info.fraud) continue;
      hits++;
      caught.add(customerId);
    }
    total += hits / k;
  }
  return days.length === 0 ? Number.NaN : total / days.length;
}
