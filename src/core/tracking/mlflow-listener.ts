/**
 * Maps a run's events onto MLflow: one parent run per `mlspec run` (the spec, its source and the
 * report), and one child run per pipeline and fold (its options as params, its learning curves
 * and test scores as metrics, the rows it used as dataset inputs, its confusion matrix and
 * classification report as artifacts). The runner never knows MLflow exists.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as path from 'path';
import { pathToFileURL } from 'url';
import YAML from 'yaml';
import type { JsonValue, Logger } from '../plugin';
import type { DatasetSummary, PipelineFinishedInfo, RunArtifact, RunListener, RunReport, RunStartedInfo } from '../run/types';
import { currentUser, safeKey, type DatasetInput } from './records';
import { formatClassificationReport } from '../run/metrics';
import { confusionMatrixSvg } from './run-artifacts';
import { DISPLAY_ONLY_TRAINING_OPTIONS, OPTIMIZER_READS } from '../train/options';
import { stderrLogger, type RunEndStatus, type RunHandle, type SpoolInfo, type Tracker } from './tracker';
import { fittedPipeline, testMetrics } from '../model/fitted';
import { logModel } from '../model/log-model';
import type { LoggedModelRef } from '../model/model-store';

export interface MlflowListenerOptions {
  tracker: Tracker;
  /** The MLflow experiment; default: the spec's name. */
  experimentName?: string;
  /** The parent run's name; default: the spec's name. */
  runName?: string;
  /** mlspec's version, tagged on the parent run. */
  mlspecVersion: string;
  /** The compute backend (e.g. `cpu`, `wasm`), tagged when known. */
  backend?: string;
  /** More tags for the parent run. */
  tags?: Record<string, string>;
  logger?: Logger;
  /** Folder a relative spec path resolves against (git lookup); default process.cwd(). */
  cwd?: string;
}

export interface TrackedRun {
  name: string;
  runId: string;
  status: RunEndStatus | 'RUNNING';
  /** The fitted pipeline as an MLflow model (`models:/m-…`, or `runs:/<id>/model` where the store has no logged models). */
  modelUri?: string;
  /** The logged model, where the store keeps them. */
  model?: LoggedModelRef;
}

/** What the CLI summary says about tracking. */
export interface TrackingSummary {
  uri: string;
  experimentId?: string;
  parentRunId?: string;
  /** Child runs, in the order they started. */
  runs: TrackedRun[];
  /** Runs whose records wait in the spool for `mlspec sync`; empty when all reached the server. */
  spooled: SpoolInfo[];
}

interface OpenChild {
  handle: RunHandle;
  record: TrackedRun;
  /** Per-step metrics arrived as events: result.epochs would only repeat them. */
  sawStepMetrics: boolean;
}

/** Flatten options to dotted param keys; arrays and empty objects become JSON text. */
export function flattenParams(value: { [key: string]: JsonValue }, prefix = ''): Record<string, string> {
  const flat: Record<string, string> = {};
  for (const [key, item] of Object.entries(value)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (item !== null && typeof item === 'object' && !Array.isArray(item) && Object.keys(item).length > 0) {
      Object.assign(flat, flattenParams(item, name));
    } else if (item === null || typeof item === 'object') {
      flat[name] = JSON.stringify(item);
    } else {
      flat[name] = String(item);
    }
  }
  return flat;
}

/** What MLflow 3.x's UI needs to open an experiment on its runs (not the GenAI view). */
export const EXPERIMENT_KIND_TAGS = { 'mlflow.experimentKind': 'custom_model_development' } as const;

/**
 * A pipeline's hyperparameters as MLflow params: its resolved options without its description
 * (the run's note), display switches (training.progress), and optimizer options the chosen
 * optimizer ignores, so the parallel-coordinates view and run comparison show only what was learned with.
 */
export function pipelineHyperparameters(resolved: { [key: string]: JsonValue }): { params: Record<string, string>; description?: string } {
  const { description, ...rest } = resolved;
  const copy = JSON.parse(JSON.stringify(rest)) as { [key: string]: JsonValue };
  const training = copy.training;
  if (training && typeof training === 'object' && !Array.isArray(training)) {
    for (const key of DISPLAY_ONLY_TRAINING_OPTIONS) delete training[key];
    const optimizer = training.optimizer;
    if (
      optimizer &&
      typeof optimizer === 'object' &&
      !Array.isArray(optimizer) &&
      typeof optimizer.type === 'string' &&
      optimizer.type in OPTIMIZER_READS.reads
    ) {
      const reads = new Set<string>(['type', ...OPTIMIZER_READS.reads[optimizer.type]]);
      for (const key of Object.keys(optimizer)) if (!reads.has(key)) delete optimizer[key];
    }
  }
  return { params: flattenParams(copy), description: typeof description === 'string' ? description : undefined };
}

