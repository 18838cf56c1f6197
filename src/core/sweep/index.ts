/** Running sweeps: cross-validated candidates in worker processes, resumable, tracked in MLflow. */
export { failureLines, rankCandidates, summarizeCandidate, summarizeValues } from './aggregate';
export { candidateKey, jobKey, refitJob, refitKey, relativeParams, rowsLabel, sweepWork, type SweepWork } from './candidates';
export { loadSweepData, SweepExecutor, type SweepFile, type SweepOptions, type SweepResult } from './executor';
export { JobPruned, JobRunner, logLoss, renameEpochKey, type JobHooks, type JobRunnerOptions, type StopOrder } from './job-runner';
export { formatLeaderboard, formatSummary, leaderboardCsv, leaderboardMarkdown } from './leaderboard';
export { renderValidationPlot, validationPlotSpec } from './plots';
export {
  ForkPool,
  InlinePool,
  MAX_WORKERS_PER_CORE,
  planWorkers,
  workerScript,
  type JobResult,
  type PoolWorker,
  type WorkerPlan,
  type WorkerPool,
} from './pool';
export { formatDuration, statusLine, SweepProgress, type ProgressCounts } from './progress';
export { median } from './pruning';
export {
  bracketCount,
  bracketOf,
  GroupDecisions,
  policyFor,
  rungResources,
  type Curve,
  type Fate,
  type Member,
  type Policy,
  type Resource,
} from './rungs';
export { SweepScheduler, type Poll, type TrialSource } from './scheduler';
export { SearchTrials } from './search-trials';
export { DEFAULT_HOLDOUT, SweepRows } from './rows';
export { defaultStateDir, RunRegistry, SPEC_COPY_FILE, STATE_ROOT, SweepState, type SearchTrialRecord } from './state';
export { parseWorkers, sweepCommand, type SweepFlags } from './sweep-command';
export { findSweepRuns, SweepTracking, SWEEP_KEY_TAG, SWEEP_ROLE_TAG } from './tracking';
export * from './types';
