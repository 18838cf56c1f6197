/**
 * What a run logs (params, metrics, tags, dataset inputs), MLflow's limits on them, and the checks
 * every tracker applies the same way, so the REST client, the file store and the spool agree on
 * what is valid before anything is written or sent.
 */
import * as os from 'os';
import * as path from 'path';
import { InputError } from '../errors';
import type { Logger } from '../plugin';

/** Limits MLflow 3.5 enforces (mlflow/utils/validation.py). */
export const MLFLOW_LIMITS = {
  paramValue: 6000,
  tagValue: 8000,
  key: 250,
  metricsPerBatch: 1000,
  paramsPerBatch: 100,
  tagsPerBatch: 100,
  entitiesPerBatch: 1000,
  /** log-batch requests must be at most 1 MB of JSON; we keep a margin for the envelope. */
  batchBytes: 900_000,
  datasetName: 500,
  datasetDigest: 36,
  inputTagValue: 500,
} as const;

export interface MetricRecord {
  key: string;
  value: number;
  step: number;
  /** Milliseconds since the epoch. */
  timestamp: number;
}

export interface ParamRecord {
  key: string;
  value: string;
}

export interface TagRecord {
  key: string;
  value: string;
}

/** Where a dataset input was used, as MLflow's `mlflow.data.context` input tag. */
export type DatasetContext = 'training' | 'testing' | 'validation';

/** A dataset a run read, recorded as an MLflow dataset input. */
export interface DatasetInput {
  /** Shown in the MLflow UI; at most 500 characters. */
  name: string;
  /** Identifies the exact rows; cut to MLflow's 36-character limit. */
  digest: string;
  /** The file the rows came from. */
  sourcePath: string;
  context: DatasetContext;
  /** Rows used, stored as the dataset profile. */
  rows?: number;
  /** MLflow's column schema JSON (`{"mlflow_colspec": [...]}`), shown in the UI's dataset panel. */
  schema?: string;
}

/** A dataset input in MLflow's wire/storage shape (DatasetInput proto, FileStore datasets/meta.yaml). */
export interface MlflowDataset {
  name: string;
  digest: string;
  source_type: string;
  source: string;
  schema?: string;
  profile?: string;
}

export const DATASET_CONTEXT_TAG = 'mlflow.data.context';

export function toMlflowDataset(input: DatasetInput): MlflowDataset {
  const dataset: MlflowDataset = {
    name: input.name.slice(0, MLFLOW_LIMITS.datasetName),
    digest: input.digest.slice(0, MLFLOW_LIMITS.datasetDigest),
    source_type: 'local',
    // The same JSON MLflow's LocalArtifactDatasetSource writes.
    source: JSON.stringify({ uri: input.sourcePath }),
  };
  if (input.rows !== undefined) dataset.profile = JSON.stringify({ num_rows: input.rows });
  if (input.schema !== undefined) dataset.schema = input.schema;
  return dataset;
}

// MLflow (non-Windows): names may contain alphanumerics, underscores, dashes, periods, spaces,
// colons and slashes, and must not resolve to another path when treated as one.
const NAME_PATTERN = /^[/\p{L}\p{N}_.\- :]*$/u;

/** Throws an InputError unless `key` is a name MLflow accepts for a param, metric or tag. */
export function checkKey(kind: 'param' | 'metric' | 'tag', key: string): void {
  const problem = keyProblem(key);
  if (problem) throw new InputError('TRACKING_BAD_KEY', `Cannot log ${kind} '${key}': ${problem}.`);
}

function keyProblem(key: string): string | undefined {
  if (key.length === 0) return 'the name is empty';
  if (key.length > MLFLOW_LIMITS.key) return `names are at most ${MLFLOW_LIMITS.key} characters`;
  if (!NAME_PATTERN.test(key)) return 'names may only contain letters, digits, _ - . space : and /';
  // Python's posixpath.normpath (what MLflow compares with) also drops a trailing slash.
  const normalized = path.posix.normalize(key).replace(/(.)\/+$/, '$1');
  if (normalized !== key || normalized === '.' || normalized.startsWith('..') || normalized.startsWith('/')) {
    return `the name would be stored as the path '${normalized}'`;
  }
  return undefined;
}

