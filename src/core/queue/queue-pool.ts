/**
 * The sweep's second executor seam (after ForkPool): fits run as BullMQ jobs, on `mlspec worker`
 * processes on any machine. The coordinator keeps every decision — the scheduler hands a fit to a
 * slot here exactly as it hands one to a forked worker, streamed metrics come back to it, its
 * stop orders go out — so pruning, promotion and search stay deterministic for any number of
 * workers. Slots are how many fits may be queued or running at once.
 *
 * Robust to what dies: events are only a fast path. Every watched fit is also read back from
 * Redis when it attaches (a restarted coordinator finds fits that ran or finished while it was
 * down) and every few seconds (events missed while Redis restarted); a fit lost from Redis is
 * enqueued again.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Job as BullJob, Queue, QueueEvents } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../plugin';
import { readFrozenPlan, type SweepPlan } from '../plan';
import type { ExperimentSpec } from '../spec/validate';
import type { JobResult, MetricSink, PoolWorker, WorkerPool } from '../sweep/pool';
import type { StopOrder } from '../sweep/job-runner';
import { SPEC_COPY_FILE } from '../sweep/state';
import type { Job } from '../sweep/types';
import { KEY_PREFIX, redisClients, shownUrl, type QueueTarget } from './connection';
import {
  contextKey,
  FIT_ATTEMPTS,
  FIT_JOB,
  KEEP_SECONDS,
  RETRY_BACKOFF_MS,
  stopKey,
  type FitJobData,
  type FitProgress,
  type FitReturn,
  type SweepContext,
} from './protocol';

export interface QueuePoolOptions {
  target: QueueTarget;
  /** The sweep's key (its state folder's name). */
  sweep: string;
  /** The spec file relative to the coordinator's folder (workers resolve it against theirs). */
  specFile: string;
  logger: Logger;
  /** A fit that failed in Redis is tried again (`--retry-failed`); else its failure is taken. */
  retryFailed?: boolean;
  /** How often watched fits are read back from Redis; default 5 s. */
  pollMs?: number;
}

/** A fit the coordinator waits for. */
interface Watch {
  job: Job;
  data: FitJobData;
  onMetric: MetricSink;
  onRestart?: () => Promise<void>;
  /** The attempt whose metrics were passed on, and how many of them. */
  run?: string;
  seen: number;
  /** Reads and events of this fit, one after another. */
  chain: Promise<void>;
  resolve(result: JobResult): void;
  done: boolean;
}

class QueueSlot implements PoolWorker {
  constructor(
    readonly id: number,
    private readonly pool: QueuePool,
  ) {}

  run(job: Job, spec: ExperimentSpec | undefined, onMetric: MetricSink, onRestart?: () => Promise<void>): Promise<JobResult> {
    return this.pool.runFit(job, spec, onMetric, onRestart);
  }

  stopJob(job: string, order: StopOrder): void {
    this.pool.stopFit(job, order);
  }
}

export class QueuePool implements WorkerPool {
  readonly workers: QueueSlot[];
  /** Workers choose their own backend; the coordinator does not know it. */
  readonly backend = undefined;
  private redis?: Redis;
  private queue?: Queue;
  private events?: QueueEvents;
  private plan?: SweepPlan;
  private timer?: NodeJS.Timeout;
  /** Connections this pool opened (BullMQ leaves connections it was given open). */
  private clients?: ReturnType<typeof redisClients>;
  private readonly watches = new Map<string, Watch>();

  constructor(
    slots: number,
    private readonly options: QueuePoolOptions,
  ) {
    this.workers = Array.from({ length: slots }, (_, i) => new QueueSlot(i + 1, this));
  }

  async start(stateDir: string): Promise<void> {
    if (this.queue) return;
    const { target, sweep, logger } = this.options;
    const warn = (message: string) => logger.warn(message);
    this.plan = readFrozenPlan(stateDir);
    const context: SweepContext = {
      sweep,
      specFile: this.options.specFile.split(path.sep).join('/'),
      specText: readFileSync(path.join(stateDir, SPEC_COPY_FILE), 'utf8'),
      plan: this.plan,
    };
    this.clients = redisClients(target, warn);
    const connect = () => this.clients!.connect();
    this.redis = connect();
    await this.redis.set(contextKey(target.name, sweep), JSON.stringify(context));
    this.queue = new Queue(target.name, { connection: connect(), prefix: KEY_PREFIX });
    this.queue.on('error', () => undefined);
    this.events = new QueueEvents(target.name, { connection: connect(), prefix: KEY_PREFIX });
    this.events.on('error', () => undefined);
    await this.events.waitUntilReady();
    this.events.on('progress', ({ jobId, data }) => {
      const watch = this.watches.get(jobId);
      if (watch) this.then(watch, () => this.applyProgress(watch, data as unknown as FitProgress));
    });
    for (const event of ['completed', 'failed', 'stalled', 'active'] as const) {
      this.events.on(event, ({ jobId }: { jobId: string }) => {
        const watch = this.watches.get(jobId);
        if (watch) this.then(watch, () => this.sync(watch));
      });
    }
    this.timer = setInterval(() => {
      for (const watch of this.watches.values()) this.then(watch, () => this.sync(watch));
    }, this.options.pollMs ?? 5000);
    logger.info(`sweep: fits go to queue "${target.name}" on ${shownUrl(target.url)}; start workers with: mlspec worker --queue <url>`);
  }

