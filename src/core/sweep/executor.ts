/**
 * The sweep coordinator: plan (or read the frozen plan of a sweep already started), hand the jobs
 * that have no result yet to the worker pool, record each result in the state folder and in MLflow
 * as it arrives, then rank the candidates, refit the best on all training rows, score it once on
 * the test rows, and report.
 *
 * Resuming: a job with a record is never run again (a failed one only with `retryFailed`); a job
 * that was running when the sweep died has no record and runs again, into the MLflow run it
 * already had. One failing job fails only itself: the sweep goes on, and the report lists it.
 */
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MlspecError } from '../errors';
import type { LoadedData, Logger } from '../plugin';
import { planSweep, type SweepPlan } from '../plan';
import type { PluginRegistry } from '../registry';
import type { LoadedSpec } from '../spec/load';
import { loadSpecData } from '../spec/create-plugin';
import type { SpecValidator } from '../spec/validate';
import type { Tracker } from '../tracking/tracker';
import { failureLines, rankCandidates, summarizeCandidate } from './aggregate';
import { refitJob, relativeParams, rowsLabel, sweepWork } from './candidates';
import { formatSummary, leaderboardCsv, leaderboardMarkdown } from './leaderboard';
import { ForkPool, InlinePool, type PoolWorker, type WorkerPool } from './pool';
import { SweepProgress, type ProgressCounts, type ProgressStream } from './progress';
import { medianReference, pruningRule, type PruningReference, type PruningRule } from './pruning';
import { defaultStateDir, SweepState } from './state';
import { SweepTracking } from './tracking';
import type { Candidate, CandidateSummary, Job, JobRecord, RefitSummary, SweepReport } from './types';

export interface SweepOptions {
  loaded: LoadedSpec;
  registry: PluginRegistry;
  validator: SpecValidator;
  logger: Logger;
  mlspecVersion: string;
  /** Folder the default state folder and relative paths resolve against; default process.cwd(). */
  cwd?: string;
  /** The state folder; default `.mlspec-sweeps/<name>-<digest>` under `cwd`. */
  stateDir?: string;
  /** Worker processes; default the sweep block's `workers`, else os.availableParallelism(). */
  workers?: number;
  /** Run failed jobs (and a failed refit) again. */
  retryFailed?: boolean;
  /** Where to log; no tracking when absent. */
  tracker?: Tracker;
  /** The MLflow experiment; default the spec's tracking.experiment, else its name. */
  experimentName?: string;
  /** `fork` (default): worker processes; `inline`: jobs run in this process, one at a time. */
  pool?: 'fork' | 'inline';
  /** Where progress goes; default process.stderr. */
  progress?: ProgressStream;
  quiet?: boolean;
  /** Render the plot of validation scores (default true). */
  plots?: boolean;
}

export interface SweepFile {
  /** Relative to the report's folder (and the artifact path in the sweep's MLflow run). */
  path: string;
  bytes: string | Buffer;
}

export interface SweepResult {
  report: SweepReport;
  files: SweepFile[];
  /** 0 when every job and the refit finished, 1 when some failed. */
  exitCode: number;
}

interface Running {
  job: Job;
  worker: PoolWorker;
}

/** The spec's rows, with a dataset's refusal located at its option in the spec (as `mlspec run` does). */
export async function loadSweepData(loaded: LoadedSpec, registry: PluginRegistry, logger: Logger): Promise<LoadedData> {
  return loadSpecData(loaded, registry, logger);
}

export class SweepExecutor {
  private state?: SweepState;
  private tracking?: SweepTracking;
  private pool?: WorkerPool;
  private progress: SweepProgress;
  /** The caller's logger, its messages kept clear of the live status line. */
  private logger: Logger;
  private interrupted = false;

  private plan!: SweepPlan;
  private candidates: Candidate[] = [];
  private jobs: Job[] = [];
  private readonly records = new Map<string, JobRecord>();
  private readonly running = new Map<string, Running>();
  private readonly remaining = new Map<string, number>();
  private queue: Job[] = [];
  private rule?: PruningRule;
  private readonly seconds: number[] = [];
  private workerCount = 1;
  private poolStarted = false;
  private best?: CandidateSummary;

  constructor(private readonly options: SweepOptions) {
    this.progress = new SweepProgress(options.progress ?? process.stderr, 'val', options.quiet);
    this.logger = options.logger;
  }

  /** The state folder in use (known once `run` has opened it). */
  get stateDir(): string | undefined {
    return this.state?.dir;
  }

