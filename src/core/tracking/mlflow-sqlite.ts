/**
 * A writer of MLflow's SQL tracking store in SQLite (`sqlite:///mlflow.db`, MLflow's default since
 * 3.7), from Node, in MLflow's own schema, so plain `mlflow ui` in that folder shows what mlspec logged.
 *
 * Schema versions. MLflow refuses a database whose alembic revision is not the one it expects,
 * unless one of the tables its models define is missing: then it treats the database as new and
 * runs its own migrations from the stamped revision (SqlAlchemyStore.__init__ →
 * _all_tables_exist → _initialize_tables → `alembic upgrade heads`). mlspec creates a new database
 * at revision a5b4c3d2e1f0, the one just before MLflow added the `guardrails` tables (3.13.0's
 * history): every MLflow from 3.13 on misses those tables, so it upgrades the database on open
 * with no manual step. The DDL is MLflow's own (schemas/mlflow-sqlite.sql, made by
 * tools/mlflow/sqlite_schema.py). mlspec then writes to a database at any revision, older or newer,
 * made by itself or by MLflow, as long as the tables and columns it writes are there and no
 * column it does not know is required (checked on open, see checkSchema).
 *
 * Several processes write one database at once (sweep workers, parallel `mlspec run`s): WAL
 * journal, a busy timeout, every write in one IMMEDIATE transaction (so a reader never has to
 * upgrade its lock, which SQLite refuses without waiting), and a retry when the lock stays taken.
 * Metrics, params and tags are buffered and written in one transaction per flush.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { InputError } from '../errors';
import type { Logger } from '../plugin';
import { localArtifactFolder, writeLocalArtifact } from './local-artifacts';
import {
  DATASET_CONTEXT_TAG,
  ParamLedger,
  checkKey,
  checkMetric,
  currentUser,
  cutValue,
  toMlflowDataset,
  type DatasetInput,
  type MetricRecord,
  type ParamValue,
} from './records';
import type { ArtifactSource, FoundRun, ResumeRunOptions, RunEndStatus, RunHandle, SpoolInfo, StartRunOptions, Tracker } from './tracker';

/** The revision mlspec creates (see the header); MLflow 3.13+ upgrades it on open. */
export const CREATED_REVISION = 'a5b4c3d2e1f0';
const SCHEMA_FILE = path.resolve(__dirname, '..', '..', '..', 'schemas', 'mlflow-sqlite.sql');

/** How long one statement waits for another writer's lock, then how long we keep retrying. */
const BUSY_TIMEOUT_MS = 10_000;
const RETRY_FOR_MS = 120_000;
/** Buffered metrics are written once this many wait, or this long after the first. */
const FLUSH_SIZE = 1000;
const FLUSH_INTERVAL_MS = 1000;

/** Columns mlspec writes, per table. Any other NOT NULL column without a default makes the database unusable. */
const WRITTEN_COLUMNS: Record<string, string[]> = {
  experiments: ['experiment_id', 'name', 'artifact_location', 'lifecycle_stage', 'creation_time', 'last_update_time'],
  experiment_tags: ['key', 'value', 'experiment_id'],
  runs: [
    'run_uuid',
    'name',
    'source_type',
    'source_name',
    'entry_point_name',
    'user_id',
    'status',
    'start_time',
    'end_time',
    'source_version',
    'lifecycle_stage',
    'artifact_uri',
    'experiment_id',
    'deleted_time',
  ],
  tags: ['key', 'value', 'run_uuid'],
  params: ['key', 'value', 'run_uuid'],
  metrics: ['key', 'value', 'timestamp', 'run_uuid', 'step', 'is_nan'],
  latest_metrics: ['key', 'value', 'timestamp', 'step', 'is_nan', 'run_uuid'],
  datasets: ['dataset_uuid', 'experiment_id', 'name', 'digest', 'dataset_source_type', 'dataset_source', 'dataset_schema', 'dataset_profile'],
  inputs: ['input_uuid', 'source_type', 'source_id', 'destination_type', 'destination_id'],
  input_tags: ['input_uuid', 'name', 'value'],
};

