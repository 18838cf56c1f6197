/**
 * Where sweep jobs run. `ForkPool`: N worker processes (child_process.fork of worker.js, each
 * loading the spec and data once and choosing its own TensorFlow.js backend), one job at a time
 * each; a worker that dies fails only the job it was running and is started again for the next.
 * `InlinePool`: one worker inside this process, for tests and embedding.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { MlspecError } from '../errors';
import type { Logger } from '../plugin';
import { readFrozenPlan } from '../plan';
import type { PluginRegistry } from '../registry';
import { ExperimentRunner } from '../run/runner';
import type { ExperimentSpec, SpecValidator } from '../spec/validate';
import { JobRunner, type StopOrder } from './job-runner';
import { toFailure, type FromWorker, type ToWorker } from './protocol';
import { SPEC_COPY_FILE } from './state';
import type { Job, JobFailure, JobOutcome } from './types';

export type JobResult = { ok: true; outcome: JobOutcome } | { ok: false; error: JobFailure };
export type MetricSink = (key: string, value: number, step?: number) => void;

export interface PoolWorker {
  readonly id: number;
  /**
   * Run `job` (`spec`: its trial's spec when the frozen plan does not hold it). `onRestart`: the
   * job started over from its first epoch (a queue worker died and another took the fit); called
   * before the new attempt's first metric.
   */
  run(job: Job, spec: ExperimentSpec | undefined, onMetric: MetricSink, onRestart?: () => Promise<void>): Promise<JobResult>;
  /** Stop the job it is running at an epoch (a pruning decision). */
  stopJob(job: string, order: StopOrder): void;
}

export interface WorkerPool {
  readonly workers: readonly PoolWorker[];
  /** The backend the workers chose, when the sweep needs one. */
  readonly backend?: string;
  /** Make the workers ready to run jobs of the sweep frozen in `stateDir`. */
  start(stateDir: string): Promise<void>;
  /** Ask the workers to exit and wait for them. */
  close(): Promise<void>;
  /** End the workers at once (an interrupt). */
  kill(): void;
}

export interface PoolOptions {
  /** Give each worker one garbage-collector thread (when the workers fill every core). */
  singleThreadedGc?: boolean;
  /** Threads of the fused recurrent kernels in each worker (sent in its init message). */
  recurrentThreads?: number;
  /** The workers' environment; default process.env. */
  env?: NodeJS.ProcessEnv;
  /** The spec file, absolute (relative paths in the spec resolve against its folder). */
  specFile: string;
  logger: Logger;
}

/** The compiled worker entry beside this file (dist/core/sweep/worker.js). */
export function workerScript(): string {
  const script = path.join(__dirname, 'worker.js');
  if (!existsSync(script)) {
    throw new MlspecError('SWEEP_WORKER_MISSING', `the sweep worker ${script} is not built; run npm run build (or use an inline pool)`, 1);
  }
  return script;
}

const STDERR_LINES_KEPT = 20;

class ForkWorker implements PoolWorker {
  private child?: ChildProcess;
  private pending?: { job: string; label: string; resolve(result: JobResult): void; onMetric: MetricSink };
  private ready?: Promise<string | undefined>;
  private stateDir?: string;
  private initialised = false;
  private readonly stderr: string[] = [];
  private stopping = false;

  constructor(
    readonly id: number,
    private readonly options: PoolOptions,
  ) {}

