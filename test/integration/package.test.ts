/**
 * mlspec as `npm install mlspec` gives it: the `npm pack` tarball installed into a scratch project,
 * its CLI run from there on a tiny spec (validate, a tracked run, install-backend --help), and what
 * the tarball holds (LICENSE, the backend installer, source maps that carry their sources).
 *
 * better-sqlite3 is the one dependency with a build step (compiling SQLite takes minutes, or a
 * download from GitHub that CI cannot reach): the scratch install skips install scripts and takes
 * the addon this clone's `npm ci` built, for the same better-sqlite3 version and the same Node.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { REPO } from '../helpers/cli';

const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-package-'));
const project = path.join(work, 'project');
let files: string[] = [];

function npm(args: string[], cwd: string): string {
  return execFileSync('npm', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 300_000 });
}

function mlspec(args: string[]) {
  const env = { ...process.env };
  delete env.MLFLOW_TRACKING_URI;
  const r = spawnSync(process.execPath, [path.join(project, 'node_modules/mlspec/bin/mlspec.js'), ...args], {
    cwd: project,
    env,
    encoding: 'utf8',
    timeout: 300_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  // --ignore-scripts: pack what `npm test` just built, without building it again.
  const [packed] = JSON.parse(npm(['pack', '--ignore-scripts', '--json', '--pack-destination', work], REPO)) as Array<{
    filename: string;
    files: Array<{ path: string }>;
  }>;
  files = packed.files.map((f) => f.path);
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', private: true }));
  npm(['install', path.join(work, packed.filename), '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts'], project);
  const addon = 'node_modules/better-sqlite3/build/Release/better_sqlite3.node';
  mkdirSync(path.dirname(path.join(project, addon)), { recursive: true });
  copyFileSync(path.join(REPO, addon), path.join(project, addon));

  const rows = ['text\tlabel'];
  for (let i = 0; i < 40; i++) rows.push(i % 2 ? `good great fine day ${i}\tpositive` : `bad awful sad day ${i}\tnegative`);
  writeFileSync(path.join(project, 'data.tsv'), `${rows.join('\n')}\n`);
  writeFileSync(
    path.join(project, 'spec.yaml'),
    `name: packaged
seed: 1
data: { type: tsv, path: data.tsv, text: text, label: label }
split: { type: stratified-holdout, test: 0.25 }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: counts }
    model: { type: logistic-regression }
`,
  );
}, 600_000);

// The scratch project holds a full node_modules: not left behind in the temp folder.
afterAll(() => rmSync(work, { recursive: true, force: true }));

it('holds the LICENSE, the backend installer and the kernel source, and no TypeScript sources', () => {
  for (const f of [
    'LICENSE',
    'README.md',
    'bin/mlspec.js',
    'dist/cli/main.js',
    'tools/native-backend/install.sh',
    'tools/native-kernels/build.sh',
    'src/core/kernels/fused-rnn/fused-rnn.c',
  ])
    expect([f, files.includes(f)]).toEqual([f, true]);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts'))).toEqual([]);
  expect(files.filter((f) => /\.test\.(js|d\.ts)$/.test(f))).toEqual([]);
});

it('ships source maps that carry their sources', () => {
  const map = JSON.parse(readFileSync(path.join(project, 'node_modules/mlspec/dist/cli/main.js.map'), 'utf8')) as {
    sources: string[];
    sourcesContent?: string[];
  };
  expect(map.sources).toEqual(['../../src/cli/main.ts']);
  expect(map.sourcesContent?.[0]).toBe(readFileSync(path.join(REPO, 'src/cli/main.ts'), 'utf8'));
});

it('validates and runs a spec from the installed package, tracked in a SQLite store', () => {
  const validated = mlspec(['validate', 'spec.yaml']);
  expect([validated.stdout, validated.stderr, validated.status]).toEqual(['spec.yaml: valid (1 pipeline: bow)\n', '', 0]);
  const ran = mlspec(['run', 'spec.yaml', '--report', 'out/report.json', '--tracking-uri', `sqlite:///${path.join(work, 'mlflow.db')}`]);
  expect([ran.status, ran.stderr.match(/^(warning|error)/m)]).toEqual([0, null]);
  expect(ran.stdout).toContain('FINAL COMPARISON');
  expect(ran.stdout).toContain(`MLflow: 2 runs logged to sqlite:///${path.join(work, 'mlflow.db')}`);
  expect(existsSync(path.join(project, 'out/report.json'))).toBe(true);
});

it('explains install-backend from the installed package', () => {
  const r = mlspec(['install-backend', '--help']);
  expect([r.stderr, r.status]).toEqual(['', 0]);
  expect(r.stdout).toMatch(/^Usage: mlspec install-backend \[native\|gpu\] \[options\]\n/);
});
