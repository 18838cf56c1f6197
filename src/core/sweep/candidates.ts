/**
 * From a sweep plan to what the executor ranks and runs. The leaderboard ranks *candidates* — a
 * pipeline with one setting of its swept values — rather than whole trials: a spec that compares,
 * say, `bow` variants and `char-lstm` variants in one file wants to see each variant once, ranked
 * against all the others, not every trial repeating the pipelines it leaves unchanged. For a spec
 * with one pipeline a candidate is a trial.
 *
 * Jobs are the plan's fits (one pipeline on one fold with one seed), each run once however many
 * trials share it.
 */
import { createHash } from 'node:crypto';
import type { JsonValue } from '../plugin';
import { shortIdLength } from '../plan/identity';
import type { SweepPlan } from '../plan';
import type { Candidate, Job, JobRecord, JobRows } from './types';

function sha256(text: string): string {
  return createHash('sha256').update(text, 'utf8').digest('hex');
}

/** The fields a job's record copies from the job: what every record (run, pruned, not run, refit) starts with. */
export function jobIdentity(job: Job): Pick<JobRecord, 'key' | 'candidate' | 'trial' | 'pipeline' | 'rows' | 'seed'> {
  return { key: job.key, candidate: job.candidate, trial: job.trial, pipeline: job.pipeline, rows: job.rows, seed: job.seed };
}

export function candidateKey(pipeline: string, pipelineId: string): string {
  return sha256(`candidate\0${pipeline}\0${pipelineId}`);
}

export function jobKey(pipeline: string, fitId: string): string {
  return sha256(`job\0${pipeline}\0${fitId}`);
}

export function refitKey(candidate: string, seed: number): string {
  return sha256(`refit\0${candidate}\0seed ${seed}`);
}

/** The pipeline a swept parameter belongs to, and its path inside the pipeline ("model.C"). */
export function paramPlace(plan: SweepPlan, path: string): { pipeline: string; relative: string } {
  const param = plan.params.find((p) => p.path === path);
  if (!param) throw new Error(`the plan sweeps no "${path}"`);
  return { pipeline: String(param.segments[1]), relative: param.segments.slice(2).join('.') };
}

/** The swept paths relative to their pipelines, once each, in sweep-block order. */
export function relativeParams(plan: SweepPlan): string[] {
  return [...new Set(plan.params.map((p) => paramPlace(plan, p.path).relative))];
}

export interface SweepWork {
  candidates: Candidate[];
  jobs: Job[];
}

/** Candidates in order of first appearance (trial order, then pipeline order), and their jobs in plan order. */
export function sweepWork(plan: SweepPlan): SweepWork {
  const byKey = new Map<string, Candidate>();
  const pipelineNames = new Set(plan.trials.flatMap((t) => Object.keys(t.pipelines)));
  const several = pipelineNames.size > 1;
  for (const trial of plan.trials) {
    for (const [pipeline, pipelineId] of Object.entries(trial.pipelines)) {
      const key = candidateKey(pipeline, pipelineId);
      const known = byKey.get(key);
      if (known) {
        known.trials.push(trial.index);
        continue;
      }
      const params: Record<string, JsonValue> = {};
      for (const [path, value] of Object.entries(trial.params)) {
        const place = paramPlace(plan, path);
        if (place.pipeline === pipeline) params[place.relative] = value;
      }
      const label = several ? `${pipeline}/trial-${trial.index}` : `trial-${trial.index}`;
      byKey.set(key, { key, shortKey: '', pipeline, pipelineId, trials: [trial.index], params, label });
    }
  }
  const candidates = [...byKey.values()];
  const length = shortIdLength(candidates.map((c) => c.key));
  for (const c of candidates) c.shortKey = c.key.slice(0, length);

  const jobs: Job[] = [];
  const seen = new Set<string>();
  for (const unit of plan.units) {
    const trial = plan.trials[unit.trial];
    for (const fit of unit.fits) {
      const key = jobKey(fit.pipeline, fit.id);
      if (seen.has(key)) continue;
      seen.add(key);
      const candidate = byKey.get(candidateKey(fit.pipeline, trial.pipelines[fit.pipeline]))!;
      const rows: JobRows = unit.fold === null ? { kind: 'holdout' } : { kind: 'fold', fold: unit.fold, folds: plan.folds };
      jobs.push({
        key,
        candidate: candidate.key,
        trial: candidate.trials[0],
        pipeline: fit.pipeline,
        rows,
        seed: unit.seed,
        label: `${candidate.label} ${rowsLabel(rows, unit.seed, plan.seeds.length)}`,
      });
    }
  }
  return { candidates, jobs };
}

/** The refit of a candidate: its first trial's spec on all training rows, with the spec seed. */
export function refitJob(plan: SweepPlan, candidate: Candidate): Job {
  return {
    key: refitKey(candidate.key, plan.seed),
    candidate: candidate.key,
    trial: candidate.trials[0],
    pipeline: candidate.pipeline,
    rows: { kind: 'refit' },
    seed: plan.seed,
    label: `${candidate.label} refit`,
  };
}

/** "fold 2", "fold 2 seed 17", "holdout", "refit" — for tables, lines and run names. */
export function rowsLabel(rows: Job['rows'], seed: number, seeds: number): string {
  const base = rows.kind === 'fold' ? `fold-${rows.fold}` : rows.kind;
  return seeds > 1 && rows.kind !== 'refit' ? `${base}/seed-${seed}` : base;
}