  /** Enqueue the fit (a no-op when its job exists) and wait for its result. */
  runFit(job: Job, spec: ExperimentSpec | undefined, onMetric: MetricSink, onRestart?: () => Promise<void>): Promise<JobResult> {
    const plan = this.plan!;
    const data: FitJobData = { sweep: this.options.sweep, job, spec: spec ?? plan.trials[job.trial].spec, dataDigest: plan.dataDigest };
    return new Promise<JobResult>((resolve) => {
      const watch: Watch = { job, data, onMetric, onRestart, seen: 0, chain: Promise.resolve(), resolve, done: false };
      this.watches.set(job.key, watch);
      this.then(watch, async () => {
        const existing = await BullJob.fromId(this.queue!, job.key);
        if (existing && this.options.retryFailed && (await existing.getState()) === 'failed') await existing.retry('failed');
        await this.enqueue(data);
        await this.sync(watch);
      });
    });
  }

  private enqueue(data: FitJobData): Promise<unknown> {
    return this.queue!.add(FIT_JOB, data, {
      jobId: data.job.key,
      attempts: FIT_ATTEMPTS,
      backoff: { type: 'exponential', delay: RETRY_BACKOFF_MS },
      removeOnComplete: { age: KEEP_SECONDS },
      removeOnFail: { age: KEEP_SECONDS },
    });
  }

  /** Run `step` after this fit's earlier reads; an error (Redis away) is retried by the next poll. */
  private then(watch: Watch, step: () => Promise<void>): void {
    watch.chain = watch.chain.catch(() => undefined).then(() => (watch.done ? undefined : step()));
    watch.chain.catch((error: Error) => this.options.logger.debug(`queue: ${watch.job.label}: ${error.message}`));
  }

  /** Read the fit back from Redis: its metrics so far, and its result once it has one. */
  private async sync(watch: Watch): Promise<void> {
    const job = await BullJob.fromId(this.queue!, watch.job.key);
    if (!job) {
      // Gone from Redis (a restart without persistence, or removed by hand): enqueue it again.
      this.options.logger.warn(`queue: ${watch.job.label} was no longer in Redis; enqueued again`);
      await this.enqueue(watch.data);
      return;
    }
    const state = await job.getState();
    await this.applyProgress(watch, job.progress as unknown as FitProgress);
    if (state === 'completed') {
      const ret = job.returnvalue as FitReturn;
      if (watch.run !== undefined && ret.run !== watch.run) await watch.onRestart?.();
      this.settle(watch, ret.result);
    } else if (state === 'failed') {
      this.settle(watch, {
        ok: false,
        error: { code: 'QUEUE_FIT_FAILED', message: `failed on the workers: ${job.failedReason}` },
      });
    }
  }

  private async applyProgress(watch: Watch, progress: FitProgress | number | undefined): Promise<void> {
    if (!progress || typeof progress !== 'object' || typeof progress.run !== 'string') return;
    if (progress.run !== watch.run) {
      // Another attempt (its first worker died): the cut-short attempt's run is replaced.
      if (watch.run !== undefined) await watch.onRestart?.();
      watch.run = progress.run;
      watch.seen = 0;
    }
    for (const [key, value, step] of progress.metrics.slice(watch.seen)) watch.onMetric(key, value, step ?? undefined);
    watch.seen = Math.max(watch.seen, progress.metrics.length);
  }

  private settle(watch: Watch, result: JobResult): void {
    if (watch.done) return;
    watch.done = true;
    this.watches.delete(watch.job.key);
    watch.resolve(result);
  }

  /** The coordinator's pruning decision, kept in Redis so a rerun of the fit obeys it too. */
  stopFit(job: string, order: StopOrder): void {
    this.redis
      ?.set(stopKey(this.options.target.name, job), JSON.stringify(order), 'EX', KEEP_SECONDS)
      .catch((error: Error) => this.options.logger.warn(`queue: could not send the stop order of a fit: ${error.message}`));
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.events?.close();
    await this.queue?.close();
    this.clients?.disconnect();
  }

  /** Stop watching (an interrupt): the fits go on on the workers; running the sweep again picks them up. */
  kill(): void {
    void this.close().catch(() => undefined);
  }
}
