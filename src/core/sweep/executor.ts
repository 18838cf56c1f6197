/**
 * The sweep coordinator: plan (or read the frozen plan of a sweep already started), decide the
 * worker count once and fork them, hand out the jobs the scheduler says can run (scheduler.ts:
 * every decision a function of the plan and the results), record each result in the state folder
 * and in MLflow once it is final, then rank the candidates, refit the best on all training rows
 * (refit.ts), score it once on the test rows, and report (report.ts).
 *
 * Resuming: a job with a record is never run again (a failed one only with `retryFailed`); a job
 * that was running when the sweep died has no record and runs again, into a new MLflow run that
 * replaces the one it had. An adaptive search resumes with the trials it recorded. One failing job
 * fails only itself: the sweep goes on, and the report lists it.
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { MlspecError } from '../errors';
import type { JsonValue, LoadedData, Logger } from '../plugin';
import { fittedPipeline, testMetrics, type FittedParts } from '../model/fitted';
import type { LoggedModelRef } from '../model/model-store';
import type { FittedPipeline } from '../model/saved-model';
import { planSweep, SearchTrialBuilder, type SweepPlan } from '../plan';
import type { PluginRegistry } from '../registry';
import { loadSpec, type LoadedSpec } from '../spec/load';
import { loadSpecData } from '../spec/create-plugin';
import type { SpecValidator } from '../spec/validate';
import type { Tracker } from '../tracking/tracker';
import { compareRanked, failureLines, isRankable, rankCandidates } from './aggregate';
import { relativeParams, rowsLabel } from './candidates';
import { QueuePool } from '../queue/queue-pool';
import type { QueueTarget } from '../queue/connection';
import { ForkPool, InlinePool, planWorkers, type PoolWorker, type WorkerPool } from './pool';
import { SweepProgress, type ProgressCounts, type ProgressStream } from './progress';
import { runRefit, refitSummary } from './refit';
import { reportFiles, type SweepFile } from './report';
import { SweepScheduler } from './scheduler';
import { SearchTrials } from './search-trials';
import { defaultStateDir, SweepState } from './state';
import { SweepTracking } from './tracking';
import type { Candidate, CandidateSummary, Job, JobRecord, RefitSummary, SearchSummary, SweepReport } from './types';

export type { SweepFile } from './report';

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
  /** Worker processes; default the sweep block's `workers`, else one per core (capped: see planWorkers). */
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
  /**
   * Run the fits as jobs of this Redis queue (`mlspec worker` processes run them); `workers` is
   * then how many fits may be queued or running at once (default all that can run, at most 256).
   */
  queue?: QueueTarget;
  /** Hears the refit's fitted pipeline (and its logged model, when tracked): --save-model and the registry. */
  onRefit?: (refit: RefitHandover) => Promise<void>;
}

/** The refit, handed over once it is fitted (and logged). */
export interface RefitHandover {
  fit: FittedPipeline;
  best: CandidateSummary;
  summary: RefitSummary;
  select: { metric: string };
  /** Its logged model and run, when the sweep is tracked. */
  logged?: { model?: LoggedModelRef; runId: string; sweepRunId: string };
}

export interface SweepResult {
  report: SweepReport;
  files: SweepFile[];
  /** 0 when every job and the refit finished, 1 when some failed. */
  exitCode: number;
}

/** The spec's rows, with a dataset's refusal located at its option in the spec (as `mlspec run` does). */
export async function loadSweepData(loaded: LoadedSpec, registry: PluginRegistry, logger: Logger): Promise<LoadedData> {
  return loadSpecData(loaded, registry, logger);
}

/** With a queue: fits queued or running at once, at most (each waits in Redis for a worker). */
const MAX_QUEUED_FITS = 256;

export class SweepExecutor {
  private state?: SweepState;
  private tracking?: SweepTracking;
  private pool?: WorkerPool;
  private progress: SweepProgress;
  /** The caller's logger, its messages kept clear of the live status line. */
  private logger: Logger;
  private interrupted = false;

