/**
 * A fitted pipeline as a self-contained folder, in MLflow's model layout:
 *
 *   MLmodel                    MLflow's model file: flavor `mlspec`, the signature (one string
 *                              column in; the label and one probability per class out), the input example
 *   pipeline.json              the pipeline's blocks (tokenizer, featurizer, model options), class
 *                              list, text column, mlspec version, training backend, the featurizer's
 *                              and model's learned state with every large array replaced by a reference…
 *   weights.bin                …into this file (float64 arrays and float32 weight blobs, 8-byte aligned)
 *   spec.yaml                  the whole resolved spec the pipeline came from
 *   input_example.json         MLflow's input example (pandas `split` orient)
 *   serving_input_example.json the same as a scoring request (`{"dataframe_split": …}`)
 *
 * `modelFiles` makes the files in memory, so a folder (`--save-model`), a run's artifacts and an
 * MLflow 3 logged model get the same bytes; `readSavedModel` reads a folder back.
 */
import * as fs from 'fs';
import * as path from 'path';
import YAML from 'yaml';
import { InputError } from '../errors';
import type { JsonValue } from '../plugin';
import { packState } from './tensor-pack';
import { MODEL_FORMAT, parsePipelineDocument, type PipelineDocument, type SavedPipeline } from './pipeline-document';

export { MODEL_FORMAT, parsePipelineDocument, type PipelineDocument, type SavedPipeline } from './pipeline-document';

export const FLAVOR = 'mlspec';
export const PIPELINE_FILE = 'pipeline.json';
export const WEIGHTS_FILE = 'weights.bin';

/** What a fit hands over to be saved. */
export interface FittedPipeline {
  /** The pipeline's name in the spec. */
  name: string;
  /** The pipeline block, resolved (defaults filled in). */
  resolved: { [key: string]: JsonValue };
  featurizer: JsonValue;
  model: JsonValue;
  /** Class names, in the order of the model's probabilities. */
  classes: string[];
  /** The column the texts came from (`data.text`); the signature's input column. */
  textColumn: string;
  /** The whole resolved spec. */
  spec: JsonValue;
  mlspecVersion: string;
  /** The TensorFlow.js backend it was trained on, when its model used one. */
  backend?: string;
  /** One text of the data, for MLflow's input example. */
  example?: string;
  /** Scores to keep with the model (test accuracy, …). */
  metrics?: Record<string, number>;
}

export interface ModelFile {
  path: string;
  bytes: Uint8Array | string;
}

/** Where the files will live, for MLmodel's run_id / model_id / artifact_path fields. */
export interface ModelPlace {
  runId?: string;
  modelId?: string;
  artifactPath?: string;
}

export function outputColumns(classes: readonly string[]): string[] {
  return ['label', ...classes.map((c) => `proba_${c}`)];
}

export function modelFiles(fit: FittedPipeline, place: ModelPlace = {}, now: Date = new Date()): ModelFile[] {
  const featurizer = packState(fit.featurizer);
  // One weights file: the model's arrays after the featurizer's.
  const model = packState(fit.model);
  const shift = featurizer.binary.length + ((8 - (featurizer.binary.length % 8)) % 8);
  const weights = new Uint8Array(shift + model.binary.length);
  weights.set(featurizer.binary, 0);
  weights.set(model.binary, shift);
  const document: PipelineDocument = {
    format: MODEL_FORMAT,
    mlspecVersion: fit.mlspecVersion,
    name: fit.name,
    ...(fit.backend ? { backend: fit.backend } : {}),
    textColumn: fit.textColumn,
    classes: fit.classes,
    resolved: fit.resolved,
    featurizer: featurizer.json,
    model: shiftRefs(model.json, shift),
    ...(fit.metrics ? { metrics: fit.metrics } : {}),
    createdAt: now.toISOString(),
  };
  const example = fit.example ?? '';
  const inputExample = { columns: [fit.textColumn], data: [[example]] };
  const files: ModelFile[] = [
    { path: PIPELINE_FILE, bytes: `${JSON.stringify(document)}\n` },
    { path: WEIGHTS_FILE, bytes: weights },
    { path: 'spec.yaml', bytes: YAML.stringify(fit.spec) },
    { path: 'input_example.json', bytes: JSON.stringify(inputExample) },
    { path: 'serving_input_example.json', bytes: `${JSON.stringify({ dataframe_split: inputExample }, null, 2)}\n` },
  ];
  const size = files.reduce((n, f) => n + (typeof f.bytes === 'string' ? Buffer.byteLength(f.bytes) : f.bytes.length), 0);
  files.unshift({ path: 'MLmodel', bytes: mlmodelText(fit, document, place, size, now) });
  return files;
}

