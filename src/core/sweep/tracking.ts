/**
 * A sweep in MLflow, ready for the parallel-coordinates view (select the `trial` runs: params are
 * the swept values, metrics the cross-validated scores):
 *
 *   <spec name>                 the sweep (kind sweep): the spec, the frozen plan, the leaderboard
 *   │                           (CSV, Markdown), a plot of the score against each swept setting
 *   ├── trial-3 / bow/trial-3   one per candidate (kind trial): params = its swept values,
 *   │   │                       metrics cv_mean_<metric>, cv_sd_<metric>, best_epoch, stopped_epoch;
 *   │   │                       the full resolved spec as spec.yaml
 *   │   ├── fold-0 … fold-4     one per fold (and seed) (kind fold): per-epoch curves, held-out scores
 *   └── refit                   the best candidate on all training rows (kind refit): test scores
 *
 * Every run carries the tags mlspec.sweep_key (the state folder) and mlspec.sweep_role; its id is
 * kept in the state folder as soon as it exists. A rerun reattaches to those runs — and adopts a run
 * that was created just before a crash but never recorded, found by its tags — so a sweep never
 * makes two runs for one role. A job fitted again gets a new run and its earlier one is deleted
 * (see `startJob`). Only the coordinator process logs.
 */
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import YAML from 'yaml';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { freezePlan, type SweepPlan } from '../plan';
import { formatClassificationReport } from '../run/metrics';
import { gitCommit, specColumns, splitDatasetInputs } from '../tracking/mlflow-listener';
import { currentUser, safeKey } from '../tracking/records';
import { confusionMatrixSvg } from '../tracking/run-artifacts';
import type { RunEndStatus, RunHandle, Tracker } from '../tracking/tracker';
import type { JsonValue } from '../plugin';
import { fittedPipeline, testMetrics, type FittedParts } from '../model/fitted';
import { logModel, type LoggedModelResult } from '../model/log-model';
import type { FittedPipeline } from '../model/saved-model';
import { rowsLabel } from './candidates';
import type { RunRegistry } from './state';
import { VALIDATION_METRICS, type Candidate, type CandidateSummary, type Job, type JobRecord, type SweepReport } from './types';

export const SWEEP_KEY_TAG = 'mlspec.sweep_key';
export const SWEEP_ROLE_TAG = 'mlspec.sweep_role';

export interface SweepTrackingOptions {
  tracker: Tracker;
  registry: RunRegistry;
  experimentName: string;
  /** Names the sweep in the tracking store: the state folder's name. */
  sweepKey: string;
  plan: SweepPlan;
  specFile: string;
  specText: string;
  description?: string;
  mlspecVersion: string;
  dataset: { source: string; rows: number; keptRows: number; classes: string[]; digest: string };
  logger: Logger;
}

/**
 * The runs of a sweep a crash left RUNNING (made but maybe never recorded in the state folder),
 * by role, found in the store by their tags; the newest run of a role wins. Ended runs are never
 * adopted: a sweep whose state folder was deleted starts new runs and leaves finished work alone.
 */
export async function findSweepRuns(tracker: Tracker, experimentId: string, sweepKey: string): Promise<Map<string, string>> {
  const found = new Map<string, string>();
  for (const run of await tracker.findRuns(experimentId, { key: SWEEP_KEY_TAG, value: sweepKey })) {
    const role = run.tags[SWEEP_ROLE_TAG];
    if (role && run.status === 'RUNNING') found.set(role, run.runId);
  }
  return found;
}

/**
 * Logs metrics to a run that may be a resumed one without logging twice what it held from before
 * a crash: a step-0 summary already there with the same value, or a per-epoch history already
 * begun, is skipped. A summary that changed (--retry-failed) is logged again and becomes the latest.
 */
function loggerOnce(handle: RunHandle): (key: string, value: number, step?: number, timestamp?: number) => void {
  return (key, value, step = 0, timestamp) => {
    const before = handle.metricsAtOpen.get(key);
    if (before !== undefined && (step > 0 || Object.is(before, value))) return;
    handle.logMetric(key, value, step, timestamp);
  };
}

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

