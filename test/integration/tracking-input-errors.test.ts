/**
 * Tracking problems a user can fix are bad input (exit 2, a message naming the place and the fix,
 * nothing written), found before any data is read: a server answering HTML, an invalid host, a
 * server refusing the first request, a sync of a folder that does not exist. A hung server (a real
 * socket that accepts and never answers) is given up after two request timeouts, then the records
 * go to the spool.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_RETRY } from '../../src/core/tracking/mlflow-rest';
import { openTracker } from '../../src/core/tracking/open-tracker';
import { spawn } from 'node:child_process';
import { CLI, runCli, REPO } from '../helpers/cli';

jest.setTimeout(180_000);
const SPEC = path.join(REPO, 'experiments/arsentd-lev/baseline.yaml');

const servers: Array<http.Server | net.Server> = [];
const sockets: net.Socket[] = [];
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

function listen(server: http.Server | net.Server): Promise<string> {
  servers.push(server);
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as net.AddressInfo).port}`)));
}

/** A server that answers every request with `status` and `body`. */
function answering(status: number, body: string, type: string): Promise<string> {
  return listen(http.createServer((_request, response) => response.writeHead(status, { 'content-type': type }).end(body)));
}

/** The CLI in a child process, without blocking this one (whose servers must keep answering). */
function runCliAsync(args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const childEnv = { ...process.env, ...env };
  if (!env.MLFLOW_TRACKING_URI) delete childEnv.MLFLOW_TRACKING_URI;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], { cwd, env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}

async function expectBadInput(args: string[], code: RegExp, env: NodeJS.ProcessEnv = {}): Promise<string> {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-bad-tracking-'));
  const r = await runCliAsync([...args, '--report', 'out/report.json'], work, env);
  expect(r.stderr).toMatch(code);
  expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
  expect(r.status).toBe(2);
  expect(readdirSync(work)).toEqual([]); // nothing written: no report, no mlflow.db, no spool
  return r.stderr;
}

test('a server answering 200 with an HTML page is not an MLflow server: exit 2', async () => {
  const uri = await answering(200, '<!doctype html><html><body>Sign in</body></html>', 'text/html');
  expect(await expectBadInput(['run', SPEC, '--tracking-uri', uri], /TRACKING_NOT_MLFLOW/)).toMatch(/text\/html/);
});

test('an invalid host: exit 2 naming the URI', async () => {
  expect(await expectBadInput(['run', SPEC, '--tracking-uri', 'http://256.1.1.1:5000'], /TRACKING_URI_INVALID/)).toMatch(/256\.1\.1\.1/);
});

test.each([400, 403])('HTTP %i at start: exit 2', async (status) => {
  const uri = await answering(status, JSON.stringify({ error_code: 'BAD_REQUEST', message: 'no' }), 'application/json');
  await expectBadInput(['run', SPEC], status === 403 ? /TRACKING_AUTH_FAILED/ : /TRACKING_REFUSED/, { MLFLOW_TRACKING_URI: uri });
});

test('mlspec sync of a folder that does not exist: exit 2, not "synced 0 runs"', () => {
  const r = runCli(['sync', path.join(os.tmpdir(), 'no-such-spool-folder-mlspec')]);
  expect(r.status).toBe(2);
  expect(r.stderr).toMatch(/SPOOL_NOT_FOUND/);
  expect(r.stdout).not.toMatch(/synced/);
});

test('a hung server (accepts, never answers) is given up after two request timeouts, and the records go to the spool', async () => {
  // Answers like MLflow until the run is created, then hangs on every later request.
  let hung = false;
  let unanswered = 0;
  const uri = await listen(
    http.createServer((request, response) => {
      if (hung) {
        unanswered++;
        return; // never answer
      }
      const json = (body: unknown) => response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
      if (request.url!.includes('experiments/get-by-name'))
        return json({ experiment: { experiment_id: '1', name: 'x', artifact_location: 'mlflow-artifacts:/1', lifecycle_stage: 'active' } });
      if (request.url!.includes('runs/create')) {
        hung = true;
        return json({
          run: {
            info: {
              run_id: 'r1',
              experiment_id: '1',
              artifact_uri: 'mlflow-artifacts:/1/r1/artifacts',
              status: 'RUNNING',
              lifecycle_stage: 'active',
            },
            data: {},
          },
        });
      }
      return json({});
    }),
  );
  const spoolDir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-hung-'));
  const warnings: string[] = [];
  const tracker = openTracker(uri, { spoolDir, env: {}, logger: { info: () => undefined, debug: () => undefined, warn: (m) => warnings.push(m) } });
  await tracker.check();
  const run = await tracker.startRun({ experimentId: await tracker.getOrCreateExperiment('x'), runName: 'r' });
  run.logMetric('loss', 1, 1);
  await run.flush();
  expect(tracker.spoolInfo().map((s) => s.records)).toEqual([1]);
  expect(warnings.join('\n')).toMatch(new RegExp(`no answer within ${DEFAULT_RETRY.requestTimeoutMs} ms`));
  // Two attempts, both timed out, then the spool: not the five retries a refused connection gets.
  expect(unanswered).toBe(DEFAULT_RETRY.maxTimeouts);
  expect(DEFAULT_RETRY.maxTimeouts).toBeLessThan(DEFAULT_RETRY.retries + 1);
  expect(existsSync(spoolDir)).toBe(true);
});
