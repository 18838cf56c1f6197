/**
 * Pruning across trials, the median rule as Optuna's MedianPruner applies it: after the warm-up
 * epochs, a candidate whose best held-out score so far is worse than the median of the finished
 * candidates' scores at the same epoch — same pipeline, same fold, same seed, so the same rows —
 * is stopped,
 * dropped from the ranking with the reason, and its remaining folds are not run. Nothing is pruned
 * until `startupTrials` candidates of that pipeline have finished all their jobs.
 *
 * The rule watches each candidate's first fold (with the first seed) only. Judged on every fold, a
 * candidate would be pruned as soon as any one fold dipped below that fold's median: an average
 * candidate survives one median test half the time, so with 5 folds almost none would survive.
 * The other folds of a candidate that passed its first fold run to their end (early stopping still
 * applies inside each).
 *
 * The score watched is the held-out fold's accuracy after every epoch (its loss when the sweep
 * selects on val_loss): the same rows the candidate is finally scored on. With several workers the
 * finished candidates a job is compared with depend on timing, so pruning makes a sweep's result
 * depend on the number of workers; without pruning it does not.
 */
import type { SweepPlan } from '../plan';

export interface PruningRule {
  warmupEpochs: number;
  startupTrials: number;
  /** The per-epoch metric watched. */
  metric: 'heldout_accuracy' | 'heldout_loss';
  goal: 'max' | 'min';
}

/** What a running job compares itself with: the median best score up to each epoch (index epoch − 1). */
export interface PruningReference {
  medians: Array<number | null>;
  /** How many finished candidates the medians come from. */
  candidates: number;
}

export function pruningRule(plan: SweepPlan): PruningRule | undefined {
  if (!plan.pruning) return undefined;
  const loss = plan.select.metric === 'val_loss';
  return {
    warmupEpochs: plan.pruning.warmupEpochs,
    startupTrials: plan.pruning.startupTrials,
    metric: loss ? 'heldout_loss' : 'heldout_accuracy',
    goal: loss ? 'min' : 'max',
  };
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * Per epoch, the median of the finished candidates' best scores up to that epoch. A candidate that
 * stopped early (early stopping) keeps its best score for the later epochs: comparing only with
 * the candidates that trained that long would compare with the ones that were still improving.
 */
export function medianReference(curves: ReadonlyArray<readonly number[]>, goal: 'max' | 'min'): PruningReference {
  const rule = { goal } as PruningRule;
  const bests = curves.map((curve) => {
    let best: number | undefined;
    return curve.map((v) => (best = Number.isFinite(v) ? better(rule, best, v) : best));
  });
  const longest = Math.max(0, ...bests.map((c) => c.length));
  const medians: Array<number | null> = [];
  for (let e = 0; e < longest; e++) {
    const at = bests.map((c) => c[Math.min(e, c.length - 1)]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    medians.push(at.length ? median(at) : null);
  }
  return { medians, candidates: curves.filter((c) => c.length > 0).length };
}

/** The better of two scores under the rule's goal. */
export function better(rule: PruningRule, a: number | undefined, b: number): number {
  if (a === undefined || !Number.isFinite(a)) return b;
  return rule.goal === 'max' ? Math.max(a, b) : Math.min(a, b);
}

/**
 * Why the job should stop at this epoch, or undefined to go on. `best` is the job's best score
 * over the epochs so far (a single noisy epoch below the median does not end a candidate).
 */
export function pruneReason(rule: PruningRule, reference: PruningReference | undefined, epoch: number, best: number): string | undefined {
  if (!reference || epoch <= rule.warmupEpochs || !reference.medians.length) return undefined;
  // Past the longest finished curve every finished candidate has its final best.
  const m = reference.medians[Math.min(epoch, reference.medians.length) - 1];
  if (m === null || m === undefined || !Number.isFinite(best)) return undefined;
  const worse = rule.goal === 'max' ? best < m : best > m;
  if (!worse) return undefined;
  const word = rule.goal === 'max' ? 'below' : 'above';
  const n = reference.candidates;
  return `best ${rule.metric} up to epoch ${epoch}, ${best.toFixed(4)}, is ${word} the median ${m.toFixed(4)} of ${n} finished candidate${n === 1 ? '' : 's'} up to that epoch`;
}
