/**
 * Models in an MLflow tracking store, as MLflow 3 keeps them:
 *
 * - a *logged model* (`logged_models`, `m-<uuid>`) with its files at
 *   `<experiment artifact location>/models/<model id>/artifacts`, created PENDING, finalized READY
 *   once its files are there, and linked to the run that made it as a run output — what
 *   `mlflow.<flavor>.log_model(name="model")` does, so the UI lists it on the run's and the
 *   experiment's Models tab and `mlflow.search_logged_models` finds it;
 * - a *registered model version* (`registered_models`, `model_versions`) whose source is
 *   `models:/<model id>`, with the version recorded on the logged model (`mlflow.modelVersions`).
 *
 * The SQLite store writes MLflow's tables itself (as SqlAlchemyStore and
 * SqlAlchemyModelRegistryStore do); a server gets the same through its REST API. MLflow's file
 * store (./mlruns) has neither here: a model goes to the run's `model/` artifacts there, and the
 * registry needs the SQLite store or a server.
 */
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../errors';
import { localArtifactFolder, writeLocalArtifact } from '../tracking/local-artifacts';
import { FileTracker } from '../tracking/mlflow-file';
import { MlflowApiError, MlflowRestClient } from '../tracking/mlflow-rest';
import { SqliteTracker } from '../tracking/mlflow-sqlite';
import { currentUser } from '../tracking/records';
import { RestTracker } from '../tracking/rest-tracker';
import type { Tracker } from '../tracking/tracker';
import type { ModelFile } from './saved-model';

export interface LoggedModelRequest {
  experimentId: string;
  runId: string;
  name: string;
  modelType: string;
  params: Record<string, string>;
  tags: Record<string, string>;
}

export interface LoggedModelRef {
  modelId: string;
  experimentId: string;
  /** Where its files live (a local path, or `mlflow-artifacts:/…` on a server). */
  artifactLocation: string;
}

export interface ModelVersionRequest {
  name: string;
  model: LoggedModelRef;
  runId: string;
  description: string;
  tags: Record<string, string>;
}

/** Where a model's files are: a folder on this machine, or a server to download them from. */
export type ModelLocation = { kind: 'folder'; folder: string } | { kind: 'remote'; fetch(file: string): Promise<Uint8Array | undefined> };

/** The model files mlspec reads (the others are for MLflow and people). */
export const REQUIRED_MODEL_FILES = ['MLmodel', 'pipeline.json', 'weights.bin'];

export interface ModelStore {
  /** False for the file store: models go to the run's `model/` artifacts. */
  readonly loggedModels: boolean;
  createLoggedModel(request: LoggedModelRequest): Promise<LoggedModelRef>;
  writeModelFiles(model: LoggedModelRef, files: readonly ModelFile[]): Promise<void>;
  /** READY (the files are all there), and a run output of its run. */
  finalizeLoggedModel(model: LoggedModelRef, runId: string): Promise<void>;
  createModelVersion(request: ModelVersionRequest): Promise<number>;
  /** Points `alias` of the registered model at `version` (moved from another version if set). */
  setAlias(name: string, alias: string, version: number): Promise<void>;
  /** `runs:/<run id>/<path>`: the run's logged model of that name, else its artifacts at that path. */
  locateRunModel(runId: string, artifactPath: string): Promise<ModelLocation>;
  /** `models:/<name>/<version>`, `models:/<name>@<alias>`, `models:/<name>/latest`. */
  locateVersion(name: string, selector: { version?: number; alias?: string; latest?: boolean }): Promise<ModelLocation & { version: number }>;
  /** `models:/m-<id>`. */
  locateLoggedModel(modelId: string): Promise<ModelLocation>;
}

export function modelStoreFor(tracker: Tracker): ModelStore {
  if (tracker instanceof SqliteTracker) return new SqliteModelStore(tracker);
  if (tracker instanceof RestTracker) return new RestModelStore(tracker.client);
  if (tracker instanceof FileTracker) return new FileModelStore(tracker);
  throw new Error(`no model store for a ${tracker.kind} tracker`);
}

function notFound(what: string, where: string): InputError {
  return new InputError('MODEL_NOT_FOUND', `${what} is not in ${where}; check the id or name (and --tracking-uri)`);
}

function versionTagValue(existing: string | undefined, name: string, version: number): string {
  let list: Array<{ name: string; version: number }> = [];
  try {
    list = existing ? (JSON.parse(existing) as typeof list) : [];
  } catch {
    list = [];
  }
  list.push({ name, version });
  return JSON.stringify(list);
}

