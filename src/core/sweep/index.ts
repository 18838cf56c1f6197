/** Running sweeps: cross-validated candidates in worker processes, resumable, tracked in MLflow. */
export { failureLines, rankCandidates, summarizeCandidate, summarizeValues } from './aggregate';
export { candidateKey, jobKey, refitJob, refitKey, relativeParams, rowsLabel, sweepWork, type SweepWork } from './candidates';
export { isPruningFold, loadSweepData, SweepExecutor, type SweepFile, type SweepOptions, type SweepResult } from './executor';
export { JobPruned, JobRunner, logLoss, renameEpochKey, type JobHooks, type JobRunnerOptions } from './job-runner';
export { formatLeaderboard, formatSummary, leaderboardCsv, leaderboardMarkdown } from './leaderboard';
export { renderValidationPlot, validationPlotSpec } from './plots';
export { ForkPool, InlinePool, workerEnv, workerScript, type JobResult, type PoolWorker, type WorkerPool } from './pool';
export { formatDuration, statusLine, SweepProgress, type ProgressCounts } from './progress';
export { better, median, medianReference, pruneReason, pruningRule, type PruningReference, type PruningRule } from './pruning';
export { DEFAULT_HOLDOUT, SweepRows } from './rows';
export { defaultStateDir, RunRegistry, SPEC_COPY_FILE, STATE_ROOT, SweepState } from './state';
export { parseWorkers, sweepCommand, type SweepFlags } from './sweep-command';
export { findSweepRuns, SweepTracking, SWEEP_KEY_TAG, SWEEP_ROLE_TAG } from './tracking';
export * from './types';
