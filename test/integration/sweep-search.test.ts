/**
 * Adaptive search and early stopping through the built CLI with worker processes (run `npm run
 * build` first): every suggestion, pruning and promotion decision is a function of the plan and
 * the results, so
 *
 * - the same search + successive-halving sweep gives the same trials and the same leaderboard with
 *   1, 2 and 3 workers;
 * - the median-pruned recurrent sweep ranks its trials the same with 1 and 2 workers (it used to
 *   prune a trial in one run and rank it in another);
 * - a sweep killed with `kill -9` at three moments and run again each time finishes equal to an
 *   uninterrupted one: same trials, same leaderboard, one MLflow run per role and no metric step
 *   logged twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO, runCli } from '../helpers/cli';
import { runPython } from '../helpers/mlflow-server';

jest.setTimeout(900_000);

const SEARCH = path.join(REPO, 'experiments/tiny/sweep-search.yaml');
const RECURRENT = path.join(REPO, 'experiments/tiny/sweep-recurrent.yaml');

interface Finished {
  work: string;
  stateDir: string;
  report: any;
  stderr: string;
}

function run(spec: string, workers: number, extra: string[] = []): Finished {
  const work = mkdtempSync(path.join(os.tmpdir(), `mlspec-search-${workers}w-`));
  const r = runCli(['run', spec, '--workers', String(workers), '--report', 'out/report.json', ...extra], { cwd: work });
  if (r.status !== 0) throw new Error(`exit ${r.status}\n${r.stderr}`);
  const report = JSON.parse(readFileSync(path.join(work, 'out/report.json'), 'utf8'));
  return { work, stateDir: report.stateDir, report, stderr: r.stderr };
}

/** What must not depend on the worker count or on a resume: every row of the leaderboard without timings. */
function leaderboard(report: any): unknown[] {
  return report.candidates.map((c: any) => ({
    rank: c.rank,
    label: c.label,
    key: c.key,
    status: c.status,
    params: c.params,
    jobs: c.jobs,
    metrics: Object.fromEntries(Object.entries(c.metrics).map(([k, m]: [string, any]) => [k, { mean: m.mean, sd: m.sd, values: m.values }])),
    bestEpoch: c.bestEpoch,
    stoppedEpoch: c.stoppedEpoch,
    pruneReason: c.pruneReason,
  }));
}

/** The recorded suggestions: values, ids and the history each one saw. */
function suggestions(stateDir: string): unknown[] {
  const dir = path.join(stateDir, 'search');
  return readdirSync(dir)
    .filter((f) => f.startsWith('trial-'))
    .map((f) => JSON.parse(readFileSync(path.join(dir, f), 'utf8')))
    .sort((a, b) => a.number - b.number)
    .map(({ suggestedAt: _, ...rest }) => rest);
}

/** Job records without timings (a pruned job's epochs are cut at its stop, whatever it ran past it). */
function records(stateDir: string): Record<string, unknown> {
  const dir = path.join(stateDir, 'jobs');
  const out: Record<string, unknown> = {};
  for (const f of readdirSync(dir)) {
    const r = JSON.parse(readFileSync(path.join(dir, f), 'utf8'));
    const epochs = (r.outcome?.epochs ?? []).map((e: any) => ({ epoch: e.epoch, heldout_accuracy: e.heldout_accuracy }));
    out[r.key] = {
      status: r.status,
      scores: r.outcome?.scores,
      epochs,
      prunedAt: r.outcome?.prunedAt,
      reason: r.outcome?.pruneReason,
      notRun: r.notRun,
    };
  }
  return out;
}

describe('search + successive halving with 1, 2 and 3 workers', () => {
  let runs: Finished[];

  beforeAll(() => {
    runs = [1, 2, 3].map((w) => run(SEARCH, w, ['--no-tracking']));
  });

  it('suggests the same trials, prunes and promotes the same ones, and ranks them the same', () => {
    const [one, two, three] = runs;
    expect(suggestions(one.stateDir)).toHaveLength(6);
    expect(one.report.candidates.some((c: any) => c.status === 'pruned')).toBe(true);
    expect(one.report.candidates.some((c: any) => c.status === 'finished' && c.pipeline === 'rnn')).toBe(true);
    for (const other of [two, three]) {
      expect(suggestions(other.stateDir)).toEqual(suggestions(one.stateDir));
      expect(leaderboard(other.report)).toEqual(leaderboard(one.report));
      expect(records(other.stateDir)).toEqual(records(one.stateDir));
      expect(other.report.refit.test).toEqual(one.report.refit.test);
    }
    expect(one.report.search).toMatchObject({ sampler: 'tpe', scheduler: 'successive-halving', reproducible: true, ended: '6 trials' });
    // The parent run's search plots, written beside the report too.
    for (const plot of ['search-history.png', 'search-importance.png']) expect(existsSync(path.join(one.work, 'out/plots', plot))).toBe(true);
    expect(two.stderr).toMatch(/sweep: 2 workers/);
    expect(three.stderr).toMatch(/sweep: 3 workers/);
  });

  it('gives the sampler a history fixed by the trial number: trials before k − concurrentTrials final, the rest running', () => {
    for (const s of suggestions(runs[1].stateDir) as any[]) {
      expect(s.history.map((h: any) => h.number)).toEqual(Array.from({ length: s.number }, (_, j) => j));
      for (const h of s.history) expect(h.state === 'running').toBe(h.number >= s.number - 2);
    }
  });
});