// ---- SQLite -------------------------------------------------------------------------------------

const READY = 2;
const PENDING = 1;

class SqliteModelStore implements ModelStore {
  readonly loggedModels = true;
  constructor(private readonly tracker: SqliteTracker) {}

  private get where(): string {
    return this.tracker.file;
  }

  async createLoggedModel(request: LoggedModelRequest): Promise<LoggedModelRef> {
    const modelId = `m-${randomUUID().replace(/-/g, '')}`;
    const experimentId = Number(request.experimentId);
    const artifactLocation = this.tracker.write(() => {
      const db = this.tracker.db;
      const experiment = db.prepare('SELECT artifact_location FROM experiments WHERE experiment_id = ?').get(experimentId) as
        { artifact_location: string } | undefined;
      if (!experiment) throw notFound(`experiment ${request.experimentId}`, this.where);
      const location = `${experiment.artifact_location.replace(/\/+$/, '')}/models/${modelId}/artifacts`;
      const now = Date.now();
      db.prepare(
        `INSERT INTO logged_models (model_id, experiment_id, name, artifact_location, creation_timestamp_ms, last_updated_timestamp_ms, status, lifecycle_stage, model_type, source_run_id, status_message)
         VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, NULL)`,
      ).run(modelId, experimentId, request.name, location, now, now, PENDING, request.modelType, request.runId);
      const param = db.prepare('INSERT INTO logged_model_params (model_id, experiment_id, param_key, param_value) VALUES (?, ?, ?, ?)');
      for (const [key, value] of Object.entries(request.params)) param.run(modelId, experimentId, key, value);
      const tag = db.prepare('INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, ?, ?)');
      for (const [key, value] of Object.entries(request.tags)) tag.run(modelId, experimentId, key, value);
      return location;
    });
    return { modelId, experimentId: request.experimentId, artifactLocation };
  }

  async writeModelFiles(model: LoggedModelRef, files: readonly ModelFile[]): Promise<void> {
    const folder = this.tracker.artifactFolderOf(model.artifactLocation, `Logged model ${model.modelId}`);
    for (const file of files) writeLocalArtifact(folder, { bytes: file.bytes }, file.path);
  }

  async finalizeLoggedModel(model: LoggedModelRef, runId: string): Promise<void> {
    this.tracker.write(() => {
      const db = this.tracker.db;
      db.prepare('UPDATE logged_models SET status = ?, last_updated_timestamp_ms = ? WHERE model_id = ?').run(READY, Date.now(), model.modelId);
      // As SqlAlchemyStore.log_outputs: the model is an output of its run, at step 0.
      db.prepare(
        "INSERT OR IGNORE INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id, step) VALUES (?, 'RUN_OUTPUT', ?, 'MODEL_OUTPUT', ?, 0)",
      ).run(randomUUID().replace(/-/g, ''), runId, model.modelId);
    });
  }

  async createModelVersion(request: ModelVersionRequest): Promise<number> {
    return this.tracker.write(() => {
      const db = this.tracker.db;
      const now = Date.now();
      const exists = db.prepare("SELECT 1 FROM registered_models WHERE name = ? AND workspace = 'default'").get(request.name);
      if (!exists)
        db.prepare(
          "INSERT INTO registered_models (name, creation_time, last_updated_time, description, workspace) VALUES (?, ?, ?, NULL, 'default')",
        ).run(request.name, now, now);
      else db.prepare("UPDATE registered_models SET last_updated_time = ? WHERE name = ? AND workspace = 'default'").run(now, request.name);
      const last = db.prepare("SELECT MAX(version) AS v FROM model_versions WHERE name = ? AND workspace = 'default'").get(request.name) as {
        v: number | null;
      };
      const version = (last.v ?? 0) + 1;
      db.prepare(
        `INSERT INTO model_versions (name, version, creation_time, last_updated_time, description, user_id, current_stage, source, run_id, status, status_message, run_link, storage_location, workspace)
         VALUES (?, ?, ?, ?, ?, ?, 'None', ?, ?, 'READY', NULL, NULL, ?, 'default')`,
      ).run(
        request.name,
        version,
        now,
        now,
        request.description,
        currentUser(),
        `models:/${request.model.modelId}`,
        request.runId,
        request.model.artifactLocation,
      );
      const tag = db.prepare("INSERT INTO model_version_tags (key, value, name, version, workspace) VALUES (?, ?, ?, ?, 'default')");
      for (const [key, value] of Object.entries(request.tags)) tag.run(key, value, request.name, version);
      const existing = db
        .prepare("SELECT tag_value FROM logged_model_tags WHERE model_id = ? AND tag_key = 'mlflow.modelVersions'")
        .get(request.model.modelId) as { tag_value: string } | undefined;
      db.prepare(
        `INSERT INTO logged_model_tags (model_id, experiment_id, tag_key, tag_value) VALUES (?, ?, 'mlflow.modelVersions', ?)
         ON CONFLICT (model_id, tag_key) DO UPDATE SET tag_value = excluded.tag_value`,
      ).run(request.model.modelId, Number(request.model.experimentId), versionTagValue(existing?.tag_value, request.name, version));
      return version;
    });
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    this.tracker.write(() =>
      this.tracker.db
        .prepare(
          `INSERT INTO registered_model_aliases (alias, version, name, workspace) VALUES (?, ?, ?, 'default')
           ON CONFLICT (workspace, name, alias) DO UPDATE SET version = excluded.version`,
        )
        .run(alias, version, name),
    );
  }

