/**
 * Fault handling of the REST tracker against a real server: an unreachable server fails fast at
 * start; a server killed mid-run sends the rest of the run to the spool; syncSpool uploads it to
 * a server restarted on the same backend store, and nothing logged is lost.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXIT_BAD_INPUT, InputError } from '../../src/core/errors';
import type { Logger } from '../../src/core/plugin';
import { MlflowRestClient } from '../../src/core/tracking/mlflow-rest';
import { readSpool } from '../../src/core/tracking/spool';
import { syncSpool } from '../../src/core/tracking/sync';
import { openTracker } from '../../src/core/tracking/open-tracker';
import { freePort, startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

jest.setTimeout(240_000);

const FAST_RETRY = { retries: 2, initialDelayMs: 50, maxDelayMs: 100, requestTimeoutMs: 3000 };
const servers: MlflowServer[] = [];
let scratch: string;

beforeAll(() => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-faults-'));
});

afterAll(async () => {
  for (const server of servers) await server.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

function recordingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { warnings, info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) };
}

test('an unreachable server fails fast with TRACKING_UNREACHABLE, naming the URI and the fix, without credentials', async () => {
  const port = await freePort();
  const tracker = openTracker(`http://someone:hunter2@127.0.0.1:${port}`, { env: { MLFLOW_TRACKING_TOKEN: 'secret-token-123' } });
  const started = Date.now();
  const error = await tracker.check().then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(Date.now() - started).toBeLessThan(5000);
  expect(error).toBeInstanceOf(InputError);
  expect(error).toMatchObject({ code: 'TRACKING_UNREACHABLE', exitCode: EXIT_BAD_INPUT });
  const message = (error as Error).message;
  expect(message).toContain(`http://127.0.0.1:${port}`);
  expect(message).toMatch(/--tracking-uri/);
  expect(message).not.toMatch(/hunter2|secret-token-123|someone/);
  expect(tracker.uri).not.toMatch(/hunter2|someone/);
});

test('a server killed mid-run: records are spooled, then synced to the restarted server with nothing lost', async () => {
  const storeDir = path.join(scratch, 'server-store');
  fs.mkdirSync(storeDir);
  const first = await startMlflowServer({ dir: storeDir });
  servers.push(first);
  const spoolDir = path.join(scratch, 'spool');
  const logger = recordingLogger();
  const tracker = openTracker(first.uri, { logger, spoolDir, retry: FAST_RETRY, env: {} });
  await tracker.check();
  const experimentId = await tracker.getOrCreateExperiment('faults');
  const parent = await tracker.startRun({ experimentId, runName: 'parent' });
  const child = await tracker.startRun({ experimentId, runName: 'child', parentRunId: parent.runId });
  child.logParams({ 'model.C': 1 });
  for (let step = 0; step < 10; step++) child.logMetric('loss', 10 - step, step, 1_700_000_000_000 + step);
  await child.flush();

  await first.kill();

  for (let step = 10; step < 30; step++) child.logMetric('loss', 10 - step, step, 1_700_000_000_000 + step);
  child.logMetric('weird', -Infinity, 0, 1_700_000_001_000);
  child.logParams({ 'model.max_iter': 1000 });
  child.setTags({ 'mlspec.pipeline': 'child' });
  await child.logInputs([{ name: 'tweets', digest: 'd'.repeat(40), sourcePath: 'data/t.tsv', context: 'training', rows: 10 }]);
  await child.logArtifact({ bytes: 'precision recall\n' }, 'classification_report.txt');
  await child.end('FINISHED', 1_700_000_002_000);

  // A run started while the server is down gets a local id and is created at sync time.
  const late = await tracker.startRun({ experimentId, runName: 'late', parentRunId: parent.runId, tags: { 'mlspec.pipeline': 'late' } });
  expect(late.runId).toMatch(/^local-/);
  late.logParams({ seed: 7 });
  late.logMetric('acc', 0.5, 1, 1_700_000_003_000);
  await late.logArtifact({ bytes: '{"a":1}' }, 'nested/x.json');
  late.setTags({ 'mlspec.error': 'boom' });
  await late.end('FAILED', 1_700_000_004_000);
  await parent.end('FINISHED', 1_700_000_005_000);

  const spooled = tracker.spoolInfo();
  expect(spooled.map((s) => s.runId).sort()).toEqual([child.runId, late.runId, parent.runId].sort());
  for (const s of spooled) expect(s.folder.startsWith(spoolDir)).toBe(true);
  expect(logger.warnings.filter((w) => /stopped answering/.test(w))).toHaveLength(1);
  expect(logger.warnings[0]).toContain(`mlspec sync ${spoolDir}`);

  // Syncing while no server answers fails and keeps the spool.
  const down = openTracker(first.uri, { retry: FAST_RETRY, env: {} });
  await expect(syncSpool(spoolDir, down)).rejects.toMatchObject({ code: 'TRACKING_UNREACHABLE' });
  expect(readSpool(spoolDir)).toHaveLength(3);

  const second = await startMlflowServer({ dir: storeDir });
  servers.push(second);
  const result = await syncSpool(spoolDir, openTracker(second.uri, { retry: FAST_RETRY, env: {} }));
  expect(result.runs).toHaveLength(3);
  expect(result.runs.every((r) => r.ended)).toBe(true);
  expect(fs.existsSync(spoolDir)).toBe(false);

  const client = new MlflowRestClient(second.uri, { env: {} });
  const childRun = await client.getRun(child.runId);
  expect(childRun.info.status).toBe('FINISHED');
  expect(childRun.info.end_time).toBe(1_700_000_002_000);
  expect(Object.fromEntries(childRun.data.params.map((p) => [p.key, p.value]))).toEqual({ 'model.C': '1', 'model.max_iter': '1000' });
  expect(childRun.data.tags.find((t) => t.key === 'mlspec.pipeline')?.value).toBe('child');
  const loss = await client.getMetricHistory(child.runId, 'loss');
  expect(loss.map((m) => [m.step, m.value]).sort((a, b) => a[0] - b[0])).toEqual(Array.from({ length: 30 }, (_, s) => [s, 10 - s]));
  const weird = await client.getMetricHistory(child.runId, 'weird');
  expect(weird).toHaveLength(1);
  // The SQL store keeps -Infinity as the most negative double.
  expect(weird[0].value).toBeLessThan(-1e308);
  expect(childRun.inputs.dataset_inputs.map((d) => d.dataset.digest)).toEqual(['d'.repeat(36)]);
  expect((await client.downloadArtifact(childRun.info.artifact_uri, 'classification_report.txt')).toString()).toBe('precision recall\n');

  const lateId = result.runs.find((r) => r.spoolRunId === late.runId)!.runId;
  expect(lateId).not.toMatch(/^local-/);
  const lateRun = await client.getRun(lateId);
  expect(lateRun.info).toMatchObject({
    status: 'FAILED',
    run_name: 'late',
    start_time: expect.any(Number),
    end_time: 1_700_000_004_000,
    experiment_id: experimentId,
  });
  const lateTags = Object.fromEntries(lateRun.data.tags.map((t) => [t.key, t.value]));
  expect(lateTags).toMatchObject({ 'mlflow.parentRunId': parent.runId, 'mlspec.pipeline': 'late', 'mlspec.error': 'boom', 'mlflow.runName': 'late' });
  expect(lateRun.data.params).toEqual([{ key: 'seed', value: '7' }]);
  expect((await client.getMetricHistory(lateId, 'acc')).map((m) => [m.step, m.value, m.timestamp])).toEqual([[1, 0.5, 1_700_000_003_000]]);
  expect((await client.downloadArtifact(lateRun.info.artifact_uri, 'nested/x.json')).toString()).toBe('{"a":1}');

  const parentRun = await client.getRun(parent.runId);
  expect(parentRun.info.status).toBe('FINISHED');
  expect(parentRun.info.end_time).toBe(1_700_000_005_000);

  // Syncing again finds nothing left to do.
  expect((await syncSpool(spoolDir, openTracker(second.uri, { env: {} }))).runs).toEqual([]);
});

test('a spool is refused while the process writing it is alive and its run has not ended', async () => {
  const spoolDir = path.join(scratch, 'busy-spool');
  const folder = path.join(spoolDir, 'abc');
  fs.mkdirSync(folder, { recursive: true });
  // The test runner's parent process stands in for a live mlspec run.
  const manifest = {
    format: 'mlspec-spool/1',
    runId: 'abc',
    local: false,
    experimentId: '1',
    trackingUri: 'http://x',
    createdAt: new Date().toISOString(),
    pid: process.ppid,
    host: os.hostname(),
  };
  fs.writeFileSync(path.join(folder, 'manifest.json'), JSON.stringify(manifest));
  fs.writeFileSync(path.join(folder, 'records.jsonl'), `${JSON.stringify({ type: 'params', params: { a: '1' } })}\n`);
  await expect(syncSpool(spoolDir, openTracker('http://127.0.0.1:9', { env: {} }))).rejects.toMatchObject({ code: 'SPOOL_IN_USE' });
});
