/**
 * Recurrent pipelines from YAML through the CLI: per-epoch metrics reach MLflow with their steps,
 * the same spec gives the same numbers, and Ctrl-C leaves every tracked run KILLED, none RUNNING.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO, runCli } from '../helpers/cli';
import { runPython } from '../helpers/mlflow-server';

jest.setTimeout(300_000);
const TINY = path.join(REPO, 'experiments/tiny/lstm.yaml');
const readStore = (store: string) => JSON.parse(runPython([path.join(REPO, 'tools/mlflow/read_store.py'), store]));

describe('experiments/tiny/lstm.yaml', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-tiny-'));
  let first: any;

  beforeAll(() => {
    const r = runCli(['run', TINY, '--report', 'out/report.json'], { cwd: work });
    if (r.status !== 0) throw new Error(r.stderr);
    first = JSON.parse(readFileSync(path.join(work, 'out/report.json'), 'utf8'));
  });

  it('trains in epochs with validation, early stopping facts and curves, and names the backend', () => {
    const lstm = first.folds[0].pipelines.find((p: any) => p.name === 'lstm');
    expect(lstm.epochs.length).toBeGreaterThanOrEqual(1);
    expect(Object.keys(lstm.epochs[0])).toEqual(
      expect.arrayContaining(['epoch', 'train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'curve_accuracy']),
    );
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(lstm.info.backend);
    expect(first.artifacts).toEqual(expect.arrayContaining(['plots/dataset.png', 'plots/training-comparison.png', 'plots/final-accuracy.png']));
  });

  it('logs per-epoch metrics with steps to MLflow, read back by MLflow itself', () => {
    const dump = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`);
    const runs = dump.experiments.find((e: any) => e.name === 'tiny-recurrent').runs;
    const parent = runs.find((r: any) => !r.tags['mlflow.parentRunId']);
    expect(['wasm', 'cpu', 'tensorflow', 'tensorflow-gpu']).toContain(parent.tags['mlspec.backend']);
    const gru = runs.find((r: any) => r.run_name === 'gru');
    const history = gru.metric_history.train_loss.map((m: any) => m.step);
    expect(history).toEqual([1, 2, 3]);
    expect(gru.params['training.optimizer.type']).toBe('rmsprop');
  });

  it('gives the same numbers when run again', () => {
    const again = mkdtempSync(path.join(os.tmpdir(), 'mlspec-tiny-again-'));
    const r = runCli(['run', TINY, '--report', 'out/report.json', '--no-tracking'], { cwd: again });
    expect(r.status).toBe(0);
    const second = JSON.parse(readFileSync(path.join(again, 'out/report.json'), 'utf8'));
    const numbers = (report: any) => report.folds[0].pipelines.map((p: any) => [p.name, p.epochs, p.predictions]);
    expect(numbers(second)).toEqual(numbers(first));
  });
});

it('Ctrl-C ends the tracked runs as KILLED and exits 130', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-interrupt-'));
  // Many epochs, so the run is still training when interrupted.
  const spec = readFileSync(TINY, 'utf8')
    .replace('training: { epochs: 3,', 'training: { epochs: 400,')
    .replace(/\.\.\/\.\.\/data/g, path.join(REPO, 'data'));
  const file = path.join(work, 'long.yaml');
  require('node:fs').writeFileSync(file, spec);
  const child = spawn(process.execPath, [CLI, 'run', file], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gru never started:\n${stderr}`)), 120_000);
    child.stderr.on('data', (d) => {
      stderr += d;
      if (/▶ gru/.test(stderr)) {
        clearTimeout(timer);
        setTimeout(resolve, 1500); // well inside its 400 epochs
      }
    });
  });
  child.kill('SIGINT');
  const code = await new Promise<number | null>((resolve) => child.on('exit', (c) => resolve(c)));
  expect(code).toBe(130);
  const runs = readStore(`sqlite:///${path.join(work, 'mlflow.db')}`).experiments.find((e: any) => e.name === 'tiny-recurrent').runs;
  const status = Object.fromEntries(runs.map((r: any) => [r.run_name, r.status]));
  expect(status).toEqual({ 'tiny-recurrent': 'KILLED', bow: 'FINISHED', lstm: 'FINISHED', gru: 'KILLED' });
});