  private folder(location: string, what: string): ModelLocation {
    const folder = localArtifactFolder(location);
    if (!folder)
      throw new InputError(
        'MODEL_NOT_LOCAL',
        `${what} is stored at ${location}, which only an MLflow server can read; pass --tracking-uri http://HOST:PORT`,
      );
    return { kind: 'folder', folder };
  }

  async locateRunModel(runId: string, artifactPath: string): Promise<ModelLocation> {
    const db = this.tracker.db;
    const logged = db
      .prepare(
        "SELECT artifact_location FROM logged_models WHERE source_run_id = ? AND name = ? AND lifecycle_stage = 'active' AND status = ? ORDER BY creation_timestamp_ms DESC LIMIT 1",
      )
      .get(runId, artifactPath, READY) as { artifact_location: string } | undefined;
    if (logged) return this.folder(logged.artifact_location, `The model of run ${runId}`);
    const run = db.prepare('SELECT artifact_uri FROM runs WHERE run_uuid = ?').get(runId) as { artifact_uri: string } | undefined;
    if (!run) throw notFound(`run ${runId}`, this.where);
    const located = this.folder(run.artifact_uri, `Run ${runId}`);
    return { kind: 'folder', folder: path.join((located as { folder: string }).folder, artifactPath) };
  }

  async locateVersion(name: string, selector: { version?: number; alias?: string; latest?: boolean }): Promise<ModelLocation & { version: number }> {
    const db = this.tracker.db;
    let version = selector.version;
    if (selector.alias !== undefined) {
      const row = db
        .prepare("SELECT version FROM registered_model_aliases WHERE name = ? AND alias = ? AND workspace = 'default'")
        .get(name, selector.alias) as { version: number } | undefined;
      if (!row) throw notFound(`alias @${selector.alias} of registered model ${name}`, this.where);
      version = row.version;
    } else if (selector.latest) {
      version =
        (db.prepare("SELECT MAX(version) AS v FROM model_versions WHERE name = ? AND workspace = 'default'").get(name) as { v: number | null }).v ??
        undefined;
      if (version === undefined) throw notFound(`registered model ${name}`, this.where);
    }
    const row = db
      .prepare("SELECT storage_location, source FROM model_versions WHERE name = ? AND version = ? AND workspace = 'default'")
      .get(name, version) as { storage_location: string | null; source: string } | undefined;
    if (!row) throw notFound(`version ${version} of registered model ${name}`, this.where);
    const location = row.storage_location ?? row.source;
    return { ...this.folder(location, `models:/${name}/${version}`), version: version! };
  }

  async locateLoggedModel(modelId: string): Promise<ModelLocation> {
    const row = this.tracker.db.prepare('SELECT artifact_location FROM logged_models WHERE model_id = ?').get(modelId) as
      { artifact_location: string } | undefined;
    if (!row) throw notFound(`logged model ${modelId}`, this.where);
    return this.folder(row.artifact_location, `Logged model ${modelId}`);
  }
}

/** The folder of a local artifact location; undefined for one only the server reaches (mlflow-artifacts:, http:). */
function localFolderOf(location: string): string | undefined {
  return MlflowRestClient.isProxiedArtifactUri(location) ? undefined : localArtifactFolder(location);
}

// ---- A tracking server --------------------------------------------------------------------------

