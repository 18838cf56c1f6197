/**
 * What a sweep executes and what it keeps. A sweep ranks *candidates*: one pipeline of the spec
 * with one setting of its swept values (trials that change only another pipeline share the
 * candidate). A candidate is scored by *jobs*: the candidate fitted on one fold with one seed — the
 * plan's fits, one per pipeline of a work unit. Jobs run in worker processes; each finished job is
 * one small JSON record in the sweep's state folder.
 */
import type { EpochRecord, JsonValue } from '../plugin';
import type { EvaluationResult } from '../run/types';
import type { SelectGoal, SelectMetric } from '../plan';

/** Scores of a fitted pipeline on its held-out rows, by the names `select.metric` uses. */
export const VALIDATION_METRICS = ['val_accuracy', 'val_macro_f1', 'val_weighted_f1', 'val_loss'] as const;
export type ValidationMetric = (typeof VALIDATION_METRICS)[number];
export type ValidationScores = Record<ValidationMetric, number>;

/** One pipeline configuration to rank. */
export interface Candidate {
  /** sha256 hex of the pipeline name and its pipeline id (the plan's PipelineId). */
  key: string;
  /** Prefix of `key` that tells this sweep's candidates apart (8+ hex digits). */
  shortKey: string;
  pipeline: string;
  /** The plan's id of this pipeline's resolved settings. */
  pipelineId: string;
  /** Trials (indices) whose spec contains this candidate; the first one defines it. */
  trials: number[];
  /** The swept values that set this pipeline, by path relative to the pipeline (e.g. "model.C"). */
  params: Record<string, JsonValue>;
  /** How the candidate is named in tables and MLflow, e.g. "trial-3" or "bow/trial-3". */
  label: string;
}

/** Which rows a job is fitted and scored on. */
export type JobRows =
  /** Fold `fold` of the stratified k-fold split of the training rows (repeat `seed`). */
  | { kind: 'fold'; fold: number; folds: number }
  /** folds: 0 — one stratified holdout of the training rows. */
  | { kind: 'holdout' }
  /** All training rows, scored on the test rows: the refit of the best candidate. */
  | { kind: 'refit' };

export interface Job {
  /** sha256 hex of the pipeline name and the plan's fit id (or "refit" and the candidate key). */
  key: string;
  candidate: string;
  /** The trial whose spec the job runs (the candidate's first trial). */
  trial: number;
  pipeline: string;
  rows: JobRows;
  seed: number;
  /** For messages: the candidate's label and the rows, e.g. "bow/trial-3 fold-2". */
  label: string;
}

export interface JobFailure {
  code: string;
  message: string;
}

/** What a worker sends back for a finished job. */
export interface JobOutcome {
  status: 'finished' | 'pruned';
  scores?: ValidationScores;
  /** Per-epoch metrics, with sweep names (see renameEpochKey). */
  epochs?: EpochRecord[];
  info?: Record<string, number | string | boolean>;
  /** best_epoch / stopped_epoch of models that train in epochs. */
  bestEpoch?: number;
  stoppedEpoch?: number;
  /** The held-out metric and epoch at which a pruned job stopped, and why. */
  prunedAt?: number;
  /** Epochs the fit actually trained, when it ran past the epoch it was stopped at. */
  epochsTrained?: number;
  pruneReason?: string;
  fitSeconds: number;
  featurizeSeconds: number;
  features: number;
  trainRows: number;
  evaluationRows: number;
  /** Refit only: the full evaluation on the test rows, the predictions and the fitted pipeline. */
  evaluation?: EvaluationResult;
  predictions?: number[];
  fitted?: JsonValue;
  /** Refit only: data-row numbers (source file, header excluded) trained and scored on. */
  trainRowNumbers?: number[];
  testRowNumbers?: number[];
}

/** A job's record in the state folder (units/<key>.json). */
export interface JobRecord {
  key: string;
  candidate: string;
  trial: number;
  pipeline: string;
  rows: JobRows;
  seed: number;
  status: 'finished' | 'pruned' | 'failed';
  outcome?: JobOutcome;
  error?: JobFailure;
  seconds: number;
  finishedAt: string;
  /** A fit that was never run: its candidate was stopped by successive halving before it (fits resource). */
  notRun?: true;
}

export interface MetricSummary {
  mean: number;
  /** Sample standard deviation (n − 1) over folds and seeds; 0 for one value. */
  sd: number;
  values: number[];
}

export type CandidateStatus = 'finished' | 'failed' | 'pruned' | 'incomplete';

/** One row of the leaderboard. */
export interface CandidateSummary {
  /** 1-based rank among finished candidates; absent for the others. */
  rank?: number;
  key: string;
  shortKey: string;
  label: string;
  pipeline: string;
  trials: number[];
  params: Record<string, JsonValue>;
  status: CandidateStatus;
  jobs: { total: number; finished: number; failed: number; pruned: number };
  /** Mean and sd of every validation metric over the finished jobs. */
  metrics: Partial<Record<ValidationMetric, MetricSummary>>;
  /** Means over the jobs of models that train in epochs. */
  bestEpoch?: number;
  stoppedEpoch?: number;
  /** Seconds of fitting summed over the jobs. */
  fitSeconds: number;
  errors: JobFailure[];
  pruneReason?: string;
}

export interface RefitSummary {
  candidate: string;
  label: string;
  pipeline: string;
  trial: number;
  seed: number;
  trainRows: number;
  testRows: number;
  test: { accuracy: number; macroF1: number; weightedF1: number };
  evaluation: EvaluationResult;
  epochs?: EpochRecord[];
  info?: Record<string, number | string | boolean>;
}

export interface FailureLine {
  candidate: string;
  label: string;
  pipeline: string;
  rows: JobRows;
  seed: number;
  error: JobFailure;
}

/** What `mlspec run` on a sweep spec prints and writes with --report. */
export interface SweepReport {
  name: string;
  specFile: string;
  stateDir: string;
  dataDigest: string;
  select: { metric: SelectMetric; goal: SelectGoal };
  folds: number;
  seeds: number[];
  trials: number;
  /** The swept paths relative to their pipelines, in sweep-block order (the leaderboard's columns). */
  params: string[];
  /** Ranked finished candidates first, then the others. */
  candidates: CandidateSummary[];
  best?: CandidateSummary;
  refit?: RefitSummary;
  failures: FailureLine[];
  tracking?: { uri: string; experimentId: string; parentRunId: string };
  /** How the trials were chosen and stopped, and what it cost. */
  search: SearchSummary;
  startedAt: string;
  finishedAt: string;
}

export interface SearchSummary {
  /** grid, random, or the adaptive search's sampler. */
  sampler: string;
  /** The pruning rule, or none. */
  scheduler: string;
  /** false only with `pruning.asynchronous`: decisions then depend on timing. */
  reproducible: boolean;
  /** Adaptive search: why it ended (budget, target). */
  ended?: string;
  /** Fits run (pruned ones included; fits successive halving skipped are not). */
  fits: number;
  /** Epochs the recorded fits count (a pruned fit up to the epoch it was stopped at). */
  epochs: number;
  /** Epochs actually trained, including those a fit ran past its stop before the order reached it. */
  epochsTrained: number;
}