it('the median-pruned recurrent sweep ranks its trials the same with 1 and 2 workers', () => {
  const one = run(RECURRENT, 1, ['--no-tracking']);
  const two = run(RECURRENT, 2, ['--no-tracking']);
  expect(leaderboard(two.report)).toEqual(leaderboard(one.report));
  expect(records(two.stateDir)).toEqual(records(one.stateDir));
});

/** Resolves once the `count`-th job is reported done on stderr (counts include jobs done before). */
function jobsDone(child: ChildProcess, count: number): Promise<string> {
  let stderr = '';
  return new Promise((resolve, reject) => {
    child.stderr!.on('data', (d) => {
      stderr += d;
      const done = [...stderr.matchAll(/^\[(\d+)\/\d+\]/gm)].map((m) => Number(m[1]));
      if (done.length && Math.max(...done) >= count) resolve(stderr);
    });
    child.on('exit', () => reject(new Error(`exited before ${count} jobs were done:\n${stderr}`)));
  });
}

function exitOf(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
}

const readStore = (store: string) => JSON.parse(runPython([path.join(REPO, 'tools/mlflow/read_store.py'), store])).experiments as any[];

it('kill -9 at three moments, run again each time: the finished sweep equals an uninterrupted one', async () => {
  const reference = run(SEARCH, 2);
  const work = mkdtempSync(path.join(os.tmpdir(), 'mlspec-search-kill-'));
  for (const count of [2, 7, 13]) {
    const child = spawn(process.execPath, [CLI, 'run', SEARCH, '--workers', '2'], { cwd: work, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    await jobsDone(child, count);
    process.kill(-child.pid!, 'SIGKILL');
    await exitOf(child);
  }
  const last = runCli(['run', SEARCH, '--workers', '2', '--report', 'out/report.json'], { cwd: work });
  expect(last.status).toBe(0);
  expect(last.stderr).toMatch(/sweep: continuing/);
  const report = JSON.parse(readFileSync(path.join(work, 'out/report.json'), 'utf8'));
  expect(suggestions(report.stateDir)).toEqual(suggestions(reference.stateDir));
  expect(leaderboard(report)).toEqual(leaderboard(reference.report));
  expect(records(report.stateDir)).toEqual(records(reference.stateDir));

  const runsOf = (dir: string) => readStore(`sqlite:///${path.join(dir, 'mlflow.db')}`).find((e) => e.name === 'tiny-sweep-search').runs as any[];
  // A kill -9 inside the file store's run creation (meta.yaml written, tags not yet) leaves a run
  // with no tags at all that nothing can attribute to the sweep: a window of the ./mlruns writer
  // (src/core/tracking), not of the sweep engine; such a run has no params, metrics or tags.
  const orphan = (r: any) =>
    Object.keys(r.tags).every((k) => !k.startsWith('mlspec.')) && !Object.keys(r.params).length && !Object.keys(r.metric_history).length;
  const all = runsOf(work).filter((r) => !orphan(r));
  const active = all.filter((r) => r.lifecycle_stage === 'active');
  // A run deleted after a kill is a fold run whose fit ran again into exactly one active run (a
  // kill between the delete and the new run's creation leaves the new run without replaces_run).
  for (const deleted of all.filter((r) => r.lifecycle_stage !== 'active')) {
    expect(deleted.tags['mlspec.kind']).toBe('fold');
    expect(active.filter((r) => r.tags['mlspec.sweep_role'] === deleted.tags['mlspec.sweep_role'])).toHaveLength(1);
  }
  const roles = active.map((r) => r.tags['mlspec.sweep_role']);
  expect(new Set(roles).size).toBe(roles.length);
  for (const r of active) {
    // A fold that the scheduler stopped ends KILLED and says so in its name; every other run FINISHED.
    expect(r.status).toBe(/ \(pruned\)$/.test(r.run_name) ? 'KILLED' : 'FINISHED');
    for (const [key, history] of Object.entries(r.metric_history as Record<string, { step: number }[]>)) {
      const steps = history.map((m) => m.step);
      if (new Set(steps).size !== steps.length) throw new Error(`${r.run_name} ${key}: steps logged twice: ${steps.join(' ')}`);
    }
  }
  // The same runs as the uninterrupted sweep, with the same metrics and search tags.
  const shape = (runs: any[]) =>
    runs
      .filter((r) => r.lifecycle_stage === 'active')
      .map((r) => ({
        role: r.tags['mlspec.sweep_role'],
        name: r.run_name,
        search: Object.fromEntries(Object.entries(r.tags).filter(([k]) => k.startsWith('mlspec.search.'))),
        steps: Object.fromEntries(
          Object.entries(r.metric_history as Record<string, { step: number; value: number }[]>)
            .filter(([k]) => !/seconds/.test(k))
            .map(([k, h]) => [k, h.map((m) => [m.step, m.value])]),
        ),
      }))
      .sort((a, b) => a.role.localeCompare(b.role));
  expect(shape(all)).toEqual(shape(runsOf(reference.work)));
  const trialRuns = active.filter((r) => r.tags['mlspec.kind'] === 'trial');
  expect(trialRuns.length).toBe(report.candidates.length);
  for (const r of trialRuns) {
    expect(r.tags['mlspec.search.sampler']).toBe('tpe');
    expect(r.tags['mlspec.search.scheduler']).toBe('successive-halving');
    expect(['true', 'false']).toContain(r.tags['mlspec.search.stopped']);
  }
});