interface RestLoggedModel {
  model?: {
    info?: {
      model_id?: string;
      experiment_id?: string;
      artifact_uri?: string;
      name?: string;
      source_run_id?: string;
      status?: string;
      tags?: Array<{ key: string; value: string }>;
    };
  };
}

class RestModelStore implements ModelStore {
  readonly loggedModels = true;
  constructor(private readonly client: MlflowRestClient) {}

  async createLoggedModel(request: LoggedModelRequest): Promise<LoggedModelRef> {
    const toList = (record: Record<string, string>) => Object.entries(record).map(([key, value]) => ({ key, value }));
    const body = await this.client.api<RestLoggedModel>('POST', 'logged-models', {
      body: {
        experiment_id: request.experimentId,
        name: request.name,
        model_type: request.modelType,
        source_run_id: request.runId,
        params: toList(request.params),
        tags: toList(request.tags),
      },
    });
    const info = body.model?.info;
    if (!info?.model_id || !info.artifact_uri)
      throw new Error(`the MLflow server at ${this.client.uri} made no logged model (answer: ${JSON.stringify(body).slice(0, 200)})`);
    return { modelId: info.model_id, experimentId: request.experimentId, artifactLocation: info.artifact_uri };
  }

  async writeModelFiles(model: LoggedModelRef, files: readonly ModelFile[]): Promise<void> {
    // A server started with `--default-artifact-root /path` gives a local path: written here, as
    // MLflow's own client does (and as the REST tracker writes run artifacts).
    const folder = localFolderOf(model.artifactLocation);
    for (const file of files) {
      if (folder !== undefined) {
        writeLocalArtifact(folder, { bytes: file.bytes }, file.path);
        continue;
      }
      const bytes = typeof file.bytes === 'string' ? new TextEncoder().encode(file.bytes) : file.bytes;
      await this.client.uploadArtifact(model.artifactLocation, file.path, bytes);
    }
  }

  async finalizeLoggedModel(model: LoggedModelRef, runId: string): Promise<void> {
    await this.client.api('PATCH', `logged-models/${model.modelId}`, { body: { model_id: model.modelId, status: 'LOGGED_MODEL_READY' } });
    await this.client.api('POST', 'runs/outputs', { body: { run_id: runId, models: [{ model_id: model.modelId, step: 0 }] } });
  }

  async createModelVersion(request: ModelVersionRequest): Promise<number> {
    try {
      await this.client.api('POST', 'registered-models/create', { body: { name: request.name } });
    } catch (error) {
      if (!(error instanceof MlflowApiError && error.errorCode === 'RESOURCE_ALREADY_EXISTS')) throw error;
    }
    const body = await this.client.api<{ model_version?: { version?: string } }>('POST', 'model-versions/create', {
      body: {
        name: request.name,
        source: `models:/${request.model.modelId}`,
        run_id: request.runId,
        model_id: request.model.modelId,
        description: request.description,
        tags: Object.entries(request.tags).map(([key, value]) => ({ key, value })),
      },
    });
    const version = Number(body.model_version?.version);
    // What MLflow's client does after registering: the logged model lists its versions.
    const model = await this.client.api<RestLoggedModel>('GET', `logged-models/${request.model.modelId}`);
    const existing = model.model?.info?.tags?.find((t) => t.key === 'mlflow.modelVersions')?.value;
    await this.client.api('PATCH', `logged-models/${request.model.modelId}/tags`, {
      body: { tags: [{ key: 'mlflow.modelVersions', value: versionTagValue(existing, request.name, version) }] },
    });
    return version;
  }

  async setAlias(name: string, alias: string, version: number): Promise<void> {
    await this.client.api('POST', 'registered-models/alias', { body: { name, alias, version: String(version) } });
  }

  private remote(artifactUri: string): ModelLocation {
    const folder = localFolderOf(artifactUri);
    if (folder !== undefined) return { kind: 'folder', folder };
    return {
      kind: 'remote',
      fetch: async (file) => {
        try {
          return new Uint8Array(await this.client.downloadArtifact(artifactUri, file));
        } catch (error) {
          if (error instanceof MlflowApiError && error.status === 404) return undefined;
          throw error;
        }
      },
    };
  }

