/**
 * Model artefacts in the repository: `models/manifest.json` names the current version and the
 * sha256 of each file. A file whose bytes do not match its checksum, or whose JSON fails the
 * schema, is refused with a clear error, and the registry keeps serving the last good version.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { DomainError, defineErrors } from '../../shared/index.ts';
import type { FeatureVector, ModelScore, RiskModel } from '../ports.ts';
import { type ModelJson, ModelSchemaError, TreeModel } from './tree-model.ts';

export const MODEL_ERRORS = defineErrors({
  MODEL_MANIFEST_INVALID: {
    code: 'risk_model_manifest_invalid',
    message: 'The risk model manifest is missing or malformed.',
    status: 503,
  },
  MODEL_FILE_UNREADABLE: {
    code: 'risk_model_file_unreadable',
    message: 'The risk model file cannot be read.',
    status: 503,
  },
  MODEL_CHECKSUM_MISMATCH: {
    code: 'risk_model_checksum_mismatch',
    message: 'The risk model file does not match its sha256 in the manifest.',
    status: 503,
  },
  MODEL_SCHEMA_INVALID: {
    code: 'risk_model_schema_invalid',
    message: 'The risk model file is not a valid model.',
    status: 503,
  },
});

/** A model file is small (the committed one is well under this). */
export const MODEL_FILE_BYTES_MAX = 8 * 1024 * 1024;
export const MANIFEST_NAME = 'manifest.json';

export interface ManifestEntry {
  readonly version: string;
  readonly file: string;
  readonly sha256: string;
}
export interface Manifest {
  readonly current: string;
  readonly models: readonly ManifestEntry[];
}

export function sha256Hex(bytes: Uint8Array | string): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function parseManifest(text: string, path: string): Manifest {
  const bad = (reason: string): never => {
    throw new DomainError(MODEL_ERRORS.MODEL_MANIFEST_INVALID, { path, reason }, `${path}: ${reason}`);
  };
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return bad(`not JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const v = value as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || typeof v.current !== 'string' || !Array.isArray(v.models))
    return bad('must be {"current": version, "models": [{version, file, sha256}]}');
  const models = (v.models as unknown[]).map((entry, i) => {
    const e = entry as Record<string, unknown>;
    if (
      typeof e !== 'object' ||
      e === null ||
      typeof e.version !== 'string' ||
      typeof e.file !== 'string' ||
      typeof e.sha256 !== 'string' ||
      !/^[0-9a-f]{64}$/.test(e.sha256) ||
      // A plain file name inside the models folder: no paths out of it.
      basename(e.file) !== e.file
    )
      return bad(`models[${i}] must be {version, file (a file name), sha256 (64 hex digits)}`);
    return { version: e.version, file: e.file, sha256: e.sha256 };
  });
  return { current: v.current, models };
}

export async function readManifest(dir: string): Promise<Manifest> {
  const path = join(dir, MANIFEST_NAME);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new DomainError(
      MODEL_ERRORS.MODEL_MANIFEST_INVALID,
      { path },
      `${path}: cannot read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  return parseManifest(text, path);
}

/** Loads one model file, refusing it unless its sha256 and schema are right. */
export async function loadModelFile(input: { dir: string; entry: ManifestEntry }): Promise<TreeModel> {
  const path = join(input.dir, input.entry.file);
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    throw new DomainError(
      MODEL_ERRORS.MODEL_FILE_UNREADABLE,
      { path },
      `${path}: cannot read (${error instanceof Error ? error.message : String(error)})`,
    );
  }
  if (bytes.length > MODEL_FILE_BYTES_MAX)
    throw new DomainError(
      MODEL_ERRORS.MODEL_FILE_UNREADABLE,
      { path },
      `${path}: larger than ${MODEL_FILE_BYTES_MAX} bytes`,
    );
  const actual = sha256Hex(bytes);
  if (actual !== input.entry.sha256)
    throw new DomainError(
      MODEL_ERRORS.MODEL_CHECKSUM_MISMATCH,
      { path, expected: input.entry.sha256, actual },
      `${path}: sha256 ${actual} does not match the manifest's ${input.entry.sha256}`,
    );
  try {
    const json = JSON.parse(bytes.toString('utf8')) as unknown;
    const model = new TreeModel(json as ModelJson);
    if (model.version !== input.entry.version)
      throw new ModelSchemaError(
        `$.version: "${model.version}" but the manifest says "${input.entry.version}"`,
      );
    return model;
  } catch (error) {
    if (!(error instanceof ModelSchemaError) && !(error instanceof SyntaxError)) throw error;
    throw new DomainError(
      MODEL_ERRORS.MODEL_SCHEMA_INVALID,
      { path, reason: error.message },
      `${path}: ${error.message}`,
    );
  }
}