/** MLflow's SqlAlchemyStore.sanitize_metric_value: NaN is stored as 0 with is_nan; ±∞ as ±max double. */
function sanitizeMetric(value: number): { value: number; isNan: 0 | 1 } {
  if (Number.isNaN(value)) return { value: 0, isNan: 1 };
  if (value === Infinity) return { value: Number.MAX_VALUE, isNan: 0 };
  if (value === -Infinity) return { value: -Number.MAX_VALUE, isNan: 0 };
  return { value, isNan: 0 };
}

function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function isBusy(error: unknown): boolean {
  const code = (error as { code?: string }).code ?? '';
  return code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED');
}

export interface SqliteTrackerOptions {
  logger: Logger;
  /** Where experiments mlspec creates keep their artifacts; MLflow's default is ./mlruns of the working folder. */
  artifactRoot: string;
}

export class SqliteTracker implements Tracker {
  readonly kind = 'sqlite' as const;
  readonly uri: string;
  private readonly logger: Logger;
  private database?: Database.Database;

  constructor(
    /** Absolute path of the database file. */
    readonly file: string,
    private readonly options: SqliteTrackerOptions,
  ) {
    this.uri = `sqlite:///${file}`;
    this.logger = options.logger;
  }

  /**
   * Checks the database can be used without creating anything: the folder is writable, and an
   * existing database has MLflow's tables in a form mlspec can write.
   */
  async check(): Promise<void> {
    let dir = path.dirname(this.file);
    while (!fs.existsSync(dir)) {
      const parent = path.dirname(dir);
      if (parent === dir) break;
      dir = parent;
    }
    const invalid = (problem: string) =>
      new InputError('TRACKING_STORE_INVALID', `cannot use ${this.file} as an MLflow database: ${problem}; pass another --tracking-uri`);
    if (!fs.statSync(dir).isDirectory()) throw invalid(`${dir} is not a folder`);
    try {
      fs.accessSync(dir, fs.constants.W_OK);
    } catch {
      throw invalid(`${dir} is not writable`);
    }
    if (!fs.existsSync(this.file)) return;
    if (!fs.statSync(this.file).isFile()) throw invalid('it is not a file');
    let db: Database.Database;
    try {
      db = new Database(this.file, { readonly: true, fileMustExist: true, timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      throw invalid((error as Error).message);
    }
    try {
      if (tableNames(db).size > 0) checkSchema(db, this.file);
    } catch (error) {
      if (error instanceof InputError) throw error;
      throw invalid((error as Error).message);
    } finally {
      db.close();
    }
  }

  spoolInfo(): SpoolInfo[] {
    return [];
  }

  /** The open database, created on first use (never by check()). */
  get db(): Database.Database {
    if (this.database) return this.database;
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    let db: Database.Database;
    try {
      db = new Database(this.file, { timeout: BUSY_TIMEOUT_MS });
    } catch (error) {
      throw new InputError(
        'TRACKING_UNREACHABLE',
        `Cannot open the MLflow database ${this.file}: ${(error as Error).message}. Choose another with --tracking-uri.`,
      );
    }
    retryBusy(() => db.pragma('journal_mode = WAL'));
    // NORMAL is durable in WAL mode except for the last transactions before a power cut (SQLite's advice).
    db.pragma('synchronous = NORMAL');
    retryBusy(() =>
      db
        .transaction(() => {
          if (!tableNames(db).has('experiments')) this.createSchema(db);
        })
        .immediate(),
    );
    checkSchema(db, this.file);
    this.database = db;
    return db;
  }

  /** Close the database (tests and the end of a command; later calls reopen it). */
  close(): void {
    this.database?.close();
    this.database = undefined;
  }

  /** A write transaction that waits for, then retries, a lock held by another process. */
  write<T>(work: () => T): T {
    const db = this.db;
    return retryBusy(() => db.transaction(work).immediate());
  }

  async getOrCreateExperiment(name: string): Promise<string> {
    if (name.length === 0 || name.length > 256) {
      throw new InputError('TRACKING_BAD_EXPERIMENT', `Experiment names must be 1 to 256 characters in MLflow's database; got ${name.length}.`);
    }
    const row = this.write(() => {
      const found = this.db.prepare('SELECT experiment_id, lifecycle_stage, artifact_location FROM experiments WHERE name = ?').get(name) as
        { experiment_id: number; lifecycle_stage: string; artifact_location: string | null } | undefined;
      if (found) return found;
      const now = Date.now();
      const id = Number(
        this.db
          .prepare("INSERT INTO experiments (name, lifecycle_stage, creation_time, last_update_time) VALUES (?, 'active', ?, ?)")
          .run(name, now, now).lastInsertRowid,
      );
      const location = path.join(this.options.artifactRoot, String(id));
      this.db.prepare('UPDATE experiments SET artifact_location = ? WHERE experiment_id = ?').run(location, id);
      return { experiment_id: id, lifecycle_stage: 'active', artifact_location: location };
    });
    const id = String(row.experiment_id);
    if (row.lifecycle_stage !== 'active') {
      throw new InputError(
        'TRACKING_EXPERIMENT_DELETED',
        `Experiment '${name}' exists in deleted state in ${this.file}. Restore it (\`mlflow experiments restore --experiment-id ${id} --backend-store-uri ${this.uri}\`) or choose another experiment name.`,
      );
    }
    this.artifactFolderOf(row.artifact_location ?? '', `experiment '${name}'`);
    return id;
  }

  async setExperimentTags(experimentId: string, tags: Record<string, string>): Promise<void> {
    for (const key of Object.keys(tags)) checkKey('tag', key);
    this.write(() => {
      const upsert = this.db.prepare(
        'INSERT INTO experiment_tags (key, value, experiment_id) VALUES (?, ?, ?) ON CONFLICT (key, experiment_id) DO UPDATE SET value = excluded.value',
      );
      for (const [key, value] of Object.entries(tags)) upsert.run(key, value, Number(experimentId));
    });
  }

  async startRun(options: StartRunOptions): Promise<RunHandle> {
    const runId = randomUUID().replace(/-/g, '');
    const tags: Record<string, string> = { ...(options.tags ?? {}), 'mlflow.runName': options.runName };
    if (options.parentRunId) tags['mlflow.parentRunId'] = options.parentRunId;
    for (const key of Object.keys(tags)) checkKey('tag', key);
    const artifactUri = this.write(() => {
      const experiment = this.db
        .prepare('SELECT artifact_location, lifecycle_stage FROM experiments WHERE experiment_id = ?')
        .get(Number(options.experimentId)) as { artifact_location: string | null; lifecycle_stage: string } | undefined;
      if (!experiment || experiment.lifecycle_stage !== 'active') {
        throw new InputError('TRACKING_NO_EXPERIMENT', `No active experiment with id ${options.experimentId} in ${this.file}.`);
      }
      // As SqlAlchemyStore.create_run: <experiment artifact location>/<run id>/artifacts.
      const uri = `${(experiment.artifact_location ?? '').replace(/\/+$/, '')}/${runId}/artifacts`;
      this.db
        .prepare(
          `INSERT INTO runs (run_uuid, name, source_type, source_name, entry_point_name, user_id, status, start_time, end_time, source_version, lifecycle_stage, artifact_uri, experiment_id, deleted_time)
           VALUES (?, ?, 'LOCAL', '', '', ?, 'RUNNING', ?, NULL, '', 'active', ?, ?, NULL)`,
        )
        .run(runId, options.runName, tags['mlflow.user'] ?? currentUser(), options.startTime ?? Date.now(), uri, Number(options.experimentId));
      const insertTag = this.db.prepare('INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?)');
      for (const [key, value] of Object.entries(tags)) insertTag.run(key, cutValue('tag', key, value, this.logger), runId);
      return uri;
    });
    return new SqliteRunHandle(this, runId, options.experimentId, artifactUri, this.logger);
  }

  async resumeRun(runId: string, _options?: ResumeRunOptions): Promise<RunHandle> {
    const run = this.db.prepare('SELECT experiment_id, lifecycle_stage, artifact_uri FROM runs WHERE run_uuid = ?').get(runId) as
      { experiment_id: number; lifecycle_stage: string; artifact_uri: string } | undefined;
    if (!run) throw new InputError('TRACKING_NO_RUN', `No run ${runId} in ${this.file}.`);
    if (run.lifecycle_stage !== 'active')
      throw new InputError('TRACKING_RUN_DELETED', `Run ${runId} in ${this.file} is deleted; restore it before logging to it.`);
    const latest = this.db.prepare('SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = ?').all(runId) as Array<{
      key: string;
      value: number;
      is_nan: number;
    }>;
    const params = this.db.prepare('SELECT key, value FROM params WHERE run_uuid = ?').all(runId) as Array<{ key: string; value: string }>;
    const handle = new SqliteRunHandle(
      this,
      runId,
      String(run.experiment_id),
      run.artifact_uri,
      this.logger,
      new Map(latest.map((m) => [m.key, m.is_nan ? NaN : m.value])),
    );
    for (const p of params) handle.ledger.remember(p.key, p.value);
    return handle;
  }

  async deleteRun(runId: string): Promise<void> {
    // As SqlAlchemyStore.delete_run: the run stays, marked deleted (restorable).
    const changed = this.write(
      () => this.db.prepare("UPDATE runs SET lifecycle_stage = 'deleted', deleted_time = ? WHERE run_uuid = ?").run(Date.now(), runId).changes,
    );
    if (changed === 0) throw new InputError('TRACKING_NO_RUN', `No run ${runId} in ${this.file}.`);
  }

  async findRuns(experimentId: string, tag: { key: string; value: string }): Promise<FoundRun[]> {
    const rows = this.db
      .prepare(
        `SELECT r.run_uuid AS runId, r.status AS status, t2.key AS key, t2.value AS value FROM runs r
         JOIN tags t ON t.run_uuid = r.run_uuid AND t.key = ? AND t.value = ?
         JOIN tags t2 ON t2.run_uuid = r.run_uuid
         WHERE r.experiment_id = ? AND r.lifecycle_stage = 'active' ORDER BY r.start_time, r.run_uuid`,
      )
      .all(tag.key, tag.value, Number(experimentId)) as Array<{ runId: string; status: string; key: string; value: string }>;
    const runs = new Map<string, FoundRun>();
    for (const row of rows) {
      const run = runs.get(row.runId) ?? { runId: row.runId, status: row.status, tags: {} };
      run.tags[row.key] = row.value;
      runs.set(row.runId, run);
    }
    return [...runs.values()];
  }

  /** The local folder artifacts at `uri` go to; refuses a location only a server can write, before anything is logged. */
  artifactFolderOf(uri: string, what: string): string {
    const folder = localArtifactFolder(uri);
    if (folder === undefined || uri === '') {
      throw new InputError(
        'TRACKING_ARTIFACTS_UNSUPPORTED',
        `${what} in ${this.file} keeps its artifacts at '${uri}', which only an MLflow server can write: start \`mlflow server --backend-store-uri ${this.uri}\` and pass --tracking-uri http://HOST:PORT, or choose another experiment name.`,
      );
    }
    return folder;
  }

  private createSchema(db: Database.Database): void {
    db.exec(fs.readFileSync(SCHEMA_FILE, 'utf8'));
    const now = Date.now();
    // MLflow's SqlAlchemyStore._create_default_experiment.
    db.prepare(
      "INSERT INTO experiments (experiment_id, name, artifact_location, lifecycle_stage, creation_time, last_update_time) VALUES (0, 'Default', ?, 'active', ?, ?)",
    ).run(path.join(this.options.artifactRoot, '0'), now, now);
  }
}

function tableNames(db: Database.Database): Set<string> {
  return new Set((db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as Array<{ name: string }>).map((r) => r.name));
}

/**
 * Refuses a database mlspec cannot write correctly: a table or column it writes is missing, or a
 * column it does not fill is required. Names the revision and the fix.
 */
function checkSchema(db: Database.Database, file: string): void {
  const tables = tableNames(db);
  const revision = tables.has('alembic_version')
    ? ((db.prepare('SELECT version_num FROM alembic_version').get() as { version_num?: string } | undefined)?.version_num ?? 'none')
    : 'none';
  const problems: string[] = [];
  for (const [table, written] of Object.entries(WRITTEN_COLUMNS)) {
    if (!tables.has(table)) {
      problems.push(`table ${table} is missing`);
      continue;
    }
    const columns = db.pragma(`table_info(${table})`) as Array<{ name: string; notnull: number; dflt_value: unknown; pk: number }>;
    const names = new Set(columns.map((c) => c.name));
    for (const column of written) if (!names.has(column)) problems.push(`column ${table}.${column} is missing`);
    for (const column of columns) {
      // experiment_id is an INTEGER PRIMARY KEY: SQLite fills it.
      const filled = written.includes(column.name) || (table === 'experiments' && column.name === 'experiment_id');
      if (!filled && column.notnull && column.dflt_value === null)
        problems.push(`column ${table}.${column.name} is required and mlspec does not know it`);
    }
  }
  if (problems.length === 0) return;
  throw new InputError(
    'TRACKING_STORE_SCHEMA',
    `${file} is not an MLflow tracking database mlspec can write (schema revision ${revision}: ${problems.slice(0, 3).join('; ')}). If MLflow made it, bring it to a supported schema with \`mlflow db upgrade sqlite:///${file}\` (MLflow 3.13 or newer), or pass another --tracking-uri.`,
  );
}

/** Runs `work`, retrying while another process holds the database lock past the busy timeout. */
function retryBusy<T>(work: () => T): T {
  const deadline = Date.now() + RETRY_FOR_MS;
  for (let attempt = 0; ; attempt++) {
    try {
      return work();
    } catch (error) {
      if (!isBusy(error) || Date.now() > deadline) throw error;
      sleepSync(Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random() / 2));
    }
  }
}

class SqliteRunHandle implements RunHandle {
  readonly ledger: ParamLedger;
  private metrics: MetricRecord[] = [];
  private params: Array<{ key: string; value: string }> = [];
  private tags: Record<string, string> = {};
  private timer?: NodeJS.Timeout;
  private failure?: unknown;

