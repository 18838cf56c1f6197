/**
 * How many worker processes a sweep forks and how many recurrent-kernel threads each gets:
 * decided once, before any fork, from the request, the jobs that can run and the cores.
 */
import { MAX_WORKERS_PER_CORE, planWorkers } from './pool';

describe('planWorkers', () => {
  it('forks what is asked, at most one per job that can run', () => {
    expect(planWorkers(2, 100, 8, {})).toEqual({ workers: 2, recurrentThreads: 4 });
    expect(planWorkers(6, 3, 8, {})).toEqual({ workers: 3, recurrentThreads: 2 });
    expect(planWorkers(undefined, 100, 4, {})).toEqual({ workers: 4, recurrentThreads: 1 });
    expect(planWorkers(undefined, 0, 4, {}).workers).toBe(1);
  });

  it('caps a request beyond MAX_WORKERS_PER_CORE per core, and says so', () => {
    const plan = planWorkers(100_000, 640, 2, {});
    expect(plan.workers).toBe(2 * MAX_WORKERS_PER_CORE);
    expect(plan.recurrentThreads).toBe(1);
    expect(plan.capped).toBe(`100000 workers asked for, ${2 * MAX_WORKERS_PER_CORE} started: at most ${MAX_WORKERS_PER_CORE} per core (2 cores)`);
    // Fewer jobs than the limit: no warning, one worker per job.
    expect(planWorkers(100_000, 3, 2, {})).toEqual({ workers: 3, recurrentThreads: 1 });
  });

  it('gives each worker its share of the cores for the recurrent kernels, unless MLSPEC_RECURRENT_THREADS says', () => {
    expect(planWorkers(3, 10, 8, {}).recurrentThreads).toBe(2);
    expect(planWorkers(3, 10, 8, { MLSPEC_RECURRENT_THREADS: '5' }).recurrentThreads).toBe(5);
  });
});
