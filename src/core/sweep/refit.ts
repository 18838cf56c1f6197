/**
 * The refit: the best candidate fitted once on all training rows and scored once on the test rows
 * (the only time a sweep touches them). Its record is kept in the state folder, so a resumed sweep
 * does not fit it again (unless it failed and --retry-failed asks).
 */
import { performance } from 'node:perf_hooks';
import type { SweepPlan } from '../plan';
import type { ExperimentSpec } from '../spec/validate';
import { jobIdentity, refitJob } from './candidates';
import type { PoolWorker } from './pool';
import type { SweepState } from './state';
import type { Candidate, CandidateSummary, JobRecord, RefitSummary } from './types';

export interface RefitOptions {
  plan: SweepPlan;
  state: SweepState;
  best: CandidateSummary;
  candidate: Candidate;
  retryFailed: boolean;
  /** A worker to fit on (started on demand). */
  worker: () => Promise<PoolWorker>;
  /** The trial's spec when the frozen plan does not hold it (adaptive search). */
  spec?: ExperimentSpec;
}

/** The refit's record: read from the state folder, or fitted now and written there. */
export async function runRefit(options: RefitOptions, onStart: () => void): Promise<JobRecord> {
  const { plan, state, candidate } = options;
  const job = refitJob(plan, candidate);
  const known = state.readRefit(job.key);
  if (known && !(known.status === 'failed' && options.retryFailed)) return known;
  const worker = await options.worker();
  onStart();
  const started = performance.now();
  const result = await worker.run(job, options.spec, () => undefined);
  const record: JobRecord = {
    ...jobIdentity(job),
    status: result.ok ? 'finished' : 'failed',
    seconds: (performance.now() - started) / 1000,
    finishedAt: new Date().toISOString(),
  };
  if (result.ok) record.outcome = result.outcome;
  else record.error = result.error;
  state.writeRefit(record);
  return record;
}

/** What the report says about a refit that finished; undefined when it failed. */
export function refitSummary(record: JobRecord, candidate: Candidate): RefitSummary | undefined {
  const { outcome } = record;
  if (record.status === 'failed' || !outcome?.evaluation) return undefined;
  const evaluation = outcome.evaluation;
  const summary: RefitSummary = {
    candidate: candidate.key,
    label: candidate.label,
    pipeline: candidate.pipeline,
    trial: record.trial,
    seed: record.seed,
    trainRows: outcome.trainRows,
    testRows: outcome.evaluationRows,
    test: { accuracy: evaluation.accuracy, macroF1: evaluation.macroF1, weightedF1: evaluation.weightedF1 },
    evaluation,
  };
  if (outcome.epochs) summary.epochs = outcome.epochs;
  if (outcome.info) summary.info = outcome.info;
  return summary;
}
