/**
 * Sweeps through the built CLI with worker processes (run `npm run build` first; `npm test` does):
 * a recurrent sweep read back from MLflow by MLflow itself; `kill -9` of the whole process group
 * mid-sweep, then the same command again finishes it with exactly one active MLflow run per trial
 * and fold and no epoch logged twice; Ctrl-C ends the runs KILLED and the sweep resumes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO, runCli } from '../helpers/cli';
import { runPython } from '../helpers/mlflow-server';

jest.setTimeout(300_000);

const RECURRENT = path.join(REPO, 'experiments/tiny/sweep-recurrent.yaml');
const readStore = (store: string, artifacts = false) =>
  JSON.parse(runPython([path.join(REPO, 'tools/mlflow/read_store.py'), store, ...(artifacts ? ['--artifacts'] : [])])).experiments as any[];

/** The tiny recurrent sweep made slower and bigger (3 candidates × 3 folds, no pruning), in `work`. */
function longSweep(work: string): string {
  const text = readFileSync(RECURRENT, 'utf8')
    .replace('../../data/ArSenTD-LEV.tsv', path.join(REPO, 'data/ArSenTD-LEV.tsv'))
    .replace('training: { epochs: 4,', 'training: { epochs: 6,')
    .replace('pipelines.lstm.model.units: [4, 8]', 'pipelines.lstm.model.units: [4, 6, 8]')
    .replace('folds: 2', 'folds: 3')
    .replace(/ {2}pruning:.*\n/, '');
  const file = path.join(work, 'long.yaml');
  writeFileSync(file, text);
  return file;
}

