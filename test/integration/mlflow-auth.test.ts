/**
 * The REST tracker against a real `mlflow server --app-name basic-auth` (MLflow's own basic-auth
 * app, from the mlflow[auth] extra): credentials from MLFLOW_TRACKING_USERNAME/_PASSWORD or from
 * the URI are accepted, missing or wrong ones are refused before anything is read (exit 2), and the
 * password never appears in what mlspec prints.
 */
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { MlflowRestClient } from '../../src/core/tracking/mlflow-rest';
import { openTracker } from '../../src/core/tracking/open-tracker';
import { REPO, runCli } from '../helpers/cli';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

jest.setTimeout(180_000);

const USER = 'admin';
const PASSWORD = 'mlspec-auth-test-1234';

let server: MlflowServer;
let scratch: string;

beforeAll(async () => {
  scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-auth-'));
  // The app keeps its users in their own database; the admin is created at first start.
  const config = path.join(scratch, 'basic_auth.ini');
  fs.writeFileSync(
    config,
    [
      '[mlflow]',
      'default_permission = READ',
      `database_uri = sqlite:///${path.join(scratch, 'basic_auth.db')}`,
      `admin_username = ${USER}`,
      `admin_password = ${PASSWORD}`,
      '',
    ].join('\n'),
  );
  server = await startMlflowServer({
    extraArgs: ['--app-name', 'basic-auth'],
    env: { MLFLOW_AUTH_CONFIG_PATH: config, MLFLOW_FLASK_SERVER_SECRET_KEY: 'mlspec-tests-csrf-key' },
  });
});

afterAll(async () => {
  await server?.stop();
  fs.rmSync(scratch, { recursive: true, force: true });
});

test('MLFLOW_TRACKING_USERNAME/PASSWORD log a run the server keeps', async () => {
  const tracker = openTracker(server.uri, { env: { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: PASSWORD } });
  await tracker.check();
  const experimentId = await tracker.getOrCreateExperiment('with-auth');
  const run = await tracker.startRun({ experimentId, runName: 'authenticated' });
  run.logParams({ alpha: 1 });
  run.logMetric('loss', 0.5, 1);
  await run.end('FINISHED');
  const reader = new MlflowRestClient(server.uri, { env: { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: PASSWORD } });
  const stored = await reader.getRun(run.runId);
  expect(stored.info.status).toBe('FINISHED');
  expect(stored.data.params).toEqual([{ key: 'alpha', value: '1' }]);
  expect((await reader.getMetricHistory(run.runId, 'loss')).map((m) => [m.value, m.step])).toEqual([[0.5, 1]]);
});

test('credentials in the tracking URI work too', async () => {
  const uri = server.uri.replace('http://', `http://${USER}:${encodeURIComponent(PASSWORD)}@`);
  const tracker = openTracker(uri, { env: {} });
  expect(tracker.uri).toBe(server.uri);
  await tracker.check();
  expect(await tracker.getOrCreateExperiment('with-auth')).toMatch(/^\d+$/);
});

test('missing or wrong credentials are refused at check() with TRACKING_AUTH_FAILED', async () => {
  for (const env of [{}, { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: 'not-the-password' }]) {
    const error = await openTracker(server.uri, { env })
      .check()
      .catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'TRACKING_AUTH_FAILED', exitCode: 2 });
    expect((error as Error).message).not.toContain('not-the-password');
  }
});

test('mlspec run with wrong credentials stops with exit 2 before reading data, naming the fix', () => {
  const work = fs.mkdtempSync(path.join(scratch, 'run-'));
  const result = runCli(
    ['run', path.join(REPO, 'experiments/tiny/lstm.yaml'), '--tracking-uri', server.uri, '--report', path.join(work, 'report.json')],
    {
      cwd: work,
      env: { MLFLOW_TRACKING_USERNAME: USER, MLFLOW_TRACKING_PASSWORD: 'not-the-password' },
    },
  );
  expect(result.status).toBe(2);
  expect(result.stderr).toContain('refused the credentials (HTTP 401)');
  expect(result.stderr).toContain('MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD');
  expect(result.stderr).not.toContain('not-the-password');
  expect(result.stderr).not.toMatch(/^data:/m);
  expect(fs.readdirSync(work)).toEqual([]);
});
