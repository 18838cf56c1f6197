/**
 * A writer of MLflow's own FileStore layout (mlflow/store/tracking/file_store.py, MLflow 3.5), so
 * `mlflow ui --backend-store-uri ./mlruns` and `mlflow.search_runs` read what mlspec logged:
 *
 *   mlruns/0/meta.yaml                         the "Default" experiment, made with the store
 *   mlruns/.trash/                             deleted experiments
 *   mlruns/<exp>/meta.yaml                     experiment: name, artifact_location, lifecycle, times
 *   mlruns/<exp>/datasets/<md5>/meta.yaml      dataset inputs shared by the experiment's runs
 *   mlruns/<exp>/<run>/meta.yaml               run info (status as an int: 1 RUNNING … 5 KILLED)
 *   mlruns/<exp>/<run>/metrics/<key>           lines "timestamp value step"
 *   mlruns/<exp>/<run>/params/<key>            the value, no newline
 *   mlruns/<exp>/<run>/tags/<key>              the value, no newline
 *   mlruns/<exp>/<run>/inputs/<md5>/meta.yaml  links the run to a dataset, with its context tag
 *   mlruns/<exp>/<run>/artifacts/…
 *
 * Several processes may write one store at once: files appear by rename or link (never half
 * written), metric lines are appended whole, and experiment creation cannot produce two
 * experiments of one name (see experimentIdFor).
 */
import type { MlflowExperiment } from './mlflow-rest';
import { createHash, randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { pathToFileURL } from 'url';
import YAML from 'yaml';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { createFileExclusive, mkdirExclusive, writeFileAtomic } from './atomic-files';
import { localArtifactFolder, writeLocalArtifact } from './local-artifacts';
import {
  DATASET_CONTEXT_TAG,
  checkKey,
  checkMetric,
  currentUser,
  cutValue,
  paramText,
  toMlflowDataset,
  type DatasetInput,
  type ParamValue,
} from './records';
import type { ArtifactSource, FoundRun, ResumeRunOptions, RunEndStatus, RunHandle, SpoolInfo, StartRunOptions, Tracker } from './tracker';

const DEFAULT_EXPERIMENT_ID = '0';
const TRASH = '.trash';
/** Folders in the store root that are not experiments (FileStore skips them too). */
const NOT_EXPERIMENTS = new Set([TRASH, 'models']);

/** mlflow.entities.RunStatus, as stored in meta.yaml. */
export const RUN_STATUS_CODES = { RUNNING: 1, SCHEDULED: 2, FINISHED: 3, FAILED: 4, KILLED: 5 } as const;
/** mlflow.entities.SourceType.LOCAL */
const SOURCE_TYPE_LOCAL = 4;

export interface FileTrackerOptions {
  logger: Logger;
}

/** An experiment's meta.yaml holds the same fields the REST API returns. */
type ExperimentMeta = MlflowExperiment;

/** PyYAML safe_dump(default_flow_style=False, sort_keys=True) as MLflow writes it. */
function yamlText(data: Record<string, unknown>): string {
  return YAML.stringify(data, { sortMapEntries: true, lineWidth: 0 });
}

function readYaml(file: string): Record<string, unknown> | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const parsed = YAML.parse(text) as unknown;
  return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
}

/**
 * The id an experiment of this name gets when mlspec creates it: 18 digits (like MLflow's random
 * ids) derived from the name. Two processes creating the same experiment at once both try to make
 * the same folder; mkdir lets exactly one win and the other adopts it, so a name never ends up
 * with two experiments.
 */
export function experimentIdFor(name: string): string {
  const hash = BigInt(`0x${createHash('sha256').update(name, 'utf8').digest('hex').slice(0, 16)}`);
  return String((hash % 900_000_000_000_000_000n) + 100_000_000_000_000_000n);
}

