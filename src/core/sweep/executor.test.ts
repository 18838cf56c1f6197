/**
 * Sweeps run in-process (the inline pool, the same job code the worker processes run): expansion →
 * jobs → leaderboard → refit, resuming from the state folder without repeating work or MLflow
 * runs (a job fitted again replaces its run), a failing candidate that does not stop the others,
 * --retry-failed, and the frozen plan.
 * The CLI with worker processes, SIGKILL and Ctrl-C is tested in test/integration/sweep-cli.test.ts.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createContainer, services } from '../container';
import { silentLogger } from '../logger';
import type { Logger } from '../plugin';
import { ExperimentRunner } from '../run/runner';
import { loadSpec } from '../spec/load';
import { openTracker } from '../tracking/open-tracker';
import { SweepExecutor, type SweepOptions } from './executor';
import type { JobRecord } from './types';

const REPO = path.resolve(__dirname, '../../..');
const TINY = path.join(REPO, 'experiments/tiny/sweep.yaml');
const DATA = path.join(REPO, 'data/ArSenTD-LEV.tsv');

function collectingLogger(): Logger & { warnings: string[] } {
  const warnings: string[] = [];
  return { info() {}, debug() {}, warn: (m) => warnings.push(m), warnings };
}

function sweep(file: string, work: string, options: Partial<SweepOptions> & { text?: string } = {}) {
  const logger = options.logger ?? silentLogger;
  const { registry, validator } = services(createContainer({ logger }));
  const loaded = loadSpec(file, registry, validator, options.text);
  return new SweepExecutor({
    loaded,
    registry,
    validator,
    logger,
    mlspecVersion: 'test',
    cwd: work,
    pool: 'inline',
    plots: false,
    progress: { write: () => true },
    tracker: openTracker(path.join(work, 'mlruns'), { logger }),
    ...options,
  });
}

interface StoredRun {
  id: string;
  name: string;
  status: number;
  kind?: string;
  role?: string;
  parent?: string;
  replaces?: string;
}

/** Every active run of the ./mlruns store (or the deleted ones), read from its files. */
function storedRuns(root: string, stage: 'active' | 'deleted' = 'active'): StoredRun[] {
  const runs: StoredRun[] = [];
  for (const experiment of readdirSync(root)) {
    const dir = path.join(root, experiment);
    if (experiment.startsWith('.') || !statSync(dir).isDirectory()) continue;
    for (const id of readdirSync(dir)) {
      const meta = path.join(dir, id, 'meta.yaml');
      if (!existsSync(meta)) continue;
      const tag = (key: string) => (existsSync(path.join(dir, id, 'tags', key)) ? readFileSync(path.join(dir, id, 'tags', key), 'utf8') : undefined);
      const metaText = readFileSync(meta, 'utf8');
      if (/^lifecycle_stage: (\w+)$/m.exec(metaText)![1] !== stage) continue;
      const status = Number(/status: (\d)/.exec(metaText)![1]);
      runs.push({
        id,
        name: tag('mlflow.runName')!,
        status,
        kind: tag('mlspec.kind'),
        role: tag('mlspec.sweep_role'),
        parent: tag('mlflow.parentRunId'),
        replaces: tag('mlspec.replaces_run'),
      });
    }
  }
  return runs;
}

/** Lines per metric file of a run in the ./mlruns store: more than one at step 0 is a summary logged twice. */
function metricLineCounts(root: string, runId: string): Record<string, number> {
  const experiment = readdirSync(root).find((e) => existsSync(path.join(root, e, runId, 'meta.yaml')))!;
  const dir = path.join(root, experiment, runId, 'metrics');
  const counts: Record<string, number> = {};
  for (const key of readdirSync(dir)) counts[key] = readFileSync(path.join(dir, key), 'utf8').trim().split('\n').length;
  return counts;
}

function jobRecords(stateDir: string): JobRecord[] {
  const dir = path.join(stateDir, 'jobs');
  return readdirSync(dir).map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as JobRecord);
}