  private get alive(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Start the process (again, after it died) and wait until it has loaded the sweep's data. */
  start(stateDir: string): Promise<string | undefined> {
    this.stateDir = stateDir;
    const ready = this.spawn();
    if (!this.initialised) {
      this.initialised = true;
      this.send({
        type: 'init',
        stateDir,
        specFile: this.options.specFile,
        ...(this.options.recurrentThreads ? { recurrentThreads: this.options.recurrentThreads } : {}),
      });
    }
    return ready;
  }

  /**
   * Fork the process without giving it a sweep yet: it loads its modules while the coordinator
   * plans, so a sweep does not wait for both one after the other.
   */
  spawn(): Promise<string | undefined> {
    if (this.ready && this.alive) return this.ready;
    this.initialised = false;
    this.stopping = false;
    // With a worker on every core, V8's parallel GC helper threads would only take turns with the
    // other workers (measured: jobs 7% slower with 2 workers on 2 cores); one GC thread each is faster.
    const execArgv = this.options.singleThreadedGc ? [...process.execArgv, '--single-threaded-gc'] : process.execArgv;
    const child = fork(workerScript(), [], { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], serialization: 'json', execArgv, env: this.options.env });
    this.child = child;
    child.stderr?.setEncoding('utf8');
    child.stderr?.on('data', (chunk: string) => {
      for (const line of chunk.split('\n').filter(Boolean)) {
        this.stderr.push(line);
        if (this.stderr.length > STDERR_LINES_KEPT) this.stderr.shift();
        this.options.logger.debug(`worker ${this.id}: ${line}`);
      }
    });
    this.ready = new Promise<string | undefined>((resolve, reject) => {
      const onExit = (code: number | null, signal: NodeJS.Signals | null) => reject(this.died(code, signal, 'while starting'));
      child.once('exit', onExit);
      child.on('message', (message: FromWorker) => {
        if (message.type === 'ready') {
          child.removeListener('exit', onExit);
          resolve(message.backend);
        } else if (message.type === 'init-failed') {
          child.removeListener('exit', onExit);
          child.kill('SIGKILL');
          reject(new MlspecError(message.error.code, message.error.message, 1));
        } else this.onMessage(message);
      });
    });
    // Without a handler an early rejection would be reported as unhandled before start()'s caller awaits it.
    this.ready.catch(() => undefined);
    child.on('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const pending = this.pending;
      this.pending = undefined;
      if (pending && !this.stopping)
        pending.resolve({ ok: false, error: { code: 'WORKER_DIED', message: this.died(code, signal, 'while running this job').message } });
    });
    return this.ready;
  }

  private died(code: number | null, signal: NodeJS.Signals | null, when: string): Error {
    const how = signal ? `was killed by ${signal}` : `exited with code ${code}`;
    const tail = this.stderr.length ? `; its last output:\n${this.stderr.join('\n')}` : '';
    return new MlspecError('WORKER_DIED', `sweep worker ${this.id} ${how} ${when}${tail}`, 1);
  }

  private send(message: ToWorker): void {
    if (this.child?.connected) this.child.send(message);
  }

  private onMessage(message: FromWorker): void {
    switch (message.type) {
      case 'metric':
        if (this.pending?.job === message.job) this.pending.onMetric(message.key, message.value, message.step);
        return;
      case 'done':
      case 'failed': {
        const pending = this.pending;
        if (pending?.job !== message.job) return;
        this.pending = undefined;
        pending.resolve(message.type === 'done' ? { ok: true, outcome: message.outcome } : { ok: false, error: message.error });
        return;
      }
      case 'log':
        if (message.level === 'warn') this.options.logger.warn(this.pending ? `${this.pending.label}: ${message.message}` : message.message);
        else this.options.logger.debug(`worker ${this.id}: ${message.message}`);
        return;
      default:
        return;
    }
  }

  async run(job: Job, spec: ExperimentSpec | undefined, onMetric: MetricSink): Promise<JobResult> {
    try {
      if (!this.stateDir) throw new Error(`sweep worker ${this.id} was given a job before the sweep`);
      await this.start(this.stateDir);
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
    return new Promise<JobResult>((resolve) => {
      this.pending = { job: job.key, label: job.label, resolve, onMetric };
      this.send(spec ? { type: 'job', job, spec } : { type: 'job', job });
    });
  }

  stopJob(job: string, order: StopOrder): void {
    if (this.pending?.job === job) this.send({ type: 'stop-job', job, order });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || !this.alive) return;
    this.stopping = true;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    this.send({ type: 'stop' });
    const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }

  kill(): void {
    this.stopping = true;
    this.child?.kill('SIGKILL');
  }
}

/** Worker processes per core beyond which a request is capped (each worker holds the data and a TensorFlow.js backend). */
export const MAX_WORKERS_PER_CORE = 2;

export interface WorkerPlan {
  workers: number;
  /** Threads of the fused recurrent kernels in each worker. */
  recurrentThreads: number;
  /** Why fewer workers than asked, for a warning. */
  capped?: string;
}

