/**
 * The Tracker: the only view of MLflow the rest of mlspec has. Three implementations write the
 * same things: the REST client for a tracking server (`http(s)://…`), a writer of MLflow's SQL
 * store in SQLite (`sqlite:///mlflow.db`, the default), and a writer of MLflow's ./mlruns folder
 * layout (a path or `file:` URI). open-tracker.ts picks one; this file knows none of them.
 */
import type { Logger } from '../plugin';
import type { DatasetInput, ParamValue } from './records';
import type { RetryPolicy } from './mlflow-rest';

export type { DatasetInput, DatasetContext, ParamValue } from './records';
export type { RetryPolicy } from './mlflow-rest';

/** How a run ended (MLflow RunStatus). */
export type RunEndStatus = 'FINISHED' | 'FAILED' | 'KILLED';

export interface StartRunOptions {
  experimentId: string;
  runName: string;
  /** Makes this a child run (tag mlflow.parentRunId). */
  parentRunId?: string;
  tags?: Record<string, string>;
  /** Milliseconds since the epoch; now when absent. */
  startTime?: number;
  /**
   * REST tracker only: when the server stays down, keep this run's records in the spool folder
   * (default) or fail with TRACKING_UNREACHABLE (`false`; what `syncSpool` uses).
   */
  spool?: boolean;
}

export interface ResumeRunOptions {
  /** As StartRunOptions.spool. */
  spool?: boolean;
}

/** Bytes (a string is written as UTF-8) or a local file to store as an artifact. */
export type ArtifactSource = { bytes: Uint8Array | string } | { file: string };

/** One open MLflow run. */
export interface RunHandle {
  readonly runId: string;
  readonly experimentId: string;
  /**
   * The latest value of each metric the run held when this handle was opened: empty for a new
   * run; what a crash left for a resumed one (so a summary logged before the crash is not logged twice).
   */
  readonly metricsAtOpen: ReadonlyMap<string, number>;
  /**
   * Params are write-once: logging a key again with the same value is a no-op, with another value
   * an InputError (TRACKING_PARAM_CHANGED). Values longer than 6000 characters are cut, with a
   * warning. Buffered until the next flush.
   */
  logParams(params: Record<string, ParamValue>): void;
  /** Buffered; `step` defaults to 0 and `timestamp` to now (ms), as in MLflow. */
  logMetric(key: string, value: number, step?: number, timestamp?: number): void;
  /** Tags can be overwritten; values longer than 8000 characters are cut, with a warning. Buffered. */
  setTags(tags: Record<string, string>): void;
  logInputs(inputs: DatasetInput[]): Promise<void>;
  /** Stores `source` at `artifactPath` (a file path relative to the run's artifact root). */
  logArtifact(source: ArtifactSource, artifactPath: string): Promise<void>;
  /** Sends/writes everything buffered. Rethrows a rejection the server gave a buffered record. */
  flush(): Promise<void>;
  /** Flushes, then marks the run ended. */
  end(status: RunEndStatus, endTime?: number): Promise<void>;
}

/** A run whose records went to the spool folder because the server could not be reached. */
export interface SpoolInfo {
  /** The run id on the server, or a local id (`local-…`) when the run could not even be created. */
  runId: string;
  folder: string;
  /** Records written to the spool so far. */
  records: number;
}

/** A run found by a tag (see Tracker.findRuns). */
export interface FoundRun {
  runId: string;
  /** MLflow RunStatus: RUNNING, FINISHED, FAILED, KILLED, SCHEDULED. */
  status: string;
  tags: Record<string, string>;
}

export interface Tracker {
  readonly kind: 'rest' | 'file' | 'sqlite';
  /** The tracking URI, credentials removed. */
  readonly uri: string;
  /**
   * Fails fast with an InputError (TRACKING_UNREACHABLE, exit 2) when the server does not answer,
   * or when the store folder cannot be created.
   */
  check(): Promise<void>;
  /** The id of the (active) experiment of that name, created when missing. */
  getOrCreateExperiment(name: string): Promise<string>;
  startRun(options: StartRunOptions): Promise<RunHandle>;
  /** Reopens an existing run (e.g. for a later sweep) to log more to it. */
  resumeRun(runId: string, options?: ResumeRunOptions): Promise<RunHandle>;
  /** MLflow's delete: the run is hidden (lifecycle stage `deleted`) and can be restored. */
  deleteRun(runId: string): Promise<void>;
  /** Runs whose records were spooled instead of sent; empty when nothing was. */
  spoolInfo(): SpoolInfo[];
  /** Active (not deleted) runs of an experiment that carry the tag `key` = `value`, oldest first. */
  findRuns(experimentId: string, tag: { key: string; value: string }): Promise<FoundRun[]>;
  /** Sets (overwrites) tags on an experiment, e.g. mlflow.experimentKind. */
  setExperimentTags(experimentId: string, tags: Record<string, string>): Promise<void>;
}

export interface TrackerOptions {
  /** Receives warnings (cut values, a server that went away). Defaults to stderr. */
  logger?: Logger;
  /** Folder a relative URI or spool folder resolves against; default process.cwd(). */
  cwd?: string;
  /** Where the REST tracker keeps records it could not send; default `.mlspec-spool`. */
  spoolDir?: string;
  retry?: Partial<RetryPolicy>;
  /** Where MLFLOW_TRACKING_TOKEN / _USERNAME / _PASSWORD are read from; default process.env. */
  env?: Record<string, string | undefined>;
  /** REST: buffered metrics are sent once this many wait (default 1000)… */
  flushSize?: number;
  /** …or this long after the first one was buffered (default 5000 ms). */
  flushIntervalMs?: number;
}

export const stderrLogger: Logger = {
  info: (m) => process.stderr.write(`${m}\n`),
  warn: (m) => process.stderr.write(`warning: ${m}\n`),
  debug: () => undefined,
};