/** The commit checked out in the folder holding `file`, when it is in a git work tree. */
export function gitCommit(file: string): string | undefined {
  try {
    const out = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: path.dirname(file), stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
    const commit = out.toString().trim();
    return /^[0-9a-f]{40}$/.test(commit) ? commit : undefined;
  } catch {
    // Not a checkout, no commit yet, or no git: the tag is simply absent.
    return undefined;
  }
}

/** The text and label columns a spec reads, when it names them (`data.text`, `data.label`). */
export function specColumns(spec: unknown): { text: string; label: string } | undefined {
  const data = (spec as { data?: { text?: unknown; label?: unknown } } | undefined)?.data;
  return typeof data?.text === 'string' && typeof data.label === 'string' ? { text: data.text, label: data.label } : undefined;
}

/**
 * The training and test rows of one fit as MLflow dataset inputs, as MLflow's UI lists them: the
 * absolute file URI as the source, the columns read as the schema, one name per split, and a
 * short digest of exactly which rows were used (8 hex digits, as MLflow's own dataset digests).
 */
export function splitDatasetInputs(
  dataset: { source: string; digest: string; specFile: string; cwd?: string; columns?: { text: string; label: string } },
  trainRows: readonly number[],
  testRows: readonly number[],
): DatasetInput[] {
  const file = path.resolve(dataset.cwd ?? process.cwd(), path.dirname(dataset.specFile), dataset.source);
  const base = path.basename(dataset.source).replace(/\.[^.]+$/, '') || dataset.source;
  const schema = dataset.columns
    ? JSON.stringify({ mlflow_colspec: [dataset.columns.text, dataset.columns.label].map((name) => ({ type: 'string', name, required: true })) })
    : undefined;
  const input = (split: 'train' | 'test', context: 'training' | 'testing', rows: readonly number[]): DatasetInput => ({
    name: `${base}-${split}`,
    digest: rowsDigest(dataset.digest, rows).slice(0, 8),
    sourcePath: pathToFileURL(file).href,
    context,
    rows: rows.length,
    ...(schema ? { schema } : {}),
  });
  return [input('train', 'training', trainRows), input('test', 'testing', testRows)];
}

/** A digest of exactly which rows of the dataset were used. */
export function rowsDigest(datasetDigest: string, rows: readonly number[]): string {
  return createHash('sha256')
    .update(`${datasetDigest}\n${rows.join(',')}`)
    .digest('hex');
}

export class MlflowListener implements RunListener {
  private readonly tracker: Tracker;
  private readonly logger: Logger;
  private experimentId?: string;
  private parent?: RunHandle;
  private parentStatus?: RunEndStatus;
  private dataset?: DatasetSummary;
  private specFile = '';
  private columns?: { text: string; label: string };
  private resolvedSpec?: JsonValue;
  private backend?: string;
  private readonly open = new Map<string, OpenChild>();
  private readonly runs: TrackedRun[] = [];

  constructor(private readonly options: MlflowListenerOptions) {
    this.tracker = options.tracker;
    this.logger = options.logger ?? stderrLogger;
  }

  summary(): TrackingSummary {
    return {
      uri: this.tracker.uri,
      experimentId: this.experimentId,
      parentRunId: this.parent?.runId,
      runs: this.runs.map((run) => ({ ...run })),
      spooled: this.tracker.spoolInfo(),
    };
  }