/** Resolves once `count` jobs have been reported done on stderr (plain lines: not a TTY). */
function jobsDone(child: ChildProcess, count: number, what: string): Promise<string> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what}: fewer than ${count} jobs done in time:\n${stderr}`)), 180_000);
    child.stderr!.on('data', (d) => {
      stderr += d;
      const done = [...stderr.matchAll(/^\[(\d+)\/\d+\]/gm)].map((m) => Number(m[1]));
      if (done.length && Math.max(...done) >= count) {
        clearTimeout(timer);
        resolve(stderr);
      }
    });
    child.on('exit', () => reject(new Error(`${what}: exited before ${count} jobs were done:\n${stderr}`)));
  });
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.on('exit', (code) => resolve(code));
  });
}

/**
 * Exactly one active sweep run, one run per trial, one per trial and fold, one refit; none left
 * RUNNING. Fold runs of fits a crash cut short are deleted, each named by the run that replaced it,
 * so no metric history has a step twice.
 */
function expectOneRunPerTrialAndFold(all: any[], trials: number, folds: number): void {
  const runs = all.filter((r) => r.lifecycle_stage === 'active');
  for (const deleted of all.filter((r) => r.lifecycle_stage !== 'active')) {
    expect(deleted.tags['mlspec.kind']).toBe('fold');
    expect(runs.filter((r) => r.tags['mlspec.replaces_run'] === deleted.run_id)).toHaveLength(1);
  }
  for (const run of runs) {
    for (const [key, history] of Object.entries(run.metric_history as Record<string, { step: number }[]>)) {
      const steps = history.map((m) => m.step);
      if (new Set(steps).size !== steps.length) throw new Error(`${run.run_name} ${key}: steps logged twice: ${steps.join(' ')}`);
    }
  }
  const kind = (k: string) => runs.filter((r) => r.tags['mlspec.kind'] === k);
  expect(kind('sweep')).toHaveLength(1);
  expect(kind('trial')).toHaveLength(trials);
  expect(kind('fold')).toHaveLength(trials * folds);
  expect(kind('refit')).toHaveLength(1);
  expect(runs).toHaveLength(1 + trials + trials * folds + 1);
  for (const trial of kind('trial')) {
    const names = kind('fold')
      .filter((f) => f.tags['mlflow.parentRunId'] === trial.run_id)
      .map((f) => f.run_name)
      .sort();
    expect(names).toEqual(Array.from({ length: folds }, (_, f) => `${trial.run_name}/fold-${f}`));
  }
  expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'FINISHED'));
}

describe('experiments/tiny/sweep-recurrent.yaml with 2 workers', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-recurrent-'));
  let result: ReturnType<typeof runCli>;
  let runs: any[];

  beforeAll(() => {
    result = runCli(['run', RECURRENT, '--workers', '2', '--report', 'out/report.json', '--save-model', 'saved', '--register', 'tiny-tweets'], {
      cwd: work,
    });
    if (result.status !== 0) throw new Error(result.stderr);
    runs = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`, true).find((e) => e.name === 'tiny-sweep-recurrent').runs;
  });

  it('prints the leaderboard and the refit, and writes the report with its leaderboard and plot', () => {
    expect(result.stdout).toMatch(/^rank +candidate +id +model\.units +val_accuracy \(mean ± sd\) +best epoch +stopped +status$/m);
    expect(result.stdout).toMatch(/refit on all 196 training rows, scored once on the 66 test rows: accuracy \d+\.\d\d%/);
    expect(result.stderr).toMatch(/sweep: 2 workers \(backend (wasm|cpu|tensorflow)/);
    const report = JSON.parse(readFileSync(path.join(work, 'out/report.json'), 'utf8'));
    expect(report.candidates.map((c: any) => c.params['model.units']).sort()).toEqual([4, 8]);
    expect(readdirSync(path.join(work, 'out')).sort()).toEqual(['leaderboard.csv', 'leaderboard.md', 'plots', 'report.json']);
    expect(report.refit.test.accuracy).toBeGreaterThan(0);
  });

  it('logs per-epoch curves with steps on the fold runs, cross-validated summaries on the trial runs, test scores on the refit', () => {
    const byKind = (k: string) => runs.filter((r) => r.tags['mlspec.kind'] === k);
    const fold = byKind('fold').find((r) => r.status === 'FINISHED' && r.tags['mlspec.status'] === 'finished');
    expect(fold.metric_history.train_loss.map((m: any) => m.step)).toEqual(
      Array.from({ length: fold.metric_history.train_loss.length }, (_, i) => i + 1),
    );
    expect(Object.keys(fold.metric_history)).toEqual(
      expect.arrayContaining(['heldout_accuracy', 'inner_val_loss', 'val_accuracy', 'val_loss', 'stopped_epoch', 'best_epoch']),
    );
    expect(fold.params).toEqual({ fold: expect.stringMatching(/^[01]$/), seed: '7' });
    const finished = byKind('trial').filter((r) => r.tags['mlspec.status'] === 'finished');
    expect(finished.length).toBeGreaterThanOrEqual(1);
    for (const t of finished) {
      expect(Object.keys(t.metrics)).toEqual(
        expect.arrayContaining(['cv_mean_val_accuracy', 'cv_sd_val_accuracy', 'cv_mean_val_loss', 'best_epoch', 'stopped_epoch']),
      );
      expect(t.params).toEqual({ pipeline: 'lstm', 'model.units': expect.stringMatching(/^[48]$/) });
      expect(t.artifacts['spec.yaml']).toMatch(/units: [48]/);
    }
    // A pruned trial (if the median rule stopped one) says why.
    for (const t of byKind('trial').filter((r) => r.tags['mlspec.status'] === 'pruned'))
      expect(t.tags['mlspec.prune_reason']).toMatch(/^best heldout_accuracy up to epoch \d+, [\d.]+, is below the median/);
    const [refit] = byKind('refit');
    expect(refit.metrics.test_accuracy).toBeGreaterThan(0);
    expect(Object.keys(refit.artifacts)).toEqual(expect.arrayContaining(['confusion_matrix.json', 'classification_report.txt', 'spec.yaml']));
    const [sweep] = byKind('sweep');
    expect(Object.keys(sweep.artifacts)).toEqual(
      expect.arrayContaining(['sweep.yaml', 'plan.json', 'leaderboard.csv', 'leaderboard.md', 'plots/validation-vs-params.png', 'report.json']),
    );
    expect(sweep.metrics.best_test_accuracy).toBe(refit.metrics.test_accuracy);
    expect(sweep.params['sweep.folds']).toBe('2');
  });

  it('registers the refit as version 1 with its scores, and predict models:/NAME/1 uses it', () => {
    const refit = runs.find((r) => r.tags['mlspec.kind'] === 'refit');
    expect(result.stdout).toMatch(/^registered: models:\/tiny-tweets\/1$/m);
    const version = JSON.parse(
      runPython(
        [
          '-c',
          `
import json, mlflow
from mlflow import MlflowClient
mlflow.set_tracking_uri("sqlite:///mlflow.db")
v = MlflowClient().get_model_version("tiny-tweets", "1")
# MLflow's SQL registry keeps the logged model only in source (models:/m-…), for its own registrations too.
m = mlflow.get_logged_model(v.source.split("/")[-1])
print(json.dumps({"run_id": v.run_id, "source": v.source, "status": v.status, "description": v.description, "tags": v.tags,
                  "model_run": m.source_run_id, "versions": m.tags.get("mlflow.modelVersions")}))
`,
        ],
        { cwd: work },
      )
        .trim()
        .split('\n')
        .pop()!,
    );
    expect(version.run_id).toBe(refit.run_id);
    expect(version.model_run).toBe(refit.run_id);
    expect(version.source).toMatch(/^models:\/m-[0-9a-f]{32}$/);
    expect(version.status).toBe('READY');
    expect(version.description).toMatch(
      /^Refit of the best sweep candidate .*Cross-validated val_accuracy: 0\.\d{4} ± 0\.\d{4} over 2 fits; test accuracy \d+\.\d\d%/,
    );
    expect(Number(version.tags.test_accuracy)).toBe(refit.metrics.test_accuracy);
    expect(version.tags).toEqual(expect.objectContaining({ cv_mean_val_accuracy: expect.any(String), 'mlspec.candidate': expect.any(String) }));
    expect(JSON.parse(version.versions)).toEqual([{ name: 'tiny-tweets', version: 1 }]);
    // The registered version and the folder --save-model wrote are the same model.
    const input = path.join(work, 'texts.txt');
    writeFileSync(input, 'يا حرام\nما أحلى هالنهار\nالمنتخب ربح\n');
    const registered = runCli(['predict', 'models:/tiny-tweets/1', input, '--format', 'lines'], { cwd: work });
    expect(registered.stderr).not.toMatch(/error/);
    const saved = runCli(['predict', path.join('saved', 'lstm'), input, '--format', 'lines'], { cwd: work });
    expect(registered.stdout.split('\n')).toHaveLength(5);
    expect(registered.stdout).toBe(saved.stdout);
  });
});

