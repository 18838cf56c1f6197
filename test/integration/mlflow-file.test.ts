/**
 * The ./mlruns writer, read back by MLflow itself (tools/mlflow/read_store.py uses
 * mlflow.search_runs and MlflowClient.get_metric_history), and MLflow writing to a store mlspec
 * made (and the other way round).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import YAML from 'yaml';
import type { Logger } from '../../src/core/plugin';
import { experimentIdFor } from '../../src/core/tracking/mlflow-file';
import { openTracker, resolveTrackingUri } from '../../src/core/tracking/open-tracker';
import { REPO_ROOT, runPython } from '../helpers/mlflow-server';

jest.setTimeout(180_000);

const READ_STORE = path.join(REPO_ROOT, 'tools', 'mlflow', 'read_store.py');

interface DumpedRun {
  run_id: string;
  run_name: string;
  experiment_id: string;
  status: string;
  start_time: number;
  end_time: number | null;
  user_id: string;
  artifact_uri: string;
  params: Record<string, string>;
  tags: Record<string, string>;
  metrics: Record<string, number | string>;
  metric_history: Record<string, { value: number | string; step: number; timestamp: number }[]>;
  inputs: { name: string; digest: string; source_type: string; source: string; profile: string | null; tags: Record<string, string> }[];
  artifacts?: Record<string, string>;
}

interface Dump {
  experiments: { experiment_id: string; name: string; artifact_location: string; lifecycle_stage: string; runs: DumpedRun[] }[];
}

function readStore(uri: string): Dump {
  return JSON.parse(runPython([READ_STORE, uri, '--artifacts'])) as Dump;
}

let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-filestore-'));
});

afterAll(() => {
  fs.rmSync(scratch, { recursive: true, force: true });
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
}

test('tracking URIs: paths and file: URIs to the file store, http(s) to REST, sqlite: to the database (the default: mlflow-sqlite.test.ts)', () => {
  expect(resolveTrackingUri('runs/here', '/home/ana/exp')).toEqual({ kind: 'file', root: '/home/ana/exp/runs/here' });
  expect(resolveTrackingUri('file:///data/ml%20runs', '/home/ana/exp')).toEqual({ kind: 'file', root: '/data/ml runs' });
  expect(resolveTrackingUri('file:rel', '/home/ana/exp')).toEqual({ kind: 'file', root: '/home/ana/exp/rel' });
  expect(resolveTrackingUri('http://127.0.0.1:5000/', '/w')).toEqual({ kind: 'rest', uri: 'http://127.0.0.1:5000' });
  expect(resolveTrackingUri('HTTPS://mlflow.example.org', '/w')).toEqual({ kind: 'rest', uri: 'HTTPS://mlflow.example.org' });
  expect(resolveTrackingUri('sqlite:///mlflow.db', '/w')).toEqual({ kind: 'sqlite', file: '/w/mlflow.db' });
  expect(() => resolveTrackingUri('mysql://db/mlflow', '/w')).toThrow(expect.objectContaining({ code: 'TRACKING_URI_UNSUPPORTED' }));
  expect(() => resolveTrackingUri('databricks', '/w')).toThrow(expect.objectContaining({ code: 'TRACKING_URI_UNSUPPORTED' }));
});

test('runs written to ./mlruns read back identically through MLflow', async () => {
  const cwd = path.join(scratch, 'project');
  fs.mkdirSync(cwd);
  const logger = recordingLogger();
  const tracker = openTracker('./mlruns', { cwd, logger });
  expect(tracker.kind).toBe('file');
  await tracker.check();
  const experimentId = await tracker.getOrCreateExperiment('file experiment');
  expect(await tracker.getOrCreateExperiment('file experiment')).toBe(experimentId);
  expect(experimentId).toBe(experimentIdFor('file experiment'));
  expect(experimentId).toMatch(/^[1-9]\d{17}$/);

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
    { name: 'ArSenTD-LEV', digest: 'f'.repeat(64), sourcePath: 'data/ArSenTD-LEV.tsv', context: 'training', rows: 800 },
    { name: 'ArSenTD-LEV', digest: 'e'.repeat(64), sourcePath: 'data/ArSenTD-LEV.tsv', context: 'testing', rows: 200 },
  ]);
  const localFile = path.join(scratch, 'local.txt');
  fs.writeFileSync(localFile, 'copied\n');
  await child.logArtifact({ file: localFile }, 'reports/local.txt');
  await child.logArtifact({ bytes: 'مرحبا\n' }, 'arabic.txt');
  await child.logArtifact({ bytes: new Uint8Array([0x7b, 0x7d]) }, 'confusion_matrix.json');
  await expect(child.logArtifact({ bytes: 'x' }, '../outside.txt')).rejects.toMatchObject({ code: 'TRACKING_BAD_ARTIFACT_PATH' });
  await child.end('FAILED', 1_700_000_003_000);
  await parent.end('FINISHED', 1_700_000_004_000);

  // A later sweep reopens the parent run and adds to it.
  const resumed = await tracker.resumeRun(parent.runId);
  expect(resumed.experimentId).toBe(experimentId);
  resumed.logMetric('best_accuracy', 0.4, 0, 1_700_000_005_000);
  resumed.logParams({ sweep: 'yes' });
  await resumed.end('KILLED', 1_700_000_006_000);

  const root = path.join(cwd, 'mlruns');
  // Nothing half-written or temporary is left where MLflow would read it.
  const stray = (dir: string): string[] =>
    fs
      .readdirSync(dir, { withFileTypes: true })
      .flatMap((e) => (e.isDirectory() ? stray(path.join(dir, e.name)) : e.name.startsWith('.tmp-') ? [path.join(dir, e.name)] : []));
  expect(stray(root)).toEqual([]);
  expect(fs.readFileSync(path.join(root, experimentId, child.runId, 'metrics', 'train', 'loss'), 'utf8').split('\n')[0]).toBe(
    `1700000001001 ${1 / 3} 1`,
  );

  const dump = readStore(root);
  expect(dump.experiments.map((e) => [e.experiment_id, e.name, e.lifecycle_stage])).toEqual([
    ['0', 'Default', 'active'],
    [experimentId, 'file experiment', 'active'],
  ]);
  const experiment = dump.experiments[1];
  expect(experiment.artifact_location).toBe(`file://${root}/${experimentId}`);
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
  expect(c.metrics).toMatchObject({ 'train/loss': 1 / 6, accuracy: 0.4, nan_metric: 'NaN', inf_metric: 'Infinity', tiny: 1e-7 });
  expect(c.inputs).toEqual([
    {
      name: 'ArSenTD-LEV',
      digest: 'e'.repeat(36),
      source_type: 'local',
      source: '{"uri":"data/ArSenTD-LEV.tsv"}',
      profile: '{"num_rows":200}',
      schema: null,
      tags: { 'mlflow.data.context': 'testing' },
    },
    {
      name: 'ArSenTD-LEV',
      digest: 'f'.repeat(36),
      source_type: 'local',
      source: '{"uri":"data/ArSenTD-LEV.tsv"}',
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
});

test("MLflow and mlspec share one store: each finds and extends the other's experiments", async () => {
  const root = path.join(scratch, 'shared');
  const tracker = openTracker(root, {});
  const experimentId = await tracker.getOrCreateExperiment('shared');
  const ours = await tracker.startRun({ experimentId, runName: 'from-mlspec' });
  ours.logMetric('m', 1, 0, 1_700_000_000_000);
  await ours.end('FINISHED');

  const script = [
    'import mlflow, sys',
    `mlflow.set_tracking_uri(${JSON.stringify(`file://${root}`)})`,
    'exp = mlflow.set_experiment("shared")',
    'print(exp.experiment_id)',
    'with mlflow.start_run(run_name="from-mlflow"):',
    '    mlflow.log_metric("m", 2, step=1)',
    'other = mlflow.create_experiment("made-by-mlflow")',
    'print(other)',
  ].join('\n');
  const [seenId, otherId] = runPython(['-c', script]).trim().split('\n');
  expect(seenId).toBe(experimentId);

  expect(await tracker.getOrCreateExperiment('made-by-mlflow')).toBe(otherId);
  const second = await tracker.startRun({ experimentId: otherId, runName: 'into-mlflow-experiment' });
  second.logParams({ a: 1 });
  await second.end('FINISHED');

  const dump = readStore(root);
  const shared = dump.experiments.find((e) => e.name === 'shared')!;
  expect(shared.runs.map((r) => r.run_name).sort()).toEqual(['from-mlflow', 'from-mlspec']);
  const other = dump.experiments.find((e) => e.name === 'made-by-mlflow')!;
  expect(other.runs.map((r) => [r.run_name, r.params])).toEqual([['into-mlflow-experiment', { a: '1' }]]);
});

test('an experiment deleted in MLflow is not silently recreated', async () => {
  const root = path.join(scratch, 'deleted');
  const tracker = openTracker(root, {});
  const id = await tracker.getOrCreateExperiment('gone');
  runPython([
    '-c',
    `from mlflow.tracking import MlflowClient; MlflowClient(${JSON.stringify(`file://${root}`)}).delete_experiment(${JSON.stringify(id)})`,
  ]);
  await expect(openTracker(root, {}).getOrCreateExperiment('gone')).rejects.toMatchObject({ code: 'TRACKING_EXPERIMENT_DELETED' });
});

test('the store folder is created like MLflow creates it', async () => {
  const root = path.join(scratch, 'fresh', 'nested', 'mlruns');
  const tracker = openTracker(`file://${root}`, {});
  await tracker.check();
  expect(fs.existsSync(path.join(scratch, 'fresh'))).toBe(false); // checking writes nothing
  await tracker.getOrCreateExperiment('Default');
  expect(fs.readdirSync(root).sort()).toEqual(['.trash', '0']);
  const meta = YAML.parse(fs.readFileSync(path.join(root, '0', 'meta.yaml'), 'utf8'));
  expect(meta).toEqual({
    artifact_location: `file://${root}/0`,
    creation_time: expect.any(Number),
    experiment_id: '0',
    last_update_time: expect.any(Number),
    lifecycle_stage: 'active',
    name: 'Default',
  });
  const file = path.join(scratch, 'not-a-folder');
  fs.writeFileSync(file, '');
  await expect(openTracker(file, {}).check()).rejects.toMatchObject({ code: 'TRACKING_STORE_INVALID' });
});

test('deleteRun marks the run deleted as MLflow does: MLflow lists it as deleted and can restore it', async () => {
  const root = path.join(scratch, 'deleting');
  const tracker = openTracker(root, {});
  const experimentId = await tracker.getOrCreateExperiment('deleting');
  const kept = await tracker.startRun({ experimentId, runName: 'kept' });
  await kept.end('FINISHED');
  const gone = await tracker.startRun({ experimentId, runName: 'gone' });
  gone.logMetric('loss', 1, 1);
  await gone.end('KILLED');
  await tracker.deleteRun(gone.runId);
  const runs = readStore(root).experiments.find((e) => e.name === 'deleting')!.runs as (DumpedRun & { lifecycle_stage: string })[];
  expect(runs.map((r) => [r.run_name, r.lifecycle_stage]).sort()).toEqual([
    ['gone', 'deleted'],
    ['kept', 'active'],
  ]);
  await expect(tracker.resumeRun(gone.runId)).rejects.toMatchObject({ code: 'TRACKING_RUN_DELETED' });
  await expect(tracker.deleteRun(gone.runId)).rejects.toMatchObject({ code: 'TRACKING_RUN_DELETED' });
  runPython([
    '-c',
    `from mlflow.tracking import MlflowClient; MlflowClient(${JSON.stringify(`file://${root}`)}).restore_run(${JSON.stringify(gone.runId)})`,
  ]);
  const restored = await tracker.resumeRun(gone.runId);
  expect(restored.runId).toBe(gone.runId);
});

test('a resumed run knows the latest value of each metric it holds (highest step, then latest time)', async () => {
  const root = path.join(scratch, 'resumed-metrics');
  const tracker = openTracker(root, {});
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
});
