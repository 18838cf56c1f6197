/**
 * From job records to the leaderboard: each candidate's validation scores as mean ± sd over its
 * folds and seeds, ranked by the selection metric. Only candidates whose every job finished are
 * ranked; a candidate with a failed job is listed with its errors, a pruned one with the reason.
 * Ties keep the lower sd first, then sweep order.
 */
import type { SelectGoal, SelectMetric } from '../plan';
import { VALIDATION_METRICS, type Candidate, type CandidateSummary, type FailureLine, type Job, type JobRecord, type MetricSummary } from './types';

export function summarizeValues(values: readonly number[]): MetricSummary {
  const n = values.length;
  const mean = values.reduce((s, v) => s + v, 0) / n;
  const sd = n > 1 ? Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / (n - 1)) : 0;
  return { mean, sd, values: [...values] };
}

function meanOf(values: readonly number[]): number | undefined {
  return values.length ? values.reduce((s, v) => s + v, 0) / values.length : undefined;
}

export function summarizeCandidate(candidate: Candidate, jobs: readonly Job[], records: ReadonlyMap<string, JobRecord>): CandidateSummary {
  const own = jobs.filter((j) => j.candidate === candidate.key);
  const done = own.map((j) => records.get(j.key)).filter((r): r is JobRecord => r !== undefined);
  const finished = done.filter((r) => r.status === 'finished');
  const failed = done.filter((r) => r.status === 'failed');
  const pruned = done.filter((r) => r.status === 'pruned');
  const status: CandidateSummary['status'] = failed.length
    ? 'failed'
    : pruned.length
      ? 'pruned'
      : finished.length === own.length
        ? 'finished'
        : 'incomplete';
  const metrics: CandidateSummary['metrics'] = {};
  if (finished.length) {
    for (const metric of VALIDATION_METRICS) {
      const values = finished.map((r) => r.outcome?.scores?.[metric]).filter((v): v is number => typeof v === 'number');
      if (values.length) metrics[metric] = summarizeValues(values);
    }
  }
  const summary: CandidateSummary = {
    key: candidate.key,
    shortKey: candidate.shortKey,
    label: candidate.label,
    pipeline: candidate.pipeline,
    trials: candidate.trials,
    params: candidate.params,
    status,
    jobs: { total: own.length, finished: finished.length, failed: failed.length, pruned: pruned.length },
    metrics,
    fitSeconds: done.reduce((s, r) => s + (r.outcome?.fitSeconds ?? 0), 0),
    errors: failed.map((r) => r.error!).filter(Boolean),
  };
  const best = meanOf(finished.map((r) => r.outcome?.bestEpoch).filter((v): v is number => typeof v === 'number'));
  const stopped = meanOf(finished.map((r) => r.outcome?.stoppedEpoch).filter((v): v is number => typeof v === 'number'));
  if (best !== undefined) summary.bestEpoch = best;
  if (stopped !== undefined) summary.stoppedEpoch = stopped;
  const reason = pruned.find((r) => r.outcome?.pruneReason)?.outcome?.pruneReason;
  if (reason) summary.pruneReason = reason;
  return summary;
}

/** A summary the leaderboard ranks: every job finished, with the selection metric. */
export function isRankable(summary: CandidateSummary, metric: SelectMetric): boolean {
  return summary.status === 'finished' && summary.metrics[metric] !== undefined;
}

/**
 * The leaderboard's order of two rankable summaries (negative: `a` first): the better mean, then
 * the lower sd, then sweep order (`order`: a candidate's place in the sweep).
 */
export function compareRanked(
  a: CandidateSummary,
  b: CandidateSummary,
  metric: SelectMetric,
  goal: SelectGoal,
  order: (key: string) => number,
): number {
  const x = a.metrics[metric]!;
  const y = b.metrics[metric]!;
  const byMean = goal === 'max' ? y.mean - x.mean : x.mean - y.mean;
  return byMean || x.sd - y.sd || order(a.key) - order(b.key);
}

/** Finished candidates ranked by the selection metric (with `rank`), then the others in sweep order. */
export function rankCandidates(summaries: readonly CandidateSummary[], metric: SelectMetric, goal: SelectGoal): CandidateSummary[] {
  const order = new Map(summaries.map((s, i) => [s.key, i]));
  const ranked = summaries
    .filter((s) => isRankable(s, metric))
    .sort((a, b) => compareRanked(a, b, metric, goal, (key) => order.get(key)!))
    .map((s, i) => ({ ...s, rank: i + 1 }));
  const rankedKeys = new Set(ranked.map((s) => s.key));
  const rest = summaries.filter((s) => !rankedKeys.has(s.key)).map((s) => ({ ...s }));
  return [...ranked, ...rest];
}

/** The failed jobs, in sweep order. */
export function failureLines(candidates: readonly Candidate[], jobs: readonly Job[], records: ReadonlyMap<string, JobRecord>): FailureLine[] {
  const byKey = new Map(candidates.map((c) => [c.key, c]));
  const lines: FailureLine[] = [];
  for (const job of jobs) {
    const r = records.get(job.key);
    if (r?.status !== 'failed' || !r.error) continue;
    const c = byKey.get(r.candidate);
    lines.push({
      candidate: r.candidate,
      label: c?.label ?? r.candidate.slice(0, 8),
      pipeline: r.pipeline,
      rows: r.rows,
      seed: r.seed,
      error: r.error,
    });
  }
  return lines;
}