  constructor(
    private readonly tracker: SqliteTracker,
    readonly runId: string,
    readonly experimentId: string,
    private readonly artifactUri: string,
    private readonly logger: Logger,
    readonly metricsAtOpen: ReadonlyMap<string, number> = new Map(),
  ) {
    this.ledger = new ParamLedger(runId);
  }

  logParams(params: Record<string, ParamValue>): void {
    this.params.push(...this.ledger.admit(params, this.logger));
    this.schedule();
  }

  logMetric(key: string, value: number, step = 0, timestamp = Date.now()): void {
    checkMetric(key, value, step, timestamp);
    this.metrics.push({ key, value, step, timestamp });
    if (this.metrics.length >= FLUSH_SIZE) this.flushNow();
    else this.schedule();
  }

  setTags(tags: Record<string, string>): void {
    for (const [key, value] of Object.entries(tags)) {
      checkKey('tag', key);
      this.tags[key] = cutValue('tag', key, value, this.logger);
    }
    this.schedule();
  }

  async logInputs(inputs: DatasetInput[]): Promise<void> {
    const experimentId = Number(this.experimentId);
    this.tracker.write(() => {
      const db = this.tracker.db;
      const findDataset = db.prepare('SELECT dataset_uuid FROM datasets WHERE experiment_id = ? AND name = ? AND digest = ?');
      const insertDataset = db.prepare(
        'INSERT INTO datasets (dataset_uuid, experiment_id, name, digest, dataset_source_type, dataset_source, dataset_schema, dataset_profile) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      );
      const findInput = db.prepare(
        "SELECT input_uuid FROM inputs WHERE source_type = 'DATASET' AND source_id = ? AND destination_type = 'RUN' AND destination_id = ?",
      );
      const insertInput = db.prepare(
        "INSERT INTO inputs (input_uuid, source_type, source_id, destination_type, destination_id) VALUES (?, 'DATASET', ?, 'RUN', ?)",
      );
      const insertTag = db.prepare('INSERT INTO input_tags (input_uuid, name, value) VALUES (?, ?, ?)');
      // As SqlAlchemyStore._log_inputs_impl: one dataset per (experiment, name, digest), one input per dataset and run.
      for (const input of inputs) {
        const dataset = toMlflowDataset(input);
        let datasetUuid = (findDataset.get(experimentId, dataset.name, dataset.digest) as { dataset_uuid: string } | undefined)?.dataset_uuid;
        if (!datasetUuid) {
          datasetUuid = randomUUID().replace(/-/g, '');
          insertDataset.run(
            datasetUuid,
            experimentId,
            dataset.name,
            dataset.digest,
            dataset.source_type,
            dataset.source,
            dataset.schema ?? null,
            dataset.profile ?? null,
          );
        }
        if (findInput.get(datasetUuid, this.runId)) continue;
        const inputUuid = randomUUID().replace(/-/g, '');
        insertInput.run(inputUuid, datasetUuid, this.runId);
        insertTag.run(inputUuid, DATASET_CONTEXT_TAG, input.context);
      }
    });
  }

  async logArtifact(source: ArtifactSource, artifactPath: string): Promise<void> {
    writeLocalArtifact(this.tracker.artifactFolderOf(this.artifactUri, `Run ${this.runId}`), source, artifactPath);
  }

  async flush(): Promise<void> {
    this.flushNow();
  }

  async end(status: RunEndStatus, endTime: number = Date.now()): Promise<void> {
    this.flushNow();
    this.tracker.write(() => this.tracker.db.prepare('UPDATE runs SET status = ?, end_time = ? WHERE run_uuid = ?').run(status, endTime, this.runId));
  }

  /** Buffered records are written within FLUSH_INTERVAL_MS even when nothing else is logged (a live view in `mlflow ui`). */
  private schedule(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      try {
        this.flushNow();
      } catch (error) {
        this.failure ??= error;
      }
    }, FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  private flushNow(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined;
      throw failure;
    }
    const metrics = this.metrics;
    const params = this.params;
    const tags = this.tags;
    if (metrics.length === 0 && params.length === 0 && Object.keys(tags).length === 0) return;
    this.metrics = [];
    this.params = [];
    this.tags = {};
    this.tracker.write(() => {
      const db = this.tracker.db;
      const run = db.prepare('SELECT lifecycle_stage FROM runs WHERE run_uuid = ?').get(this.runId) as { lifecycle_stage: string } | undefined;
      if (!run) throw new InputError('TRACKING_NO_RUN', `No run ${this.runId} in ${this.tracker.file}.`);
      if (params.length > 0) {
        const insert = db.prepare('INSERT INTO params (key, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT (key, run_uuid) DO NOTHING');
        const read = db.prepare('SELECT value FROM params WHERE key = ? AND run_uuid = ?');
        for (const { key, value } of params) {
          if (insert.run(key, value, this.runId).changes > 0) continue;
          const before = (read.get(key, this.runId) as { value: string }).value;
          if (before !== value) {
            throw new InputError(
              'TRACKING_PARAM_CHANGED',
              `Param '${key}' of MLflow run ${this.runId} was already logged as '${before}'; MLflow params cannot change (new value '${value}'). Log it under another name or as a tag.`,
            );
          }
        }
      }
      if (Object.keys(tags).length > 0) {
        const upsert = db.prepare(
          'INSERT INTO tags (key, value, run_uuid) VALUES (?, ?, ?) ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value',
        );
        for (const [key, value] of Object.entries(tags)) upsert.run(key, value, this.runId);
        // The run's name column follows the mlflow.runName tag, as in SqlAlchemyStore.
        if (tags['mlflow.runName'] !== undefined) db.prepare('UPDATE runs SET name = ? WHERE run_uuid = ?').run(tags['mlflow.runName'], this.runId);
      }
      if (metrics.length > 0) {
        const insert = db.prepare(
          'INSERT INTO metrics (key, value, timestamp, run_uuid, step, is_nan) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING',
        );
        // latest_metrics keeps the entry with the highest (step, timestamp, value), as MLflow's _update_latest_metrics_if_necessary.
        const latest = db.prepare(
          `INSERT INTO latest_metrics (key, value, timestamp, step, is_nan, run_uuid) VALUES (?, ?, ?, ?, ?, ?)
           ON CONFLICT (key, run_uuid) DO UPDATE SET value = excluded.value, timestamp = excluded.timestamp, step = excluded.step, is_nan = excluded.is_nan
           WHERE (excluded.step, excluded.timestamp, excluded.value) > (latest_metrics.step, latest_metrics.timestamp, latest_metrics.value)`,
        );
        for (const metric of metrics) {
          const { value, isNan } = sanitizeMetric(metric.value);
          insert.run(metric.key, value, metric.timestamp, this.runId, metric.step, isNan);
          latest.run(metric.key, value, metric.timestamp, metric.step, isNan, this.runId);
        }
      }
    });
  }
}
