/**
 * Runs sweep jobs in one process: the spec and the data are loaded once, the spec split and the
 * folds made once per seed, tokenized texts shared between jobs — so a worker process that runs
 * many jobs pays for start-up once. Each job is one pipeline of one trial's frozen spec, fitted by
 * the runner's `fitPipeline` on the job's rows with the job's seed as the spec seed.
 *
 * Early stopping inside a job comes from the pipeline's own regularizers, exactly as in
 * `mlspec run`: when `training.validation` is set, that fraction is carved (stratified) from the
 * job's training rows and drives early stopping; the held-out fold is never shown to the trainer
 * as validation data, so its score stays an honest estimate. The held-out fold is scored after
 * every epoch (FitData.curves, which never drives decisions inside the fit) to draw its learning
 * curve and to let the median rule prune across trials.
 */
import { performance } from 'node:perf_hooks';
import type { BackendChoice } from '../backend';
import { MlspecError } from '../errors';
import type { Dataset, EpochRecord, LoadedData, Logger } from '../plugin';
import type { PluginRegistry } from '../registry';
import { TokenCache, type ExperimentRunner } from '../run/runner';
import type { SweepPlan } from '../plan';
import { loadSpec, type LoadedSpec } from '../spec/load';
import type { ExperimentSpec, PipelineSpec, SpecValidator } from '../spec/validate';
import { SweepRows } from './rows';
import type { Job, JobOutcome, ValidationScores } from './types';

/** A job stopped by the pruning rule (an MlspecError, so the runner passes it through unwrapped). */
export class JobPruned extends MlspecError {
  constructor(
    readonly reason: string,
    readonly epoch: number,
  ) {
    super('SWEEP_PRUNED', reason, 1);
  }
}

/**
 * Per-epoch names inside a sweep: the loop's `val_*` are the rows carved from the job's training
 * rows (`inner_val_*`), its `curve_*` are the held-out fold (`heldout_*`); `val_*` without a step
 * are the held-out scores of the finished job, the names `select.metric` uses.
 */
export function renameEpochKey(key: string): string {
  if (key.startsWith('val_')) return `inner_${key}`;
  if (key.startsWith('curve_')) return `heldout_${key.slice('curve_'.length)}`;
  return key;
}

function renameRecord(record: EpochRecord): EpochRecord {
  const out: EpochRecord = { epoch: record.epoch };
  for (const [key, value] of Object.entries(record)) if (key !== 'epoch') out[renameEpochKey(key)] = value;
  return out;
}

/** Mean log loss of the true classes (scikit-learn's log_loss, probabilities clipped away from 0). */
export function logLoss(proba: Float64Array, labels: readonly number[], nClasses: number): number {
  let sum = 0;
  labels.forEach((label, row) => {
    const p = Math.min(Math.max(proba[row * nClasses + label], 1e-15), 1 - 1e-15);
    sum -= Math.log(p);
  });
  return sum / labels.length;
}

/** The coordinator's decision to stop a running job at an epoch (see rungs.ts). */
export interface StopOrder {
  epoch: number;
  reason: string;
}

export interface JobHooks {
  /** A metric as the model logs it (already renamed; `step` = epoch). */
  metric?(key: string, value: number, step?: number): void;
  /** The coordinator's stop order for this job, if any yet (it may arrive while the job runs). */
  stop?(): StopOrder | undefined;
}

export interface JobRunnerOptions {
  plan: SweepPlan;
  /** The spec file (absolute) and its text as frozen when the sweep started. */
  specFile: string;
  specText: string;
  registry: PluginRegistry;
  validator: SpecValidator;
  runner: ExperimentRunner;
  logger: Logger;
  /** The backend to use instead of the spec's (`mlspec worker --backend`). */
  backend?: BackendChoice;
}

export class JobRunner {
  private readonly tokens: TokenCache;

  private constructor(
    private readonly options: JobRunnerOptions,
    private readonly base: LoadedSpec,
    readonly data: LoadedData,
    readonly rows: SweepRows,
    /** The TensorFlow.js backend chosen for this process, when a swept pipeline needs one. */
    readonly backend: string | undefined,
  ) {
    this.tokens = new TokenCache(data.texts, data.rowNumbers);
  }

  /** Load the frozen spec and its data once; checks the data is what the plan was made from. */
  static async open(options: JobRunnerOptions): Promise<JobRunner> {
    const { plan, registry, validator, logger } = options;
    const base = loadSpec(options.specFile, registry, validator, options.specText);
    const { type, ...dataOptions } = base.spec.data;
    const context = { baseDir: base.baseDir, logger, log: () => {} };
    const dataset = registry.get('dataset', type).create(dataOptions, { ...context, seed: base.spec.seed }) as Dataset;
    const data = await dataset.load();
    if (data.digest !== plan.dataDigest) {
      throw new MlspecError(
        'SWEEP_DATA_CHANGED',
        `the rows of ${data.source} changed since this sweep was planned (digest ${data.digest.slice(0, 12)}, plan ${plan.dataDigest.slice(0, 12)}); start a new sweep`,
      );
    }
    const rows = new SweepRows(registry, base.spec, data, context);
    // An adaptive search has no trials yet: its pipelines as written, and every model type it can choose.
    const modelTypes = [
      ...plan.trials.flatMap((t) => Object.values(t.spec.pipelines).map((p) => p.model.type)),
      ...Object.values(base.spec.pipelines).map((p) => p.model.type),
      ...(plan.search?.space.parameters ?? [])
        .filter((p) => p.name.endsWith('.model.type'))
        .flatMap((p) => (p.dimension.type === 'categorical' ? p.dimension.choices : []).map(String)),
    ];
    const needsBackend = modelTypes.some((type) => registry.find('model', type)?.requiresBackend);
    let backend: string | undefined;
    if (needsBackend) {
      const { selectBackend } = await import('../backend');
      backend = await selectBackend(options.backend ?? base.spec.backend, logger);
    }
    return new JobRunner(options, base, data, rows, backend);
  }

