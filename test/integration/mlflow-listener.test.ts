/**
 * The MLflow listener driven with synthetic run events, read back from a real server through the
 * REST API, and the same events written to ./mlruns read back by MLflow: both stores must hold
 * the same runs, params, metrics, inputs and artifacts.
 */
import { execFileSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { pathToFileURL } from 'url';
import YAML from 'yaml';
import type { JsonValue, Logger } from '../../src/core/plugin';
import type { ClassificationReport, DatasetSummary, EvaluationResult, PipelineResult, RunReport } from '../../src/core/run/types';
import { MlflowListener, rowsDigest } from '../../src/core/tracking/mlflow-listener';
import { MlflowRestClient, type MlflowRun } from '../../src/core/tracking/mlflow-rest';
import { openTracker } from '../../src/core/tracking/open-tracker';
import type { Tracker } from '../../src/core/tracking/tracker';
import { REPO_ROOT, runPython, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

jest.setTimeout(240_000);

const READ_STORE = path.join(REPO_ROOT, 'tools', 'mlflow', 'read_store.py');
const CLASSES = ['neg', 'neu', 'pos+'];

let server: MlflowServer;
let client: MlflowRestClient;
let scratch: string;
let specFile: string;
let commit: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-listener-'));
  // The spec lives in a git checkout, so the parent run gets mlflow.source.git.commit.
  const repo = path.join(scratch, 'repo');
  fs.mkdirSync(repo);
  specFile = path.join(repo, 'exp.yaml');
  fs.writeFileSync(specFile, SPEC_TEXT);
  const git = (...args: string[]): string =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.org', ...args], { cwd: repo })
      .toString()
      .trim();
  git('init', '-q');
  git('add', 'exp.yaml');
  git('commit', '-q', '-m', 'spec');
  commit = git('rev-parse', 'HEAD');
  server = await startMlflowServer();
  client = new MlflowRestClient(server.uri, { env: {} });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

const SPEC_TEXT = 'name: listener-test\ndescription: Synthetic events\n';
const RESOLVED_SPEC: JsonValue = { name: 'listener-test', seed: 42, pipelines: [{ name: 'lr', model: { type: 'logistic-regression', C: 1 } }] };

function evaluationOf(confusion: number[][]): EvaluationResult {
  const n = confusion.length;
  const total = confusion.flat().reduce((a, b) => a + b, 0);
  const classes = CLASSES.map((label, i) => {
    const tp = confusion[i][i];
    const support = confusion[i].reduce((a, b) => a + b, 0);
    const predicted = confusion.reduce((a, row) => a + row[i], 0);
    const precision = predicted ? tp / predicted : 0;
    const recall = support ? tp / support : 0;
    const f1 = precision + recall ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, precision, recall, f1, support };
  });
  const mean = (k: 'precision' | 'recall' | 'f1'): number => classes.reduce((a, c) => a + c[k], 0) / n;
  const weighted = (k: 'precision' | 'recall' | 'f1'): number => classes.reduce((a, c) => a + c[k] * c.support, 0) / total;
  const accuracy = confusion.reduce((a, row, i) => a + row[i], 0) / total;
  const report: ClassificationReport = {
    classes,
    accuracy,
    macro: { precision: mean('precision'), recall: mean('recall'), f1: mean('f1'), support: total },
    weighted: { precision: weighted('precision'), recall: weighted('recall'), f1: weighted('f1'), support: total },
  };
  return { accuracy, macroF1: report.macro.f1, weightedF1: report.weighted.f1, report, confusion };
}

function result(name: string, confusion: number[][], epochs?: PipelineResult['epochs']): PipelineResult {
  return {
    name,
    resolved: {},
    featurizer: { features: 1000, vocabulary: 'count' },
    evaluation: evaluationOf(confusion),
    predictions: [0, 1, 2],
    fitSeconds: 1.5,
    featurizeSeconds: 0.25,
    epochs,
    info: { iterations: 37, converged: true },
  };
}

const DATASET: DatasetSummary = {
  source: 'data/ArSenTD-LEV.tsv',
  rows: 4000,
  keptRows: 12,
  classes: CLASSES,
  classCounts: { neg: 4, neu: 4, 'pos+': 4 },
  meanChars: 80.5,
  meanWords: 14.25,
  digest: 'ab'.repeat(32),
};
const TRAIN = [0, 1, 2, 3, 4, 5, 6, 7];
const TEST = [8, 9, 10, 11];
const LR_OPTIONS = {
  featurizer: { type: 'count', maxFeatures: 1000, ngramRange: [1, 2] },
  model: { type: 'logistic-regression', C: 0.5, penalty: null },
  tokenizer: { type: 'whitespace', extra: {} },
};

/** A run with a holdout pipeline that trains in epochs, one that fails, and a 2-fold pipeline. */
async function driveRun(tracker: Tracker, logger: Logger, experimentName?: string): Promise<MlflowListener> {
  const listener = new MlflowListener({ tracker, mlspecVersion: '0.1.0', backend: 'cpu', logger, cwd: scratch, experimentName });
  await listener.runStarted({
    name: 'listener-test',
    description: 'Synthetic events',
    specFile,
    specText: SPEC_TEXT,
    resolvedSpec: RESOLVED_SPEC,
    seed: 42,
  });
  await listener.dataLoaded(DATASET);

  await listener.pipelineStarted({ pipeline: 'lr', fold: 0, folds: 1, resolved: LR_OPTIONS });
  for (let epoch = 1; epoch <= 3; epoch++) {
    await listener.metric({ pipeline: 'lr', fold: 0, key: 'loss', value: 1 / epoch, step: epoch });
    await listener.metric({ pipeline: 'lr', fold: 0, key: 'val accuracy', value: epoch / 4, step: epoch });
  }
  // Epoch records repeat the metric events; they must not be logged twice.
  await listener.pipelineFinished({
    pipeline: 'lr',
    fold: 0,
    result: result(
      'lr',
      [
        [2, 1, 0],
        [0, 1, 0],
        [0, 0, 0],
      ],
      [1, 2, 3].map((epoch) => ({ epoch, loss: 1 / epoch })),
    ),
    trainRows: TRAIN,
    testRows: TEST,
  });

  await listener.pipelineStarted({ pipeline: 'nb', fold: 0, folds: 1, resolved: { model: { type: 'naive-bayes', alpha: 1 } } });
  await listener.pipelineFailed({ pipeline: 'nb', fold: 0, error: new Error('alpha must be positive') });

  for (const fold of [0, 1]) {
    await listener.pipelineStarted({ pipeline: 'cv', fold, folds: 2, resolved: { model: { type: 'mlp', hidden: [8, 4] } } });
    await listener.pipelineFinished({
      pipeline: 'cv',
      fold,
      result: result(
        'cv',
        [
          [1, 0, 0],
          [0, 1, 0],
          [1, 0, 1],
        ],
        [1, 2].map((epoch) => ({ epoch, loss: fold + 1 / epoch, accuracy: epoch / 2 })),
      ),
      trainRows: TRAIN,
      testRows: TEST,
    });
  }
  await listener.runFinished(REPORT);
  return listener;
}

const REPORT: RunReport = {
  name: 'listener-test',
  description: 'Synthetic events',
  specFile: 'exp.yaml',
  seed: 42,
  dataset: DATASET,
  split: { type: 'stratified-holdout', train: TRAIN, test: TEST },
  folds: [],
  artifacts: [],
  startedAt: '2025-01-01T00:00:00.000Z',
  finishedAt: '2025-01-01T00:00:05.000Z',
};

const silent: Logger = { info: () => undefined, warn: () => undefined, debug: () => undefined };

function tagsOf(run: MlflowRun): Record<string, string> {
  return Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
}

test('a run becomes a parent run with one child per pipeline and fold, readable through the REST API', async () => {
  const tracker = openTracker(server.uri, { env: {} });
  const listener = await driveRun(tracker, silent);
  const summary = listener.summary();
  expect(summary.spooled).toEqual([]);
  expect(summary.runs.map((r) => [r.name, r.status])).toEqual([
    ['lr', 'FINISHED'],
    ['nb', 'FAILED'],
    ['cv/fold-0', 'FINISHED'],
    ['cv/fold-1', 'FINISHED'],
  ]);

  const experiment = await client.getExperimentByName('listener-test');
  expect(experiment?.experiment_id).toBe(summary.experimentId);
  const parent = await client.getRun(summary.parentRunId!);
  expect(parent.info.status).toBe('FINISHED');
  expect(tagsOf(parent)).toMatchObject({
    'mlflow.runName': 'listener-test',
    'mlflow.user': os.userInfo().username,
    'mlflow.source.name': specFile,
    'mlflow.source.type': 'LOCAL',
    'mlflow.source.git.commit': commit,
    'mlflow.note.content': 'Synthetic events',
    'mlspec.version': '0.1.0',
    'mlspec.backend': 'cpu',
    'mlspec.spec_sha256': createHash('sha256').update(SPEC_TEXT).digest('hex'),
    'mlspec.dataset_digest': DATASET.digest,
  });
  expect(Object.fromEntries(parent.data.params.map((p) => [p.key, p.value]))).toEqual({
    seed: '42',
    'dataset.source': 'data/ArSenTD-LEV.tsv',
    'dataset.rows': '4000',
    'dataset.kept_rows': '12',
    'dataset.classes': '["neg","neu","pos+"]',
  });
  expect(YAML.parse((await client.downloadArtifact(parent.info.artifact_uri, 'spec.yaml')).toString())).toEqual(RESOLVED_SPEC);
  expect(JSON.parse((await client.downloadArtifact(parent.info.artifact_uri, 'report.json')).toString())).toEqual(REPORT);

  const children = await client.searchRuns({ experimentIds: [summary.experimentId!], filter: `tags.mlflow.parentRunId = '${parent.info.run_id}'` });
  const byName = Object.fromEntries(children.map((r) => [r.info.run_name, r]));
  expect(Object.keys(byName).sort()).toEqual(['cv/fold-0', 'cv/fold-1', 'lr', 'nb']);

  const lr = byName.lr;
  expect(lr.info.status).toBe('FINISHED');
  expect(Object.fromEntries(lr.data.params.map((p) => [p.key, p.value]))).toEqual({
    'featurizer.type': 'count',
    'featurizer.maxFeatures': '1000',
    'featurizer.ngramRange': '[1,2]',
    'model.type': 'logistic-regression',
    'model.C': '0.5',
    'model.penalty': 'null',
    'tokenizer.type': 'whitespace',
    'tokenizer.extra': '{}',
  });
  const loss = await client.getMetricHistory(lr.info.run_id, 'loss');
  expect(loss.map((m) => [m.step, m.value]).sort((a, b) => a[0] - b[0])).toEqual([
    [1, 1],
    [2, 0.5],
    [3, 1 / 3],
  ]);
  expect((await client.getMetricHistory(lr.info.run_id, 'val accuracy')).map((m) => m.value).sort()).toEqual([0.25, 0.5, 0.75]);
  const expected = evaluationOf([
    [2, 1, 0],
    [0, 1, 0],
    [0, 0, 0],
  ]);
  const latest = Object.fromEntries(lr.data.metrics.map((m) => [m.key, m.value]));
  expect(latest).toMatchObject({
    test_accuracy: expected.accuracy,
    test_macro_f1: expected.macroF1,
    test_weighted_f1: expected.weightedF1,
    test_f1_neg: expected.report.classes[0].f1,
    test_f1_neu: expected.report.classes[1].f1,
    test_f1_pos_: expected.report.classes[2].f1,
    fit_seconds: 1.5,
    featurize_seconds: 0.25,
    n_features: 1000,
  });
  expect(tagsOf(lr)).toMatchObject({
    'mlflow.parentRunId': parent.info.run_id,
    'mlflow.source.name': specFile,
    'mlflow.source.type': 'LOCAL',
    'mlspec.pipeline': 'lr',
    'mlspec.info.iterations': '37',
    'mlspec.info.converged': 'true',
  });
  const inputs = lr.inputs.dataset_inputs.map((d) => [
    d.tags.find((t) => t.key === 'mlflow.data.context')?.value,
    d.dataset.name,
    d.dataset.digest,
    d.dataset.profile,
  ]);
  // One name per split, a short digest of the rows used, the data file's absolute URI as the source.
  expect(inputs.sort()).toEqual([
    ['testing', 'ArSenTD-LEV-test', rowsDigest(DATASET.digest, TEST).slice(0, 8), '{"num_rows":4}'],
    ['training', 'ArSenTD-LEV-train', rowsDigest(DATASET.digest, TRAIN).slice(0, 8), '{"num_rows":8}'],
  ]);
  for (const d of lr.inputs.dataset_inputs)
    expect(JSON.parse(d.dataset.source).uri).toBe(pathToFileURL(path.resolve(path.dirname(specFile), DATASET.source)).href);
  expect((await client.listArtifacts(lr.info.run_id)).map((f) => f.path).sort()).toEqual([
    'classification_report.txt',
    'confusion_matrix.json',
    'confusion_matrix.svg',
  ]);
  expect(JSON.parse((await client.downloadArtifact(lr.info.artifact_uri, 'confusion_matrix.json')).toString())).toEqual({
    classes: CLASSES,
    matrix: [
      [2, 1, 0],
      [0, 1, 0],
      [0, 0, 0],
    ],
  });
  expect((await client.downloadArtifact(lr.info.artifact_uri, 'confusion_matrix.svg')).toString()).toMatch(
    /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"[\s\S]*<\/svg>\n$/,
  );
  expect((await client.downloadArtifact(lr.info.artifact_uri, 'classification_report.txt')).toString()).toContain('weighted avg');

  const nb = byName.nb;
  expect(nb.info.status).toBe('FAILED');
  expect(tagsOf(nb)['mlspec.error']).toBe('alpha must be positive');

  const fold1 = byName['cv/fold-1'];
  expect(tagsOf(fold1)).toMatchObject({ 'mlspec.pipeline': 'cv', 'mlspec.fold': '1' });
  expect(Object.fromEntries(fold1.data.params.map((p) => [p.key, p.value]))).toEqual({ 'model.type': 'mlp', 'model.hidden': '[8,4]' });
  // No metric events: the epoch records are logged instead, one step per epoch.
  expect((await client.getMetricHistory(fold1.info.run_id, 'loss')).map((m) => [m.step, m.value]).sort((a, b) => a[0] - b[0])).toEqual([
    [1, 2],
    [2, 1.5],
  ]);
  expect((await client.getMetricHistory(fold1.info.run_id, 'accuracy')).map((m) => [m.step, m.value]).sort((a, b) => a[0] - b[0])).toEqual([
    [1, 0.5],
    [2, 1],
  ]);
});

test('runFailed ends every open run: KILLED on an interrupt, FAILED with the message on an error', async () => {
  const tracker = openTracker(server.uri, { env: {} });
  for (const killed of [true, false]) {
    const listener = new MlflowListener({ tracker, mlspecVersion: '0.1.0', logger: silent, experimentName: `failing-${killed}` });
    await listener.runStarted({ name: 'x', specFile: 'x.yaml', specText: 'name: x\n', resolvedSpec: { name: 'x' }, seed: 1 });
    await listener.dataLoaded(DATASET);
    await listener.pipelineStarted({ pipeline: 'a', fold: 0, folds: 1, resolved: {} });
    await listener.metric({ pipeline: 'a', fold: 0, key: 'loss', value: 2, step: 1 });
    await listener.pipelineStarted({ pipeline: 'b', fold: 0, folds: 1, resolved: {} });
    await listener.runFailed({ error: new Error('out of memory'), killed });
    const summary = listener.summary();
    const status = killed ? 'KILLED' : 'FAILED';
    expect(summary.runs.map((r) => r.status)).toEqual([status, status]);
    const parent = await client.getRun(summary.parentRunId!);
    expect(parent.info.status).toBe(status);
    for (const run of summary.runs) {
      const child = await client.getRun(run.runId);
      expect(child.info.status).toBe(status);
      expect(tagsOf(child)['mlspec.error']).toBe(killed ? undefined : 'out of memory');
    }
    expect((await client.getMetricHistory(summary.runs[0].runId, 'loss')).map((m) => m.value)).toEqual([2]);
  }
});

type Dumped = { experiments: { name: string; runs: Record<string, any>[] }[] };

/** What must agree between two stores: everything but ids, times and storage locations. */
function comparable(dump: Dumped, experiment: string): unknown {
  const runs = dump.experiments.find((e) => e.name === experiment)!.runs;
  const names = Object.fromEntries(runs.map((r) => [r.run_id, r.run_name]));
  return runs
    .map((run) => ({
      run_name: run.run_name,
      status: run.status,
      params: run.params,
      tags: Object.fromEntries(Object.entries(run.tags as Record<string, string>).map(([k, v]) => [k, k === 'mlflow.parentRunId' ? names[v] : v])),
      metrics: run.metrics,
      history: Object.fromEntries(
        Object.entries(run.metric_history as Record<string, { value: unknown; step: number }[]>).map(([k, h]) => [
          k,
          h.map((m) => [m.step, m.value]),
        ]),
      ),
      inputs: run.inputs,
      artifacts: run.artifacts,
    }))
    .sort((a, b) => a.run_name.localeCompare(b.run_name));
}

test('the same events give the same MLflow content in mlflow.db, in ./mlruns and on the server (all read by MLflow)', async () => {
  const fileRoot = path.join(scratch, 'mlruns');
  const database = `sqlite:///${path.join(scratch, 'parity.db')}`;
  await driveRun(openTracker(fileRoot, {}), silent, 'parity');
  await driveRun(openTracker(database, { cwd: scratch }), silent, 'parity');
  await driveRun(openTracker(server.uri, { env: {} }), silent, 'parity');
  const fromFile = comparable(JSON.parse(runPython([READ_STORE, fileRoot, '--artifacts'])) as Dumped, 'parity');
  const fromDatabase = comparable(JSON.parse(runPython([READ_STORE, database, '--artifacts'])) as Dumped, 'parity');
  const fromServer = comparable(JSON.parse(runPython([READ_STORE, server.uri, '--artifacts'])) as Dumped, 'parity');
  expect(fromFile).toHaveLength(5);
  expect(fromFile).toEqual(fromServer);
  expect(fromDatabase).toEqual(fromServer);
});