  async runStarted(info: RunStartedInfo): Promise<void> {
    await this.tracker.check();
    this.specFile = info.specFile;
    this.columns = specColumns(info.resolvedSpec);
    this.resolvedSpec = info.resolvedSpec;
    this.backend = info.backend ?? this.options.backend;
    this.experimentId = await this.tracker.getOrCreateExperiment(this.options.experimentName ?? info.name);
    await this.tracker.setExperimentTags(this.experimentId, EXPERIMENT_KIND_TAGS);
    const specPath = path.resolve(this.options.cwd ?? process.cwd(), info.specFile);
    const tags: Record<string, string> = {
      'mlflow.user': currentUser(),
      'mlflow.source.name': info.specFile,
      'mlflow.source.type': 'LOCAL',
      'mlspec.version': this.options.mlspecVersion,
      'mlspec.spec_sha256': createHash('sha256').update(info.specText, 'utf8').digest('hex'),
      ...(this.options.tags ?? {}),
    };
    const commit = gitCommit(specPath);
    if (commit) tags['mlflow.source.git.commit'] = commit;
    if (info.description) tags['mlflow.note.content'] = info.description;
    const backend = info.backend ?? this.options.backend;
    if (backend) tags['mlspec.backend'] = backend;
    this.parent = await this.tracker.startRun({ experimentId: this.experimentId, runName: this.options.runName ?? info.name, tags });
    this.parent.logParams({ seed: info.seed });
    await this.parent.logArtifact({ bytes: YAML.stringify(info.resolvedSpec) }, 'spec.yaml');
  }

  async dataLoaded(summary: DatasetSummary): Promise<void> {
    this.dataset = summary;
    const parent = this.requireParent('dataLoaded');
    parent.logParams({
      'dataset.source': summary.source,
      'dataset.rows': summary.rows,
      'dataset.kept_rows': summary.keptRows,
      'dataset.classes': JSON.stringify(summary.classes),
    });
    parent.setTags({ 'mlspec.dataset_digest': summary.digest });
    await parent.flush();
  }

  async pipelineStarted(info: { pipeline: string; fold: number; folds: number; resolved: { [key: string]: JsonValue } }): Promise<void> {
    const parent = this.requireParent('pipelineStarted');
    const name = info.folds > 1 ? `${info.pipeline}/fold-${info.fold}` : info.pipeline;
    const tags: Record<string, string> = {
      'mlflow.user': currentUser(),
      'mlflow.source.name': this.specFile,
      'mlflow.source.type': 'LOCAL',
      'mlspec.pipeline': info.pipeline,
    };
    if (info.folds > 1) tags['mlspec.fold'] = String(info.fold);
    const { params, description } = pipelineHyperparameters(info.resolved);
    if (description) tags['mlflow.note.content'] = description;
    const handle = await this.tracker.startRun({ experimentId: parent.experimentId, runName: name, parentRunId: parent.runId, tags });
    handle.logParams(params);
    const record: TrackedRun = { name, runId: handle.runId, status: 'RUNNING' };
    this.runs.push(record);
    this.open.set(childKey(info.pipeline, info.fold), { handle, record, sawStepMetrics: false });
  }

  metric(info: { pipeline: string; fold: number; key: string; value: number; step?: number }): void {
    const child = this.open.get(childKey(info.pipeline, info.fold));
    if (!child) {
      this.logger.warn(`MLflow: metric '${info.key}' of pipeline '${info.pipeline}' (fold ${info.fold}) arrived outside its run and was not logged.`);
      return;
    }
    if (info.step !== undefined) child.sawStepMetrics = true;
    child.handle.logMetric(safeKey(info.key), info.value, info.step ?? 0);
  }

