/**
 * What a real MLflow server cannot be made to do on demand: answer 503 or 429 a few times, or
 * show the exact headers it was sent. A local HTTP listener records the requests the client makes,
 * so retries and auth headers can be checked exactly. (Credentials against MLflow's real
 * basic-auth app: mlflow-auth.test.ts.)
 */
import * as http from 'http';
import type { AddressInfo } from 'net';
import { MlflowRestClient } from '../../src/core/tracking/mlflow-rest';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  contentType?: string;
  body: string;
}

/** Answers each request with the next scripted [status, body]; the last one repeats. */
async function listener(script: [number, unknown][]): Promise<{ uri: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        contentType: req.headers['content-type'],
        body,
      });
      const [status, payload] = script[Math.min(seen.length - 1, script.length - 1)];
      res.writeHead(status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(payload));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return { uri: `http://127.0.0.1:${port}`, seen, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const QUICK = { retries: 3, initialDelayMs: 10, maxDelayMs: 20, requestTimeoutMs: 2000 };

test('MLFLOW_TRACKING_TOKEN is sent as a Bearer token', async () => {
  const server = await listener([[200, { experiments: [] }]]);
  try {
    await new MlflowRestClient(server.uri, { env: { MLFLOW_TRACKING_TOKEN: 'tok-1', MLFLOW_TRACKING_USERNAME: 'ignored' } }).check();
    expect(server.seen[0]).toMatchObject({ method: 'GET', url: '/api/2.0/mlflow/experiments/search?max_results=1', authorization: 'Bearer tok-1' });
  } finally {
    await server.close();
  }
});

test('MLFLOW_TRACKING_USERNAME/PASSWORD, or credentials in the URI, are sent as Basic auth', async () => {
  const server = await listener([[200, { experiment_id: '7' }]]);
  try {
    await new MlflowRestClient(server.uri, { env: { MLFLOW_TRACKING_USERNAME: 'ann', MLFLOW_TRACKING_PASSWORD: 'p:w' } }).createExperiment('e');
    const withUserInfo = new MlflowRestClient(server.uri.replace('http://', 'http://bob:s%40cret@'), { env: {} });
    expect(withUserInfo.uri).toBe(server.uri);
    await withUserInfo.createExperiment('e');
    await new MlflowRestClient(server.uri, { env: {} }).createExperiment('e');
    expect(server.seen.map((s) => s.authorization)).toEqual([
      `Basic ${Buffer.from('ann:p:w').toString('base64')}`,
      `Basic ${Buffer.from('bob:s@cret').toString('base64')}`,
      undefined,
    ]);
    expect(server.seen[0]).toMatchObject({ method: 'POST', contentType: 'application/json', body: '{"name":"e"}' });
  } finally {
    await server.close();
  }
});

test('refused credentials give TRACKING_AUTH_FAILED without repeating them', async () => {
  const server = await listener([[401, { error_code: 'UNAUTHENTICATED', message: 'bad credentials' }]]);
  try {
    const error = await new MlflowRestClient(server.uri, { env: { MLFLOW_TRACKING_PASSWORD: 'pw-xyz', MLFLOW_TRACKING_USERNAME: 'me' } })
      .check()
      .catch((e: Error) => e);
    expect(error).toMatchObject({ code: 'TRACKING_AUTH_FAILED', exitCode: 2 });
    expect((error as Error).message).toContain('MLFLOW_TRACKING_USERNAME');
    expect((error as Error).message).not.toMatch(/pw-xyz/);
    expect(server.seen).toHaveLength(1);
  } finally {
    await server.close();
  }
});

test('503 and 429 are retried with backoff; a 400 is not', async () => {
  const server = await listener([
    [503, { error_code: 'TEMPORARILY_UNAVAILABLE', message: 'busy' }],
    [429, { error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }],
    [
      200,
      { run: { info: { run_id: 'r1', experiment_id: '1', status: 'RUNNING', start_time: 5, artifact_uri: 'mlflow-artifacts:/1/r1/artifacts' } } },
    ],
    [400, { error_code: 'INVALID_PARAMETER_VALUE', message: 'no' }],
  ]);
  try {
    const client = new MlflowRestClient(server.uri, { env: {}, retry: QUICK });
    const info = await client.createRun({ experimentId: '1', runName: 'x', startTime: 5, tags: [] });
    expect(info).toMatchObject({ run_id: 'r1', status: 'RUNNING', start_time: 5 });
    expect(server.seen).toHaveLength(3);
    await expect(client.updateRun('r1', 'FINISHED', 6)).rejects.toMatchObject({
      code: 'TRACKING_REJECTED',
      status: 400,
      errorCode: 'INVALID_PARAMETER_VALUE',
    });
    expect(server.seen).toHaveLength(4);
  } finally {
    await server.close();
  }
});

test('a server that keeps failing is given up after the retry budget', async () => {
  const server = await listener([[502, 'bad gateway']]);
  try {
    const client = new MlflowRestClient(server.uri, { env: {}, retry: QUICK });
    await expect(client.getRun('r')).rejects.toMatchObject({
      name: 'ServerUnavailableError',
      attempts: 4,
      problem: expect.stringMatching(/HTTP 502/),
    });
    expect(server.seen).toHaveLength(4);
  } finally {
    await server.close();
  }
});

test("artifact uploads go to the proxy path of the run's mlflow-artifacts root", async () => {
  const server = await listener([[200, {}]]);
  try {
    const client = new MlflowRestClient(server.uri, { env: {} });
    await client.uploadArtifact('mlflow-artifacts:/5/abc/artifacts', 'plots/a b.svg', Buffer.from('<svg/>'));
    expect(server.seen[0]).toMatchObject({
      method: 'PUT',
      url: '/api/2.0/mlflow-artifacts/artifacts/5/abc/artifacts/plots/a%20b.svg',
      body: '<svg/>',
      contentType: 'application/octet-stream',
    });
    await expect(client.uploadArtifact('s3://bucket/5/abc/artifacts', 'x.txt', Buffer.from('x'))).rejects.toMatchObject({
      code: 'TRACKING_ARTIFACTS_UNSUPPORTED',
    });
  } finally {
    await server.close();
  }
});