it('kill -9 of the whole sweep (coordinator and workers) mid-way: the same command finishes it, one MLflow run per trial and fold', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-kill-'));
  const spec = longSweep(work);
  const child = spawn(process.execPath, [CLI, 'run', spec, '--workers', '2'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const stderr = await jobsDone(child, 3, 'the first run');
  process.kill(-child.pid!, 'SIGKILL');
  await exitOf(child);
  const stateDir = /state in (.+)$/m.exec(stderr)![1];
  const done = readdirSync(path.join(stateDir, 'jobs')).length;
  expect(done).toBeGreaterThanOrEqual(3);
  expect(done).toBeLessThan(9);

  const again = runCli(['run', spec, '--workers', '2'], { cwd: work });
  expect(again.status).toBe(0);
  expect(again.stderr).toMatch(new RegExp(`sweep: continuing .*\\n.*9 jobs \\(${done} done before\\)`));
  expect(readdirSync(path.join(stateDir, 'jobs'))).toHaveLength(9);
  const runs = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`).find((e) => e.name === 'tiny-sweep-recurrent').runs;
  expectOneRunPerTrialAndFold(runs, 3, 3);
});

it('Ctrl-C ends the sweep and its runs as KILLED (exit 130); running it again finishes it', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-interrupt-'));
  const spec = longSweep(work);
  const child = spawn(process.execPath, [CLI, 'run', spec, '--workers', '2'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  await jobsDone(child, 2, 'the first run');
  child.kill('SIGINT');
  expect(await exitOf(child)).toBe(130);
  const interrupted = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`).find((e) => e.name === 'tiny-sweep-recurrent').runs;
  const status = (kind: string) => interrupted.filter((r: any) => r.tags['mlspec.kind'] === kind).map((r: any) => r.status);
  expect(status('sweep')).toEqual(['KILLED']);
  expect(interrupted.filter((r: any) => r.status === 'RUNNING')).toEqual([]);
  expect(status('fold').filter((s: string) => s === 'FINISHED').length).toBeGreaterThanOrEqual(2);

  const again = runCli(['run', spec], { cwd: work });
  expect(again.status).toBe(0);
  const runs = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`).find((e) => e.name === 'tiny-sweep-recurrent').runs;
  expectOneRunPerTrialAndFold(runs, 3, 3);
});

it('experiments/tiny/sweep.yaml with 2 workers writes the same mlflow.db as a run before it: no lock errors, MLflow reads every run back', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-sqlite-'));
  const first = runCli(['run', path.join(REPO, 'experiments/arsentd-lev/baseline.yaml')], { cwd: work });
  expect(first.status).toBe(0);
  const r = runCli(['run', path.join(REPO, 'experiments/tiny/sweep.yaml'), '--workers', '2'], { cwd: work });
  expect(r.status).toBe(0);
  expect(r.stderr).not.toMatch(/locked|SQLITE_BUSY/i);
  expect(r.stdout).toMatch(/open it with: mlflow ui {3}/);
  const experiments = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`, true);
  expect(experiments.find((e) => e.name === 'arsentd-lev').runs).toHaveLength(2);
  const runs = experiments.find((e) => e.name === 'tiny-sweep').runs;
  // The sweep, 4 candidates × 3 folds, and the refit.
  const kinds = runs.map((run: any) => run.tags['mlspec.kind']).sort();
  expect(kinds).toEqual(['fold', ...Array(11).fill('fold'), 'refit', 'sweep', 'trial', 'trial', 'trial', 'trial'].sort());
  expectOneRunPerTrialAndFold(runs, 4, 3);
  for (const fold of runs.filter((run: any) => run.tags['mlspec.kind'] === 'fold'))
    expect(Object.keys(fold.metrics)).toEqual(expect.arrayContaining(['val_accuracy', 'fit_seconds']));
});

