/**
 * The SQLite store (sqlite:///mlflow.db) mlspec writes from Node, read back by MLflow itself
 * (tools/mlflow/read_store.py: mlflow.search_runs, get_metric_history, artifact downloads), and
 * MLflow writing into a database mlspec made and the other way round. Runs against the MLflow in
 * $MLSPEC_PYTHON_VENV (default .venv, the newest release; the oldest-MLflow tier points it at
 * .venv-mlflow-oldest).
 */
import Database from 'better-sqlite3';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import type { Logger } from '../../src/core/plugin';
import { CREATED_REVISION } from '../../src/core/tracking/mlflow-sqlite';
import { openCommand, openTracker, resolveTrackingUri } from '../../src/core/tracking/open-tracker';
import { syncSpool } from '../../src/core/tracking/sync';
import { freePort, REPO_ROOT, runPython } from '../helpers/mlflow-server';

jest.setTimeout(240_000);

const READ_STORE = path.join(REPO_ROOT, 'tools', 'mlflow', 'read_store.py');

interface DumpedRun {
  run_id: string;
  run_name: string;
  experiment_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  user_id: string;
  lifecycle_stage: string;
  artifact_uri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, number | string>;
  metric_history: Record<string, { value: number | string; step: number; timestamp: number }[]>;
  inputs: {
    name: string;
    digest: string;
    source_type: string;
    source: string;
    profile: string | null;
    schema: string | null;
    tags: Record<string, string>;
  }[];
  artifacts?: Record<string, string>;
}

interface Dump {
  experiments: { experiment_id: string; name: string; artifact_location: string; lifecycle_stage: string; runs: DumpedRun[] }[];
}

function readStore(uri: string, cwd?: string): Dump {
  return JSON.parse(runPython([READ_STORE, uri, '--artifacts'], { cwd })) as Dump;
}

function mlflowVersion(): string {
  return runPython(['-c', 'import mlflow; print(mlflow.__version__)']).trim();
}

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-sqlite-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
}