/**
 * How many worker processes to fork, decided once before any is forked: the request (--workers,
 * else the sweep block's `workers`, else one per core), at most the jobs that can run at once, at
 * most MAX_WORKERS_PER_CORE per core. The fused recurrent kernels use up to one thread per core in
 * each process; with several workers that would put several threads on every core, so each worker
 * gets its share of the cores (MLSPEC_RECURRENT_THREADS, when set, wins). Results never depend on
 * either count.
 */
export function planWorkers(
  requested: number | undefined,
  runnable: number,
  cores = os.availableParallelism(),
  env: NodeJS.ProcessEnv = process.env,
): WorkerPlan {
  const asked = requested ?? cores;
  const limit = Math.max(1, cores * MAX_WORKERS_PER_CORE);
  const workers = Math.max(1, Math.min(asked, runnable, limit));
  // Fewer jobs than workers needs no warning; a request beyond the per-core limit does.
  const capped =
    asked > limit && runnable > limit
      ? `${asked} workers asked for, ${limit} started: at most ${MAX_WORKERS_PER_CORE} per core (${cores} cores)`
      : undefined;
  const fromEnv = Number(env.MLSPEC_RECURRENT_THREADS);
  const recurrentThreads = Number.isInteger(fromEnv) && fromEnv >= 1 ? fromEnv : Math.max(1, Math.floor(cores / workers));
  return { workers, recurrentThreads, ...(capped ? { capped } : {}) };
}

export class ForkPool implements WorkerPool {
  workers: ForkWorker[];
  backend?: string;

  constructor(
    size: number,
    private readonly options: PoolOptions,
  ) {
    this.workers = Array.from({ length: size }, (_, i) => this.makeWorker(i + 1, size));
  }

  private makeWorker(id: number, size: number): ForkWorker {
    return new ForkWorker(id, { singleThreadedGc: size >= os.availableParallelism(), ...this.options });
  }

  /** Fork the processes now; they get their sweep in `start`. */
  spawn(): void {
    for (const w of this.workers) w.spawn();
  }

  async start(stateDir: string): Promise<void> {
    const started = await Promise.allSettled(this.workers.map((w) => w.start(stateDir)));
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) {
      this.kill();
      throw failed.reason;
    }
    this.backend = (started[0] as PromiseFulfilledResult<string | undefined>).value;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.stop()));
  }

  kill(): void {
    for (const w of this.workers) w.kill();
  }
}

export interface InlinePoolOptions {
  specFile: string;
  logger: Logger;
  registry: PluginRegistry;
  validator: SpecValidator;
}

/** One worker in this process: jobs run one after another, as a forked worker runs them. */
export class InlinePool implements WorkerPool {
  private jobs?: JobRunner;
  private stop?: { job: string; order?: StopOrder };
  readonly workers: PoolWorker[];

  constructor(private readonly options: InlinePoolOptions) {
    const worker: PoolWorker = {
      id: 1,
      run: (job, spec, onMetric) => this.run(job, spec, onMetric),
      stopJob: (job, order) => {
        if (this.stop?.job === job) this.stop.order = order;
      },
    };
    this.workers = [worker];
  }

  get backend(): string | undefined {
    return this.jobs?.backend;
  }

  async start(stateDir: string): Promise<void> {
    if (this.jobs) return;
    const { registry, validator, logger } = this.options;
    const plan = readFrozenPlan(stateDir);
    const specText = readFileSync(path.join(stateDir, SPEC_COPY_FILE), 'utf8');
    const runner = new ExperimentRunner(registry, logger, false);
    this.jobs = await JobRunner.open({ plan, specFile: this.options.specFile, specText, registry, validator, runner, logger });
  }

  private async run(job: Job, spec: ExperimentSpec | undefined, onMetric: MetricSink): Promise<JobResult> {
    this.stop = { job: job.key };
    try {
      if (!this.jobs) throw new Error('the inline pool was not started');
      const outcome = await this.jobs.run(job, { metric: onMetric, stop: () => (this.stop?.job === job.key ? this.stop.order : undefined) }, spec);
      return { ok: true, outcome };
    } catch (error) {
      return { ok: false, error: toFailure(error) };
    }
  }

  async close(): Promise<void> {}

  kill(): void {}
}
