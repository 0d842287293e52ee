// Proves the trees: training is deterministic and learns a planted signal (missing values
// included), contributions add up to the margin exactly and the top reasons come largest first,
// and model files load only through the manifest's sha256 and schema — a tampered or malformed
// file is refused with a clear error while the last good version keeps scoring.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { DomainError } from '../../shared/index.ts';
import { loadCurrentModel, ModelRegistry, saveModel, sha256Hex } from './model-store.ts';
import { trainGbdt } from './train-gbdt.ts';
import { type ModelJson, sigmoid, TreeModel } from './tree-model.ts';

const NAMES = ['amount_ratio', 'new_device', 'noise'];

/** Fraud when the amount ratio is high and the device new (unknown device = missing, risky). */
function dataset(n: number, seed: number) {
  let s = seed;
  const random = () => {
    s = (s * 1_103_515_245 + 12_345) % 2_147_483_648;
    return s / 2_147_483_648;
  };
  const columns = NAMES.map(() => new Float64Array(n));
  const labels = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const ratio = random() * 6;
    const device = random() < 0.1 ? Number.NaN : random() < 0.2 ? 1 : 0;
    columns[0]![i] = ratio;
    columns[1]![i] = device;
    columns[2]![i] = random();
    const risky = ratio > 4 && device !== 0;
    labels[i] = random() < (risky ? 0.8 : 0.02) ? 1 : 0;
  }
  return { featureNames: NAMES, columns, labels };
}

function train(version = 'test-1'): ModelJson {
  return trainGbdt({ set: dataset(4000, 3), params: { trees: 40, maxDepth: 3, learningRate: 0.2 }, version });
}

