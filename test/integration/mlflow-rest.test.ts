/**
 * The REST client and REST tracker against a real `mlflow server` (SQLite store, artifact proxy).
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MlflowRestClient, packLogBatches } from '../../src/core/tracking/mlflow-rest';
import { openTracker } from '../../src/core/tracking/open-tracker';
import type { Logger } from '../../src/core/plugin';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

jest.setTimeout(180_000);

let server: MlflowServer;
let client: MlflowRestClient;
let scratch: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-rest-'));
  server = await startMlflowServer();
  client = new MlflowRestClient(server.uri, { env: {} });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
}

test('check() passes against a live server', async () => {
  await expect(client.check()).resolves.toBeUndefined();
});

test('get-or-create experiment returns one id, also when two clients race', async () => {
  const name = `race-${Date.now()}`;
  const other = new MlflowRestClient(server.uri, { env: {} });
  const [a, b] = await Promise.all([client.getOrCreateExperiment(name), other.getOrCreateExperiment(name)]);
  expect(a.experiment_id).toBe(b.experiment_id);
  expect((await client.getOrCreateExperiment(name)).experiment_id).toBe(a.experiment_id);
  expect(await client.getExperimentByName(`${name}-missing`)).toBeUndefined();
});

test('nested runs with params, stepped metric history, tags, inputs and artifacts round-trip', async () => {
  const logger = recordingLogger();
  const tracker = openTracker(server.uri, { logger, env: {}, flushIntervalMs: 50 });
  await tracker.check();
  const experimentId = await tracker.getOrCreateExperiment('round-trip');
  const parent = await tracker.startRun({ experimentId, runName: 'parent', tags: { 'mlflow.user': 'tester' }, startTime: 1_700_000_000_000 });
  const child = await tracker.startRun({ experimentId, runName: 'child', parentRunId: parent.runId });

  const long = 'x'.repeat(7000);
  child.logParams({ 'model.C': 0.5, 'featurizer.ngramRange': '[1,2]', flag: true, empty: null, long });
  child.logParams({ 'model.C': 0.5 }); // the same value again is fine
  expect(() => child.logParams({ 'model.C': 2 })).toThrow(expect.objectContaining({ code: 'TRACKING_PARAM_CHANGED' }));
  expect(logger.warnings.join('\n')).toMatch(/param 'long' is 7000 characters; it was cut to the server's limit of 6000/);

  for (let epoch = 1; epoch <= 5; epoch++) child.logMetric('loss', 1 / epoch, epoch, 1_700_000_000_000 + epoch);
  child.logMetric('odd', NaN, 0, 1_700_000_000_100);
  child.setTags({ stage: 'first' });
  child.setTags({ stage: 'second' });
  await child.logInputs([
    { name: 'tweets', digest: 'a'.repeat(64), sourcePath: 'data/tweets.tsv', context: 'training', rows: 800 },
    { name: 'tweets', digest: 'b'.repeat(64), sourcePath: 'data/tweets.tsv', context: 'testing', rows: 200 },
  ]);
  const localFile = path.join(scratch, 'report.txt');
  fs.writeFileSync(localFile, 'from a file\n');
  await child.logArtifact({ file: localFile }, 'reports/report.txt');
  await child.logArtifact({ bytes: '<svg xmlns="http://www.w3.org/2000/svg"/>' }, 'confusion_matrix.svg');
  await child.end('FINISHED', 1_700_000_009_000);
  await parent.end('FAILED');

  const run = await client.getRun(child.runId);
  expect(run.info.status).toBe('FINISHED');
  expect(run.info.end_time).toBe(1_700_000_009_000);
  expect(run.info.run_name).toBe('child');
  const params = Object.fromEntries(run.data.params.map((p) => [p.key, p.value]));
  expect(params).toEqual({ 'model.C': '0.5', 'featurizer.ngramRange': '[1,2]', flag: 'true', empty: 'null', long: 'x'.repeat(6000) });
  const tags = Object.fromEntries(run.data.tags.map((t) => [t.key, t.value]));
  expect(tags['mlflow.parentRunId']).toBe(parent.runId);
  expect(tags['mlflow.runName']).toBe('child');
  expect(tags.stage).toBe('second');

  const history = await client.getMetricHistory(child.runId, 'loss');
  expect(history.map((m) => [m.step, m.value, m.timestamp]).sort((a, b) => a[0] - b[0])).toEqual(
    [1, 2, 3, 4, 5].map((e) => [e, 1 / e, 1_700_000_000_000 + e]),
  );
  const odd = await client.getMetricHistory(child.runId, 'odd');
  expect(odd).toHaveLength(1);
  expect(odd[0].value).toBeNaN();

  const inputs = run.inputs.dataset_inputs.map((d) => ({ context: d.tags.find((t) => t.key === 'mlflow.data.context')?.value, ...d.dataset }));
  expect(inputs.sort((a, b) => String(a.context).localeCompare(String(b.context)))).toEqual([
    {
      context: 'testing',
      name: 'tweets',
      digest: 'b'.repeat(36),
      source_type: 'local',
      source: '{"uri":"data/tweets.tsv"}',
      profile: '{"num_rows":200}',
    },
    {
      context: 'training',
      name: 'tweets',
      digest: 'a'.repeat(36),
      source_type: 'local',
      source: '{"uri":"data/tweets.tsv"}',
      profile: '{"num_rows":800}',
    },
  ]);

  const listed = await client.listArtifacts(child.runId);
  expect(listed.map((f) => f.path).sort()).toEqual(['confusion_matrix.svg', 'reports']);
  expect((await client.downloadArtifact(run.info.artifact_uri, 'reports/report.txt')).toString()).toBe('from a file\n');
  expect((await client.downloadArtifact(run.info.artifact_uri, 'confusion_matrix.svg')).toString()).toBe('<svg xmlns="http://www.w3.org/2000/svg"/>');

  const parentRun = await client.getRun(parent.runId);
  expect(parentRun.info.status).toBe('FAILED');
  expect(parentRun.info.user_id).toBe('tester');
  const children = await client.searchRuns({ experimentIds: [experimentId], filter: `tags.mlflow.parentRunId = '${parent.runId}'` });
  expect(children.map((r) => r.info.run_id)).toEqual([child.runId]);
  expect(tracker.spoolInfo()).toEqual([]);
});

test('log-batch is split within MLflow limits and every record arrives', async () => {
  const params = Array.from({ length: 250 }, (_, i) => ({ key: `p${i}`, value: `v${i}` }));
  const tags = Array.from({ length: 130 }, (_, i) => ({ key: `t${i}`, value: `w${i}` }));
  const metrics = Array.from({ length: 2500 }, (_, i) => ({ key: `m${i % 3}`, value: i / 7, step: i, timestamp: 1_700_000_000_000 + i }));
  const batches = packLogBatches({ params, tags, metrics });
  for (const b of batches) {
    expect(b.params.length).toBeLessThanOrEqual(100);
    expect(b.tags.length).toBeLessThanOrEqual(100);
    expect(b.metrics.length).toBeLessThanOrEqual(1000);
    expect(b.params.length + b.tags.length + b.metrics.length).toBeLessThanOrEqual(1000);
  }
  expect(batches.reduce((n, b) => n + b.metrics.length, 0)).toBe(2500);
  for (const b of batches) if (b.params.length > 0) expect(b.metrics.length + b.tags.length).toBe(0);

  // Large values: the 1 MB request limit splits before the count limits do.
  const bigParams = Array.from({ length: 100 }, (_, i) => ({ key: `big${i}`, value: 'y'.repeat(6000) }));
  const bigTags = Array.from({ length: 100 }, (_, i) => ({ key: `bigtag${i}`, value: 'z'.repeat(8000) }));
  for (const b of packLogBatches({ params: bigParams, tags: bigTags, metrics: [] })) {
    expect(Buffer.byteLength(JSON.stringify(b))).toBeLessThan(1_000_000);
  }

  const experiment = await client.getOrCreateExperiment('batches');
  const info = await client.createRun({ experimentId: experiment.experiment_id, runName: 'many', startTime: Date.now(), tags: [] });
  await client.logBatch(info.run_id, { params: [...params, ...bigParams], tags: [...tags, ...bigTags], metrics });
  const run = await client.getRun(info.run_id);
  expect(run.data.params).toHaveLength(350);
  expect(run.data.tags.filter((t) => !t.key.startsWith('mlflow.'))).toHaveLength(230);
  for (const key of ['m0', 'm1', 'm2']) {
    const history = await client.getMetricHistory(info.run_id, key);
    const expected = metrics.filter((m) => m.key === key);
    expect(history).toHaveLength(expected.length);
    expect(history.map((m) => m.step).sort((a, b) => a - b)).toEqual(expected.map((m) => m.step));
  }
});

test('metrics past the flush size are sent in the background without waiting for end()', async () => {
  const tracker = openTracker(server.uri, { env: {}, flushSize: 10, flushIntervalMs: 60_000 });
  const experimentId = await tracker.getOrCreateExperiment('background');
  const run = await tracker.startRun({ experimentId, runName: 'bg' });
  for (let i = 0; i < 25; i++) run.logMetric('x', i, i);
  await run.flush();
  expect(await client.getMetricHistory(run.runId, 'x')).toHaveLength(25);
  await run.end('KILLED');
  expect((await client.getRun(run.runId)).info.status).toBe('KILLED');
});

test('a param the server refuses is reported by flush(), not lost silently', async () => {
  const tracker = openTracker(server.uri, { env: {} });
  const experimentId = await tracker.getOrCreateExperiment('refused');
  const run = await tracker.startRun({ experimentId, runName: 'r' });
  // Someone else logs 'alpha' behind this handle's back: the handle cannot know, the server refuses.
  await client.logBatch(run.runId, { params: [{ key: 'alpha', value: '1' }], tags: [], metrics: [] });
  run.logParams({ alpha: 2 });
  run.logMetric('still-sent', 1);
  await expect(run.flush()).rejects.toMatchObject({ code: 'TRACKING_REJECTED', status: 400, errorCode: 'INVALID_PARAMETER_VALUE' });
  // Only the param was refused: the metric buffered with it arrived.
  expect(await client.getMetricHistory(run.runId, 'still-sent')).toHaveLength(1);
  // The failure is reported once; the run goes on.
  run.logMetric('after', 1);
  await run.flush();
  expect(await client.getMetricHistory(run.runId, 'after')).toHaveLength(1);
  // end() ends the run even when a buffered record is refused, then reports the refusal.
  await client.logBatch(run.runId, { params: [{ key: 'gamma', value: '1' }], tags: [], metrics: [] });
  run.logParams({ gamma: 2 });
  await expect(run.end('FINISHED')).rejects.toMatchObject({ code: 'TRACKING_REJECTED' });
  expect((await client.getRun(run.runId)).info.status).toBe('FINISHED');
  // A resumed handle knows what the run already has.
  const resumed = await tracker.resumeRun(run.runId);
  expect(() => resumed.logParams({ alpha: 3 })).toThrow(expect.objectContaining({ code: 'TRACKING_PARAM_CHANGED' }));
  resumed.logParams({ alpha: 1 });
  await resumed.flush();
});

test("deleteRun is MLflow's restorable delete: the run is hidden, resuming it is refused", async () => {
  const tracker = openTracker(server.uri, { env: {} });
  const experimentId = await tracker.getOrCreateExperiment('deleting');
  const run = await tracker.startRun({ experimentId, runName: 'replaced' });
  await run.end('KILLED');
  await tracker.deleteRun(run.runId);
  expect((await client.getRun(run.runId)).info.lifecycle_stage).toBe('deleted');
  expect((await client.searchRuns({ experimentIds: [experimentId] })).map((r) => r.info.run_id)).not.toContain(run.runId);
  await expect(tracker.deleteRun('0123456789abcdef0123456789abcdef')).rejects.toMatchObject({ errorCode: 'RESOURCE_DOES_NOT_EXIST' });
});

test('a resumed run knows the latest value of each metric it holds', async () => {
  const tracker = openTracker(server.uri, { env: {} });
  const experimentId = await tracker.getOrCreateExperiment('resumed-metrics');
  const run = await tracker.startRun({ experimentId, runName: 'r' });
  expect([...run.metricsAtOpen]).toEqual([]);
  run.logMetric('train/loss', 0.9, 1);
  run.logMetric('train/loss', 0.7, 2);
  run.logMetric('cv_mean', 0.25);
  await run.end('KILLED');
  const resumed = await tracker.resumeRun(run.runId);
  expect(Object.fromEntries(resumed.metricsAtOpen)).toEqual({ 'train/loss': 0.7, cv_mean: 0.25 });
});