  async run(): Promise<SweepResult> {
    const { loaded, registry, validator, logger } = this.options;
    const cwd = this.options.cwd ?? process.cwd();
    const startedAt = new Date().toISOString();
    if (this.options.pool !== 'inline') {
      // Worker processes load their modules while this one reads the data and plans.
      const pool = new ForkPool(this.options.workers ?? os.availableParallelism(), { specFile: path.resolve(loaded.file), logger: this.poolLogger() });
      pool.spawn();
      this.pool = pool;
    }
    let data: LoadedData;
    try {
      data = await loadSweepData(loaded, registry, logger);
      const planned = planSweep(loaded, { registry, validator, dataDigest: data.digest });
      const stateDir = path.resolve(cwd, this.options.stateDir ?? defaultStateDir(cwd, loaded.spec.name, loaded.text, data.digest));
      this.state = SweepState.open(stateDir, planned, loaded.text);
    } catch (error) {
      this.pool?.kill();
      throw error;
    }
    const state = this.state;
    try {
      const result = await this.runIn(state, data, startedAt);
      await this.pool?.close();
      return result;
    } catch (error) {
      this.pool?.kill();
      if (!this.interrupted) await this.tracking?.abort('FAILED', (error as Error).message);
      throw error;
    } finally {
      this.progress.close();
      state.close();
    }
  }

  /** Workers' messages go through whichever logger the executor uses at the time. */
  private poolLogger(): Logger {
    return { info: (m) => this.logger.info(m), warn: (m) => this.logger.warn(m), debug: (m) => this.logger.debug(m) };
  }

  /** Ctrl-C: stop the workers, end every open MLflow run as KILLED, release the state folder. */
  async interrupt(): Promise<void> {
    this.interrupted = true;
    this.pool?.kill();
    this.progress.close();
    await this.tracking?.abort('KILLED');
    this.state?.close();
  }

  private async runIn(state: SweepState, data: LoadedData, startedAt: string): Promise<SweepResult> {
    const { loaded } = this.options;
    const plan = state.plan;
    this.plan = plan;
    this.progress = new SweepProgress(this.options.progress ?? process.stderr, plan.select.metric, this.options.quiet);
    const logger = this.progress.around(this.options.logger);
    this.logger = logger;
    if (state.resumed) {
      logger.info(`sweep: continuing ${path.relative(this.options.cwd ?? process.cwd(), state.dir) || state.dir}`);
      if (state.specText() !== loaded.text) logger.warn(`${loaded.file} changed since this sweep started; it continues with the spec frozen in ${state.dir}`);
    }
    const work = sweepWork(plan);
    this.candidates = work.candidates;
    this.jobs = work.jobs;
    this.rule = pruningRule(plan);
    for (const [key, record] of state.readJobs()) this.records.set(key, record);

    if (this.options.tracker) {
      this.tracking = await SweepTracking.open({
        tracker: this.options.tracker,
        registry: state.runs(this.options.tracker.uri),
        experimentName: this.options.experimentName ?? loaded.spec.tracking?.experiment ?? loaded.spec.name,
        sweepKey: path.basename(state.dir),
        plan,
        specFile: loaded.file,
        specText: state.specText(),
        description: loaded.spec.description,
        mlspecVersion: this.options.mlspecVersion,
        dataset: { source: data.source, rows: data.totalRows, keptRows: data.texts.length, classes: data.classes, digest: data.digest },
        logger,
      });
      await this.catchUp();
    }

    const retry = this.options.retryFailed === true;
    const pending = this.jobs.filter((job) => {
      const record = this.records.get(job.key);
      return !record || (record.status === 'failed' && retry);
    });
    for (const job of pending) {
      if (retry && this.records.get(job.key)?.status === 'failed') this.records.delete(job.key);
      this.remaining.set(job.candidate, (this.remaining.get(job.candidate) ?? 0) + 1);
    }
    this.queue = pending.filter((job) => !this.isPruned(job.candidate));
    const skipped = pending.length - this.queue.length;
    for (const job of pending.filter((j) => this.isPruned(j.candidate))) this.decrement(job.candidate);
    const done = this.jobs.length - pending.length;
    logger.info(
      `sweep: ${this.candidates.length} candidates from ${plan.trials.length} trials, ${this.jobs.length} jobs` +
        `${done ? ` (${done} done before)` : ''}${skipped ? ` (${skipped} of pruned candidates skipped)` : ''}; state in ${state.dir}`,
    );

    if (this.queue.length) {
      this.workerCount = Math.max(1, Math.min(this.options.workers ?? plan.workers ?? os.availableParallelism(), this.queue.length));
      await this.startPool(this.workerCount);
      this.updateBest();
      this.progress.update(this.counts());
      await Promise.all(this.pool!.workers.map((worker) => this.workLoop(worker)));
    }
    if (this.interrupted) throw new MlspecError('SWEEP_INTERRUPTED', 'the sweep was interrupted', 130);

    // Candidates whose jobs all ended before this run (or a crash between their last job and their summary).
    for (const candidate of this.candidates) {
      if ((this.remaining.get(candidate.key) ?? 0) === 0) await this.finishCandidate(candidate);
    }

    const summaries = this.candidates.map((c) => summarizeCandidate(c, this.jobs, this.records));
    const ranked = rankCandidates(summaries, plan.select.metric, plan.select.goal);
    const best = ranked.find((c) => c.rank === 1);
    const refit = best ? await this.refit(best, data) : undefined;
    const failures = failureLines(this.candidates, this.jobs, this.records);
    const report: SweepReport = {
      name: plan.trials[0]?.spec.name ?? loaded.spec.name,
      specFile: plan.specFile,
      stateDir: state.dir,
      dataDigest: plan.dataDigest,
      select: plan.select,
      folds: plan.folds,
      seeds: plan.seeds,
      trials: plan.trials.length,
      params: relativeParams(plan),
      candidates: ranked,
      failures,
      startedAt,
      finishedAt: '',
    };
    if (best) report.best = best;
    if (refit?.summary) report.refit = refit.summary;
    if (this.tracking) report.tracking = { uri: this.tracking.uri, experimentId: this.tracking.experiment, parentRunId: this.tracking.parentRunId };
    report.finishedAt = new Date().toISOString();

    const failed = failures.length > 0 || refit?.failed === true;
    const files = await this.reportFiles(report);
    state.writeReport(report);
    await this.tracking?.finish(report, files, failed ? 'FAILED' : 'FINISHED');
    return { report, files, exitCode: failed ? 1 : 0 };
  }

