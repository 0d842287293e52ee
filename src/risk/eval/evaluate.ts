/**
 * `npm run risk -- eval` and `train`: replays a labelled payments file through the online feature
 * code (the same OnlineFeatureSource production uses; payer = CUSTOMER_ID, merchant =
 * TERMINAL_ID), keeps the feature vectors of the training and test windows, trains the trees on
 * the training window, and scores the test window with the handbook's protocol.
 *
 * Labels enter the features the way they would in production: a payment's confirmed fraud becomes
 * known `delayDays` after it. Labels of test-window rows never enter any feature, and the
 * scenario column is never read.
 */
import { assert } from '../../shared/index.ts';
import { MemoryFeatureState } from '../features/memory-state.ts';
import { FEATURE_NAMES, OnlineFeatureSource } from '../features/online-features.ts';
import { DAY_MS } from '../features/windows.ts';
import { type GbdtParams, trainGbdt } from '../model/train-gbdt.ts';
import type { ModelJson, TreeModel } from '../model/tree-model.ts';
import type { RiskEvent } from '../ports.ts';
import { averagePrecision, cardPrecisionAtK, recallAtFpr, rocAuc, type ScoredPayment } from './metrics.ts';
import { type TransactionRow, transactionRows } from './transactions-csv.ts';

/** Rows kept in memory for training and testing (≈ 1 KB each): a bound, not a target. */
export const WINDOW_ROWS_MAX = 2_000_000;
export const CP_K = 100;
export const FPR_FOR_RECALL = 0.01;

/**
 * The peer `eval --peer handbook` trains beside the full model: the handbook's own 15 features
 * (chapter 3: amount, weekend, night; per customer the count and mean amount over 1, 7 and 30
 * days; per terminal the count and fraud rate over 1, 7 and 30 days ending `delayDays` back), as
 * this online code computes them. Same replay, same learner and parameters, same test protocol:
 * the two lines differ only in what the trees may look at. One difference from the handbook's
 * pandas: the customer windows end just before the payment scored, where the handbook's include it.
 */
export const HANDBOOK_FEATURE_NAMES: readonly string[] = Object.freeze([
  'amount_minor',
  'is_weekend',
  'is_night',
  'user_payments_1d',
  'user_payments_7d',
  'user_payments_30d',
  'user_mean_1d_minor',
  'user_mean_7d_minor',
  'user_mean_30d_minor',
  'payee_delayed_payments_1d',
  'payee_delayed_payments_7d',
  'payee_delayed_payments_30d',
  'payee_fraud_rate_1d',
  'payee_fraud_rate_7d',
  'payee_fraud_rate_30d',
]);

/** Where each of `names` sits in a replayed row (FEATURE_NAMES order); refuses unknown names. */
function columnIndexes(names: readonly string[]): number[] {
  return names.map((name) => {
    const index = FEATURE_NAMES.indexOf(name);
    assert(index >= 0, `feature ${name} is computed online`);
    return index;
  });
}

export interface DayRange {
  /** UTC day numbers (days since 1970-01-01), both inclusive. */
  readonly fromDay: number;
  readonly toDay: number;
}

export function parseDay(text: string, option: string): number {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  const ms = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) : Number.NaN;
  if (!m || Number.isNaN(ms) || new Date(ms).toISOString().slice(0, 10) !== text)
    throw new RangeError(`${option} must be a date YYYY-MM-DD, got "${text}"`);
  return ms / DAY_MS;
}

export function paymentEvent(row: TransactionRow): RiskEvent {
  return {
    eventId: `tx:${row.transactionId}`,
    kind: 'payment',
    userId: row.customerId,
    atMs: row.atMs,
    amountMinor: BigInt(row.amountMinor),
    payeeKey: `merchant:${row.terminalId}`,
  };
}

interface WindowRows {
  rows: Float64Array[];
  labels: number[];
  customers: string[];
  days: number[];
}

export interface ReplayResult {
  readonly train: WindowRows;
  readonly test: WindowRows;
  /** Earliest fraud day per customer, from rows on or after the training start and before the test. */
  readonly firstFraudDay: ReadonlyMap<string, number>;
  readonly rowsRead: number;
}

