/**
 * `npm run risk -- <command>`: the risk model's offline commands.
 *   train   replay a labelled payments CSV, train the trees, write models/risk-<version>.json and
 *           make it the manifest's current version (with its sha256)
 *   eval    replay, train on one window, score another with the handbook's protocol, print one
 *           JSON line of metrics
 * Exit codes: 0 success, 1 the data was refused (malformed CSV), 2 bad usage.
 */
import { basename, dirname } from 'node:path';
import { parseArgs } from 'node:util';
import {
  CsvFormatError,
  type DayRange,
  fileLines,
  type GbdtParams,
  HANDBOOK_FEATURE_NAMES,
  parseDay,
  replay,
  saveModel,
  scoreTestWindow,
  TreeModel,
  trainOnRows,
} from '../risk/index.ts';

const USAGE = `usage: npm run risk -- <command> [options]

commands:
  simulate [--seed N] [--legit-users N]
        replay account takeovers, stolen phones (the thief knowing the payment password or
        guessing it), scams, mules and card testing (and legitimate traffic, with typos) through
        the HTTP API with the shipped model and rules; prints one JSON line
  train --data <csv|csv.gz> --train-from D --train-to D --out models/risk-<version>.json [--delay-days 7]
        replay the file, train on the window, write the model and make it the manifest's current one
  eval  --data <csv|csv.gz> --train-from D --train-to D --test-from D --test-to D [--delay-days 7]
        [--out models/risk-<version>.json] [--peer handbook]
        train on one window, score the other with the handbook's protocol; prints one JSON line
        {"auc","ap","cp_at_100","recall_at_1pct_fpr","rows","frauds"}; with --out it also writes
        the model it evaluated, as train does; with --peer handbook it also trains the same learner
        on the handbook's own 15 features from the same replay and prints a second line
        {"peer":"handbook_features",…the same keys}

model options (both): --trees N --depth N --learning-rate X --seed N --ensemble N (boosters averaged)
dates are YYYY-MM-DD (UTC), both ends inclusive. Columns needed: TRANSACTION_ID, TX_DATETIME,
CUSTOMER_ID, TERMINAL_ID, TX_AMOUNT, TX_FRAUD (payer = CUSTOMER_ID, merchant = TERMINAL_ID).`;

/** The label delay of the handbook: fraud is confirmed a week after it happened. */
const DELAY_DAYS_DEFAULT = 7;
const DELAY_DAYS_MAX = 60;