describe('a sweep of the tiny spec, in-process', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-inline-'));
  let first: Awaited<ReturnType<SweepExecutor['run']>>;
  let stateDir: string;

  beforeAll(async () => {
    const executor = sweep(TINY, work);
    first = await executor.run();
    stateDir = executor.stateDir!;
  });

  it('scores every candidate on 3 folds of the training rows and ranks them', () => {
    const { report, exitCode } = first;
    expect(exitCode).toBe(0);
    expect(report.candidates).toHaveLength(4);
    expect(report.candidates.map((c) => c.rank)).toEqual([1, 2, 3, 4]);
    expect(report.params).toEqual(['featurizer.type', 'model.C']);
    const records = jobRecords(stateDir);
    expect(records).toHaveLength(12);
    for (const c of report.candidates) {
      const own = records.filter((r) => r.candidate === c.key);
      expect(own).toHaveLength(3);
      const values = own.sort((a, b) => (a.rows as any).fold - (b.rows as any).fold).map((r) => r.outcome!.scores!.val_accuracy);
      expect(c.metrics.val_accuracy!.values).toEqual(values);
      expect(c.metrics.val_accuracy!.mean).toBeCloseTo(values.reduce((s, v) => s + v, 0) / 3, 12);
      // The held-out folds together are the training rows, once each.
      expect(own.reduce((s, r) => s + r.outcome!.evaluationRows, 0)).toBe(196);
      expect(own.every((r) => r.outcome!.trainRows + r.outcome!.evaluationRows === 196)).toBe(true);
    }
    const means = report.candidates.map((c) => c.metrics.val_accuracy!.mean);
    expect([...means].sort((a, b) => b - a)).toEqual(means);
    expect(report.best!.key).toBe(report.candidates[0].key);
  });

  it('refits the best candidate on all training rows: the test score `mlspec run` gives its trial spec', async () => {
    const { report } = first;
    const plan = JSON.parse(readFileSync(path.join(stateDir, 'plan.json'), 'utf8')).plan;
    const trial = plan.trials[report.best!.trials[0]];
    const { registry, validator } = services(createContainer({ logger: silentLogger }));
    const loaded = loadSpec(TINY, registry, validator);
    const { report: single } = await new ExperimentRunner(registry, silentLogger, false).run({ ...loaded, spec: trial.spec });
    const evaluation = single.folds[0].pipelines[0].evaluation;
    expect(report.refit!.trainRows).toBe(196);
    expect(report.refit!.testRows).toBe(66);
    expect(report.refit!.test.accuracy).toBe(evaluation.accuracy);
    expect(report.refit!.evaluation.confusion).toEqual(evaluation.confusion);
  });

  it('logs one sweep run, one run per candidate with its folds nested under it, and the refit', () => {
    const runs = storedRuns(path.join(work, 'mlruns'));
    const parent = runs.filter((r) => r.kind === 'sweep');
    const trials = runs.filter((r) => r.kind === 'trial');
    const folds = runs.filter((r) => r.kind === 'fold');
    expect(parent).toHaveLength(1);
    expect(trials).toHaveLength(4);
    expect(folds).toHaveLength(12);
    expect(runs.filter((r) => r.kind === 'refit')).toHaveLength(1);
    expect(runs.every((r) => r.status === 3)).toBe(true); // FINISHED
    expect(trials.every((t) => t.parent === parent[0].id)).toBe(true);
    // Named after their trial, so a flat search reads trial-3/fold-1.
    for (const t of trials)
      expect(
        folds
          .filter((f) => f.parent === t.id)
          .map((f) => f.name)
          .sort(),
      ).toEqual(['fold-0', 'fold-1', 'fold-2'].map((fold) => `${t.name}/${fold}`));
  });

  it('does nothing again when run again: no job reruns, no new run', async () => {
    const before = jobRecords(stateDir)
      .map((r) => `${r.key} ${r.finishedAt}`)
      .sort();
    const runsBefore = storedRuns(path.join(work, 'mlruns')).length;
    const again = await sweep(TINY, work).run();
    expect(again.exitCode).toBe(0);
    expect(
      jobRecords(stateDir)
        .map((r) => `${r.key} ${r.finishedAt}`)
        .sort(),
    ).toEqual(before);
    expect(storedRuns(path.join(work, 'mlruns'))).toHaveLength(runsBefore);
    expect(again.report.candidates.map((c) => c.metrics)).toEqual(first.report.candidates.map((c) => c.metrics));
  });

  it('a candidate summarized just before a crash (its run not yet marked ended) is not summarized twice', async () => {
    const registryFile = readdirSync(stateDir).find((f) => /^runs-[0-9a-f]+\.json$/.test(f))!;
    const registry = JSON.parse(readFileSync(path.join(stateDir, registryFile), 'utf8'));
    const role = (registry.ended as string[]).find((r) => r.startsWith('candidate:'))!;
    registry.ended = registry.ended.filter((r: string) => r !== role);
    writeFileSync(path.join(stateDir, registryFile), JSON.stringify(registry));
    await sweep(TINY, work).run();
    const root = path.join(work, 'mlruns');
    const counts = metricLineCounts(root, registry.runs[role]);
    expect(Object.keys(counts)).toEqual(expect.arrayContaining(['cv_mean_val_accuracy', 'cv_sd_val_accuracy', 'fit_seconds']));
    expect(Object.values(counts).every((n) => n === 1)).toBe(true);
    // The sweep's own run was summarized by every run of the sweep so far: still once.
    expect(Object.values(metricLineCounts(root, storedRuns(root).find((r) => r.kind === 'sweep')!.id)).every((n) => n === 1)).toBe(true);
  });

  it('reruns only the jobs without a record, each into a new MLflow run that replaces (deletes) its earlier one', async () => {
    const records = jobRecords(stateDir);
    const lost = records.slice(0, 2).map((r) => r.key);
    for (const key of lost) rmSync(path.join(stateDir, 'jobs', `${key}.json`));
    const runsBefore = storedRuns(path.join(work, 'mlruns'));
    const replaced = runsBefore.filter((r) => lost.some((key) => r.role === `job:${key}`));
    expect(replaced).toHaveLength(2);
    const again = await sweep(TINY, work).run();
    const after = jobRecords(stateDir);
    expect(after).toHaveLength(12);
    const changed = after.filter((r) => records.find((o) => o.key === r.key)!.finishedAt !== r.finishedAt).map((r) => r.key);
    expect(changed.sort()).toEqual([...lost].sort());
    // The earlier runs of the refitted jobs are deleted (restorable in MLflow), their replacements
    // name them; every other run is the same, so each job still has one active run.
    const runsAfter = storedRuns(path.join(work, 'mlruns'));
    expect(
      storedRuns(path.join(work, 'mlruns'), 'deleted')
        .map((r) => r.id)
        .sort(),
    ).toEqual(replaced.map((r) => r.id).sort());
    const added = runsAfter.filter((r) => !runsBefore.some((b) => b.id === r.id));
    expect(added.map((r) => [r.role, r.replaces, r.status]).sort()).toEqual(replaced.map((r) => [r.role, r.id, 3]).sort());
    expect(runsAfter).toHaveLength(runsBefore.length);
    expect(again.report.candidates.map((c) => c.metrics)).toEqual(first.report.candidates.map((c) => c.metrics));
  });

  it('finds a run made just before a crash that never got recorded by its tags, and replaces it', async () => {
    const [record] = jobRecords(stateDir);
    rmSync(path.join(stateDir, 'jobs', `${record.key}.json`));
    const registryFile = readdirSync(stateDir).find((f) => /^runs-[0-9a-f]+\.json$/.test(f))!;
    const registry = JSON.parse(readFileSync(path.join(stateDir, registryFile), 'utf8'));
    const runId = registry.runs[`job:${record.key}`];
    delete registry.runs[`job:${record.key}`];
    registry.ended = registry.ended.filter((r: string) => r !== `job:${record.key}`);
    writeFileSync(path.join(stateDir, registryFile), JSON.stringify(registry));
    // The crash came before the run ended: it is still RUNNING in the store.
    const root = path.join(work, 'mlruns');
    const meta = readdirSync(root)
      .map((e) => path.join(root, e, runId, 'meta.yaml'))
      .find((f) => existsSync(f))!;
    writeFileSync(
      meta,
      readFileSync(meta, 'utf8')
        .replace(/^status: \d$/m, 'status: 1')
        .replace(/^end_time: \d+$/m, 'end_time: null'),
    );
    const runsBefore = storedRuns(root).length;
    await sweep(TINY, work).run();
    expect(storedRuns(root)).toHaveLength(runsBefore);
    // Ended as KILLED before it was deleted, so it does not show as still running.
    expect(
      storedRuns(root, 'deleted')
        .filter((r) => r.id === runId)
        .map((r) => r.status),
    ).toEqual([5]);
    const now = JSON.parse(readFileSync(path.join(stateDir, registryFile), 'utf8')).runs[`job:${record.key}`];
    expect(storedRuns(root).find((r) => r.id === now)!.replaces).toBe(runId);
  });

  it('a finished sweep run again after its state folder was deleted starts new runs and deletes no finished one', async () => {
    const root = path.join(work, 'mlruns');
    const before = storedRuns(root);
    const deletedBefore = storedRuns(root, 'deleted').length;
    rmSync(stateDir, { recursive: true, force: true });
    const again = await sweep(TINY, work).run();
    expect(again.exitCode).toBe(0);
    const after = storedRuns(root);
    expect(storedRuns(root, 'deleted')).toHaveLength(deletedBefore);
    // Every earlier run is still there, as it was; the rerun made a second sweep run with its own children.
    expect(before.every((b) => after.some((a) => a.id === b.id && a.status === b.status))).toBe(true);
    expect(after.filter((r) => r.kind === 'sweep')).toHaveLength(2);
    expect(after).toHaveLength(before.length * 2);
  });
});

