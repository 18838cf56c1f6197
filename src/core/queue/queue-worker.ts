/**
 * `mlspec worker --queue redis://…`: pulls fits from the sweep queue, runs each as a sweep worker
 * process runs it (JobRunner: the spec and data loaded once per sweep), streams the fit's
 * per-epoch metrics back as the job's progress, obeys the coordinator's stop orders, and returns
 * the result. It writes no tracking and no sweep state: the coordinator is the only writer, as
 * with local workers, so a worker that dies leaves nothing half-logged anywhere.
 *
 * Data paths resolve on the worker: the spec file's path relative to the coordinator's folder is
 * taken relative to the worker's folder (`--dir`, default the current one). A worker whose rows
 * differ from the ones the sweep was planned on refuses the sweep's fits with a clear error; BullMQ
 * then tries the fit again (with backoff) on another worker, and fails it after FIT_ATTEMPTS.
 *
 * A worker killed mid-fit stops renewing the fit's lock; after `stallSeconds` another worker's
 * stalled-job check puts the fit back in the queue and it runs again from its start.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job as BullJob } from 'bullmq';
import type { BackendChoice } from '../backend';
import { createContainer, services } from '../container';
import { MlspecError } from '../errors';
import type { Logger } from '../plugin';
import { ExperimentRunner } from '../run/runner';
import { JobRunner, type StopOrder } from '../sweep/job-runner';
import { toFailure } from '../sweep/protocol';
import { checkRedis, KEY_PREFIX, redisClients, shownUrl, type QueueTarget } from './connection';
import { contextKey, FIT_JOB, stopKey, type FitJobData, type FitProgress, type FitReturn, type MetricEntry, type SweepContext } from './protocol';

/** Refusals (workers that cannot run it) after which a fit fails. */
const MAX_REFUSALS = 3;
const REFUSAL_DELAY_MS = 500;
/** How long a worker that refused a fit takes none, so that the others get it. */
const REFUSAL_PAUSE_MS = 10_000;

export interface QueueWorkerOptions {
  target: QueueTarget;
  /** Fits this process runs at once (default 1: a fit uses a core or more). */
  concurrency?: number;
  /** Backend for models that need one, instead of each spec's. */
  backend?: BackendChoice;
  /** The folder spec files and data resolve against; default process.cwd(). */
  dir?: string;
  /** Seconds without a lock renewal before a fit counts as stalled and reruns elsewhere (default 30). */
  stallSeconds?: number;
  logger: Logger;
}

export interface RunningWorker {
  readonly id: string;
  /** Fits running now. */
  readonly running: number;
  /** Finish the running fits, then disconnect. */
  close(): Promise<void>;
}

