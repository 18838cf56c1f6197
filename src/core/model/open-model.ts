/**
 * The MODEL argument of `predict`, `serve` and `export`, wherever the model is:
 *
 *   a folder                    written by `--save-model`, or any copy of a model's files
 *   runs:/<run id>/model        the run's logged model (its `model/` artifacts in a file store)
 *   models:/<name>/<version>    a registered model version; also models:/<name>/latest
 *   models:/<name>@<alias>      the version an alias points at
 *   models:/m-<id>              a logged model by id
 *
 * URIs are looked up in the tracking store (--tracking-uri, MLFLOW_TRACKING_URI, else the default
 * store of the working folder). Files on a server are downloaded into a temporary folder first.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { chooseTrackingUri, openTracker } from '../tracking/open-tracker';
import { SqliteTracker } from '../tracking/mlflow-sqlite';
import { modelStoreFor, REQUIRED_MODEL_FILES, type ModelLocation } from './model-store';
import { readSavedModel, type SavedPipeline } from './saved-model';

export interface OpenModelOptions {
  trackingUri?: string;
  logger: Logger;
}

export type ModelReference =
  | { kind: 'folder'; folder: string }
  | { kind: 'run'; runId: string; artifactPath: string }
  | { kind: 'version'; name: string; version?: number; alias?: string; latest?: boolean }
  | { kind: 'logged'; modelId: string };

const USAGE = 'a model folder, runs:/<run id>/model, models:/<name>/<version>, models:/<name>@<alias> or models:/m-<id>';

export function parseModelReference(text: string): ModelReference {
  const bad = (why: string) => new InputError('MODEL_URI_INVALID', `model "${text}" ${why}; give ${USAGE}`);
  if (text.startsWith('runs:/')) {
    const match = /^runs:\/+([0-9a-zA-Z]+)\/(.+?)\/*$/.exec(text);
    if (!match) throw bad('is not runs:/<run id>/<path>');
    return { kind: 'run', runId: match[1], artifactPath: match[2] };
  }
  if (text.startsWith('models:/')) {
    const rest = text.slice('models:/'.length).replace(/^\/+/, '');
    if (/^m-[0-9a-f]{32}$/.test(rest)) return { kind: 'logged', modelId: rest };
    const alias = /^([^/@]+)@([^/@]+)$/.exec(rest);
    if (alias) return { kind: 'version', name: alias[1], alias: alias[2] };
    const version = /^([^/@]+)\/([^/@]+)$/.exec(rest);
    if (!version) throw bad('is not models:/<name>/<version> or models:/<name>@<alias>');
    if (version[2] === 'latest') return { kind: 'version', name: version[1], latest: true };
    if (!/^[1-9][0-9]*$/.test(version[2])) throw bad(`has version "${version[2]}", which is not a number (or latest)`);
    return { kind: 'version', name: version[1], version: Number(version[2]) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) throw bad('has a scheme mlspec does not read');
  return { kind: 'folder', folder: text };
}

/** Reads the model MODEL names. Bad input (no such run, version, folder; not an mlspec model) is an InputError. */
export interface OpenedModel extends SavedPipeline {
  source: string;
  /** The bytes of the files mlspec reads (MLmodel, pipeline.json, weights.bin), for copies (export). */
  files: Record<string, Uint8Array>;
}

export async function openModel(text: string, options: OpenModelOptions): Promise<OpenedModel> {
  const reference = parseModelReference(text);
  if (reference.kind === 'folder') {
    if (!fs.existsSync(reference.folder)) throw new InputError('MODEL_NOT_FOUND', `model folder ${reference.folder} does not exist; give ${USAGE}`);
    return { ...readFolder(reference.folder), source: reference.folder };
  }
  const { uri } = chooseTrackingUri({ flag: options.trackingUri });
  const tracker = openTracker(uri, { logger: options.logger });
  await tracker.check();
  // The default store is only read here: a folder with no mlflow.db has no models to find.
  if (tracker instanceof SqliteTracker && !fs.existsSync(tracker.file))
    throw new InputError(
      'MODEL_NOT_FOUND',
      `${text}: there is no MLflow database at ${tracker.file}; run mlspec where the runs were logged, or pass --tracking-uri`,
    );
  try {
    const store = modelStoreFor(tracker);
    let location: ModelLocation;
    if (reference.kind === 'run') location = await store.locateRunModel(reference.runId, reference.artifactPath);
    else if (reference.kind === 'logged') location = await store.locateLoggedModel(reference.modelId);
    else location = await store.locateVersion(reference.name, reference);
    return { ...(await readLocation(location, text)), source: text };
  } finally {
    if (tracker instanceof SqliteTracker) tracker.close();
  }
}

function readFolder(folder: string): SavedPipeline & { files: Record<string, Uint8Array> } {
  const saved = readSavedModel(folder);
  const files: Record<string, Uint8Array> = {};
  for (const file of REQUIRED_MODEL_FILES)
    if (fs.existsSync(path.join(folder, file))) files[file] = new Uint8Array(fs.readFileSync(path.join(folder, file)));
  return { ...saved, files };
}

async function readLocation(location: ModelLocation, text: string): Promise<SavedPipeline & { files: Record<string, Uint8Array> }> {
  if (location.kind === 'folder') {
    if (!fs.existsSync(location.folder))
      throw new InputError('MODEL_NOT_FOUND', `${text}: its files are not at ${location.folder} (moved or deleted?)`);
    return readFolder(location.folder);
  }
  const folder = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-model-'));
  try {
    for (const file of REQUIRED_MODEL_FILES) {
      const bytes = await location.fetch(file);
      if (!bytes) throw new InputError('MODEL_INVALID', `${text} is not an mlspec model: it has no ${file}`);
      fs.writeFileSync(path.join(folder, file), bytes);
    }
    return readFolder(folder);
  } finally {
    fs.rmSync(folder, { recursive: true, force: true });
  }
}