function md5(...parts: string[]): string {
  const hash = createHash('md5');
  for (const part of parts) hash.update(part, 'utf8');
  return hash.digest('hex');
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export class FileTracker implements Tracker {
  readonly kind = 'file' as const;
  readonly uri: string;
  private readonly logger: Logger;
  private ready = false;

  constructor(
    /** Absolute path of the store folder (./mlruns). */
    readonly root: string,
    options: FileTrackerOptions,
  ) {
    this.uri = pathToFileURL(root).href;
    this.logger = options.logger;
  }

  /**
   * Checks the store can be written without creating it: bad input must leave nothing behind, and
   * the store is only made when the first run starts.
   */
  async check(): Promise<void> {
    let dir = this.root;
    while (!fs.existsSync(dir)) {
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    const problem = !fs.statSync(dir).isDirectory()
      ? `${dir} is not a folder`
      : (() => {
          try {
            fs.accessSync(dir, fs.constants.W_OK);
            return undefined;
          } catch {
            return `${dir} is not writable`;
          }
        })();
    if (problem) {
      throw new InputError('TRACKING_STORE_INVALID', `cannot use ${this.root} as an MLflow store: ${problem}; pass another --tracking-uri`);
    }
  }

  spoolInfo(): SpoolInfo[] {
    return [];
  }

  async findRuns(experimentId: string, tag: { key: string; value: string }): Promise<FoundRun[]> {
    const dir = path.join(this.root, experimentId);
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return [];
    }
    const found: Array<FoundRun & { startTime: number }> = [];
    for (const entry of entries) {
      if (!entry.isDirectory() || entry.name === 'datasets' || entry.name === 'tags') continue;
      const runDir = path.join(dir, entry.name);
      const tags = readTags(path.join(runDir, 'tags'));
      if (tags[tag.key] !== tag.value) continue;
      const meta = readYaml(path.join(runDir, 'meta.yaml'));
      if (!meta || meta.lifecycle_stage !== 'active') continue;
      const status = Object.entries(RUN_STATUS_CODES).find(([, code]) => code === meta.status)?.[0] ?? 'RUNNING';
      found.push({ runId: entry.name, status, tags, startTime: Number(meta.start_time) || 0 });
    }
    return found.sort((a, b) => a.startTime - b.startTime || a.runId.localeCompare(b.runId)).map(({ startTime: _startTime, ...run }) => run);
  }

  /** FileStore keeps experiment tags as files in <experiment>/tags/. */
  async setExperimentTags(experimentId: string, tags: Record<string, string>): Promise<void> {
    const dir = path.join(this.root, experimentId);
    for (const [key, value] of Object.entries(tags)) {
      checkKey('tag', key);
      writeFileAtomic(path.join(dir, 'tags', key), value, dir);
    }
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    this.ensureStore();
    if (name.length === 0 || name.length > 500) {
      throw new InputError('TRACKING_BAD_EXPERIMENT', `Experiment names must be 1 to 500 characters; got ${name.length}.`);
    }
    const found = this.findExperiment(name);
    if (found) return found;
    let id = experimentIdFor(name);
    for (;;) {
      const dir = path.join(this.root, id);
      if (mkdirExclusive(dir)) {
        this.writeExperimentMeta(dir, id, name);
        return id;
      }
      // Someone else made this folder: it is this experiment unless (astronomically unlikely) the
      // hash of another name collides; then fall back to a random id as MLflow does.
      const meta = this.waitForMeta(dir);
      if (meta && meta.name === name) return id;
      id = experimentIdFor(`${name}\u0000${randomUUID()}`);
    }
  }

  async startRun(options: StartRunOptions): Promise<RunHandle> {
    this.ensureStore();
    const experiment = this.experimentMeta(options.experimentId);
    if (!experiment || experiment.lifecycle_stage !== 'active') {
      throw new InputError('TRACKING_NO_EXPERIMENT', `No active experiment with id ${options.experimentId} in ${this.root}.`);
    }
    const runId = randomUUID().replace(/-/g, '');
    const experimentDir = path.join(this.root, options.experimentId);
    const runDir = path.join(experimentDir, runId);
    fs.mkdirSync(runDir);
    const tags: Record<string, string> = { ...(options.tags ?? {}), 'mlflow.runName': options.runName };
    if (options.parentRunId) tags['mlflow.parentRunId'] = options.parentRunId;
    const meta = {
      artifact_uri: `${experiment.artifact_location.replace(/\/+$/, '')}/${runId}/artifacts`,
      deleted_time: null,
      end_time: null,
      entry_point_name: '',
      experiment_id: options.experimentId,
      lifecycle_stage: 'active',
      run_id: runId,
      run_name: options.runName,
      source_name: '',
      source_type: SOURCE_TYPE_LOCAL,
      source_version: '',
      start_time: options.startTime ?? Date.now(),
      status: RUN_STATUS_CODES.RUNNING,
      tags: [],
      user_id: tags['mlflow.user'] ?? currentUser(),
    };
    writeFileAtomic(path.join(runDir, 'meta.yaml'), yamlText(meta), runDir);
    for (const sub of ['metrics', 'params', 'artifacts']) fs.mkdirSync(path.join(runDir, sub), { recursive: true });
    const handle = new FileRunHandle(runId, options.experimentId, runDir, experimentDir, meta.artifact_uri, this.logger);
    handle.setTags(tags);
    return handle;
  }

  async resumeRun(runId: string, _options?: ResumeRunOptions): Promise<RunHandle> {
    this.ensureStore();
    if (!/^[a-zA-Z0-9][\w-]{0,255}$/.test(runId)) throw new InputError('TRACKING_NO_RUN', `'${runId}' is not an MLflow run id.`);
    for (const experimentId of this.experimentIds()) {
      const experimentDir = path.join(this.root, experimentId);
      const runDir = path.join(experimentDir, runId);
      const meta = readYaml(path.join(runDir, 'meta.yaml'));
      if (!meta) continue;
      if (meta.lifecycle_stage !== 'active')
        throw new InputError('TRACKING_RUN_DELETED', `Run ${runId} in ${this.root} is deleted; restore it before logging to it.`);
      return new FileRunHandle(
        runId,
        experimentId,
        runDir,
        experimentDir,
        String(meta.artifact_uri),
        this.logger,
        latestMetrics(path.join(runDir, 'metrics')),
      );
    }
    throw new InputError('TRACKING_NO_RUN', `No run ${runId} in ${this.root}.`);
  }

  async deleteRun(runId: string): Promise<void> {
    // As FileStore.delete_run: only an active run, which stays in place marked deleted.
    const handle = (await this.resumeRun(runId)) as FileRunHandle;
    handle.markDeleted();
  }

  /** Create the store as MLflow does on first use: the folder, experiment 0 "Default", .trash. */
  private ensureStore(): void {
    if (this.ready) return;
    try {
      fs.mkdirSync(path.dirname(this.root), { recursive: true });
      if (mkdirExclusive(this.root)) {
        const dir = path.join(this.root, DEFAULT_EXPERIMENT_ID);
        if (mkdirExclusive(dir)) this.writeExperimentMeta(dir, DEFAULT_EXPERIMENT_ID, 'Default');
      } else if (!fs.statSync(this.root).isDirectory()) {
        throw new InputError('TRACKING_STORE_INVALID', `The tracking folder ${this.root} is a file, not a folder.`);
      }
      fs.mkdirSync(path.join(this.root, TRASH), { recursive: true });
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw new InputError(
        'TRACKING_UNREACHABLE',
        `Cannot create the MLflow tracking folder ${this.root}: ${(error as Error).message}. Choose another with --tracking-uri.`,
      );
    }
    this.ready = true;
  }

  private writeExperimentMeta(dir: string, id: string, name: string): void {
    const now = Date.now();
    const meta: ExperimentMeta = {
      artifact_location: pathToFileURL(dir).href,
      creation_time: now,
      experiment_id: id,
      last_update_time: now,
      lifecycle_stage: 'active',
      name,
    };
    createFileExclusive(path.join(dir, 'meta.yaml'), yamlText({ ...meta }), dir);
  }

  private experimentIds(): string[] {
    return fs
      .readdirSync(this.root, { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && !NOT_EXPERIMENTS.has(entry.name))
      .map((entry) => entry.name);
  }

  private experimentMeta(id: string): ExperimentMeta | undefined {
    const meta = readYaml(path.join(this.root, id, 'meta.yaml'));
    return meta ? ({ ...meta, experiment_id: String(meta.experiment_id), name: String(meta.name) } as ExperimentMeta) : undefined;
  }

  private findExperiment(name: string): string | undefined {
    for (const id of this.experimentIds()) {
      const meta = this.experimentMeta(id);
      if (meta?.name === name && meta.lifecycle_stage === 'active') return id;
    }
    const trash = path.join(this.root, TRASH);
    for (const entry of fs.readdirSync(trash, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const meta = readYaml(path.join(trash, entry.name, 'meta.yaml'));
      if (meta?.name === name) {
        throw new InputError(
          'TRACKING_EXPERIMENT_DELETED',
          `Experiment '${name}' exists in deleted state (${path.join(trash, entry.name)}). Restore it (\`mlflow experiments restore --experiment-id ${entry.name}\`) or remove that folder to reuse the name.`,
        );
      }
    }
    return undefined;
  }

  /** A folder another process just made gets its meta.yaml a moment later. */
  private waitForMeta(dir: string): Record<string, unknown> | undefined {
    for (let i = 0; i < 100; i++) {
      const meta = readYaml(path.join(dir, 'meta.yaml'));
      if (meta) return meta;
      sleepSync(20);
    }
    return undefined;
  }
}

/** A run's tags folder (keys may contain '/'), as key → value. */
function readTags(dir: string, prefix = '', found: Record<string, string> = {}): Record<string, string> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    if (entry.name.startsWith('.tmp-')) continue;
    if (entry.isDirectory()) readTags(path.join(dir, entry.name), `${prefix}${entry.name}/`, found);
    else found[`${prefix}${entry.name}`] = fs.readFileSync(path.join(dir, entry.name), 'utf8');
  }
  return found;
}

/**
 * The latest value of every metric in a run's metrics folder (keys may contain '/'): the line
 * with the highest step, then the latest timestamp, as MLflow picks it.
 */
function latestMetrics(dir: string, prefix = '', found = new Map<string, number>()): Map<string, number> {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return found;
  }
  for (const entry of entries) {
    const key = `${prefix}${entry.name}`;
    if (entry.isDirectory()) {
      latestMetrics(path.join(dir, entry.name), `${key}/`, found);
      continue;
    }
    let best: { timestamp: number; value: number; step: number } | undefined;
    for (const line of fs.readFileSync(path.join(dir, entry.name), 'utf8').split('\n')) {
      const [timestamp, value, step] = line.trim().split(/\s+/).map(Number);
      if (line.trim() === '' || !Number.isFinite(timestamp) || !Number.isFinite(step)) continue;
      if (!best || step > best.step || (step === best.step && timestamp >= best.timestamp)) best = { timestamp, value, step };
    }
    if (best) found.set(key, best.value);
  }
  return found;
}