  /** Run `job`; `spec` is its trial's resolved spec when the plan does not hold it (a trial an adaptive search suggested). */
  async run(job: Job, hooks: JobHooks = {}, spec?: ExperimentSpec): Promise<JobOutcome> {
    const { plan, runner } = this.options;
    const trialSpec = spec ?? plan.trials[job.trial]?.spec;
    if (!trialSpec) throw new Error(`the sweep has no trial ${job.trial} for job ${job.label}`);
    const pipeline = quiet(trialSpec.pipelines[job.pipeline]);
    const loaded: LoadedSpec = { ...this.base, spec: { ...trialSpec, seed: job.seed, pipelines: { [job.pipeline]: pipeline } } };
    const fold = this.rows.rows(job.rows, job.seed);
    const refit = job.rows.kind === 'refit';
    const epochs = new Map<number, EpochRecord>();
    const watched = plan.select.metric === 'val_loss' ? 'heldout_loss' : 'heldout_accuracy';
    const onMetric = (key: string, value: number, step?: number) => {
      const name = step === undefined ? key : renameEpochKey(key);
      hooks.metric?.(name, value, step);
      if (step === undefined) return;
      const record = epochs.get(step) ?? { epoch: step };
      record[name] = value;
      epochs.set(step, record);
      const order = refit ? undefined : hooks.stop?.();
      // Stop once the epoch the decision was made at is logged whole (learning_rate is the last
      // key the training loop logs for an epoch), so the record is the one a fit that ran on and
      // was cut back to that epoch has; epochs run past it are dropped below.
      if (order && (step > order.epoch || (step === order.epoch && key === 'learning_rate'))) throw new JobPruned(order.reason, order.epoch);
    };
    const started = performance.now();
    try {
      const fit = await runner.fitPipeline(loaded, job.pipeline, this.data, fold, {
        tokens: this.tokens,
        scoreEveryEpoch: !refit,
        onMetric,
        fold: job.rows.kind === 'fold' ? job.rows.fold : 0,
        folds: job.rows.kind === 'fold' ? job.rows.folds : 1,
      });
      const { result } = fit;
      const records = result.epochs?.map(renameRecord);
      const outcome: JobOutcome = {
        status: 'finished',
        epochs: records,
        info: result.info,
        fitSeconds: result.fitSeconds,
        featurizeSeconds: result.featurizeSeconds,
        features: result.featurizer.features,
        trainRows: fold.train.length,
        evaluationRows: fold.test.length,
        ...epochFacts(result.info, records, watched, plan.select.goal),
      };
      const labels = fold.test.map((i) => this.data.labels[i]);
      const scores: ValidationScores = {
        val_accuracy: result.evaluation.accuracy,
        val_macro_f1: result.evaluation.macroF1,
        val_weighted_f1: result.evaluation.weightedF1,
        val_loss: logLoss(fit.proba, labels, this.data.classes.length),
      };
      if (!refit) return { ...outcome, scores };
      return {
        ...outcome,
        evaluation: result.evaluation,
        predictions: result.predictions,
        fitted: fit.fitted as unknown as JobOutcome['fitted'],
        trainRowNumbers: fold.train.map((i) => this.data.rowNumbers[i]),
        testRowNumbers: fold.test.map((i) => this.data.rowNumbers[i]),
      };
    } catch (error) {
      if (!(error instanceof JobPruned)) throw error;
      const records = [...epochs.values()].filter((r) => r.epoch <= error.epoch).sort((a, b) => a.epoch - b.epoch);
      return {
        status: 'pruned',
        epochs: records,
        prunedAt: error.epoch,
        pruneReason: error.reason,
        stoppedEpoch: error.epoch,
        fitSeconds: (performance.now() - started) / 1000,
        featurizeSeconds: 0,
        features: 0,
        trainRows: fold.train.length,
        evaluationRows: fold.test.length,
      };
    }
  }
}

/** Workers run many jobs at once on one terminal: their progress bars would fight; the sweep shows its own. */
function quiet(pipeline: PipelineSpec): PipelineSpec {
  if (!pipeline.training) return pipeline;
  return { ...pipeline, training: { ...pipeline.training, progress: false } };
}

/**
 * best_epoch and stopped_epoch: the early-stopping regularizer's when the pipeline has one; else,
 * for models that train in epochs, the last epoch and the epoch with the best held-out score.
 */
function epochFacts(
  info: Record<string, number | string | boolean> | undefined,
  records: EpochRecord[] | undefined,
  metric: string,
  goal: 'max' | 'min',
): { bestEpoch?: number; stoppedEpoch?: number } {
  if (typeof info?.best_epoch === 'number' && typeof info.stopped_epoch === 'number')
    return { bestEpoch: info.best_epoch, stoppedEpoch: info.stopped_epoch };
  if (!records?.length) return {};
  const scored = records.filter((r) => typeof r[metric] === 'number');
  const stoppedEpoch = records[records.length - 1].epoch;
  if (!scored.length) return { stoppedEpoch };
  const best = scored.reduce((a, b) => ((goal === 'max' ? b[metric] > a[metric] : b[metric] < a[metric]) ? b : a));
  return { bestEpoch: best.epoch, stoppedEpoch };
}