/** Replays `lines` up to the end of the test window (or training window when there is no test). */
export async function replay(input: {
  lines: AsyncIterable<string>;
  train: DayRange;
  test?: DayRange;
  delayDays: number;
  onProgress?: (rowsRead: number) => void;
}): Promise<ReplayResult> {
  const { train, test, delayDays } = input;
  assert(train.fromDay <= train.toDay, 'training window in order');
  const source = new OnlineFeatureSource(new MemoryFeatureState({ delayDays }));
  const lastDay = test ? Math.max(test.toDay, train.toDay) : train.toDay;
  const testFrom = test?.fromDay ?? Number.POSITIVE_INFINITY;
  const trainRows: WindowRows = { rows: [], labels: [], customers: [], days: [] };
  const testRows: WindowRows = { rows: [], labels: [], customers: [], days: [] };
  const firstFraudDay = new Map<string, number>();
  // Fraud labels waiting for their release time (rows arrive in time order, so a FIFO queue).
  const pendingIds: string[] = [];
  const pendingAtMs: number[] = [];
  let pendingHead = 0;
  let rowsRead = 0;
  const delayMs = delayDays * DAY_MS;
  for await (const row of transactionRows(input.lines)) {
    const day = Math.floor(row.atMs / DAY_MS);
    if (day > lastDay) break;
    rowsRead++;
    if (rowsRead % 50_000 === 0) input.onProgress?.(rowsRead);
    while (pendingHead < pendingIds.length && pendingAtMs[pendingHead]! <= row.atMs) {
      await source.label(pendingIds[pendingHead]!, true, pendingAtMs[pendingHead]!);
      pendingHead++;
    }
    if (pendingHead > 100_000) {
      pendingIds.splice(0, pendingHead);
      pendingAtMs.splice(0, pendingHead);
      pendingHead = 0;
    }
    const event = paymentEvent(row);
    const target =
      day >= train.fromDay && day <= train.toDay
        ? trainRows
        : test && day >= test.fromDay && day <= test.toDay
          ? testRows
          : undefined;
    if (target) {
      assert(target.rows.length < WINDOW_ROWS_MAX, `at most ${WINDOW_ROWS_MAX} rows per window`);
      const features = await source.extract(event);
      target.rows.push(Float64Array.from(FEATURE_NAMES, (name) => features[name] ?? Number.NaN));
      target.labels.push(row.fraud ? 1 : 0);
      target.customers.push(row.customerId);
      target.days.push(day);
    }
    await source.observe(event);
    if (row.fraud && day < testFrom) {
      // A test-window label never reaches the features; earlier ones arrive after the delay.
      pendingIds.push(event.eventId);
      pendingAtMs.push(row.atMs + delayMs);
      if (day >= train.fromDay && !firstFraudDay.has(row.customerId)) firstFraudDay.set(row.customerId, day);
    }
  }
  return { train: trainRows, test: testRows, firstFraudDay, rowsRead };
}

export function trainOnRows(input: {
  rows: WindowRows;
  /** A subset of FEATURE_NAMES to train on (the peer); all of them when omitted. */
  featureNames?: readonly string[];
  params?: Partial<GbdtParams>;
  version: string;
  training?: Record<string, unknown>;
  onProgress?: (done: number, total: number) => void;
}): ModelJson {
  const n = input.rows.rows.length;
  assert(n > 0, 'the training window holds rows');
  const featureNames = input.featureNames ?? FEATURE_NAMES;
  const columns = columnIndexes(featureNames).map((f) => {
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) column[i] = input.rows.rows[i]![f]!;
    return column;
  });
  return trainGbdt({
    set: { featureNames, columns, labels: Uint8Array.from(input.rows.labels) },
    params: input.params,
    version: input.version,
    training: input.training,
    onProgress: input.onProgress,
  });
}

export interface EvalResult {
  readonly auc: number;
  readonly ap: number;
  readonly cp_at_100: number;
  readonly recall_at_1pct_fpr: number;
  readonly rows: number;
  readonly frauds: number;
}

/**
 * The handbook's test protocol: on each test day D, drop the customers already known to be
 * compromised (a fraud on or after the training start and at least delay + 1 days before D);
 * score the rest; compute the metrics over all remaining test rows.
 */
export function scoreTestWindow(input: {
  model: TreeModel;
  replayed: ReplayResult;
  delayDays: number;
}): EvalResult {
  const { model, replayed, delayDays } = input;
  // The full model reads a replayed row as it is; the peer reads its own columns of it.
  const indexes = columnIndexes(model.featureNames);
  const whole = indexes.length === FEATURE_NAMES.length && indexes.every((f, i) => f === i);
  const projected = new Float64Array(indexes.length);
  const rowFor = (row: Float64Array): Float64Array => {
    if (whole) return row;
    for (let j = 0; j < indexes.length; j++) projected[j] = row[indexes[j]!]!;
    return projected;
  };
  const scores: number[] = [];
  const labels: number[] = [];
  const payments: ScoredPayment[] = [];
  const test = replayed.test;
  for (let i = 0; i < test.rows.length; i++) {
    const customerId = test.customers[i]!;
    const day = test.days[i]!;
    const known = replayed.firstFraudDay.get(customerId);
    if (known !== undefined && known <= day - delayDays - 1) continue;
    const score = model.marginOfRow(rowFor(test.rows[i]!));
    scores.push(score);
    labels.push(test.labels[i]!);
    payments.push({ day, customerId, score, fraud: test.labels[i] === 1 });
  }
  const round = (x: number) => Math.round(x * 10_000) / 10_000;
  return {
    auc: round(rocAuc(scores, labels)),
    ap: round(averagePrecision(scores, labels)),
    cp_at_100: round(cardPrecisionAtK(payments, CP_K)),
    recall_at_1pct_fpr: round(recallAtFpr(scores, labels, FPR_FOR_RECALL)),
    rows: scores.length,
    frauds: labels.reduce((a, b) => a + b, 0),
  };
}