class FileRunHandle implements RunHandle {
  private readonly madeDirs = new Set<string>();

  constructor(
    readonly runId: string,
    readonly experimentId: string,
    private readonly runDir: string,
    private readonly experimentDir: string,
    private readonly artifactUri: string,
    private readonly logger: Logger,
    readonly metricsAtOpen: ReadonlyMap<string, number> = new Map(),
  ) {}

  logParams(params: Record<string, ParamValue>): void {
    const records = Object.entries(params).map(([key, value]) => {
      checkKey('param', key);
      return { key, value: cutValue('param', key, paramText(value), this.logger) };
    });
    for (const { key, value } of records) {
      const file = path.join(this.runDir, 'params', key);
      if (createFileExclusive(file, value, this.runDir)) continue;
      const before = fs.readFileSync(file, 'utf8');
      if (before !== value) {
        throw new InputError(
          'TRACKING_PARAM_CHANGED',
          `Param '${key}' of MLflow run ${this.runId} was already logged as '${before}'; MLflow params cannot change (new value '${value}'). Log it under another name or as a tag.`,
        );
      }
    }
  }

  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    checkMetric(key, value, step, timestamp);
    const file = path.join(this.runDir, 'metrics', key);
    this.ensureDir(path.dirname(file));
    // One write of one whole line with O_APPEND: concurrent appenders never interleave inside it.
    fs.appendFileSync(file, `${timestamp} ${value} ${step}\n`);
  }

  setTags(tags: Record<string, string>): void {
    const records = Object.entries(tags).map(([key, value]) => {
      checkKey('tag', key);
      return { key, value: cutValue('tag', key, value, this.logger) };
    });
    for (const { key, value } of records) {
      writeFileAtomic(path.join(this.runDir, 'tags', key), value, this.runDir);
      // FileStore keeps run_name in meta.yaml in step with the mlflow.runName tag.
      if (key === 'mlflow.runName') this.updateMeta({ run_name: value });
    }
  }

  async logInputs(inputs: DatasetInput[]): Promise<void> {
    for (const input of inputs) {
      const dataset = toMlflowDataset(input);
      const datasetId = md5(dataset.name, dataset.digest);
      const datasetDir = path.join(this.experimentDir, 'datasets', datasetId);
      const datasetMeta = { ...dataset, profile: dataset.profile ?? null, schema: dataset.schema ?? null };
      createFileExclusive(path.join(datasetDir, 'meta.yaml'), yamlText(datasetMeta), this.experimentDir);
      const inputId = md5(datasetId, this.runId);
      const inputMeta = {
        // FileStore writes the dataset id as destination_id too; readers rely only on source_id.
        destination_id: datasetId,
        destination_type: 'RUN',
        source_id: datasetId,
        source_type: 'DATASET',
        tags: { [DATASET_CONTEXT_TAG]: input.context },
      };
      createFileExclusive(path.join(this.runDir, 'inputs', inputId, 'meta.yaml'), yamlText(inputMeta), this.runDir);
    }
  }

  async logArtifact(source: ArtifactSource, artifactPath: string): Promise<void> {
    const root = this.artifactRoot();
    // Inside the run folder a stray temporary file in artifacts/ would show in the UI's browser; keep it beside.
    writeLocalArtifact(root, source, artifactPath, root.startsWith(this.runDir + path.sep) ? this.runDir : undefined);
  }

  async flush(): Promise<void> {
    // Every record is written when logged; nothing waits in memory.
  }

  async end(status: RunEndStatus, endTime: number = Date.now()): Promise<void> {
    this.updateMeta({ status: RUN_STATUS_CODES[status], end_time: endTime });
  }

  /** Lifecycle stage `deleted` (MLflow's soft delete). */
  markDeleted(): void {
    this.updateMeta({ lifecycle_stage: 'deleted', deleted_time: Date.now() });
  }

  private artifactRoot(): string {
    const folder = localArtifactFolder(this.artifactUri);
    if (folder !== undefined) return folder;
    throw new InputError(
      'TRACKING_ARTIFACTS_UNSUPPORTED',
      `Run ${this.runId} keeps its artifacts at ${this.artifactUri}, which mlspec cannot write to; use an MLflow server for this experiment.`,
    );
  }

  private updateMeta(changes: Record<string, unknown>): void {
    const file = path.join(this.runDir, 'meta.yaml');
    const meta = readYaml(file);
    if (!meta) throw new InputError('TRACKING_NO_RUN', `Run ${this.runId}: ${file} is missing.`);
    // As FileStore._overwrite_run_info: deleted_time is only kept when set.
    if (meta.deleted_time === null) delete meta.deleted_time;
    writeFileAtomic(file, yamlText({ ...meta, ...changes }), this.runDir);
  }

  private ensureDir(dir: string): void {
    if (this.madeDirs.has(dir)) return;
    fs.mkdirSync(dir, { recursive: true });
    this.madeDirs.add(dir);
  }
}
