/**
 * Which MLflow store a command logs to, decided in one place: the URI's precedence (the
 * --tracking-uri flag, then MLFLOW_TRACKING_URI, then the spec's `tracking.uri`, then the default
 * store), what a URI means, and the Tracker that writes it.
 *
 * The default store follows MLflow's own rule (mlflow/tracking/_tracking_service/utils.py, 3.7+):
 * `sqlite:///mlflow.db` in the working folder, unless that folder has no mlflow.db but holds
 * ./mlruns experiments (a meta.yaml in a numbered folder), which stay where they are.
 */
import * as fs from 'fs';
import * as path from 'path';
import { fileURLToPath } from 'url';
import { InputError } from '../errors';
import { FileTracker } from './mlflow-file';
import { SqliteTracker } from './mlflow-sqlite';
import { redactUri } from './redact';
import { RestTracker } from './rest-tracker';
import { stderrLogger, type Tracker, type TrackerOptions } from './tracker';

export const DEFAULT_DATABASE = 'mlflow.db';
export const FILE_STORE_FOLDER = 'mlruns';
export const DEFAULT_SPOOL_DIR = '.mlspec-spool';

export type TrackingUriSource = '--tracking-uri' | 'MLFLOW_TRACKING_URI' | 'spec' | 'default';

/** The URI a command uses and where it came from: the flag, then the variable, then the spec, then the default store. */
export function chooseTrackingUri(given: { flag?: string; env?: Record<string, string | undefined>; spec?: string }): {
  uri: string | undefined;
  source: TrackingUriSource;
} {
  const set = (value: string | undefined) => value !== undefined && value.trim() !== '';
  if (set(given.flag)) return { uri: given.flag!.trim(), source: '--tracking-uri' };
  const variable = (given.env ?? process.env).MLFLOW_TRACKING_URI;
  if (set(variable)) return { uri: variable!.trim(), source: 'MLFLOW_TRACKING_URI' };
  if (set(given.spec)) return { uri: given.spec!.trim(), source: 'spec' };
  return { uri: undefined, source: 'default' };
}

export type ResolvedTrackingUri = { kind: 'rest'; uri: string } | { kind: 'file'; root: string } | { kind: 'sqlite'; file: string };

/** MLflow's _has_existing_mlruns_data: a numbered folder with a meta.yaml. */
export function holdsFileStoreRuns(folder: string): boolean {
  try {
    return fs
      .readdirSync(folder, { withFileTypes: true })
      .some((entry) => entry.isDirectory() && /^\d+$/.test(entry.name) && fs.existsSync(path.join(folder, entry.name, 'meta.yaml')));
  } catch {
    return false;
  }
}

/** The default store in `cwd`, by MLflow's rule (see the header). */
export function defaultStore(cwd: string): ResolvedTrackingUri {
  const database = path.join(cwd, DEFAULT_DATABASE);
  const folder = path.join(cwd, FILE_STORE_FOLDER);
  if (!fs.existsSync(database) && holdsFileStoreRuns(folder)) return { kind: 'file', root: folder };
  return { kind: 'sqlite', file: database };
}

/** Which implementation a URI selects, with a local store's path made absolute. */
export function resolveTrackingUri(uri: string | undefined, cwd: string = process.cwd()): ResolvedTrackingUri {
  const given = uri?.trim() ?? '';
  if (given === '') return defaultStore(cwd);
  if (/^https?:\/\//i.test(given)) return { kind: 'rest', uri: given.replace(/\/+$/, '') };
  if (/^sqlite:/i.test(given)) return { kind: 'sqlite', file: sqlitePath(given, cwd) };
  if (/^file:/i.test(given)) {
    // file:///abs/path, or file:relative/path as MLflow also accepts.
    const root = given.startsWith('file://') ? fileURLToPath(given) : given.slice('file:'.length);
    return { kind: 'file', root: path.resolve(cwd, root) };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(given) || /^(databricks|postgresql|mysql|mssql)/i.test(given)) throw unsupportedUri(given);
  return { kind: 'file', root: path.resolve(cwd, given) };
}

/** SQLAlchemy's reading: sqlite:///relative.db (three slashes), sqlite:////absolute.db (four); no in-memory database. */
function sqlitePath(uri: string, cwd: string): string {
  const match = /^sqlite:\/\/\/([^?]+)(\?.*)?$/i.exec(uri);
  if (!match || match[1] === ':memory:') {
    throw new InputError(
      'TRACKING_URI_UNSUPPORTED',
      `Tracking URI '${redactUri(uri)}' names no database file: use sqlite:///mlflow.db (relative to this folder) or sqlite:////absolute/path/mlflow.db.`,
    );
  }
  return path.resolve(cwd, decodeURIComponent(match[1]));
}

function unsupportedUri(uri: string): InputError {
  const safe = redactUri(uri);
  return new InputError(
    'TRACKING_URI_UNSUPPORTED',
    `Tracking URI '${safe}' is not supported: use an MLflow server (http://host:port), a SQLite database (sqlite:///mlflow.db) or a local folder (./mlruns or file:///path). For another database, run \`mlflow server --backend-store-uri ${safe.split('?')[0]}\` and point mlspec at the server.`,
  );
}

/** The tracker for a URI (undefined: the default store). */
export function openTracker(uri: string | undefined, options: TrackerOptions = {}): Tracker {
  const cwd = options.cwd ?? process.cwd();
  const resolved = resolveTrackingUri(uri, cwd);
  const logger = options.logger ?? stderrLogger;
  if (resolved.kind === 'file') return new FileTracker(resolved.root, { logger });
  // MLflow's client gives experiments it creates in a SQL store the artifact root ./mlruns of the working folder.
  if (resolved.kind === 'sqlite') return new SqliteTracker(resolved.file, { logger, artifactRoot: path.join(cwd, FILE_STORE_FOLDER) });
  return new RestTracker(resolved.uri, {
    logger,
    spoolDir: path.resolve(cwd, options.spoolDir ?? DEFAULT_SPOOL_DIR),
    retry: options.retry,
    env: options.env ?? process.env,
    flushSize: options.flushSize,
    flushIntervalMs: options.flushIntervalMs,
  });
}

/**
 * The command that shows a local store in MLflow's UI, run from `cwd`, with what today's MLflow
 * needs (the file store is refused from 3.13 without MLFLOW_ALLOW_FILE_STORE=true); undefined
 * for a server. Never contains a secret (local paths only).
 */
export function openCommand(tracker: Tracker, cwd: string = process.cwd()): string | undefined {
  const shown = (absolute: string) => {
    const relative = path.relative(cwd, absolute);
    return relative === '' ? '.' : relative.startsWith('..') || path.isAbsolute(relative) ? absolute : `./${relative}`;
  };
  if (tracker instanceof SqliteTracker) {
    if (tracker.file === path.join(cwd, DEFAULT_DATABASE)) return 'mlflow ui';
    const place = shown(tracker.file);
    return `mlflow ui --backend-store-uri sqlite:///${place.startsWith('./') ? place.slice(2) : place}`;
  }
  if (tracker instanceof FileTracker) return `MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ${shown(tracker.root)}`;
  return undefined;
}

/**
 * The page of an experiment in the UI `mlflow ui` serves. MLflow 3.17's UI opens in its GenAI
 * view unless told otherwise (its workflowType, kept per browser); this link opens the runs.
 */
export function experimentPage(experimentId: string | undefined): string {
  return experimentId === undefined ? 'http://127.0.0.1:5000' : `http://127.0.0.1:5000/#/experiments/${experimentId}?workflowType=machine_learning`;
}