describe('gradient-boosted trees', () => {
  const dirs: string[] = [];
  after(async () => {
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });
  const scratch = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'rampart-model-'));
    dirs.push(dir);
    return dir;
  };

  test('training is deterministic and learns the planted rule, missing values included', () => {
    const json = train();
    assert.equal(JSON.stringify(json), JSON.stringify(train()));
    const model = new TreeModel(json);
    const p = (amount_ratio: number, new_device: number) =>
      model.score({ amount_ratio, new_device, noise: 0.5 }).probability;
    assert.ok(p(5, 1) > 0.6, `risky ${p(5, 1)}`);
    assert.ok(p(5, Number.NaN) > 0.5, `risky, device unknown ${p(5, Number.NaN)}`);
    assert.ok(p(5, 0) < 0.1, `known device ${p(5, 0)}`);
    assert.ok(p(1, 1) < 0.1, `small amount ${p(1, 1)}`);
  });

  test('an ensemble of seeds scores the average margin of its boosters, in one model', () => {
    const params = { trees: 20, maxDepth: 3, learningRate: 0.2 };
    const set = dataset(2000, 5);
    const single = (seed: number) =>
      new TreeModel(trainGbdt({ set, params: { ...params, seed }, version: `s${seed}` }));
    const members = [single(7), single(8), single(9)];
    const ensemble = new TreeModel(
      trainGbdt({ set, params: { ...params, seed: 7, ensemble: 3 }, version: 'ens' }),
    );
    assert.equal(ensemble.json.trees.length, 60);
    for (const row of [
      [5, 1, 0.5],
      [1, 0, 0.2],
      [5, Number.NaN, 0.9],
    ]) {
      const average = members.reduce((sum, m) => sum + m.marginOfRow(row), 0) / members.length;
      assert.ok(
        Math.abs(ensemble.marginOfRow(row) - average) < 1e-9,
        `${ensemble.marginOfRow(row)} vs ${average}`,
      );
    }
  });

  test('contributions add up to the margin; reasons are the largest contributions, at most 5', () => {
    const model = new TreeModel(train());
    const { columns } = dataset(200, 9);
    for (let i = 0; i < 200; i++) {
      const row = columns.map((c) => c[i]!);
      const { margin, bias, contributions } = model.explainRow(row);
      const sum = bias + contributions.reduce((a, b) => a + b, 0);
      assert.ok(Math.abs(sum - margin) < 1e-9, `${sum} vs ${margin}`);
      assert.ok(Math.abs(margin - model.marginOfRow(row)) < 1e-12);
    }
    const score = model.score({ amount_ratio: 5.5, new_device: 1, noise: 0.1 });
    assert.ok(score.reasons.length >= 1 && score.reasons.length <= 5);
    // The two planted causes lead, both raising the risk; the noise does not.
    assert.deepEqual(
      score.reasons
        .slice(0, 2)
        .map((r) => r.feature)
        .sort(),
      ['amount_ratio', 'new_device'],
    );
    assert.ok(score.reasons[1]!.contribution > 0);
    for (let i = 1; i < score.reasons.length; i++)
      assert.ok(score.reasons[i - 1]!.contribution >= score.reasons[i]!.contribution);
    assert.equal(score.modelVersion, 'test-1');
    assert.ok(Math.abs(score.probability - sigmoid(model.marginOfRow([5.5, 1, 0.1]))) < 1e-15);
    // A feature the vector lacks scores as missing, never as a crash.
    assert.ok(Number.isFinite(model.score({}).probability));
  });

  test('a model file that fails its checksum or schema is refused and the last good version stays', async () => {
    const dir = await scratch();
    await saveModel({ dir, model: train('v1') });
    const registry = await ModelRegistry.open(dir);
    assert.equal(registry.version, 'v1');
    const before = registry.score({ amount_ratio: 5, new_device: 1, noise: 0 }).probability;

    // A new version whose bytes were changed after the manifest was written.
    const entry = await saveModel({ dir, model: train('v2') });
    const path = join(dir, entry.file);
    const text = await readFile(path, 'utf8');
    await writeFile(path, text.replace('"baseMargin":', '"baseMargin": '));
    const tampered = await registry.reload();
    assert.equal(tampered.status, 'refused');
    assert.ok(tampered.status === 'refused' && tampered.code === 'risk_model_checksum_mismatch');
    assert.ok(tampered.status === 'refused' && /does not match the manifest/.test(tampered.reason));
    assert.equal(registry.version, 'v1');
    assert.equal(registry.score({ amount_ratio: 5, new_device: 1, noise: 0 }).probability, before);

    // A file with the right checksum but a cycle in a tree (a child pointing back to the root).
    const json = JSON.parse(text) as { trees: { l: number[] }[] };
    json.trees[0]!.l[0] = 0;
    const cyclic = JSON.stringify(json);
    await writeFile(path, cyclic);
    const manifestPath = join(dir, 'manifest.json');
    const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as {
      models: { version: string; sha256: string }[];
    };
    manifest.models.find((m) => m.version === 'v2')!.sha256 = sha256Hex(cyclic);
    await writeFile(manifestPath, JSON.stringify(manifest));
    const invalid = await registry.reload();
    assert.ok(invalid.status === 'refused' && invalid.code === 'risk_model_schema_invalid');
    assert.ok(
      invalid.status === 'refused' && /trees\[0\]\.l\[0\]/.test(invalid.reason),
      JSON.stringify(invalid),
    );
    assert.equal(registry.version, 'v1');

    // Put v2 right: it loads.
    await saveModel({ dir, model: train('v2') });
    assert.deepEqual(await registry.reload(), { status: 'loaded', version: 'v2' });
    assert.equal(registry.version, 'v2');
  });

  test('starting without a good model fails with a clear, coded error', async () => {
    const dir = await scratch();
    await assert.rejects(loadCurrentModel(dir), (error: unknown) => {
      assert.ok(error instanceof DomainError);
      assert.equal(error.code, 'risk_model_manifest_invalid');
      assert.match(error.message, /manifest\.json: cannot read/);
      return true;
    });
    await writeFile(
      join(dir, 'manifest.json'),
      '{"current":"x","models":[{"version":"x","file":"../etc/passwd","sha256":"00"}]}',
    );
    await assert.rejects(loadCurrentModel(dir), /models\[0\] must be/);
    await writeFile(join(dir, 'manifest.json'), '{"current":"v9","models":[]}');
    await assert.rejects(loadCurrentModel(dir), /current "v9" is not among the models/);
  });
});