export class SweepTracking {
  private parent!: RunHandle;
  private experimentId!: string;
  /** Promises, so two folds of one candidate starting at once share one run. */
  private readonly candidates = new Map<string, Promise<RunHandle>>();
  private readonly jobs = new Map<string, RunHandle>();
  private readonly runNames = new Map<string, string>();
  private parentEnded = false;
  /** The TensorFlow.js backend the workers use, when known (saved with the refit's model). */
  private backend?: string;
  /** The refit's model as logged, for the registry. */
  refitModel?: LoggedModelResult & { runId: string; fit: FittedPipeline };

  private constructor(private readonly options: SweepTrackingOptions) {}

  get uri(): string {
    return this.options.tracker.uri;
  }

  get parentRunId(): string {
    return this.parent.runId;
  }

  get experiment(): string {
    return this.experimentId;
  }

  /** Start the sweep's run, or reattach to it (and adopt runs a crash left unrecorded). */
  static async open(options: SweepTrackingOptions): Promise<SweepTracking> {
    const tracking = new SweepTracking(options);
    await tracking.openParent();
    return tracking;
  }

  private async openParent(): Promise<void> {
    const { tracker, registry, plan, specText } = this.options;
    await tracker.check();
    this.experimentId = await tracker.getOrCreateExperiment(this.options.experimentName);
    if (registry.experimentId !== this.experimentId) registry.experimentId = this.experimentId;
    const found = await findSweepRuns(tracker, this.experimentId, this.options.sweepKey);
    const adopted = [...found].filter(([role]) => !registry.get(role));
    for (const [role, runId] of adopted) registry.set(role, runId);
    if (adopted.length > 0) {
      this.options.logger.info(
        `MLflow: reattaching to ${adopted.length} run(s) of this sweep that an interrupted run left RUNNING in ${tracker.uri}`,
      );
    }

    const specPath = path.resolve(this.options.specFile);
    const tags: Record<string, string> = {
      ...this.commonTags('sweep', 'parent'),
      'mlspec.version': this.options.mlspecVersion,
      'mlspec.spec_sha256': sha256(specText),
      'mlspec.dataset_digest': this.options.dataset.digest,
    };
    const commit = gitCommit(specPath);
    if (commit) tags['mlflow.source.git.commit'] = commit;
    if (this.options.description) tags['mlflow.note.content'] = this.options.description;
    this.parent = await this.openRun('parent', { runName: plan.trials[0]?.spec.name ?? 'sweep', tags });
    const { dataset } = this.options;
    this.parent.logParams({
      seed: plan.seed,
      'sweep.folds': plan.folds,
      'sweep.seeds': JSON.stringify(plan.seeds),
      'sweep.select_metric': plan.select.metric,
      'sweep.select_goal': plan.select.goal,
      // An adaptive search's trials grow as it runs (params are write-once): its budget is logged instead.
      ...(plan.search ? {} : { 'sweep.trials': plan.trials.length }),
      'sweep.params': JSON.stringify(plan.params.map((p) => p.path)),
      'sweep.pruning': plan.pruning ? JSON.stringify(plan.pruning) : 'none',
      ...(plan.search
        ? {
            'sweep.search.sampler': JSON.stringify(plan.search.sampler),
            'sweep.search.budget': JSON.stringify(plan.search.budget),
            'sweep.search.concurrent_trials': plan.search.concurrentTrials,
          }
        : {}),
      'dataset.source': dataset.source,
      'dataset.rows': dataset.rows,
      'dataset.kept_rows': dataset.keptRows,
      'dataset.classes': JSON.stringify(dataset.classes),
    });
    await this.parent.logArtifact({ bytes: specText }, 'sweep.yaml');
    await this.parent.logArtifact({ bytes: freezePlan(plan) }, 'plan.json');
    await this.parent.flush();
  }

  private commonTags(kind: string, role: string): Record<string, string> {
    return {
      'mlflow.user': currentUser(),
      'mlflow.source.name': this.options.specFile,
      'mlflow.source.type': 'LOCAL',
      'mlspec.kind': kind,
      [SWEEP_KEY_TAG]: this.options.sweepKey,
      [SWEEP_ROLE_TAG]: role,
    };
  }