function folder(name: string): string {
  const dir = path.join(scratch, name);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

test("the default store is sqlite:///mlflow.db, unless the folder holds ./mlruns runs and no mlflow.db (MLflow's rule)", () => {
  const empty = folder('default-empty');
  expect(resolveTrackingUri(undefined, empty)).toEqual({ kind: 'sqlite', file: path.join(empty, 'mlflow.db') });
  expect(resolveTrackingUri('sqlite:///runs/x.db', '/w')).toEqual({ kind: 'sqlite', file: '/w/runs/x.db' });
  expect(resolveTrackingUri('sqlite:////data/m%20l.db', '/w')).toEqual({ kind: 'sqlite', file: '/data/m l.db' });
  expect(() => resolveTrackingUri('sqlite://', '/w')).toThrow(expect.objectContaining({ code: 'TRACKING_URI_UNSUPPORTED' }));
  expect(() => resolveTrackingUri('sqlite:///:memory:', '/w')).toThrow(expect.objectContaining({ code: 'TRACKING_URI_UNSUPPORTED' }));
  expect(() => resolveTrackingUri('postgresql://ana:s3cret@db/mlflow', '/w')).toThrow(
    expect.objectContaining({ message: expect.not.stringContaining('s3cret') }),
  );

  // An mlruns folder with only artifacts in it (what the SQLite store puts there) is not a file store.
  const artifactsOnly = folder('default-artifacts-only');
  fs.mkdirSync(path.join(artifactsOnly, 'mlruns', '1', 'abc', 'artifacts'), { recursive: true });
  expect(resolveTrackingUri(undefined, artifactsOnly).kind).toBe('sqlite');

  const legacy = folder('default-legacy');
  fs.mkdirSync(path.join(legacy, 'mlruns', '0'), { recursive: true });
  fs.writeFileSync(path.join(legacy, 'mlruns', '0', 'meta.yaml'), 'name: Default\n');
  expect(resolveTrackingUri(undefined, legacy)).toEqual({ kind: 'file', root: path.join(legacy, 'mlruns') });
  expect(openCommand(openTracker(undefined, { cwd: legacy }), legacy)).toBe('MLFLOW_ALLOW_FILE_STORE=true mlflow ui --backend-store-uri ./mlruns');
  fs.writeFileSync(path.join(legacy, 'mlflow.db'), '');
  expect(resolveTrackingUri(undefined, legacy).kind).toBe('sqlite');
  expect(openCommand(openTracker(undefined, { cwd: legacy }), legacy)).toBe('mlflow ui');
  expect(openCommand(openTracker('sqlite:///sub/t.db', { cwd: legacy }), legacy)).toBe('mlflow ui --backend-store-uri sqlite:///sub/t.db');
});

test(`runs written to mlflow.db read back identically through MLflow, which upgrades the schema mlspec made (${CREATED_REVISION}) on open`, async () => {
  const cwd = folder('project');
  const logger = recordingLogger();
  const tracker = openTracker(undefined, { cwd, logger });
  expect(tracker.kind).toBe('sqlite');
  await tracker.check();
  expect(fs.existsSync(path.join(cwd, 'mlflow.db'))).toBe(false); // checking writes nothing
  const experimentId = await tracker.getOrCreateExperiment('sqlite experiment');
  expect(await tracker.getOrCreateExperiment('sqlite experiment')).toBe(experimentId);
  expect(experimentId).toBe('1');
  await tracker.setExperimentTags(experimentId, { 'mlflow.experimentKind': 'custom_model_development' });

  const parent = await tracker.startRun({
    experimentId,
    runName: 'parent',
    startTime: 1_700_000_000_000,
    tags: { 'mlflow.user': 'tester', 'mlflow.note.content': 'A **note**\nwith two lines' },
  });
  const child = await tracker.startRun({ experimentId, runName: 'lr/fold-1', parentRunId: parent.runId, startTime: 1_700_000_000_500 });
  child.logParams({ 'model.C': 0.25, 'featurizer.ngramRange': '[1,2]', lowercase: false, long: 'é'.repeat(6500) });
  child.logParams({ 'model.C': 0.25 });
  expect(() => child.logParams({ 'model.C': 1 })).toThrow(expect.objectContaining({ code: 'TRACKING_PARAM_CHANGED' }));
  expect(() => child.logMetric('../escape', 1)).toThrow(expect.objectContaining({ code: 'TRACKING_BAD_KEY' }));
  expect(logger.warnings).toHaveLength(1);
  for (let epoch = 1; epoch <= 4; epoch++) {
    child.logMetric('train/loss', 1 / (epoch + 2), epoch, 1_700_000_001_000 + epoch);
    child.logMetric('accuracy', epoch / 10, epoch, 1_700_000_001_000 + epoch);
  }
  child.logMetric('nan_metric', NaN, 0, 1_700_000_002_000);
  child.logMetric('inf_metric', Infinity, 0, 1_700_000_002_000);
  child.logMetric('tiny', 1e-7, 0, 1_700_000_002_000);
  child.setTags({ 'mlspec.pipeline': 'lr', note: 'first' });
  child.setTags({ note: 'second' });
  await child.logInputs([
    { name: 'ArSenTD-LEV', digest: 'f'.repeat(64), sourcePath: '/data/ArSenTD-LEV.tsv', context: 'training', rows: 800 },
    { name: 'ArSenTD-LEV', digest: 'e'.repeat(64), sourcePath: '/data/ArSenTD-LEV.tsv', context: 'testing', rows: 200 },
  ]);
  const localFile = path.join(scratch, 'local.txt');
  fs.writeFileSync(localFile, 'copied\n');
  await child.logArtifact({ file: localFile }, 'reports/local.txt');
  await child.logArtifact({ bytes: 'مرحبا\n' }, 'arabic.txt');
  await child.logArtifact({ bytes: new Uint8Array([0x7b, 0x7d]) }, 'confusion_matrix.json');
  await expect(child.logArtifact({ bytes: 'x' }, '../outside.txt')).rejects.toMatchObject({ code: 'TRACKING_BAD_ARTIFACT_PATH' });
  await child.end('FAILED', 1_700_000_003_000);
  await parent.end('FINISHED', 1_700_000_004_000);

  const resumed = await tracker.resumeRun(parent.runId);
  expect(resumed.experimentId).toBe(experimentId);
  resumed.logMetric('best_accuracy', 0.4, 0, 1_700_000_005_000);
  resumed.logParams({ sweep: 'yes' });
  await resumed.end('KILLED', 1_700_000_006_000);
  expect(await tracker.findRuns(experimentId, { key: 'mlspec.pipeline', value: 'lr' })).toEqual([
    { runId: child.runId, status: 'FAILED', tags: expect.objectContaining({ note: 'second', 'mlflow.runName': 'lr/fold-1' }) },
  ]);

  const database = path.join(cwd, 'mlflow.db');
  const before = new Database(database, { readonly: true });
  expect(before.prepare('SELECT version_num FROM alembic_version').get()).toEqual({ version_num: CREATED_REVISION });
  before.close();

  // MLflow reads it as `mlflow ui` in that folder would: the default tracking URI, no flag.
  const dump = readStore('sqlite:///mlflow.db', cwd);
  expect(dump.experiments.map((e) => [e.experiment_id, e.name, e.lifecycle_stage])).toEqual([
    ['0', 'Default', 'active'],
    [experimentId, 'sqlite experiment', 'active'],
  ]);
  const experiment = dump.experiments[1];
  expect(experiment.artifact_location).toBe(path.join(cwd, 'mlruns', experimentId));
  const byName = Object.fromEntries(experiment.runs.map((r) => [r.run_name, r]));
  const c = byName['lr/fold-1'];
  expect(c).toMatchObject({
    run_id: child.runId,
    status: 'FAILED',
    start_time: 1_700_000_000_500,
    end_time: 1_700_000_003_000,
    experiment_id: experimentId,
  });
  expect(c.params).toEqual({ 'model.C': '0.25', 'featurizer.ngramRange': '[1,2]', lowercase: 'false', long: 'é'.repeat(6000) });
  expect(c.tags).toMatchObject({ 'mlflow.parentRunId': parent.runId, 'mlflow.runName': 'lr/fold-1', 'mlspec.pipeline': 'lr', note: 'second' });
  expect(c.metric_history['train/loss']).toEqual([1, 2, 3, 4].map((e) => ({ value: 1 / (e + 2), step: e, timestamp: 1_700_000_001_000 + e })));
  expect(c.metric_history.accuracy.map((m) => m.value)).toEqual([0.1, 0.2, 0.3, 0.4]);
  // MLflow's SQL store keeps ±∞ as ±max double (SqlAlchemyStore.sanitize_metric_value), and so do we.
  expect(c.metrics).toMatchObject({ 'train/loss': 1 / 6, accuracy: 0.4, nan_metric: 'NaN', inf_metric: Number.MAX_VALUE, tiny: 1e-7 });
  expect(c.inputs).toEqual([
    {
      name: 'ArSenTD-LEV',
      digest: 'e'.repeat(36),
      source_type: 'local',
      source: '{"uri":"/data/ArSenTD-LEV.tsv"}',
      profile: '{"num_rows":200}',
      schema: null,
      tags: { 'mlflow.data.context': 'testing' },
    },
    {
      name: 'ArSenTD-LEV',
      digest: 'f'.repeat(36),
      source_type: 'local',
      source: '{"uri":"/data/ArSenTD-LEV.tsv"}',
      profile: '{"num_rows":800}',
      schema: null,
      tags: { 'mlflow.data.context': 'training' },
    },
  ]);
  expect(c.artifacts).toEqual({ 'arabic.txt': 'مرحبا\n', 'confusion_matrix.json': '{}', 'reports/local.txt': 'copied\n' });
  const p = byName.parent;
  expect(p).toMatchObject({ status: 'KILLED', end_time: 1_700_000_006_000, user_id: 'tester', params: { sweep: 'yes' } });
  expect(p.tags['mlflow.note.content']).toBe('A **note**\nwith two lines');
  expect(p.metric_history.best_accuracy).toEqual([{ value: 0.4, step: 0, timestamp: 1_700_000_005_000 }]);

  // MLflow upgraded the database on open, to its own head, and mlspec keeps writing into it.
  const upgraded = new Database(database, { readonly: true });
  const revision = (upgraded.prepare('SELECT version_num FROM alembic_version').get() as { version_num: string }).version_num;
  expect(revision).not.toBe(CREATED_REVISION);
  expect(upgraded.prepare("SELECT count(*) AS n FROM sqlite_master WHERE name = 'guardrails'").get()).toEqual({ n: 1 });
  upgraded.close();
  const again = openTracker(undefined, { cwd });
  await again.check();
  const later = await again.startRun({ experimentId, runName: 'after-upgrade' });
  later.logMetric('m', 2, 3, 1_700_000_007_000);
  await later.end('FINISHED');
  const reread = readStore('sqlite:///mlflow.db', cwd).experiments[1].runs.find((r) => r.run_name === 'after-upgrade')!;
  expect(reread.metric_history.m).toEqual([{ value: 2, step: 3, timestamp: 1_700_000_007_000 }]);
});

test("MLflow and mlspec share one database: each finds and extends the other's experiments, in a database MLflow created", async () => {
  const cwd = folder('shared');
  // MLflow creates the database (at its own head revision) and an experiment first.
  const script = [
    'import mlflow',
    'mlflow.set_tracking_uri("sqlite:///mlflow.db")',
    'exp = mlflow.set_experiment("made-by-mlflow")',
    'with mlflow.start_run(run_name="from-mlflow"):',
    '    mlflow.log_metric("m", 2, step=1)',
    '    mlflow.log_text("hello", "hello.txt")',
    'print(exp.experiment_id)',
  ].join('\n');
  const otherId = runPython(['-c', script], { cwd }).trim().split('\n').pop()!;
  const tracker = openTracker('sqlite:///mlflow.db', { cwd });
  await tracker.check();
  expect(await tracker.getOrCreateExperiment('made-by-mlflow')).toBe(otherId);
  const ours = await tracker.startRun({ experimentId: otherId, runName: 'from-mlspec' });
  ours.logParams({ a: 1 });
  ours.logMetric('m', 1, 0, 1_700_000_000_000);
  await ours.logArtifact({ bytes: 'hi' }, 'hi.txt');
  await ours.end('FINISHED');
  const mine = await tracker.getOrCreateExperiment('made-by-mlspec');

  const seen = runPython(
    [
      '-c',
      [
        'import mlflow',
        'mlflow.set_tracking_uri("sqlite:///mlflow.db")',
        'exp = mlflow.set_experiment("made-by-mlspec")',
        'print(exp.experiment_id)',
        'with mlflow.start_run(run_name="mlflow-into-mlspec"):',
        '    mlflow.log_param("b", 2)',
      ].join('\n'),
    ],
    { cwd },
  )
    .trim()
    .split('\n')
    .pop();
  expect(seen).toBe(mine);
  const dump = readStore('sqlite:///mlflow.db', cwd);
  const other = dump.experiments.find((e) => e.name === 'made-by-mlflow')!;
  expect(other.runs.map((r) => [r.run_name, r.params]).sort()).toEqual([
    ['from-mlflow', {}],
    ['from-mlspec', { a: '1' }],
  ]);
  expect(other.runs.find((r) => r.run_name === 'from-mlspec')!.artifacts).toEqual({ 'hi.txt': 'hi' });
  expect(dump.experiments.find((e) => e.name === 'made-by-mlspec')!.runs.map((r) => [r.run_name, r.params])).toEqual([
    ['mlflow-into-mlspec', { b: '2' }],
  ]);
});

test('deleted experiments and runs: not silently recreated; MLflow lists a deleted run as deleted and can restore it', async () => {
  const cwd = folder('deleting');
  const tracker = openTracker(undefined, { cwd });
  const id = await tracker.getOrCreateExperiment('gone');
  const kept = await tracker.startRun({ experimentId: id, runName: 'kept' });
  await kept.end('FINISHED');
  const gone = await tracker.startRun({ experimentId: id, runName: 'gone' });
  gone.logMetric('loss', 1, 1);
  await gone.end('KILLED');
  await tracker.deleteRun(gone.runId);
  await expect(tracker.resumeRun(gone.runId)).rejects.toMatchObject({ code: 'TRACKING_RUN_DELETED' });
  expect((await tracker.findRuns(id, { key: 'mlflow.runName', value: 'gone' })).length).toBe(0);
  // One Python start (seconds each): MLflow lists the runs, restores the deleted one, then deletes the experiment.
  const script = [
    'from mlflow.entities import ViewType',
    'from mlflow.tracking import MlflowClient',
    'client = MlflowClient("sqlite:///mlflow.db")',
    `runs = client.search_runs([${JSON.stringify(id)}], run_view_type=ViewType.ALL)`,
    'print(sorted([r.info.run_name, r.info.lifecycle_stage] for r in runs))',
    `client.restore_run(${JSON.stringify(gone.runId)})`,
  ].join('\n');
  expect(runPython(['-c', script], { cwd }).trim().split('\n').pop()).toBe("[['gone', 'deleted'], ['kept', 'active']]");
  expect((await tracker.resumeRun(gone.runId)).runId).toBe(gone.runId);

  runPython(['-c', `from mlflow.tracking import MlflowClient; MlflowClient("sqlite:///mlflow.db").delete_experiment(${JSON.stringify(id)})`], {
    cwd,
  });
  await expect(openTracker(undefined, { cwd }).getOrCreateExperiment('gone')).rejects.toMatchObject({ code: 'TRACKING_EXPERIMENT_DELETED' });
});

test('a resumed run knows the latest value of each metric it holds (highest step, then latest time)', async () => {
  const tracker = openTracker(undefined, { cwd: folder('resumed-metrics') });
  const experimentId = await tracker.getOrCreateExperiment('resumed-metrics');
  const run = await tracker.startRun({ experimentId, runName: 'r' });
  expect([...run.metricsAtOpen]).toEqual([]);
  run.logMetric('train/loss', 0.7, 2, 1000);
  run.logMetric('train/loss', 0.9, 1, 2000);
  run.logMetric('cv_mean', 0.25, 0, 1000);
  run.logMetric('cv_mean', 0.5, 0, 3000);
  await run.end('KILLED');
  const resumed = await tracker.resumeRun(run.runId);
  expect(Object.fromEntries(resumed.metricsAtOpen)).toEqual({ 'train/loss': 0.7, cv_mean: 0.5 });
  expect(() => resumed.logParams({})).not.toThrow();
});

test('a database mlspec cannot write is refused before anything is written, with the fix', async () => {
  const cwd = folder('foreign');
  const db = new Database(path.join(cwd, 'mlflow.db'));
  db.exec(
    "CREATE TABLE experiments (experiment_id INTEGER PRIMARY KEY, name TEXT); CREATE TABLE alembic_version (version_num TEXT); INSERT INTO alembic_version VALUES ('0123abc')",
  );
  db.close();
  const error = await openTracker(undefined, { cwd })
    .check()
    .catch((e: Error) => e);
  expect(error).toMatchObject({ code: 'TRACKING_STORE_SCHEMA', exitCode: 2 });
  expect((error as Error).message).toMatch(/schema revision 0123abc/);
  expect((error as Error).message).toMatch(/mlflow db upgrade sqlite:\/\/\//);
  const notDb = path.join(cwd, 'not-a.db');
  fs.writeFileSync(notDb, 'this is text, not SQLite');
  await expect(openTracker(`sqlite:///${notDb}`, { cwd }).check()).rejects.toMatchObject({ code: 'TRACKING_STORE_INVALID' });
});

test(`schemas/mlflow-sqlite.sql is what MLflow ${'$MLSPEC_PYTHON_VENV'}'s migrations make at ${CREATED_REVISION}`, () => {
  const made = runPython([path.join(REPO_ROOT, 'tools', 'mlflow', 'sqlite_schema.py'), CREATED_REVISION]);
  // Column and constraint order inside a table differs between MLflow releases; the set of lines does not.
  const lines = (sql: string) =>
    sql
      .split('\n')
      .filter((line) => !line.startsWith('--'))
      .map((line) => line.trim().replace(/,$/, ''))
      .filter(Boolean)
      .sort();
  expect(lines(made)).toEqual(lines(fs.readFileSync(path.join(REPO_ROOT, 'schemas', 'mlflow-sqlite.sql'), 'utf8')));
  expect(mlflowVersion()).toMatch(/^3\.\d+\.\d+$/);
});

test('mlspec sync uploads a spool into a SQLite store too', async () => {
  const cwd = folder('sync-target');
  const spoolDir = path.join(cwd, '.mlspec-spool');
  // A server that is not there: the run is spooled with a local id from its first record.
  const down = openTracker(`http://127.0.0.1:${await freePort()}`, {
    spoolDir,
    env: {},
    retry: { retries: 0, initialDelayMs: 10, maxDelayMs: 10, requestTimeoutMs: 2000 },
    logger: recordingLogger(),
  });
  const target = openTracker('sqlite:///target.db', { cwd });
  const experimentId = await target.getOrCreateExperiment('synced');
  const run = await down.startRun({ experimentId, runName: 'offline', startTime: 1_700_000_000_000, tags: { note: 'spooled' } });
  run.logParams({ a: 1 });
  run.logMetric('loss', 0.5, 1, 1_700_000_000_001);
  run.logMetric('loss', 0.25, 2, 1_700_000_000_002);
  await run.end('FINISHED', 1_700_000_000_003);
  expect(down.spoolInfo()).toHaveLength(1);
  const result = await syncSpool(spoolDir, target);
  expect(result.runs).toEqual([{ spoolRunId: run.runId, runId: expect.stringMatching(/^[0-9a-f]{32}$/), records: expect.any(Number), ended: true }]);
  const [found] = await target.findRuns(experimentId, { key: 'note', value: 'spooled' });
  expect(found).toMatchObject({ runId: result.runs[0].runId, status: 'FINISHED', tags: { 'mlflow.runName': 'offline' } });
  expect(Object.fromEntries((await target.resumeRun(found.runId)).metricsAtOpen)).toEqual({ loss: 0.25 });
});