  /** Results recorded before a crash but not yet (fully) on their MLflow runs. */
  private async catchUp(): Promise<void> {
    const tracking = this.tracking!;
    const byKey = new Map(this.candidates.map((c) => [c.key, c]));
    for (const job of this.jobs) {
      const record = this.records.get(job.key);
      if (!record || tracking.isEnded(`job:${job.key}`)) continue;
      if (record.status === 'failed' && this.options.retryFailed) continue;
      const { created } = await tracking.startJob(job, byKey.get(job.candidate)!, this.plan);
      await tracking.finishJob(record, created);
    }
  }

  private async startPool(size: number): Promise<void> {
    const { loaded, registry, validator } = this.options;
    const logger = this.logger;
    const options = { specFile: path.resolve(loaded.file), logger: this.poolLogger() };
    if (this.options.pool === 'inline') {
      this.pool ??= new InlinePool({ ...options, registry, validator });
      this.workerCount = 1;
    } else {
      this.pool ??= new ForkPool(size, options);
      await (this.pool as ForkPool).resize(size);
    }
    await this.pool.start(this.state!.dir);
    this.poolStarted = true;
    if (this.pool.backend) this.tracking?.setParentTags({ 'mlspec.backend': this.pool.backend });
    logger.info(`sweep: ${this.pool.workers.length} worker${this.pool.workers.length === 1 ? '' : 's'}${this.pool.backend ? ` (backend ${this.pool.backend})` : ''}`);
  }

  private isPruned(candidate: string): boolean {
    for (const record of this.records.values()) if (record.candidate === candidate && record.status === 'pruned') return true;
    return false;
  }

  private decrement(candidate: string): number {
    const left = (this.remaining.get(candidate) ?? 1) - 1;
    this.remaining.set(candidate, left);
    return left;
  }

  private async workLoop(worker: PoolWorker): Promise<void> {
    for (;;) {
      if (this.interrupted) return;
      const job = this.queue.shift();
      if (!job) return;
      await this.runJob(worker, job);
    }
  }

