/**
 * The scheduler's running tallies and its cursor for the next runnable job must always agree with
 * a scan of the whole sweep (what they replace, so that the coordinator's work per result stays
 * constant): checked after every transition of sweeps whose jobs end out of order, some failing,
 * with and without --retry-failed, and when resumed from records.
 */
import path from 'node:path';
import { createContainer, services } from '../container';
import { silentLogger } from '../logger';
import { planSweep, type SweepPlan } from '../plan';
import { loadSpec } from '../spec/load';
import type { JobResult } from './pool';
import { SweepScheduler } from './scheduler';
import type { Job, JobRecord } from './types';

const FIXTURES = path.resolve(__dirname, '../../../test/fixtures/plan');
const { registry, validator } = services(createContainer({ logger: silentLogger }));

const SPEC = `name: tally
seed: 3
data: { type: tsv, path: ../../../data/ArSenTD-LEV.tsv, text: Tweet, label: Sentiment }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: counts }
    model: { type: logistic-regression, C: 1.0 }
sweep:
  grid:
    pipelines.bow.model.C: [0.1, 0.3, 1, 3, 10, 30]
  folds: 3
  seeds: 2
`;

function plan(): SweepPlan {
  return planSweep(loadSpec(path.join(FIXTURES, 'inline.yaml'), registry, validator, SPEC), { registry, validator, dataDigest: 'digest' });
}

/** A small deterministic generator, so a failing case can be replayed. */
function lcg(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state * 1103515245 + 12345) % 2 ** 31;
    return state / 2 ** 31;
  };
}

function result(ok: boolean, score: number): JobResult {
  return ok
    ? {
        ok: true,
        outcome: {
          status: 'finished',
          scores: { val_accuracy: score } as never,
          fitSeconds: 0,
          featurizeSeconds: 0,
          features: 1,
          trainRows: 1,
          evaluationRows: 1,
        },
      }
    : { ok: false, error: { code: 'FIT_FAILED', message: 'boom' } as never };
}

/** What the tallies replace: counts from a scan of every job and candidate. */
function scanned(scheduler: SweepScheduler) {
  const done = scheduler.jobs.map((j) => scheduler.records.get(j.key)).filter((r): r is JobRecord => r !== undefined);
  return {
    jobsDone: done.length,
    failed: done.filter((r) => r.status === 'failed').length,
    pruned: done.filter((r) => r.status === 'pruned').length,
    candidatesDone: scheduler.candidates.filter((c) => scheduler.settled(c.key)).length,
  };
}

/** Drive a sweep to its end with up to `parallel` jobs at once, finishing them in a random order; check at every step. */
function drive(
  scheduler: SweepScheduler,
  random: () => number,
  parallel: number,
  failing: (job: Job) => boolean,
  runnable: (s: SweepScheduler, running: Job[]) => Job | undefined,
) {
  const running: Job[] = [];
  const order: string[] = [];
  for (let step = 0; step < 10_000; step++) {
    for (;;) {
      const expected = runnable(scheduler, running);
      if (running.length >= parallel) break;
      const job = scheduler.next();
      expect(job?.key).toBe(expected?.key);
      if (!job) break;
      scheduler.start(job);
      running.push(job);
      order.push(job.key);
      expect(scheduler.tally()).toEqual(scanned(scheduler));
    }
    if (!running.length) return order;
    const [job] = running.splice(Math.floor(random() * running.length), 1);
    scheduler.finish(job, result(!failing(job), random()), 0);
    scheduler.poll();
    expect(scheduler.tally()).toEqual(scanned(scheduler));
  }
  throw new Error('the sweep did not end');
}

describe('the scheduler’s tallies and cursor', () => {
  // Without pruning, the next job is the first in plan order that is neither recorded nor running
  // (a failed record counts as not recorded under --retry-failed until the job is run again).
  const firstOpen = (retryFailed: boolean, retried: Set<string>) => (s: SweepScheduler, running: Job[]) =>
    s.jobs.find((j) => {
      if (running.some((r) => r.key === j.key)) return false;
      const record = s.records.get(j.key);
      return !record || (record.status === 'failed' && retryFailed && !retried.has(j.key));
    });

  it.each([1, 3, 8])('agree with a scan of the sweep at every step (%i jobs at once, some failing)', (parallel) => {
    const p = plan();
    const scheduler = new SweepScheduler(p, new Map(), false);
    expect(scheduler.jobs).toHaveLength(36);
    const fails = (job: Job) => scheduler.jobs.indexOf(job) % 7 === 3;
    const order = drive(scheduler, lcg(parallel), parallel, fails, firstOpen(false, new Set()));
    expect(order).toHaveLength(36);
    expect(scheduler.tally()).toEqual({ jobsDone: 36, failed: 5, pruned: 0, candidatesDone: 6 });
  });

  it('hands a job that failed under --retry-failed out again, before later ones (the cursor moves back)', () => {
    const p = plan();
    const records = new Map<string, JobRecord>();
    const retried = new Set<string>();
    const scheduler = new SweepScheduler(p, records, true);
    const first = scheduler.jobs[0];
    let failedOnce = false;
    // The first job fails the first time only; with 4 at once later candidates run meanwhile.
    const fails = (job: Job) => {
      if (job.key !== first.key || failedOnce) return false;
      failedOnce = true;
      return true;
    };
    const runnable = (s: SweepScheduler, running: Job[]) => firstOpen(true, retried)(s, running);
    const start = scheduler.start.bind(scheduler);
    scheduler.start = (job: Job) => {
      if (records.get(job.key)?.status === 'failed') retried.add(job.key);
      start(job);
    };
    const order = drive(scheduler, lcg(11), 4, fails, runnable);
    expect(order.filter((k) => k === first.key)).toHaveLength(2);
    expect(order.indexOf(first.key, 1)).toBeLessThan(order.length - 1);
    expect(scheduler.tally()).toEqual({ jobsDone: 36, failed: 0, pruned: 0, candidatesDone: 6 });
  });

  it('count the records a resumed sweep starts from', () => {
    const p = plan();
    const first = new SweepScheduler(p, new Map(), false);
    drive(first, lcg(5), 2, (job) => first.jobs.indexOf(job) === 4, firstOpen(false, new Set()));
    // Resume from half of the records: the tallies start from them and the rest runs.
    const kept = new Map([...first.records].filter((_, i) => i % 2 === 0));
    const resumed = new SweepScheduler(p, kept, false);
    expect(resumed.tally()).toEqual(scanned(resumed));
    expect(resumed.tally().jobsDone).toBe(18);
    drive(resumed, lcg(6), 3, () => false, firstOpen(false, new Set()));
    expect(resumed.tally().jobsDone).toBe(36);
  });
});