/** A model plugin that predicts the training class shares, and fails at fit while a marker file exists. */
const FLAKY_PLUGIN = `
const fs = require('fs');
const path = require('path');
module.exports = { plugins: [{
  kind: 'model',
  name: 'class-prior',
  description: 'The training class shares for every row; fit fails while the marker file exists.',
  consumes: ['csr'],
  optionsSchema: { type: 'object', additionalProperties: false, properties: {
    failWhile: { type: 'string', default: '', description: 'A file beside the spec: fit fails while it exists.' } } },
  create(options, context) {
    let prior = null;
    return {
      async fit(data) {
        if (options.failWhile && fs.existsSync(path.join(context.baseDir, options.failWhile))) throw new Error(options.failWhile + ' exists');
        const counts = new Array(data.nClasses).fill(0);
        for (const y of data.train.y) counts[y]++;
        prior = counts.map((c) => c / data.train.y.length);
        return {};
      },
      predictProba(x) {
        const out = new Float64Array(x.rows * prior.length);
        for (let r = 0; r < x.rows; r++) out.set(prior, r * prior.length);
        return out;
      },
      getState() { return { prior }; },
      setState(state) { prior = state.prior; },
    };
  },
}] };
`;

describe('failures', () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-failing-'));
  const spec = path.join(work, 'failing.yaml');
  writeFileSync(path.join(work, 'class-prior.js'), FLAKY_PLUGIN);
  writeFileSync(
    spec,
    readFileSync(TINY, 'utf8')
      .replace('../../data/ArSenTD-LEV.tsv', DATA)
      .replace('name: tiny-sweep', 'name: failing-sweep\nplugins: [./class-prior.js]')
      .replace(
        /sweep:\n[\s\S]*tracking:/,
        'sweep:\n  grid:\n    pipelines.bow.model: [{ type: logistic-regression, C: 0.5 }, { type: class-prior, failWhile: fail.marker }]\n  folds: 3\ntracking:',
      ),
  );
  writeFileSync(path.join(work, 'fail.marker'), '');

  it('a candidate that raises at fit fails alone; the others finish, the best is refitted, the failures are listed', async () => {
    const { report, exitCode } = await sweep(spec, work).run();
    expect(exitCode).toBe(1);
    expect(report.candidates.map((c) => [c.label, c.status, c.rank])).toEqual([
      ['trial-0', 'finished', 1],
      ['trial-1', 'failed', undefined],
    ]);
    expect(report.failures).toHaveLength(3);
    expect(report.failures[0].error).toEqual({ code: 'PLUGIN_FAILED', message: '[model class-prior] fit: fail.marker exists' });
    expect(report.refit!.label).toBe('trial-0');
    const runs = storedRuns(path.join(work, 'mlruns'));
    expect(runs.filter((r) => r.kind === 'fold' && r.status === 4)).toHaveLength(3); // FAILED
    expect(runs.find((r) => r.kind === 'sweep')!.status).toBe(4);
  });

  it('keeps failures when run again, and reruns them with retryFailed', async () => {
    rmSync(path.join(work, 'fail.marker'));
    const again = await sweep(spec, work).run();
    expect(again.report.failures).toHaveLength(3);
    expect(again.exitCode).toBe(1);

    const retried = await sweep(spec, work, { retryFailed: true }).run();
    expect(retried.exitCode).toBe(0);
    expect(retried.report.failures).toEqual([]);
    expect(retried.report.candidates.map((c) => c.status)).toEqual(['finished', 'finished']);
    const runs = storedRuns(path.join(work, 'mlruns'));
    // Retried jobs got new runs and the failed attempts' runs were deleted: one per candidate and fold.
    expect(runs.filter((r) => r.kind === 'trial')).toHaveLength(2);
    expect(runs.filter((r) => r.kind === 'fold')).toHaveLength(6);
    expect(runs.every((r) => r.status === 3)).toBe(true);
    const deleted = storedRuns(path.join(work, 'mlruns'), 'deleted');
    expect(deleted.map((r) => r.status)).toEqual([4, 4, 4]); // the FAILED attempts
    expect(
      runs
        .filter((r) => r.replaces)
        .map((r) => r.replaces)
        .sort(),
    ).toEqual(deleted.map((r) => r.id).sort());
  });
});