it('refuses a bad --workers before reading any data (exit 2)', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-workers-'));
  const r = runCli(['run', path.join(REPO, 'experiments/tiny/sweep.yaml'), '--workers', '0'], { cwd: work });
  expect(r.status).toBe(2);
  expect(r.stderr).toBe('error CLI_USAGE: --workers takes a whole number of worker processes, 1 or more; got "0"\n');
  expect(readdirSync(work)).toEqual([]);
});

it('decides the worker count once after planning: --workers 100000 is capped with a warning; sweep.workers is the default', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-fanout-'));
  const cap = 2 * os.availableParallelism(); // MAX_WORKERS_PER_CORE
  const capped = runCli(['run', path.join(REPO, 'experiments/tiny/sweep.yaml'), '--workers', '100000', '--no-tracking'], { cwd: work });
  expect(capped.status).toBe(0);
  const started = Math.min(cap, 12); // 4 candidates × 3 folds
  if (started === cap) expect(capped.stderr).toContain(`100000 workers asked for, ${cap} started: at most 2 per core`);
  expect(capped.stderr).toMatch(new RegExp(`sweep: ${started} workers`));

  const spec = path.join(work, 'two.yaml');
  writeFileSync(
    spec,
    readFileSync(path.join(REPO, 'experiments/tiny/sweep.yaml'), 'utf8')
      .replace('../../data/', `${path.join(REPO, 'data')}/`)
      .replace('  folds: 3', '  folds: 3\n  workers: 2'),
  );
  const two = runCli(['run', spec, '--no-tracking'], { cwd: work });
  expect(two.status).toBe(0);
  expect(two.stderr).toMatch(/sweep: 2 workers/);
});