  async pipelineFinished(info: PipelineFinishedInfo): Promise<void> {
    const child = this.takeChild(info.pipeline, info.fold);
    if (!child) return;
    const { handle } = child;
    const { result } = info;
    const now = Date.now();
    if (!child.sawStepMetrics) {
      for (const epoch of result.epochs ?? []) {
        for (const [key, value] of Object.entries(epoch)) if (key !== 'epoch') handle.logMetric(safeKey(key), value, epoch.epoch, now);
      }
    }
    const { evaluation } = result;
    handle.logMetric('test_accuracy', evaluation.accuracy, 0, now);
    handle.logMetric('test_macro_f1', evaluation.macroF1, 0, now);
    handle.logMetric('test_weighted_f1', evaluation.weightedF1, 0, now);
    for (const row of evaluation.report.classes) handle.logMetric(safeKey(`test_f1_${row.label}`), row.f1, 0, now);
    handle.logMetric('fit_seconds', result.fitSeconds, 0, now);
    handle.logMetric('featurize_seconds', result.featurizeSeconds, 0, now);
    handle.logMetric('n_features', result.featurizer.features, 0, now);
    const infoTags: Record<string, string> = {};
    for (const [key, value] of Object.entries(result.info ?? {})) infoTags[safeKey(`mlspec.info.${key}`)] = String(value);
    handle.setTags(infoTags);
    if (this.dataset) {
      const dataset = {
        source: this.dataset.source,
        digest: this.dataset.digest,
        specFile: this.specFile,
        cwd: this.options.cwd,
        columns: this.columns,
      };
      await handle.logInputs(splitDatasetInputs(dataset, info.trainRows, info.testRows));
    }
    const classes = evaluation.report.classes.map((row) => row.label);
    await handle.logArtifact({ bytes: `${JSON.stringify({ classes, matrix: evaluation.confusion }, null, 2)}\n` }, 'confusion_matrix.json');
    await handle.logArtifact(
      { bytes: confusionMatrixSvg(classes, evaluation.confusion, `${child.record.name}: confusion matrix`) },
      'confusion_matrix.svg',
    );
    await handle.logArtifact({ bytes: formatClassificationReport(evaluation.report) }, 'classification_report.txt');
    if (info.fitted && this.dataset) {
      const fit = fittedPipeline({
        pipeline: info.pipeline,
        fitted: info.fitted,
        classes: this.dataset.classes,
        spec: this.resolvedSpec ?? null,
        backend: this.backend,
        metrics: testMetrics(evaluation),
      });
      const logged = await logModel(this.tracker, handle, fit, this.logger);
      child.record.modelUri = logged.uri;
      child.record.model = logged.model;
    }
    await this.endChild(child, 'FINISHED');
  }

  async pipelineFailed(info: { pipeline: string; fold: number; error: Error }): Promise<void> {
    const child = this.takeChild(info.pipeline, info.fold);
    if (!child) return;
    child.handle.setTags({ 'mlspec.error': info.error.message });
    await this.endChild(child, 'FAILED');
  }

  /** The run's plots go to the parent run, under the same paths they have beside the report. */
  async artifacts(files: RunArtifact[]): Promise<void> {
    const parent = this.requireParent('artifacts');
    for (const file of files) await parent.logArtifact({ bytes: file.bytes }, file.path);
  }

  async runFinished(report: RunReport): Promise<void> {
    const parent = this.requireParent('runFinished');
    for (const [key, child] of [...this.open.entries()]) {
      this.open.delete(key);
      child.handle.setTags({ 'mlspec.error': 'the run finished without a result for this pipeline' });
      await this.endChild(child, 'FAILED');
    }
    await parent.logArtifact({ bytes: `${JSON.stringify(report, null, 2)}\n` }, 'report.json');
    await parent.end('FINISHED');
    this.parentStatus = 'FINISHED';
  }

  /** Ends every open run; never throws, so the run's own error stays the one reported. */
  async runFailed(info: { error: Error; killed: boolean }): Promise<void> {
    const status: RunEndStatus = info.killed ? 'KILLED' : 'FAILED';
    const handles: OpenChild[] = [...this.open.values()];
    this.open.clear();
    for (const child of handles) {
      await this.quietly(`end run ${child.record.name}`, async () => {
        if (!info.killed) child.handle.setTags({ 'mlspec.error': info.error.message });
        await this.endChild(child, status);
      });
    }
    const parent = this.parent;
    if (parent && !this.parentStatus) {
      await this.quietly('end the parent run', async () => {
        parent.setTags(info.killed ? { 'mlspec.killed': 'true' } : { 'mlspec.error': info.error.message });
        await parent.end(status);
        this.parentStatus = status;
      });
    }
  }

  private async endChild(child: OpenChild, status: RunEndStatus): Promise<void> {
    await child.handle.end(status);
    child.record.status = status;
  }

  private takeChild(pipeline: string, fold: number): OpenChild | undefined {
    const key = childKey(pipeline, fold);
    const child = this.open.get(key);
    if (!child) this.logger.warn(`MLflow: no open run for pipeline '${pipeline}' (fold ${fold}); its result was not logged.`);
    this.open.delete(key);
    return child;
  }

  private requireParent(event: string): RunHandle {
    if (!this.parent) throw new Error(`MlflowListener.${event} before runStarted`);
    return this.parent;
  }

  private async quietly(what: string, action: () => Promise<void>): Promise<void> {
    try {
      await action();
    } catch (error) {
      this.logger.warn(`MLflow: could not ${what}: ${(error as Error).message}`);
    }
  }
}

function childKey(pipeline: string, fold: number): string {
  return `${pipeline}\u0000${fold}`;
}