  /** Reattach to the run recorded for `role`, or start it and record its id at once. */
  private async openRun(role: string, start: { runName: string; parentRunId?: string; tags: Record<string, string> }): Promise<RunHandle> {
    const { tracker, registry, logger } = this.options;
    const known = registry.get(role);
    if (known) {
      try {
        const handle = await tracker.resumeRun(known);
        handle.setTags({ ...start.tags, 'mlspec.resumed': 'true' });
        return handle;
      } catch (error) {
        if (!(error instanceof InputError) || !['TRACKING_NO_RUN', 'TRACKING_RUN_DELETED'].includes(error.code)) throw error;
        logger.warn(`MLflow: run ${known} (${role}) is gone from ${tracker.uri}; starting a new one`);
      }
    }
    const handle = await tracker.startRun({ experimentId: this.experimentId, ...start });
    registry.set(role, handle.runId);
    return handle;
  }

  setParentTags(tags: Record<string, string>): void {
    if (tags['mlspec.backend']) this.backend = tags['mlspec.backend'];
    this.parent.setTags(tags);
  }

  private candidateRun(candidate: Candidate, plan: SweepPlan): Promise<RunHandle> {
    let open = this.candidates.get(candidate.key);
    if (!open) {
      open = this.openCandidateRun(candidate, plan);
      this.candidates.set(candidate.key, open);
      // A failed open is retried by the next caller rather than cached.
      open.catch(() => this.candidates.delete(candidate.key));
    }
    return open;
  }

  private async openCandidateRun(candidate: Candidate, plan: SweepPlan): Promise<RunHandle> {
    this.options.registry.reopen(`candidate:${candidate.key}`);
    const trial = plan.trials[candidate.trials[0]];
    const handle = await this.openRun(`candidate:${candidate.key}`, {
      runName: candidate.label,
      parentRunId: this.parent.runId,
      tags: {
        ...this.commonTags('trial', `candidate:${candidate.key}`),
        'mlspec.pipeline': candidate.pipeline,
        'mlspec.candidate_id': candidate.key,
        'mlspec.trial_id': trial.id,
        'mlspec.trials': candidate.trials.join(' '),
      },
    });
    const params: Record<string, string> = { pipeline: candidate.pipeline };
    for (const [key, value] of Object.entries(candidate.params)) params[safeKey(key)] = typeof value === 'string' ? value : JSON.stringify(value);
    handle.logParams(params);
    await handle.logArtifact({ bytes: YAML.stringify(trial.spec) }, 'spec.yaml');
    return handle;
  }

  /**
   * Open the run of a job before it is sent to a worker (`fit: true`), or reattach to it to record
   * a result that is already in the state folder. A job fitted again (after a crash cut its fit
   * short, a lost record, --retry-failed) gets a new run, and its earlier run is deleted (MLflow's
   * restorable delete): the per-epoch metrics of two fits never mix on one run's steps, and the
   * sweep still shows one run per candidate, fold and seed.
   */
  async startJob(job: Job, candidate: Candidate, plan: SweepPlan, { fit = false }: { fit?: boolean } = {}): Promise<{ created: boolean }> {
    const role = `job:${job.key}`;
    const { registry } = this.options;
    const earlier = fit ? registry.get(role) : undefined;
    if (earlier) {
      // Deleted before its replacement exists: a crash in between leaves no second active run.
      registry.forget(role);
      await this.deleteRun(earlier, role);
    }
    const created = !registry.get(role);
    registry.reopen(role);
    const parent = await this.candidateRun(candidate, plan);
    const tags: Record<string, string> = { ...this.commonTags('fold', role), 'mlspec.pipeline': job.pipeline, 'mlspec.seed': String(job.seed) };
    if (earlier) tags['mlspec.replaces_run'] = earlier;
    const params: Record<string, string | number> = { seed: job.seed };
    if (job.rows.kind === 'fold') {
      tags['mlspec.fold'] = String(job.rows.fold);
      params.fold = job.rows.fold;
    }
    // The candidate's label first, so a flat search of the experiment reads trial-3/fold-1, not fold-1 twelve times.
    const runName = `${candidate.label}/${rowsLabel(job.rows, job.seed, plan.seeds.length)}`;
    const handle = await this.openRun(role, { runName, parentRunId: parent.runId, tags });
    handle.logParams(params);
    this.jobs.set(job.key, handle);
    this.runNames.set(job.key, runName);
    return { created };
  }

