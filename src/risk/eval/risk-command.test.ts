// Proves `npm run risk -- eval` and `train` end to end on a small generated file in the
// handbook's shape (no shared data): the command replays it, prints one JSON line with every
// metric, finds the planted frauds far better than chance, writes a model the manifest checks,
// and refuses a malformed file with its line number (exit 1) and bad usage (exit 2).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { loadCurrentModel } from '../model/model-store.ts';

const ROOT = resolve(import.meta.dirname, '../../..');

/** ~40 days of payments by 300 customers at 100 terminals, with the handbook's three fraud kinds. */
function fixtureCsv(): string {
  let s = 42;
  const random = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const customers = Array.from({ length: 300 }, () => ({ mean: 5 + random() * 145, perDay: random() * 4 }));
  const rows: string[] = [];
  const startMs = Date.UTC(2018, 3, 1);
  const compromisedTerminal = new Map<number, number>();
  const compromisedCustomer = new Map<number, number>();
  let id = 0;
  for (let day = 0; day < 40; day++) {
    if (random() < 0.05) compromisedTerminal.set(Math.floor(random() * 100), day + 28);
    if (random() < 0.6) compromisedCustomer.set(Math.floor(random() * 300), day + 14);
    const today: { at: number; c: number; t: number; amount: number; fraud: number }[] = [];
    customers.forEach((cust, c) => {
      const n = Math.floor(random() * cust.perDay * 2);
      for (let k = 0; k < n; k++) {
        const t = (c * 7 + Math.floor(random() * 5)) % 100;
        let amount = Math.max(0.01, cust.mean + (random() - 0.5) * cust.mean);
        let fraud = amount > 220 ? 1 : 0;
        if ((compromisedTerminal.get(t) ?? -1) >= day) fraud = 1;
        if ((compromisedCustomer.get(c) ?? -1) >= day && random() < 0.33) {
          amount *= 5;
          fraud = 1;
        }
        today.push({
          at: startMs + day * 86_400_000 + Math.floor(random() * 86_400) * 1000,
          c,
          t,
          amount,
          fraud,
        });
      }
    });
    today.sort((a, b) => a.at - b.at);
    for (const r of today) {
      const when = new Date(r.at).toISOString().replace('T', ' ').slice(0, 19);
      rows.push(`${id++},${when},${r.c},${r.t},${r.amount.toFixed(2)},0,${day},${r.fraud},9`);
    }
  }
  return `TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_TIME_SECONDS,TX_TIME_DAYS,TX_FRAUD,TX_FRAUD_SCENARIO\n${rows.join('\n')}\n`;
}

function risk(args: string[]) {
  return spawnSync(process.execPath, ['bin/tsx-run.mjs', 'src/cli/risk-main.ts', ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 240_000,
  });
}

describe('npm run risk', () => {
  let dir: string;
  let data: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rampart-risk-cmd-'));
    data = join(dir, 'payments.csv.gz');
    await writeFile(data, gzipSync(fixtureCsv()));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const windows = [
    '--train-from',
    '2018-04-15',
    '--train-to',
    '2018-04-25',
    '--test-from',
    '2018-05-03',
    '--test-to',
    '2018-05-10',
  ];

  test('eval prints one JSON line of metrics that beat chance by far, and --out writes that model', async () => {
    await mkdir(join(dir, 'evaluated'));
    const out = join(dir, 'evaluated', 'risk-evaluated.json');
    const run = risk(['eval', '--data', data, ...windows, '--trees', '60', '--out', out]);
    assert.equal(run.status, 0, run.stderr);
    const lines = run.stdout.trim().split('\n');
    assert.equal(lines.length, 1);
    const result = JSON.parse(lines[0]!) as Record<string, number>;
    assert.deepEqual(Object.keys(result), ['auc', 'ap', 'cp_at_100', 'recall_at_1pct_fpr', 'rows', 'frauds']);
    assert.ok(result.rows! > 500 && result.frauds! > 10, JSON.stringify(result));
    const base = result.frauds! / result.rows!;
    // Chance is AUC 0.5 and AP = the fraud rate; the small file's model is far above both.
    assert.ok(result.auc! > 0.65, JSON.stringify(result));
    assert.ok(result.ap! > 5 * base, JSON.stringify(result));
    // --out wrote the very model it evaluated, checksummed in the manifest.
    const model = await loadCurrentModel(join(dir, 'evaluated'));
    assert.equal(model.version, 'evaluated');
    assert.equal(model.json.trees.length, 60);
  });

  test("eval --peer handbook prints a second line: the same learner on the handbook's 15 features, same test rows", () => {
    const run = risk(['eval', '--data', data, ...windows, '--trees', '40', '--peer', 'handbook']);
    assert.equal(run.status, 0, run.stderr);
    const [full, peer, ...rest] = run.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    assert.equal(rest.length, 0);
    assert.deepEqual(Object.keys(peer!), [
      'peer',
      'auc',
      'ap',
      'cp_at_100',
      'recall_at_1pct_fpr',
      'rows',
      'frauds',
    ]);
    assert.equal(peer!.peer, 'handbook_features');
    // One replay, one protocol: both lines score the very same test rows.
    assert.equal(peer!.rows, full!.rows);
    assert.equal(peer!.frauds, full!.frauds);
    // A different model: its figures are its own (the 15 columns cannot reproduce all the others).
    assert.notDeepEqual([peer!.auc, peer!.ap, peer!.cp_at_100], [full!.auc, full!.ap, full!.cp_at_100]);
    assert.ok((peer!.auc as number) > 0.6, JSON.stringify(peer));
    assert.match(run.stderr, /full \/ peer: AP [\d.]+×, CP@100 [\d.]+×/);
    const bad = risk(['eval', '--data', data, ...windows, '--peer', 'xgboost']);
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--peer must be handbook/);
  });

  test('train writes risk-<version>.json and a manifest whose checksum loads', async () => {
    const out = join(dir, 'risk-fixture.1.json');
    const run = risk([
      'train',
      '--data',
      data,
      '--train-from',
      '2018-04-15',
      '--train-to',
      '2018-04-25',
      '--trees',
      '20',
      '--out',
      out,
    ]);
    assert.equal(run.status, 0, run.stderr);
    const model = await loadCurrentModel(dir);
    assert.equal(model.version, 'fixture.1');
    assert.equal(model.json.trees.length, 20);
    const printed = JSON.parse(run.stdout) as { sha256: string };
    const manifest = JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as {
      current: string;
      models: { sha256: string }[];
    };
    assert.equal(manifest.current, 'fixture.1');
    assert.equal(manifest.models[0]!.sha256, printed.sha256);
  });

  test('a malformed file is refused with its line number; bad usage exits 2', async () => {
    const broken = join(dir, 'broken.csv');
    await writeFile(
      broken,
      'TRANSACTION_ID,TX_DATETIME,CUSTOMER_ID,TERMINAL_ID,TX_AMOUNT,TX_FRAUD\n1,2018-04-15 10:00:00,1,2,3.00,0\n2,2018-04-15 10:00:01,1,2,oops,0\n',
    );
    const run = risk(['eval', '--data', broken, ...windows]);
    assert.equal(run.status, 1);
    assert.match(run.stderr, /line 3: TX_AMOUNT "oops"/);
    const usage = risk(['eval', '--data', broken, '--train-from', '2018-04-31', '--train-to', '2018-05-01']);
    assert.equal(usage.status, 2);
    assert.match(usage.stderr, /--train-from must be a date YYYY-MM-DD/);
  });
});