export async function startQueueWorker(options: QueueWorkerOptions): Promise<RunningWorker> {
  const { target, logger } = options;
  await checkRedis(target);
  const dir = path.resolve(options.dir ?? process.cwd());
  const id = `${os.hostname()}:${process.pid}`;
  const clients = redisClients(target, (m) => logger.warn(m));
  const redis = clients.connect();
  let running = 0;
  /** One JobRunner per sweep (its spec, data and backend), made on the sweep's first fit. */
  const runners = new Map<string, Promise<JobRunner>>();

  const runnerFor = (sweep: string): Promise<JobRunner> => {
    let runner = runners.get(sweep);
    if (!runner) {
      runner = openRunner(sweep);
      runners.set(sweep, runner);
      // A failure is kept (this worker's data will not change by itself) but not left unhandled.
      runner.catch(() => undefined);
    }
    return runner;
  };

  const openRunner = async (sweep: string): Promise<JobRunner> => {
    const text = await redis.get(contextKey(target.name, sweep));
    if (!text) throw new MlspecError('QUEUE_SWEEP_UNKNOWN', `sweep ${sweep} has no context in Redis (its coordinator never started it here)`, 1);
    const context = JSON.parse(text) as SweepContext;
    const specFile = path.resolve(dir, context.specFile);
    const { registry, validator } = services(createContainer({ logger }));
    const runner = new ExperimentRunner(registry, logger, false);
    try {
      const jobs = await JobRunner.open({
        plan: context.plan,
        specFile,
        specText: context.specText,
        registry,
        validator,
        runner,
        logger,
        ...(options.backend ? { backend: options.backend } : {}),
      });
      logger.info(`worker ${id}: ready for sweep ${sweep} (${context.specFile}${jobs.backend ? `, backend ${jobs.backend}` : ''})`);
      return jobs;
    } catch (error) {
      const code = (error as MlspecError).code;
      const why =
        code === 'SWEEP_DATA_CHANGED'
          ? `its rows differ from the ones the sweep was planned on (${(error as Error).message.replace(/; start a new sweep$/, '')}); give this worker the same data files at the same paths under ${dir}`
          : `${(error as Error).message} (spec ${context.specFile} resolved against ${dir})`;
      throw new MlspecError(
        code === 'SWEEP_DATA_CHANGED' ? 'QUEUE_DATA_DIFFERS' : 'QUEUE_WORKER_SETUP',
        `worker ${id} refuses sweep ${sweep}: ${why}`,
        1,
      );
    }
  };

  const processFit = async (job: BullJob<FitJobData, FitReturn>, token: string | undefined): Promise<FitReturn> => {
    running++;
    try {
      return await runFit(job);
    } catch (error) {
      if (!(error instanceof MlspecError) || !error.code.startsWith('QUEUE_')) throw error;
      return await refuse(job, token, error);
    } finally {
      running--;
    }
  };

  /**
   * This worker cannot run the sweep's fits (its data differs, a plugin is missing): the fit goes
   * back to the queue for another worker without using up an attempt, and this worker takes no
   * fit for a while so the others get it. After MAX_REFUSALS refusals the fit fails with them all.
   */
  const refuse = async (job: BullJob<FitJobData, FitReturn>, token: string | undefined, error: MlspecError): Promise<never> => {
    logger.warn(`${error.message} (${error.code})`);
    const refusals = [...(job.data.refusals ?? []), `${error.code}: ${error.message}`];
    if (refusals.length >= MAX_REFUSALS || !token) throw new UnrecoverableError(refusals.join('\n'));
    await job.updateData({ ...job.data, refusals });
    await job.moveToDelayed(Date.now() + REFUSAL_DELAY_MS, token);
    void worker.pause(true).then(() => setTimeout(() => worker.resume(), REFUSAL_PAUSE_MS).unref());
    throw new DelayedError();
  };

  const runFit = async (job: BullJob<FitJobData, FitReturn>): Promise<FitReturn> => {
    const data = job.data;
    const runner = await runnerFor(data.sweep);
    if (data.dataDigest !== runner.data.digest)
      throw new MlspecError(
        'QUEUE_DATA_DIFFERS',
        `worker ${id} refuses ${data.job.label}: the fit was planned on rows with digest ${data.dataDigest.slice(0, 12)}, this worker has ${runner.data.digest.slice(0, 12)}`,
        1,
      );
    const run = randomUUID();
    const metrics: MetricEntry[] = [];
    const stopAt = stopKey(target.name, data.job.key);
    let order = parseOrder(await redis.get(stopAt));
    // Metrics logged together (one epoch's) go out as one progress update; updates stay in order.
    let sending: Promise<void> = Promise.resolve();
    let scheduled = false;
    const send = (): Promise<void> => {
      const progress: FitProgress = { run, worker: id, metrics: [...metrics] };
      sending = sending
        .then(() => job.updateProgress(progress as unknown as object))
        .then(() => redis.get(stopAt))
        .then((text) => {
          order = parseOrder(text) ?? order;
        })
        .catch((error: Error) => logger.warn(`worker ${id}: ${data.job.label}: progress not sent (${error.message})`));
      return sending;
    };
    const started = Date.now();
    logger.info(`worker ${id}: ${data.job.label} started${job.attemptsStarted > 1 ? ` (attempt ${job.attemptsStarted})` : ''}`);
    let result: FitReturn['result'];
    try {
      const outcome = await runner.run(
        data.job,
        {
          metric: (key, value, step) => {
            metrics.push([key, value, step ?? null]);
            if (scheduled) return;
            scheduled = true;
            setImmediate(() => {
              scheduled = false;
              void send();
            });
          },
          stop: () => order,
        },
        data.spec,
      );
      result = { ok: true, outcome };
    } catch (error) {
      // The fit itself failed (as it would locally): a result, not a reason to try elsewhere.
      result = { ok: false, error: toFailure(error) };
    }
    await new Promise((resolve) => setImmediate(resolve));
    await send();
    const status = result.ok ? result.outcome.status : `failed (${result.error.code})`;
    logger.info(`worker ${id}: ${data.job.label} ${status} in ${((Date.now() - started) / 1000).toFixed(1)}s`);
    return { run, worker: id, result };
  };

  const stallMs = Math.round((options.stallSeconds ?? 30) * 1000);
  const worker = new Worker<FitJobData, FitReturn>(
    target.name,
    async (job, token) => {
      if (job.name !== FIT_JOB) throw new Error(`unknown job "${job.name}" in the sweep queue`);
      return processFit(job, token);
    },
    {
      connection: clients.connect(),
      prefix: KEY_PREFIX,
      concurrency: options.concurrency ?? 1,
      lockDuration: stallMs,
      stalledInterval: stallMs,
      maxStalledCount: 3,
      name: id,
    },
  );
  worker.on('error', () => undefined);
  worker.on('failed', (job, error) => {
    if (job && !(error instanceof DelayedError)) logger.warn(`worker ${id}: ${job.data.job.label} failed: ${error.message}`);
  });
  await worker.waitUntilReady();
  logger.info(`worker ${id}: serving queue "${target.name}" on ${shownUrl(target.url)} (concurrency ${options.concurrency ?? 1}, folder ${dir})`);
  return {
    id,
    get running() {
      return running;
    },
    close: async () => {
      // Nothing running: no need to wait on Redis (it may be the thing that is gone).
      await worker.close(running === 0);
      clients.disconnect();
    },
  };
}

function parseOrder(text: string | null): StopOrder | undefined {
  return text ? (JSON.parse(text) as StopOrder) : undefined;
}