  private async deleteRun(runId: string, role: string): Promise<void> {
    const { tracker, logger } = this.options;
    try {
      // A fit cut short left its run RUNNING: end it as KILLED first, so the deleted run does not
      // show as still running (e.g. after `mlflow runs restore`). Ended runs keep their status.
      const runs = await tracker.findRuns(this.experimentId, { key: SWEEP_ROLE_TAG, value: role });
      if (runs.some((run) => run.runId === runId && run.status === 'RUNNING')) await (await tracker.resumeRun(runId)).end('KILLED');
      await tracker.deleteRun(runId);
    } catch (error) {
      if (error instanceof InputError && ['TRACKING_NO_RUN', 'TRACKING_RUN_DELETED'].includes(error.code)) return;
      logger.warn(`MLflow: could not delete run ${runId} (${role}, replaced by a new fit): ${(error as Error).message}`);
    }
  }

  /** The role's run was ended after its result was recorded; a rerun need not log it again. */
  isEnded(role: string): boolean {
    return this.options.registry.isEnded(role);
  }

  metric(job: string, key: string, value: number, step?: number): void {
    this.jobs.get(job)?.logMetric(safeKey(key), value, step ?? 0);
  }

  /**
   * A job's result on its run, which then ends. `replayEpochs`: log the per-epoch metrics from the
   * record too (a run made after the job ran, e.g. a sweep that ran without tracking before).
   */
  async finishJob(record: JobRecord, replayEpochs = false): Promise<void> {
    const handle = this.jobs.get(record.key);
    if (!handle) return;
    const log = loggerOnce(handle);
    this.jobs.delete(record.key);
    const outcome = record.outcome;
    const now = Date.now();
    if (outcome && replayEpochs) {
      for (const epoch of outcome.epochs ?? []) {
        for (const [key, value] of Object.entries(epoch)) if (key !== 'epoch') log(safeKey(key), value, epoch.epoch, now);
      }
    }
    if (outcome) {
      for (const [key, value] of Object.entries(outcome.scores ?? {})) log(key, value, 0, now);
      log('fit_seconds', outcome.fitSeconds, 0, now);
      if (outcome.status === 'finished') {
        log('featurize_seconds', outcome.featurizeSeconds, 0, now);
        log('n_features', outcome.features, 0, now);
      }
      if (outcome.bestEpoch !== undefined) log('best_epoch', outcome.bestEpoch, 0, now);
      if (outcome.stoppedEpoch !== undefined) log('stopped_epoch', outcome.stoppedEpoch, 0, now);
      const tags: Record<string, string> = {
        'mlspec.status': record.status,
        'mlspec.train_rows': String(outcome.trainRows),
        'mlspec.heldout_rows': String(outcome.evaluationRows),
      };
      for (const [key, value] of Object.entries(outcome.info ?? {})) tags[safeKey(`mlspec.info.${key}`)] = String(value);
      if (outcome.pruneReason) tags['mlspec.prune_reason'] = outcome.pruneReason;
      handle.setTags(tags);
    }
    if (record.error) handle.setTags({ 'mlspec.status': 'failed', 'mlspec.error': `${record.error.code}: ${record.error.message}` });
    // A pruned fit stopped early on purpose: KILLED (not FINISHED), and said in its name too.
    if (record.status === 'pruned' && this.runNames.has(record.key))
      handle.setTags({ 'mlflow.runName': `${this.runNames.get(record.key)} (pruned)` });
    await handle.end(record.status === 'failed' ? 'FAILED' : record.status === 'pruned' ? 'KILLED' : 'FINISHED');
    this.options.registry.markEnded(`job:${record.key}`);
  }