  private async runJob(worker: PoolWorker, job: Job): Promise<void> {
    const candidate = this.candidates.find((c) => c.key === job.candidate)!;
    this.running.set(job.key, { job, worker });
    this.progress.update(this.counts());
    const started = performance.now();
    let record: JobRecord;
    try {
      await this.tracking?.startJob(job, candidate, this.plan, { fit: true });
      const result = await worker.run(job, this.referenceFor(job), (key, value, step) => this.tracking?.metric(job.key, key, value, step));
      if (this.interrupted) return;
      const seconds = (performance.now() - started) / 1000;
      record = {
        key: job.key,
        candidate: job.candidate,
        trial: job.trial,
        pipeline: job.pipeline,
        rows: job.rows,
        seed: job.seed,
        status: result.ok ? result.outcome.status : 'failed',
        seconds,
        finishedAt: new Date().toISOString(),
      };
      if (result.ok) record.outcome = result.outcome;
      else record.error = result.error;
      this.seconds.push(seconds);
      this.records.set(job.key, record);
      this.state!.writeJob(record);
      await this.tracking?.finishJob(record);
    } finally {
      this.running.delete(job.key);
    }

    this.decrement(job.candidate);
    if (record.status === 'pruned') {
      // The rest of a pruned candidate's folds are not run.
      const dropped = this.queue.filter((j) => j.candidate === job.candidate);
      this.queue = this.queue.filter((j) => j.candidate !== job.candidate);
      for (const _ of dropped) this.decrement(job.candidate);
    }
    this.report(job, candidate, record);
    if (record.status === 'finished') this.sendReferences(job);
    if ((this.remaining.get(job.candidate) ?? 0) === 0) await this.finishCandidate(candidate);
  }

  private report(job: Job, candidate: Candidate, record: JobRecord): void {
    const where = `${candidate.label} ${rowsLabel(job.rows, job.seed, this.plan.seeds.length)}`;
    const metric = this.plan.select.metric;
    if (record.status === 'failed') this.progress.message(`✗ ${where}: ${record.error?.code} ${record.error?.message.split('\n')[0]}`);
    else if (record.status === 'pruned') this.progress.message(`✂ ${where} pruned: ${record.outcome?.pruneReason}`);
    this.updateBest();
    const score = record.outcome?.scores?.[metric];
    const line = record.status === 'finished' ? `✓ ${where}: ${metric} ${score?.toFixed(4)} (${record.seconds.toFixed(1)}s)` : `${record.status} ${where}`;
    this.progress.jobEnded(`${line}${this.best ? ` · best ${this.best.label} ${this.best.metrics[metric]!.mean.toFixed(4)}` : ''}`, this.counts());
  }

  private updateBest(): void {
    const finished = this.candidates
      .filter((c) => (this.remaining.get(c.key) ?? 0) === 0)
      .map((c) => summarizeCandidate(c, this.jobs, this.records));
    this.best = rankCandidates(finished, this.plan.select.metric, this.plan.select.goal).find((c) => c.rank === 1);
  }

  private counts(): ProgressCounts {
    const keys = new Set(this.jobs.map((j) => j.key));
    const done = [...this.records.values()].filter((r) => keys.has(r.key));
    const candidatesDone = this.candidates.filter((c) => (this.remaining.get(c.key) ?? 0) === 0).length;
    const counts: ProgressCounts = {
      jobsDone: done.length,
      jobsTotal: this.jobs.length,
      running: this.running.size,
      failed: done.filter((r) => r.status === 'failed').length,
      pruned: done.filter((r) => r.status === 'pruned').length,
      candidatesDone,
      candidatesTotal: this.candidates.length,
    };
    if (this.best) {
      const m = this.best.metrics[this.plan.select.metric]!;
      counts.best = { label: this.best.label, mean: m.mean, sd: m.sd };
    }
    if (this.seconds.length) {
      const mean = this.seconds.reduce((s, v) => s + v, 0) / this.seconds.length;
      counts.eta = (mean * (this.queue.length + this.running.size / 2)) / this.workerCount;
    }
    return counts;
  }

  /**
   * The median rule's reference for a job: finished jobs of other candidates of its pipeline on the
   * same rows. Only a candidate's first fold (with the first seed) is watched — judging every fold
   * would prune a candidate as soon as any one of its folds dipped below the median, which with 5
   * folds prunes nearly all of them; see pruning.ts.
   */
  private referenceFor(job: Job): PruningReference | undefined {
    const rule = this.rule;
    if (!rule || !isPruningFold(job, this.plan)) return undefined;
    const finishedCandidates = this.candidates.filter(
      (c) => c.pipeline === job.pipeline && c.key !== job.candidate && (this.remaining.get(c.key) ?? 0) === 0 && summarizeCandidate(c, this.jobs, this.records).status === 'finished',
    );
    if (finishedCandidates.length < Math.max(1, rule.startupTrials)) return undefined;
    const keys = new Set(finishedCandidates.map((c) => c.key));
    const sameRows = (r: JobRecord) => r.seed === job.seed && JSON.stringify(r.rows) === JSON.stringify(job.rows);
    const curves = [...this.records.values()]
      .filter((r) => keys.has(r.candidate) && r.status === 'finished' && sameRows(r))
      .map((r) => (r.outcome?.epochs ?? []).map((e) => e[rule.metric]));
    if (!curves.length) return undefined;
    return medianReference(curves, rule.goal);
  }