/** Loads the manifest's current model. */
export async function loadCurrentModel(dir: string): Promise<TreeModel> {
  const manifest = await readManifest(dir);
  const entry = manifest.models.find((m) => m.version === manifest.current);
  if (!entry)
    throw new DomainError(
      MODEL_ERRORS.MODEL_MANIFEST_INVALID,
      { current: manifest.current },
      `${join(dir, MANIFEST_NAME)}: current "${manifest.current}" is not among the models`,
    );
  return loadModelFile({ dir, entry });
}

/** Write-then-rename, so a reader (a reload in another process) never sees half a file. */
async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = `${path}.${process.pid}.tmp`;
  await writeFile(temporary, text);
  await rename(temporary, path);
}

/** Writes a model file and makes it the manifest's current version (adding or replacing its entry). */
export async function saveModel(input: {
  dir: string;
  model: ModelJson;
  file?: string;
}): Promise<ManifestEntry> {
  const file = input.file ?? `risk-${input.model.version}.json`;
  const text = `${JSON.stringify(input.model)}\n`;
  new TreeModel(input.model); // refuses to save what could not be loaded
  await writeAtomically(join(input.dir, file), text);
  let models: ManifestEntry[] = [];
  try {
    models = [...(await readManifest(input.dir)).models];
  } catch (error) {
    if (!(error instanceof DomainError)) throw error; // no manifest yet: start one
  }
  const entry: ManifestEntry = { version: input.model.version, file, sha256: sha256Hex(text) };
  models = [...models.filter((m) => m.version !== entry.version), entry];
  const manifest: Manifest = { current: entry.version, models };
  await writeAtomically(join(input.dir, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return entry;
}

export type ReloadOutcome =
  | { readonly status: 'loaded'; readonly version: string }
  | {
      readonly status: 'refused';
      readonly code: string;
      readonly reason: string;
      readonly keptVersion: string;
    };

/**
 * The model the engine scores with. It starts from the manifest's current model (start fails with
 * a clear error when there is none good); reload() swaps in a new version only when it passes the
 * checksum and the schema, otherwise the last good version stays and the refusal is returned.
 */
export class ModelRegistry implements RiskModel {
  readonly dir: string;
  #model: TreeModel;

  private constructor(dir: string, model: TreeModel) {
    this.dir = dir;
    this.#model = model;
  }

  static async open(dir: string): Promise<ModelRegistry> {
    return new ModelRegistry(dir, await loadCurrentModel(dir));
  }

  get version(): string {
    return this.#model.version;
  }
  get featureNames(): readonly string[] {
    return this.#model.featureNames;
  }
  get model(): TreeModel {
    return this.#model;
  }

  score(features: FeatureVector): ModelScore {
    return this.#model.score(features);
  }

  async reload(): Promise<ReloadOutcome> {
    try {
      this.#model = await loadCurrentModel(this.dir);
      return { status: 'loaded', version: this.#model.version };
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      return { status: 'refused', code: error.code, reason: error.message, keptVersion: this.#model.version };
    }
  }
}