it('freezes the plan: a sweep continued after its spec file was edited runs what it started with', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-frozen-'));
  const state = path.join(work, 'state');
  const first = await sweep(TINY, work, { stateDir: state, tracker: undefined }).run();
  const logger = collectingLogger();
  const edited = readFileSync(TINY, 'utf8').replace('pipelines.bow.model.C: [0.1, 1.0]', 'pipelines.bow.model.C: [5, 50, 500]');
  const second = await sweep(TINY, work, { stateDir: state, tracker: undefined, text: edited, logger }).run();
  expect(second.report.candidates.map((c) => c.params)).toEqual(first.report.candidates.map((c) => c.params));
  expect(logger.warnings.join('\n')).toMatch(/changed since this sweep started; it continues with the spec frozen in/);
  // Without --state, the edited spec is a sweep of its own.
  const fresh = await sweep(TINY, work, { tracker: undefined, text: edited }).run();
  expect(fresh.report.candidates).toHaveLength(6);
  expect(fresh.report.stateDir).not.toBe(state);
});

it('repeats every fold with each seed, and scores on a holdout of the training rows with folds: 0', async () => {
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-sweep-seeds-'));
  const text = readFileSync(TINY, 'utf8').replace('    pipelines.bow.featurizer.type: [counts, tfidf]\n', '');
  const seeded = await sweep(TINY, work, { tracker: undefined, text: text.replace('folds: 3', 'folds: 2\n  seeds: 2') }).run();
  expect(seeded.report.seeds).toEqual([7, expect.any(Number)]);
  for (const c of seeded.report.candidates) expect(c.jobs.total).toBe(4);
  const records = jobRecords(seeded.report.stateDir);
  expect(records).toHaveLength(8);
  // Each seed deals the training rows into its own pair of folds.
  const heldOut = (seed: number) =>
    records.filter((r) => r.seed === seed && r.candidate === records[0].candidate).map((r) => r.outcome!.scores!.val_accuracy);
  expect(heldOut(7)).toHaveLength(2);
  expect(heldOut(seeded.report.seeds[1])).toHaveLength(2);
  expect(heldOut(7)).not.toEqual(heldOut(seeded.report.seeds[1]));

  const holdout = await sweep(TINY, work, { tracker: undefined, text: text.replace('folds: 3', 'folds: 0') }).run();
  const [one] = jobRecords(holdout.report.stateDir);
  expect(one.rows).toEqual({ kind: 'holdout' });
  expect(one.outcome!.evaluationRows).toBe(Math.ceil(196 * 0.25));
  expect(holdout.report.refit!.testRows).toBe(66);
});