  /** A candidate whose jobs are all done: its cross-validated scores and `searchTags` (mlspec.search.*), and its run ended. */
  async finishCandidate(summary: CandidateSummary, candidate: Candidate, plan: SweepPlan, searchTags: Record<string, string> = {}): Promise<void> {
    const handle = await this.candidateRun(candidate, plan);
    const log = loggerOnce(handle);
    this.candidates.delete(candidate.key);
    const now = Date.now();
    if (summary.status === 'finished') {
      for (const metric of VALIDATION_METRICS) {
        const m = summary.metrics[metric];
        if (!m) continue;
        log(`cv_mean_${metric}`, m.mean, 0, now);
        log(`cv_sd_${metric}`, m.sd, 0, now);
      }
    }
    if (summary.bestEpoch !== undefined) log('best_epoch', summary.bestEpoch, 0, now);
    if (summary.stoppedEpoch !== undefined) log('stopped_epoch', summary.stoppedEpoch, 0, now);
    log('fit_seconds', summary.fitSeconds, 0, now);
    const tags: Record<string, string> = {
      ...searchTags,
      'mlspec.status': summary.status,
      'mlspec.jobs': `${summary.jobs.finished}/${summary.jobs.total}`,
    };
    if (summary.errors.length) tags['mlspec.error'] = `${summary.errors[0].code}: ${summary.errors[0].message}`;
    if (summary.pruneReason) tags['mlspec.prune_reason'] = summary.pruneReason;
    handle.setTags(tags);
    await handle.end(summary.status === 'failed' ? 'FAILED' : 'FINISHED');
    this.options.registry.markEnded(`candidate:${candidate.key}`);
  }

  /** The refit of the best candidate: its test scores, the fitted pipeline, the rows it used. */
  async logRefit(record: JobRecord, candidate: Candidate, plan: SweepPlan, classes: string[], datasetSource: string): Promise<void> {
    const outcome = record.outcome;
    this.options.registry.reopen(`refit:${record.key}`);
    const handle = await this.openRun(`refit:${record.key}`, {
      runName: 'refit',
      parentRunId: this.parent.runId,
      tags: {
        ...this.commonTags('refit', `refit:${record.key}`),
        'mlspec.pipeline': candidate.pipeline,
        'mlspec.candidate_id': candidate.key,
        'mlspec.refit_of': candidate.label,
      },
    });
    const log = loggerOnce(handle);
    const params: Record<string, string | number> = { pipeline: candidate.pipeline, seed: record.seed };
    for (const [key, value] of Object.entries(candidate.params)) params[safeKey(key)] = typeof value === 'string' ? value : JSON.stringify(value);
    handle.logParams(params);
    if (record.status === 'failed' || !outcome?.evaluation) {
      handle.setTags({ 'mlspec.status': 'failed', 'mlspec.error': record.error ? `${record.error.code}: ${record.error.message}` : 'no result' });
      await handle.end('FAILED');
      this.options.registry.markEnded(`refit:${record.key}`);
      return;
    }
    for (const epoch of outcome.epochs ?? []) {
      for (const [key, value] of Object.entries(epoch)) if (key !== 'epoch') log(safeKey(key), value, epoch.epoch);
    }
    const { evaluation } = outcome;
    const now = Date.now();
    log('test_accuracy', evaluation.accuracy, 0, now);
    log('test_macro_f1', evaluation.macroF1, 0, now);
    log('test_weighted_f1', evaluation.weightedF1, 0, now);
    for (const row of evaluation.report.classes) log(safeKey(`test_f1_${row.label}`), row.f1, 0, now);
    log('fit_seconds', outcome.fitSeconds, 0, now);
    log('n_features', outcome.features, 0, now);
    if (outcome.stoppedEpoch !== undefined) log('stopped_epoch', outcome.stoppedEpoch, 0, now);
    if (outcome.bestEpoch !== undefined) log('best_epoch', outcome.bestEpoch, 0, now);
    const tags: Record<string, string> = { 'mlspec.status': 'finished' };
    for (const [key, value] of Object.entries(outcome.info ?? {})) tags[safeKey(`mlspec.info.${key}`)] = String(value);
    handle.setTags(tags);
    if (outcome.trainRowNumbers && outcome.testRowNumbers) {
      const dataset = {
        source: datasetSource,
        digest: this.options.dataset.digest,
        specFile: this.options.specFile,
        columns: specColumns(plan.trials[candidate.trials[0]].spec),
      };
      await handle.logInputs(splitDatasetInputs(dataset, outcome.trainRowNumbers, outcome.testRowNumbers));
    }
    await handle.logArtifact({ bytes: YAML.stringify(plan.trials[candidate.trials[0]].spec) }, 'spec.yaml');
    await handle.logArtifact({ bytes: `${JSON.stringify({ classes, matrix: evaluation.confusion }, null, 2)}\n` }, 'confusion_matrix.json');
    await handle.logArtifact(
      { bytes: confusionMatrixSvg(classes, evaluation.confusion, `refit of ${candidate.label}: confusion matrix`) },
      'confusion_matrix.svg',
    );
    await handle.logArtifact({ bytes: formatClassificationReport(evaluation.report) }, 'classification_report.txt');
    if (outcome.fitted) {
      const fit = fittedPipeline({
        pipeline: candidate.pipeline,
        fitted: outcome.fitted as unknown as FittedParts['fitted'],
        classes,
        spec: plan.trials[candidate.trials[0]].spec as unknown as JsonValue,
        backend: this.backend,
        metrics: testMetrics(evaluation),
      });
      this.refitModel = { ...(await logModel(this.options.tracker, handle, fit, this.options.logger)), runId: handle.runId, fit };
    }
    await handle.end('FINISHED');
    this.options.registry.markEnded(`refit:${record.key}`);
  }