  async locateRunModel(runId: string, artifactPath: string): Promise<ModelLocation> {
    let run: { run?: { info?: { artifact_uri?: string }; outputs?: { model_outputs?: Array<{ model_id: string }> } } };
    try {
      run = await this.client.api('GET', 'runs/get', { query: { run_id: runId } });
    } catch (error) {
      if (error instanceof MlflowApiError && error.errorCode === 'RESOURCE_DOES_NOT_EXIST') throw notFound(`run ${runId}`, this.client.uri);
      throw error;
    }
    for (const output of [...(run.run?.outputs?.model_outputs ?? [])].reverse()) {
      const model = await this.client.api<RestLoggedModel>('GET', `logged-models/${output.model_id}`);
      if (model.model?.info?.name === artifactPath && model.model.info.artifact_uri) return this.remote(model.model.info.artifact_uri);
    }
    const root = run.run?.info?.artifact_uri ?? '';
    return this.remote(`${root.replace(/\/+$/, '')}/${artifactPath}`);
  }

  async locateVersion(name: string, selector: { version?: number; alias?: string; latest?: boolean }): Promise<ModelLocation & { version: number }> {
    let version = selector.version;
    try {
      if (selector.alias !== undefined) {
        const body = await this.client.api<{ model_version?: { version?: string } }>('GET', 'registered-models/alias', {
          query: { name, alias: selector.alias },
        });
        version = Number(body.model_version?.version);
      } else if (selector.latest) {
        const body = await this.client.api<{ model_versions?: Array<{ version: string }> }>('POST', 'registered-models/get-latest-versions', {
          body: { name },
        });
        version = Math.max(...(body.model_versions ?? []).map((v) => Number(v.version)));
        if (!Number.isFinite(version)) throw notFound(`registered model ${name}`, this.client.uri);
      }
      const body = await this.client.api<{ artifact_uri?: string }>('GET', 'model-versions/get-download-uri', { query: { name, version } });
      if (!body.artifact_uri) throw notFound(`version ${version} of registered model ${name}`, this.client.uri);
      return { ...this.remote(body.artifact_uri), version: version! };
    } catch (error) {
      if (error instanceof MlflowApiError && (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || error.status === 404))
        throw notFound(`models:/${name}${selector.alias !== undefined ? `@${selector.alias}` : `/${version ?? 'latest'}`}`, this.client.uri);
      throw error;
    }
  }

  async locateLoggedModel(modelId: string): Promise<ModelLocation> {
    try {
      const model = await this.client.api<RestLoggedModel>('GET', `logged-models/${modelId}`);
      return this.remote(model.model?.info?.artifact_uri ?? '');
    } catch (error) {
      if (error instanceof MlflowApiError && (error.errorCode === 'RESOURCE_DOES_NOT_EXIST' || error.status === 404))
        throw notFound(`logged model ${modelId}`, this.client.uri);
      throw error;
    }
  }
}

// ---- MLflow's file store (./mlruns) --------------------------------------------------------------

class FileModelStore implements ModelStore {
  readonly loggedModels = false;
  constructor(private readonly tracker: FileTracker) {}

  private unsupported(what: string): InputError {
    return new InputError(
      'MODEL_REGISTRY_UNSUPPORTED',
      `${what} needs MLflow's SQLite store or a tracking server, not the file store ${this.tracker.root}; pass --tracking-uri sqlite:///mlflow.db or http://HOST:PORT`,
    );
  }

  async createLoggedModel(): Promise<LoggedModelRef> {
    throw this.unsupported('A logged model');
  }
  async writeModelFiles(): Promise<void> {
    throw this.unsupported('A logged model');
  }
  async finalizeLoggedModel(): Promise<void> {
    throw this.unsupported('A logged model');
  }
  async createModelVersion(): Promise<number> {
    throw this.unsupported('The model registry');
  }
  async setAlias(): Promise<void> {
    throw this.unsupported('The model registry');
  }
  async locateVersion(): Promise<ModelLocation & { version: number }> {
    throw this.unsupported('The model registry');
  }
  async locateLoggedModel(): Promise<ModelLocation> {
    throw this.unsupported('A logged model');
  }

  async locateRunModel(runId: string, artifactPath: string): Promise<ModelLocation> {
    const root = this.tracker.root;
    const experiments = fs.existsSync(root) ? fs.readdirSync(root) : [];
    for (const experiment of experiments) {
      const runDir = path.join(root, experiment, runId);
      if (fs.existsSync(path.join(runDir, 'meta.yaml'))) return { kind: 'folder', folder: path.join(runDir, 'artifacts', artifactPath) };
    }
    throw notFound(`run ${runId}`, root);
  }
}