/** MLflow's MLmodel file (the fields mlflow.models.Model reads), with mlspec's flavor. */
function mlmodelText(fit: FittedPipeline, document: PipelineDocument, place: ModelPlace, size: number, now: Date): string {
  const column = (name: string, type: string) => ({ type, name, required: true });
  const model: Record<string, unknown> = {
    ...(place.artifactPath ? { artifact_path: place.artifactPath } : {}),
    flavors: {
      [FLAVOR]: {
        mlspec_version: fit.mlspecVersion,
        format: MODEL_FORMAT,
        pipeline: fit.name,
        data: PIPELINE_FILE,
        weights: WEIGHTS_FILE,
        tokenizer: blockType(document.resolved.tokenizer),
        featurizer: blockType(document.resolved.featurizer),
        model_type: blockType(document.resolved.model),
        ...(fit.backend ? { backend: fit.backend } : {}),
      },
    },
    ...(place.modelId ? { model_id: place.modelId, model_uuid: place.modelId } : {}),
    model_size_bytes: size,
    ...(place.runId ? { run_id: place.runId } : {}),
    saved_input_example_info: {
      artifact_path: 'input_example.json',
      pandas_orient: 'split',
      serving_input_path: 'serving_input_example.json',
      type: 'dataframe',
    },
    signature: {
      inputs: JSON.stringify([column(fit.textColumn, 'string')]),
      outputs: JSON.stringify(outputColumns(fit.classes).map((name, i) => column(name, i === 0 ? 'string' : 'double'))),
      params: null,
    },
    utc_time_created: now.toISOString().replace('T', ' ').replace('Z', ''),
  };
  return YAML.stringify(model);
}

function blockType(block: JsonValue | undefined): string {
  return block !== null && typeof block === 'object' && !Array.isArray(block) && typeof block.type === 'string' ? block.type : 'unknown';
}

function shiftRefs(json: JsonValue, shift: number): JsonValue {
  if (Array.isArray(json)) return json.map((item) => shiftRefs(item, shift));
  if (json !== null && typeof json === 'object') {
    const ref = (json as { $packed?: { offset: number } }).$packed;
    if (ref && Object.keys(json).length === 1) return { $packed: { ...ref, offset: ref.offset + shift } } as unknown as JsonValue;
    const out: { [key: string]: JsonValue } = {};
    for (const [key, item] of Object.entries(json)) out[key] = shiftRefs(item, shift);
    return out;
  }
  return json;
}

/**
 * Writes the files into `dir` all at once: they go to a fresh folder beside it that is then
 * renamed, so an interrupted save never leaves a half-written model. A folder already there is
 * replaced only when it holds an mlspec model (a fit saved again).
 */
export function writeModelFolder(dir: string, files: readonly ModelFile[]): void {
  const target = path.resolve(dir);
  if (fs.existsSync(target)) {
    const entries = fs.statSync(target).isDirectory() ? fs.readdirSync(target) : undefined;
    if (!entries || (entries.length > 0 && !entries.includes(PIPELINE_FILE))) {
      throw new InputError(
        'MODEL_DIR_NOT_EMPTY',
        `${dir} exists and is not an mlspec model folder; give --save-model a new or empty folder (it is created)`,
      );
    }
  }
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const staging = fs.mkdtempSync(path.join(path.dirname(target), `.${path.basename(target)}-`));
  try {
    for (const file of files) {
      fs.mkdirSync(path.dirname(path.join(staging, file.path)), { recursive: true });
      fs.writeFileSync(path.join(staging, file.path), file.bytes);
    }
    // mkdtemp makes the folder private (0700); a saved model is an ordinary folder.
    fs.chmodSync(staging, 0o755);
    if (fs.existsSync(target)) fs.rmSync(target, { recursive: true, force: true });
    fs.renameSync(staging, target);
  } catch (error) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw error;
  }
}

/** The pipeline document and weights of a model folder, state unpacked. Bad input names the folder and what is wrong. */
export function readSavedModel(dir: string): SavedPipeline {
  const bad = (problem: string) => new InputError('MODEL_INVALID', `${dir} is not an mlspec model: ${problem}`);
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw bad('no such folder');
  const mlmodelFile = path.join(dir, 'MLmodel');
  if (fs.existsSync(mlmodelFile)) {
    const flavors = Object.keys((YAML.parse(fs.readFileSync(mlmodelFile, 'utf8')) as { flavors?: object } | null)?.flavors ?? {});
    if (!flavors.includes(FLAVOR)) throw bad(`its MLmodel has the flavors ${flavors.join(', ') || '(none)'}, not ${FLAVOR}`);
  }
  const documentFile = path.join(dir, PIPELINE_FILE);
  if (!fs.existsSync(documentFile)) throw bad(`${PIPELINE_FILE} is missing`);
  let document: PipelineDocument;
  try {
    document = JSON.parse(fs.readFileSync(documentFile, 'utf8')) as PipelineDocument;
  } catch (error) {
    throw bad(`${PIPELINE_FILE} is not JSON (${(error as Error).message})`);
  }
  const weightsFile = path.join(dir, WEIGHTS_FILE);
  const weights = fs.existsSync(weightsFile) ? new Uint8Array(fs.readFileSync(weightsFile)) : new Uint8Array(0);
  try {
    return { ...parsePipelineDocument(document, weights), folder: dir };
  } catch (error) {
    throw bad((error as Error).message);
  }
}