  /** The leaderboard, the plot and the report on the sweep's run, which then ends. */
  async finish(report: SweepReport, files: Array<{ path: string; bytes: string | Buffer }>, status: RunEndStatus): Promise<void> {
    const log = loggerOnce(this.parent);
    const { metric } = report.select;
    const now = Date.now();
    const best = report.best?.metrics[metric];
    if (best) {
      log(`best_cv_mean_${metric}`, best.mean, 0, now);
      log(`best_cv_sd_${metric}`, best.sd, 0, now);
    }
    if (report.refit) {
      log('best_test_accuracy', report.refit.test.accuracy, 0, now);
      log('best_test_macro_f1', report.refit.test.macroF1, 0, now);
    }
    for (const status of ['finished', 'failed', 'pruned'] as const)
      log(`candidates_${status}`, report.candidates.filter((c) => c.status === status).length, 0, now);
    if (report.best) this.parent.setTags({ 'mlspec.best_candidate': report.best.label, 'mlspec.best_candidate_id': report.best.key });
    for (const file of files) await this.parent.logArtifact({ bytes: file.bytes }, file.path);
    await this.parent.end(status);
    this.parentEnded = true;
  }

  /** Ctrl-C or a crash of the coordinator: every open run ends (KILLED or FAILED); never throws. */
  async abort(status: RunEndStatus, message?: string): Promise<void> {
    const quietly = async (what: string, action: () => Promise<void>) => {
      try {
        await action();
      } catch (error) {
        this.options.logger.warn(`MLflow: could not end ${what}: ${(error as Error).message}`);
      }
    };
    const tags: Record<string, string> = status === 'KILLED' ? { 'mlspec.killed': 'true' } : { 'mlspec.error': message ?? 'the sweep failed' };
    for (const [key, handle] of [...this.jobs]) {
      this.jobs.delete(key);
      await quietly(`job run ${handle.runId}`, async () => {
        handle.setTags(tags);
        await handle.end(status);
      });
    }
    for (const [key, opening] of [...this.candidates]) {
      this.candidates.delete(key);
      await quietly(`the trial run of candidate ${key.slice(0, 8)}`, async () => {
        const handle = await opening;
        handle.setTags(tags);
        await handle.end(status);
      });
    }
    if (this.parent && !this.parentEnded) {
      this.parentEnded = true;
      await quietly('the sweep run', async () => {
        this.parent.setTags(tags);
        await this.parent.end(status);
      });
    }
  }

  /** Runs whose records wait in a spool folder because the server went away. */
  spooled(): number {
    return this.options.tracker.spoolInfo().length;
  }
}