  private plan!: SweepPlan;
  private scheduler!: SweepScheduler;
  private search?: SearchTrials;
  private readonly running = new Map<string, PoolWorker>();
  /** Seconds of the jobs that came back in this run, summed, and how many (for the ETA). */
  private secondsSum = 0;
  private secondsCount = 0;
  private workerCount = 1;
  private best?: CandidateSummary;
  /** The scheduler's candidate list `best` was ranked in (a new list after the plan changed means rank again). */
  private bestAmong?: readonly Candidate[];
  /** Tracking and state writes, one after another (metrics arrive while other jobs finish). */
  private chain: Promise<void> = Promise.resolve();
  private readonly runStarted = performance.now();
  private elapsedBefore = 0;

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
    const data = await loadSweepData(loaded, registry, logger);
    const planned = planSweep(loaded, { registry, validator, dataDigest: data.digest });
    const stateDir = path.resolve(cwd, this.options.stateDir ?? defaultStateDir(cwd, loaded.spec.name, loaded.text, data.digest));
    this.state = SweepState.open(stateDir, planned, loaded.text);
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
      if (this.search) state.writeSearchClock(this.elapsed());
      this.progress.close();
      state.close();
    }
  }

  /** Seconds of sweeping over every run of this sweep (an adaptive search's `timeout`). */
  private elapsed(): number {
    return this.elapsedBefore + (performance.now() - this.runStarted) / 1000;
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
    const { loaded, registry, validator } = this.options;
    // The search adds trials to the plan as it goes: a copy, so the frozen one stays as frozen.
    const plan: SweepPlan = { ...state.plan, trials: [...state.plan.trials], units: [...state.plan.units] };
    this.plan = plan;
    this.progress = new SweepProgress(this.options.progress ?? process.stderr, plan.select.metric, this.options.quiet);
    const logger = this.progress.around(this.options.logger);
    this.logger = logger;
    if (state.resumed) {
      logger.info(`sweep: continuing ${path.relative(this.options.cwd ?? process.cwd(), state.dir) || state.dir}`);
      if (state.specText() !== loaded.text)
        logger.warn(`${loaded.file} changed since this sweep started; it continues with the spec frozen in ${state.dir}`);
    }
    if (plan.pruning?.asynchronous)
      logger.warn(
        'sweep: pruning.asynchronous is on: pruning decisions depend on timing, so this leaderboard is not reproducible (another run or worker count may differ)',
      );
    if (plan.search) {
      this.elapsedBefore = state.readSearchClock();
      const frozen = loadSpec(loaded.file, registry, validator, state.specText());
      const builder = new SearchTrialBuilder(frozen, { registry, validator, dataDigest: plan.dataDigest });
      this.search = new SearchTrials(plan, builder, state, () => this.elapsed(), logger);
      const restored = this.search.restore();
      if (restored) logger.info(`search: ${restored} trial${restored === 1 ? '' : 's'} suggested before`);
    }
    const records = state.readJobs();
    const scheduler = new SweepScheduler(plan, records, this.options.retryFailed === true, this.search);
    this.scheduler = scheduler;

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

    const done = scheduler.jobs.filter((j) => records.has(j.key)).length;
    const what = plan.search
      ? `search (${plan.search.sampler.type}) with ${plan.trials.length} trials so far, ${scheduler.jobs.length} jobs`
      : `${scheduler.candidates.length} candidates from ${plan.trials.length} trials, ${scheduler.jobs.length} jobs`;
    logger.info(`sweep: ${what}${done ? ` (${done} done before)` : ''}; state in ${state.dir}`);

    if (scheduler.next()) {
      const pending = scheduler.jobs.filter((j) => !records.has(j.key)).length;
      const perTrial = Math.max(1, plan.folds) * plan.seeds.length * Math.max(1, new Set(plan.params.map((p) => String(p.segments[1]))).size);
      const runnable = pending + (plan.search ? (plan.search.concurrentTrials + 1) * perTrial : 0);
      await this.startPool(this.options.workers ?? plan.workers, runnable);
      this.updateBest();
      this.progress.update(this.counts());
      await this.runAll();
    }
    if (this.interrupted) throw new MlspecError('SWEEP_INTERRUPTED', 'the sweep was interrupted', 130);
    const ended = this.search?.ended(scheduler);
    scheduler.refresh();

    // Candidates whose jobs all ended before this run (or a crash between their last job and their summary).
    for (const candidate of scheduler.candidates) await this.finishCandidate(candidate);

    const summaries = scheduler.candidates.map((c) => scheduler.summary(c));
    const ranked = rankCandidates(summaries, plan.select.metric, plan.select.goal);
    const best = ranked.find((c) => c.rank === 1);
    const refit = best ? await this.refit(best, data) : undefined;
    const failures = failureLines(scheduler.candidates, scheduler.jobs, records);
    const report: SweepReport = {
      name: plan.trials.find((t) => !t.invalid)?.spec.name ?? loaded.spec.name,
      specFile: plan.specFile,
      stateDir: state.dir,
      dataDigest: plan.dataDigest,
      select: plan.select,
      folds: plan.folds,
      seeds: plan.seeds,
      trials: plan.trials.length - (this.search?.dropped().size ?? 0),
      params: relativeParams(plan),
      candidates: ranked,
      failures,
      search: this.searchSummary(ended),
      startedAt,
      finishedAt: '',
    };
    if (best) report.best = best;
    if (refit?.summary) report.refit = refit.summary;
    if (this.tracking) report.tracking = { uri: this.tracking.uri, experimentId: this.tracking.experiment, parentRunId: this.tracking.parentRunId };
    report.finishedAt = new Date().toISOString();

    const failed = failures.length > 0 || refit?.failed === true;
    const search = this.search;
    const files = await reportFiles(report, this.options.plots !== false, this.logger, search && (() => search.plotInput(scheduler)));
    state.writeReport(report);
    await this.tracking?.finish(report, files, failed ? 'FAILED' : 'FINISHED');
    return { report, files, exitCode: failed ? 1 : 0 };
  }

  private searchSummary(ended: string | undefined): SearchSummary {
    const { plan, scheduler } = this;
    const records = scheduler.jobs.map((j) => scheduler.records.get(j.key)).filter((r): r is JobRecord => r !== undefined && !r.notRun);
    const summary: SearchSummary = {
      sampler: plan.search ? plan.search.sampler.type : plan.params.some((p) => p.source === 'random') ? 'random' : 'grid',
      scheduler: plan.pruning ? (plan.pruning.type === 'asha' ? 'successive-halving' : plan.pruning.type) : 'none',
      reproducible: plan.pruning?.asynchronous !== true,
      fits: records.length,
      epochs: records.reduce((n, r) => n + (r.outcome?.epochs?.length ?? 0), 0),
      epochsTrained: records.reduce((n, r) => n + (r.outcome?.epochsTrained ?? r.outcome?.epochs?.length ?? 0), 0),
    };
    if (ended) summary.ended = ended;
    return summary;
  }

  /** Results recorded before a crash but not yet (fully) on their MLflow runs. */
  private async catchUp(): Promise<void> {
    const tracking = this.tracking!;
    const { scheduler } = this;
    const byKey = new Map(scheduler.candidates.map((c) => [c.key, c]));
    for (const job of scheduler.jobs) {
      const record = scheduler.records.get(job.key);
      if (!record || record.notRun || tracking.isEnded(`job:${job.key}`)) continue;
      if (record.status === 'failed' && this.options.retryFailed) continue;
      const { created } = await tracking.startJob(job, byKey.get(job.candidate)!, this.plan);
      await tracking.finishJob(record, created || scheduler.isWatch(job));
    }
  }

  private async startPool(requested: number | undefined, runnable: number): Promise<void> {
    const { loaded, registry, validator } = this.options;
    const logger = this.logger;
    const options = { specFile: path.resolve(loaded.file), logger: this.poolLogger() };
    if (this.options.queue) {
      const cwd = this.options.cwd ?? process.cwd();
      this.workerCount = Math.max(1, Math.min(requested ?? MAX_QUEUED_FITS, runnable, MAX_QUEUED_FITS));
      this.pool ??= new QueuePool(this.workerCount, {
        target: this.options.queue,
        sweep: path.basename(this.state!.dir),
        specFile: path.relative(cwd, path.resolve(cwd, loaded.file)),
        logger: this.poolLogger(),
        retryFailed: this.options.retryFailed === true,
      });
    } else if (this.options.pool === 'inline') {
      this.pool ??= new InlinePool({ ...options, registry, validator });
      this.workerCount = 1;
    } else if (!this.pool) {
      const decided = planWorkers(requested, runnable);
      if (decided.capped) logger.warn(`sweep: ${decided.capped}`);
      this.workerCount = decided.workers;
      this.pool = new ForkPool(decided.workers, { ...options, recurrentThreads: decided.recurrentThreads });
    }
    await this.pool.start(this.state!.dir);
    if (this.pool.backend) this.tracking?.setParentTags({ 'mlspec.backend': this.pool.backend });
    const n = this.pool.workers.length;
    if (this.options.queue) logger.info(`sweep: up to ${n} fit${n === 1 ? '' : 's'} queued or running at once`);
    else logger.info(`sweep: ${n} worker${n === 1 ? '' : 's'}${this.pool.backend ? ` (backend ${this.pool.backend})` : ''}`);
  }

  /** Hand jobs to idle workers until the scheduler has none left and nothing runs. */
  private runAll(): Promise<void> {
    const idle = [...this.pool!.workers];
    let active = 0;
    return new Promise<void>((resolve, reject) => {
      const pump = () => {
        if (this.interrupted) {
          if (active === 0) resolve();
          return;
        }
        while (idle.length) {
          const job = this.scheduler.next();
          if (!job) break;
          const worker = idle.shift()!;
          active++;
          this.runJob(worker, job).then(() => {
            active--;
            idle.push(worker);
            pump();
          }, reject);
        }
        if (active === 0) {
          if (this.scheduler.heldCount)
            reject(
              new Error(
                `the sweep stalled with ${this.scheduler.heldCount} results waiting for decisions and nothing running (a bug in the scheduler)`,
              ),
            );
          else resolve();
        }
      };
      pump();
    });
  }

  /** Run `fn` after the tracking and state writes queued before it. */
  private serially(fn: () => Promise<void>): Promise<void> {
    const next = this.chain.then(fn);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async runJob(worker: PoolWorker, job: Job): Promise<void> {
    const { scheduler } = this;
    const candidate = scheduler.candidate(job.candidate)!;
    scheduler.start(job);
    this.running.set(job.key, worker);
    this.progress.update(this.counts());
    const started = performance.now();
    // A watch job's record may be cut at the epoch it is stopped at: its curve is logged from the
    // record, so MLflow never shows epochs that do not count.
    const live = !scheduler.isWatch(job);
    try {
      await this.serially(async () => {
        await this.tracking?.startJob(job, candidate, this.plan, { fit: true });
      });
      const spec = this.plan.search ? this.plan.trials[job.trial].spec : undefined;
      const result = await worker.run(
        job,
        spec,
        (key, value, step) => {
          if (live) this.tracking?.metric(job.key, key, value, step);
          scheduler.metric(job.key, key, value, step);
          if (step !== undefined) void this.serially(() => this.settle());
        },
        // The fit started over on another worker: its cut-short MLflow run is replaced, as on a resume.
        () => this.serially(async () => void (await this.tracking?.startJob(job, candidate, this.plan, { fit: true }))),
      );
      if (this.interrupted) return;
      const seconds = (performance.now() - started) / 1000;
      this.secondsSum += seconds;
      this.secondsCount++;
      const record = scheduler.finish(job, result, seconds);
      await this.serially(async () => {
        if (record) await this.recordJob(record, live);
        await this.settle();
      });
    } finally {
      this.running.delete(job.key);
    }
  }

  /** Write a final record, log it, show it. */
  private async recordJob(record: JobRecord, replayed: boolean): Promise<void> {
    this.state!.writeJob(record);
    if (!record.notRun) await this.tracking?.finishJob(record, !replayed);
    const candidate = this.scheduler.candidate(record.candidate);
    if (candidate) this.report(candidate, record);
  }

  /** Records that became final, stop orders that became due, candidates that are done. */
  private async settle(): Promise<void> {
    const { records, stops } = this.scheduler.poll();
    for (const { job, order } of stops) this.running.get(job.key)?.stopJob(job.key, order);
    for (const record of records) await this.recordJob(record, false);
    const touched = [...new Set(records.map((r) => r.candidate))]
      .map((key) => this.scheduler.candidate(key))
      .filter((c): c is Candidate => c !== undefined)
      .sort((a, b) => this.scheduler.indexOf(a.key) - this.scheduler.indexOf(b.key));
    for (const candidate of touched) await this.finishCandidate(candidate);
  }

  private report(candidate: Candidate, record: JobRecord): void {
    const where = `${candidate.label} ${rowsLabel(record.rows, record.seed, this.plan.seeds.length)}`;
    const metric = this.plan.select.metric;
    if (record.status === 'failed')
      this.progress.message(`${this.progress.colors.red('✗')} ${where}: ${record.error?.code} ${record.error?.message.split('\n')[0]}`);
    else if (record.status === 'pruned')
      this.progress.message(`${this.progress.colors.yellow('✂')} ${where} ${record.notRun ? 'not run' : 'pruned'}: ${record.outcome?.pruneReason}`);
    this.updateBest(candidate.key);
    const score = record.outcome?.scores?.[metric];
    const line =
      record.status === 'finished'
        ? `${this.progress.colors.green('✓')} ${where}: ${metric} ${score?.toFixed(4)} (${record.seconds.toFixed(1)}s)`
        : `${record.status} ${where}`;
    this.progress.jobEnded(`${line}${this.best ? ` · best ${this.best.label} ${this.best.metrics[metric]!.mean.toFixed(4)}` : ''}`, this.counts());
  }

  /**
   * The best settled candidate so far (for the progress line). After a job of `changed` ended only
   * that candidate can have moved, so it is compared with the best instead of ranking them all
   * again (which made the coordinator's work per result grow with the sweep); everything is ranked
   * again at the start, after the plan changed, and when the best itself changed.
   */
  private updateBest(changed?: string): void {
    const { scheduler } = this;
    const { metric, goal } = this.plan.select;
    if (changed === undefined || this.bestAmong !== scheduler.candidates || this.best?.key === changed) {
      const finished = scheduler.candidates.filter((c) => scheduler.settled(c.key)).map((c) => scheduler.summary(c));
      this.best = rankCandidates(finished, metric, goal).find((c) => c.rank === 1);
      this.bestAmong = scheduler.candidates;
      return;
    }
    const candidate = scheduler.candidate(changed);
    if (!candidate || !scheduler.settled(changed)) return;
    const summary = scheduler.summary(candidate);
    if (!isRankable(summary, metric)) return;
    if (!this.best || compareRanked(summary, this.best, metric, goal, (key) => scheduler.indexOf(key)) < 0) this.best = { ...summary, rank: 1 };
  }

  private counts(): ProgressCounts {
    const { scheduler } = this;
    const tally = scheduler.tally();
    const counts: ProgressCounts = {
      jobsDone: tally.jobsDone,
      jobsTotal: scheduler.jobs.length,
      running: scheduler.runningCount,
      failed: tally.failed,
      pruned: tally.pruned,
      candidatesDone: tally.candidatesDone,
      candidatesTotal: scheduler.candidates.length,
    };
    if (this.best) {
      const m = this.best.metrics[this.plan.select.metric]!;
      counts.best = { label: this.best.label, mean: m.mean, sd: m.sd };
    }
    if (this.secondsCount) {
      const mean = this.secondsSum / this.secondsCount;
      counts.eta = (mean * (counts.jobsTotal - counts.jobsDone - counts.running / 2)) / this.workerCount;
    }
    return counts;
  }

  private async finishCandidate(candidate: Candidate): Promise<void> {
    if (!this.tracking || this.tracking.isEnded(`candidate:${candidate.key}`) || !this.scheduler.settled(candidate.key)) return;
    const summary = this.scheduler.summary(candidate);
    if (summary.status === 'incomplete') return;
    await this.tracking.finishCandidate(summary, candidate, this.plan, this.scheduler.searchTags(candidate.key));
  }

  /** Fit the best candidate on all training rows and score it once on the test rows. */
  private async refit(best: CandidateSummary, data: LoadedData): Promise<{ summary?: RefitSummary; failed: boolean }> {
    const candidate = this.scheduler.candidates.find((c) => c.key === best.key)!;
    const record = await runRefit(
      {
        plan: this.plan,
        state: this.state!,
        best,
        candidate,
        retryFailed: this.options.retryFailed === true,
        spec: this.plan.search ? this.plan.trials[candidate.trials[0]].spec : undefined,
        worker: async () => {
          if (!this.pool?.workers.length) await this.startPool(1, 1);
          return this.pool!.workers[0];
        },
      },
      () => this.logger.info(`sweep: refitting ${candidate.label} on all training rows`),
    );
    if (this.interrupted) throw new MlspecError('SWEEP_INTERRUPTED', 'the sweep was interrupted', 130);
    if (this.tracking && !this.tracking.isEnded(`refit:${record.key}`))
      await this.tracking.logRefit(record, candidate, this.plan, data.classes, data.source);
    const summary = refitSummary(record, candidate);
    if (summary && record.outcome?.fitted && this.options.onRefit) {
      const logged = this.tracking?.refitModel;
      await this.options.onRefit({
        fit:
          logged?.fit ??
          fittedPipeline({
            pipeline: candidate.pipeline,
            fitted: record.outcome.fitted as unknown as FittedParts['fitted'],
            classes: data.classes,
            spec: this.plan.trials[candidate.trials[0]].spec as unknown as JsonValue,
            backend: this.pool?.backend,
            metrics: testMetrics(summary.test),
          }),
        best,
        summary,
        select: { metric: this.plan.select.metric },
        logged: logged && this.tracking ? { model: logged.model, runId: logged.runId, sweepRunId: this.tracking.parentRunId } : undefined,
      });
    }
    if (!summary) {
      this.progress.message(
        `${this.progress.colors.red('✗')} refit of ${candidate.label}: ${record.error?.code} ${record.error?.message.split('\n')[0]}`,
      );
      return { failed: true };
    }
    return { summary, failed: false };
  }
}
