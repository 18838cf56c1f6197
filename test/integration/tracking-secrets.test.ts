/**
 * Secrets in tracking URIs never reach a byte mlspec writes or prints: a password planted in the
 * spec's `tracking.uri` and another in MLFLOW_TRACKING_URI, then a run and a small sweep (the
 * spec.yaml / sweep.yaml / plan.json artifacts, the sweep state, the report, the MLflow server's
 * database and artifacts, stdout and stderr) are searched for them.
 */
import { mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { runCli, REPO } from '../helpers/cli';
import { startMlflowServer, type MlflowServer } from '../helpers/mlflow-server';

jest.setTimeout(300_000);

const SPEC_SECRET = 'Spec-Pa55word-8f3e';
const ENV_SECRET = 'Env-Pa55word-1c9a';

let server: MlflowServer;
beforeAll(async () => {
  server = await startMlflowServer();
});
afterAll(async () => {
  await server?.stop();
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const file = path.join(dir, name);
    return statSync(file).isDirectory() ? files(file) : [file];
  });
}

function withSecretUri(source: string, target: string, user: string): string {
  const uri = server.uri.replace('http://', `http://${user}:${SPEC_SECRET}@`);
  const text = readFileSync(path.join(REPO, source), 'utf8')
    .replace('../../data/ArSenTD-LEV.tsv', path.join(REPO, 'data/ArSenTD-LEV.tsv'))
    .replace(/^tracking:\n(( {2}.*\n)*)/m, '')
    .concat(`\ntracking:\n  uri: '${uri}'\n  experiment: secrets\n`);
  writeFileSync(target, text);
  return target;
}

test('no secret from a tracking URI is written or printed by a run and a sweep', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-secrets-'));
  const runSpec = withSecretUri('experiments/arsentd-lev/baseline.yaml', path.join(work, 'run.yaml'), 'spec-user');
  const sweepSpec = withSecretUri('experiments/tiny/sweep.yaml', path.join(work, 'sweep.yaml'), 'spec-user');
  const envUri = server.uri.replace('http://', `http://env-user:${ENV_SECRET}@`);

  // The variable wins over the spec for the run; the sweep uses the spec's URI.
  const run = runCli(['run', runSpec, '--report', 'out/run/report.json'], { cwd: work, env: { MLFLOW_TRACKING_URI: envUri } });
  expect(run.status).toBe(0);
  const sweep = runCli(['run', sweepSpec, '--workers', '2', '--report', 'out/sweep/report.json'], { cwd: work });
  expect(sweep.status).toBe(0);
  const plan = runCli(['plan', sweepSpec], { cwd: work });
  expect(plan.status).toBe(0);
  expect(run.stdout).toMatch(/runs logged to http:\/\/127\.0\.0\.1/);

  const written = [...files(work).filter((f) => !f.endsWith('.yaml') || path.dirname(f) !== work), ...files(server.dir)];
  // What was searched: the run's and sweep's reports, the sweep state, the server's database and artifacts.
  expect(written.some((f) => f.endsWith('mlflow.db'))).toBe(true);
  expect(written.some((f) => /\.mlspec-sweeps/.test(f) && f.endsWith('plan.json'))).toBe(true);
  expect(written.filter((f) => f.startsWith(server.artifactsDir)).map((f) => path.basename(f))).toEqual(
    expect.arrayContaining(['spec.yaml', 'sweep.yaml', 'plan.json', 'report.json']),
  );
  for (const file of written) {
    const bytes = readFileSync(file);
    for (const secret of [SPEC_SECRET, ENV_SECRET]) {
      if (bytes.includes(secret)) throw new Error(`${file} holds a secret from a tracking URI`);
    }
  }
  for (const output of [run.stdout, run.stderr, sweep.stdout, sweep.stderr, plan.stdout, plan.stderr]) {
    expect(output).not.toContain(SPEC_SECRET);
    expect(output).not.toContain(ENV_SECRET);
  }
  // The logged spec still says where the runs went, with the secret replaced.
  const loggedSpecs = written.filter((f) => f.startsWith(server.artifactsDir) && f.endsWith('spec.yaml')).map((f) => readFileSync(f, 'utf8'));
  expect(loggedSpecs.some((text) => text.includes(server.uri.replace('http://', 'http://***@')))).toBe(true);
});