class UsageError extends Error {
  override name = 'UsageError';
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function options(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    strict: true,
    options: {
      data: { type: 'string' },
      'train-from': { type: 'string' },
      'train-to': { type: 'string' },
      'test-from': { type: 'string' },
      'test-to': { type: 'string' },
      'delay-days': { type: 'string' },
      out: { type: 'string' },
      trees: { type: 'string' },
      depth: { type: 'string' },
      'learning-rate': { type: 'string' },
      seed: { type: 'string' },
      ensemble: { type: 'string' },
      peer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

function required(value: string | undefined, name: string): string {
  if (value === undefined) throw new UsageError(`${name} is required`);
  return value;
}

function wholeNumber(raw: string | undefined, name: string, min: number, max: number): number | undefined {
  if (raw === undefined) return undefined;
  if (!/^\d{1,9}$/.test(raw) || Number(raw) < min || Number(raw) > max)
    throw new UsageError(`${name} must be a whole number in ${min}..${max}, got "${raw}"`);
  return Number(raw);
}

function day(raw: string | undefined, name: string): number {
  try {
    return parseDay(required(raw, name), name);
  } catch (error) {
    if (error instanceof RangeError) throw new UsageError(error.message);
    throw error;
  }
}

function range(from: number, to: number, what: string): DayRange {
  if (from > to) throw new UsageError(`${what}: the first day is after the last`);
  return { fromDay: from, toDay: to };
}

function modelParams(values: ReturnType<typeof options>['values']): Partial<GbdtParams> {
  const params: { -readonly [K in keyof GbdtParams]?: GbdtParams[K] } = {};
  const trees = wholeNumber(values.trees, '--trees', 1, 5000);
  const depth = wholeNumber(values.depth, '--depth', 1, 10);
  const seed = wholeNumber(values.seed, '--seed', 0, 2 ** 31);
  const ensemble = wholeNumber(values.ensemble, '--ensemble', 1, 20);
  if (ensemble !== undefined) params.ensemble = ensemble;
  if (trees !== undefined) params.trees = trees;
  if (depth !== undefined) params.maxDepth = depth;
  if (seed !== undefined) params.seed = seed;
  if (values['learning-rate'] !== undefined) {
    const rate = Number(values['learning-rate']);
    if (!(rate > 0 && rate <= 1)) throw new UsageError('--learning-rate must be in (0, 1]');
    params.learningRate = rate;
  }
  return params;
}

function outFile(path: string): { path: string; version: string } {
  const match = /^risk-([A-Za-z0-9][A-Za-z0-9._-]{0,63})\.json$/.exec(basename(path));
  if (!match) throw new UsageError('--out must name a file risk-<version>.json');
  return { path, version: match[1]! };
}

/** Provenance written into the model file (never read for scoring). */
function trainingInfo(data: string, values: ReturnType<typeof options>['values'], delayDays: number) {
  return { data: basename(data), trainFrom: values['train-from'], trainTo: values['train-to'], delayDays };
}

function progress(label: string) {
  return (done: number, total?: number) => {
    process.stderr.write(`\r${label}: ${done}${total ? `/${total}` : ''}   `);
    if (total !== undefined && done >= total) process.stderr.write('\n');
  };
}

async function main(argv: string[]): Promise<number> {
  // The attack simulator (src/cli/risk-simulate.ts) reads its own options; loaded only for it.
  if (argv[0] === 'simulate') {
    const { runRiskSimulateCommand } = await import('./risk-simulate.ts');
    return runRiskSimulateCommand(argv.slice(1));
  }
  const { values, positionals } = options(argv);
  const [command] = positionals;
  if (values.help || !command) {
    log(USAGE);
    return values.help ? 0 : 2;
  }
  const delayDays =
    wholeNumber(values['delay-days'], '--delay-days', 0, DELAY_DAYS_MAX) ?? DELAY_DAYS_DEFAULT;
  const data = required(values.data, '--data');
  const train = range(
    day(values['train-from'], '--train-from'),
    day(values['train-to'], '--train-to'),
    'training window',
  );
  const params = modelParams(values);
  const startedMs = Date.now();

  if (command === 'eval') {
    const test = range(
      day(values['test-from'], '--test-from'),
      day(values['test-to'], '--test-to'),
      'test window',
    );
    if (test.fromDay <= train.toDay)
      throw new UsageError('the test window must start after the training window ends');
    if (values.peer !== undefined && values.peer !== 'handbook')
      throw new UsageError("--peer must be handbook (the handbook's own 15 features)");
    const replayed = await replay({
      lines: fileLines(data),
      train,
      test,
      delayDays,
      onProgress: progress('rows replayed'),
    });
    log(
      `\nreplayed ${replayed.rowsRead} rows; training on ${replayed.train.rows.length}, testing ${replayed.test.rows.length}`,
    );
    const out = values.out === undefined ? undefined : outFile(values.out);
    const json = trainOnRows({
      rows: replayed.train,
      params,
      version: out?.version ?? 'eval',
      training: trainingInfo(data, values, delayDays),
      onProgress: progress('trees'),
    });
    const result = scoreTestWindow({ model: new TreeModel(json), replayed, delayDays });
    if (out) {
      // The model just evaluated is the one written: the figures describe the artefact.
      const entry = await saveModel({ dir: dirname(out.path), model: json, file: basename(out.path) });
      log(
        `wrote ${out.path} (sha256 ${entry.sha256}) and made it current in ${dirname(out.path)}/manifest.json`,
      );
    }
    log(`eval took ${((Date.now() - startedMs) / 1000).toFixed(1)} s`);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    if (values.peer === 'handbook') {
      const peerJson = trainOnRows({
        rows: replayed.train,
        featureNames: HANDBOOK_FEATURE_NAMES,
        params,
        version: 'peer-handbook',
        onProgress: progress('peer trees'),
      });
      const peer = scoreTestWindow({ model: new TreeModel(peerJson), replayed, delayDays });
      // CP@100 is a mean over the test days of caught / 100: back to caught customers for the log.
      const slots = (test.toDay - test.fromDay + 1) * 100;
      log(
        `\nfull / peer: AP ${(result.ap / peer.ap).toFixed(3)}×, CP@100 ${(result.cp_at_100 / peer.cp_at_100).toFixed(3)}× (${Math.round(result.cp_at_100 * slots)} vs ${Math.round(peer.cp_at_100 * slots)} customers caught of ${slots} slots)`,
      );
      process.stdout.write(`${JSON.stringify({ peer: 'handbook_features', ...peer })}\n`);
    }
    return 0;
  }

  if (command === 'train') {
    const { path: out, version } = outFile(required(values.out, '--out'));
    const replayed = await replay({
      lines: fileLines(data),
      train,
      delayDays,
      onProgress: progress('rows replayed'),
    });
    log(`\nreplayed ${replayed.rowsRead} rows; training on ${replayed.train.rows.length}`);
    const json = trainOnRows({
      rows: replayed.train,
      params,
      version,
      training: trainingInfo(data, values, delayDays),
      onProgress: progress('trees'),
    });
    const entry = await saveModel({ dir: dirname(out), model: json, file: basename(out) });
    log(`wrote ${out} (sha256 ${entry.sha256}) and made it current in ${dirname(out)}/manifest.json`);
    process.stdout.write(`${JSON.stringify({ version, file: out, sha256: entry.sha256 })}\n`);
    return 0;
  }

  throw new UsageError(`unknown command "${command}"`);
}

try {
  process.exitCode = await main(process.argv.slice(2));
} catch (error) {
  if (
    error instanceof UsageError ||
    (error instanceof TypeError && 'code' in error && String(error.code).startsWith('ERR_PARSE_ARGS'))
  ) {
    log(`${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else if (error instanceof CsvFormatError) {
    log(`\nrisk: the data file was refused: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