/** Replace characters MLflow rejects in names (e.g. in a class label used as a metric key). */
export function safeKey(key: string): string {
  const cleaned = key
    .replace(/[^/\p{L}\p{N}_.\- :]/gu, '_')
    .replace(/\/+/g, '/')
    .replace(/^\/|\/$/g, '');
  const parts = cleaned.split('/').map((p) => (p === '.' || p === '..' ? p.replace(/\./g, '_') : p));
  return parts.join('/').slice(0, MLFLOW_LIMITS.key) || '_';
}

/**
 * MLflow truncates over-long param and tag values; we do the same, but say so through the logger
 * rather than let a value change silently.
 */
export function cutValue(kind: 'param' | 'tag', key: string, value: string, logger: Logger): string {
  const limit = kind === 'param' ? MLFLOW_LIMITS.paramValue : MLFLOW_LIMITS.tagValue;
  if (value.length <= limit) return value;
  logger.warn(`MLflow ${kind} '${key}' is ${value.length} characters; it was cut to the server's limit of ${limit}.`);
  return value.slice(0, limit);
}

export type ParamValue = string | number | boolean | null;

export function paramText(value: ParamValue): string {
  return value === null ? 'null' : String(value);
}

/**
 * Write-once params (MLflow refuses to change a logged param): remembers what a run has logged,
 * and returns the records that are new.
 */
export class ParamLedger {
  private readonly logged = new Map<string, string>();

  constructor(private readonly runId: string) {}

  remember(key: string, value: string): void {
    this.logged.set(key, value);
  }

  /** New params to send; throws when a key was already logged with another value. */
  admit(params: Record<string, ParamValue>, logger: Logger): ParamRecord[] {
    const fresh: ParamRecord[] = [];
    for (const [key, raw] of Object.entries(params)) {
      checkKey('param', key);
      const value = cutValue('param', key, paramText(raw), logger);
      const before = this.logged.get(key);
      if (before === value) continue;
      if (before !== undefined) {
        throw new InputError(
          'TRACKING_PARAM_CHANGED',
          `Param '${key}' of MLflow run ${this.runId} was already logged as '${before}'; MLflow params cannot change (new value '${value}'). Log it under another name or as a tag.`,
        );
      }
      this.logged.set(key, value);
      fresh.push({ key, value });
    }
    return fresh;
  }
}

export function checkMetric(key: string, value: number, step: number, timestamp: number): void {
  checkKey('metric', key);
  if (typeof value !== 'number') throw new InputError('TRACKING_BAD_VALUE', `Metric '${key}' must be a number, got ${typeof value}.`);
  if (!Number.isInteger(step)) throw new InputError('TRACKING_BAD_VALUE', `Metric '${key}': step must be an integer, got ${step}.`);
  if (!Number.isInteger(timestamp) || timestamp < 0) {
    throw new InputError('TRACKING_BAD_VALUE', `Metric '${key}': timestamp must be a non-negative integer (ms), got ${timestamp}.`);
  }
}

/**
 * An artifact path relative to the run's artifact root, with forward slashes; refuses paths that
 * would leave the root.
 */
export function artifactRelPath(artifactPath: string): string {
  const normalized = path.posix.normalize(artifactPath.replace(/\\/g, '/'));
  if (
    normalized === '.' ||
    normalized === '' ||
    normalized.startsWith('../') ||
    normalized === '..' ||
    path.posix.isAbsolute(normalized) ||
    normalized.endsWith('/')
  ) {
    throw new InputError(
      'TRACKING_BAD_ARTIFACT_PATH',
      `Artifact path '${artifactPath}' must name a file inside the run's artifact folder (e.g. 'plots/confusion.svg').`,
    );
  }
  return normalized;
}

/** The account running mlspec, for MLflow's user_id and mlflow.user. */
export function currentUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return process.env.USER ?? process.env.USERNAME ?? 'unknown';
  }
}