  private sendReferences(finished: Job): void {
    if (!this.rule) return;
    for (const { job, worker } of this.running.values()) {
      if (job.pipeline !== finished.pipeline) continue;
      const reference = this.referenceFor(job);
      if (reference) worker.updateReference(job.key, reference);
    }
  }

  private async finishCandidate(candidate: Candidate): Promise<void> {
    if (!this.tracking || this.tracking.isEnded(`candidate:${candidate.key}`)) return;
    const summary = summarizeCandidate(candidate, this.jobs, this.records);
    if (summary.status === 'incomplete') return;
    await this.tracking.finishCandidate(summary, candidate, this.plan);
  }

  /** Fit the best candidate on all training rows and score it once on the test rows. */
  private async refit(best: CandidateSummary, data: LoadedData): Promise<{ summary?: RefitSummary; failed: boolean }> {
    const candidate = this.candidates.find((c) => c.key === best.key)!;
    const job = refitJob(this.plan, candidate);
    let record = this.state!.readRefit(job.key);
    if (!record || (record.status === 'failed' && this.options.retryFailed)) {
      if (!this.pool?.workers.length || !this.poolStarted) await this.startPool(1);
      this.logger.info(`sweep: refitting ${candidate.label} on all training rows`);
      const started = performance.now();
      const result = await this.pool!.workers[0].run(job, undefined, () => undefined);
      if (this.interrupted) throw new MlspecError('SWEEP_INTERRUPTED', 'the sweep was interrupted', 130);
      record = {
        key: job.key,
        candidate: job.candidate,
        trial: job.trial,
        pipeline: job.pipeline,
        rows: job.rows,
        seed: job.seed,
        status: result.ok ? 'finished' : 'failed',
        seconds: (performance.now() - started) / 1000,
        finishedAt: new Date().toISOString(),
      };
      if (result.ok) record.outcome = result.outcome;
      else record.error = result.error;
      this.state!.writeRefit(record);
    }
    if (this.tracking && !this.tracking.isEnded(`refit:${job.key}`)) await this.tracking.logRefit(record, candidate, this.plan, data.classes, data.source);
    if (record.status === 'failed' || !record.outcome?.evaluation) {
      this.progress.message(`✗ refit of ${candidate.label}: ${record.error?.code} ${record.error?.message.split('\n')[0]}`);
      return { failed: true };
    }
    const { outcome } = record;
    const evaluation = outcome.evaluation!;
    const summary: RefitSummary = {
      candidate: candidate.key,
      label: candidate.label,
      pipeline: candidate.pipeline,
      trial: job.trial,
      seed: job.seed,
      trainRows: outcome.trainRows,
      testRows: outcome.evaluationRows,
      test: { accuracy: evaluation.accuracy, macroF1: evaluation.macroF1, weightedF1: evaluation.weightedF1 },
      evaluation,
    };
    if (outcome.epochs) summary.epochs = outcome.epochs;
    if (outcome.info) summary.info = outcome.info;
    return { summary, failed: false };
  }

  private async reportFiles(report: SweepReport): Promise<SweepFile[]> {
    const files: SweepFile[] = [
      { path: 'leaderboard.csv', bytes: leaderboardCsv(report) },
      { path: 'leaderboard.md', bytes: `# ${report.name}\n\n${leaderboardMarkdown(report)}\n${formatSummary(report)}\n` },
    ];
    if (this.options.plots !== false) {
      try {
        const { renderValidationPlot } = await import('./plots'); // Vega only when a sweep draws
        const png = await renderValidationPlot(report);
        if (png) files.push({ path: 'plots/validation-vs-params.png', bytes: png });
      } catch (error) {
        this.logger.warn(`sweep: could not draw the validation plot: ${(error as Error).message}`);
      }
    }
    files.push({ path: 'report.json', bytes: `${JSON.stringify(report, null, 2)}\n` });
    return files;
  }
}

/** The job the median rule watches for its candidate: the first fold (or the holdout) with the first seed. */
export function isPruningFold(job: Job, plan: SweepPlan): boolean {
  if (job.seed !== plan.seeds[0]) return false;
  return job.rows.kind === 'holdout' || (job.rows.kind === 'fold' && job.rows.fold === 0);
}
