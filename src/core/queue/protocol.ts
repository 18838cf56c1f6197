/**
 * What the coordinator and the workers exchange through Redis. One BullMQ job per fit, its id the
 * fit's hash (Job.key), so enqueueing a fit again adds nothing. The job carries the trial's
 * resolved spec and the data digest; what every fit of a sweep shares (the frozen plan and spec
 * text) is stored once per sweep beside the queue, not in every job.
 *
 * Progress is the attempt's metrics so far (cumulative, so a coordinator that attaches late, or
 * missed events while Redis restarted, reads the whole curve from the job); `run` names the
 * attempt, so a fit that started again elsewhere (its worker died) is told apart from the first.
 */
import type { SweepPlan } from '../plan';
import type { ExperimentSpec } from '../spec/validate';
import type { JobResult } from '../sweep/pool';
import type { Job } from '../sweep/types';
import { KEY_PREFIX } from './connection';

/** Stored once per sweep (contextKey). */
export interface SweepContext {
  sweep: string;
  /** The spec file relative to the coordinator's folder: a worker resolves it against its own. */
  specFile: string;
  /** The spec text as frozen when the sweep started. */
  specText: string;
  plan: SweepPlan;
}

export interface FitJobData {
  sweep: string;
  job: Job;
  /** The trial's resolved spec (the job's pipeline among its pipelines). */
  spec: ExperimentSpec;
  /** The digest of the rows the plan was made from: a worker whose rows differ refuses the fit. */
  dataDigest: string;
  /** Workers that could not run this fit, and why (see queue-worker.ts). */
  refusals?: string[];
}

export type MetricEntry = [key: string, value: number, step: number | null];

export interface FitProgress {
  /** One id per attempt (a uuid the worker draws when it starts the fit). */
  run: string;
  worker: string;
  metrics: MetricEntry[];
}

export interface FitReturn {
  run: string;
  worker: string;
  result: JobResult;
}

/** BullMQ job name of a fit (the queue holds nothing else). */
export const FIT_JOB = 'fit';

/** A job that fails on a worker (data differs, plugin missing) is tried again elsewhere, then failed. */
export const FIT_ATTEMPTS = 3;
export const RETRY_BACKOFF_MS = 2000;
/** Finished and failed fits stay a week: `sweep status` shows them and a re-enqueue finds them. */
export const KEEP_SECONDS = 7 * 24 * 3600;

export function contextKey(queue: string, sweep: string): string {
  return `${KEY_PREFIX}-sweep:${queue}:${sweep}`;
}

/** The coordinator's pruning decision for a fit, read by the worker running it. */
export function stopKey(queue: string, job: string): string {
  return `${KEY_PREFIX}-stop:${queue}:${job}`;
}

/** BullMQ's lock of an active job: gone when its worker stopped renewing it (a stalled fit). */
export function lockKey(queue: string, job: string): string {
  return `${KEY_PREFIX}:${queue}:${job}:lock`;
}
