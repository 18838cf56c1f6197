/**
 * Which trials stop early, decided in trial order so the answer never depends on timing.
 *
 * Candidates of one pipeline form a *group*, in candidate order (trial order). Each member has a
 * *curve*: for models that train in epochs, the held-out score after each epoch of its first fold
 * (first seed); for the others, the score of each of its fits (folds × seeds, in plan order). A
 * decision about member k at resource R (an epoch, or a number of fits) only looks at members
 * before k in the group, and waits (answers `open`) until what it needs from them is final:
 *
 * - median (Optuna's MedianPruner): after `warmupEpochs`, at every epoch, stop k if its best score
 *   so far is worse than the median of the best scores up to that epoch of the earlier members
 *   that finished unpruned (once `startupTrials` of them have). Epoch models only.
 * - successive halving = ASHA (Optuna's SuccessiveHalvingPruner, in trial order): rungs at
 *   minResource·η^(bracket+i) below maxResource; at a rung, k goes on only if its value is among
 *   the best max(1, ⌊n/η⌋) of the n members up to and including k that reached the rung (for
 *   epochs: the best score up to the rung; for fits: the mean of the first R fits). So the first
 *   trials go on when they are the best so far, as in Optuna. A fit its own early stopping ended
 *   before a rung is judged there with its final score: going on means its other folds.
 * - hyperband: successive halving in brackets 0…B−1 (bracket b starts at rung b); members are
 *   dealt to brackets in turn, in proportion to Optuna's bracket budgets, and compete only within
 *   their bracket.
 *
 * With `asynchronous`, a decision takes the earlier members as they stand instead of waiting
 * (members not yet final are left out): what ASHA does, and no longer reproducible.
 */
import type { PruningSpec } from '../plan';
import { median } from './pruning';

export type Resource = 'epochs' | 'fits';

export interface Curve {
  /** The value after each epoch (or of each fit) known so far; index = resource − 1. */
  values: number[];
  /** No more values will come (the fit ended, was stopped, failed, or every fit is done). */
  ended: boolean;
}

export interface Member {
  key: string;
  /** Undefined: not started. */
  curve?: Curve;
  /** The resource of a full run of this member (its epochs, or its number of fits). */
  maxResource: number;
}

export type Fate =
  /** Stopped at `at` (a decision point it reached). */
  | { kind: 'stop'; at: number; reason: string; rung?: number }
  /** Passed every decision point and its curve has ended: it runs (ran) in full. */
  | { kind: 'pass'; rungs: number }
  /** Not decided yet: `waitingAt` is the next decision point (its own curve has not reached it, or earlier members are not final). */
  | { kind: 'open'; waitingAt?: number; rungs: number };

export interface Policy {
  type: 'median' | 'successive-halving' | 'hyperband';
  goal: 'max' | 'min';
  resource: Resource;
  /** The score judged, for reasons: heldout_accuracy per epoch, or the selection metric of each fit. */
  metric: string;
  warmupEpochs: number;
  startupTrials: number;
  reductionFactor: number;
  minResource: number;
  maxResource?: number;
  brackets?: number;
  asynchronous: boolean;
}

export function policyFor(
  pruning: PruningSpec,
  goal: 'max' | 'min',
  resource: Resource,
  metric = resource === 'epochs' ? 'heldout_accuracy' : 'val_accuracy',
): Policy | undefined {
  if (pruning.type === 'median' && resource !== 'epochs') return undefined;
  return {
    type: pruning.type === 'asha' ? 'successive-halving' : pruning.type,
    goal,
    resource,
    metric,
    warmupEpochs: pruning.warmupEpochs ?? 0,
    startupTrials: pruning.startupTrials ?? 5,
    reductionFactor: pruning.reductionFactor ?? 3,
    minResource: pruning.minResource ?? 1,
    ...(pruning.maxResource !== undefined ? { maxResource: pruning.maxResource } : {}),
    ...(pruning.brackets !== undefined ? { brackets: pruning.brackets } : {}),
    asynchronous: pruning.asynchronous === true,
  };
}

/** Hyperband's bracket count: log_η(max/min) + 1, or the spec's `brackets` when smaller. */
export function bracketCount(policy: Policy, maxResource: number): number {
  if (policy.type !== 'hyperband') return 1;
  const all = Math.floor(Math.log(Math.max(1, maxResource / policy.minResource)) / Math.log(policy.reductionFactor) + 1e-9) + 1;
  return Math.max(1, Math.min(all, policy.brackets ?? all));
}

/** Optuna's trial allocation budget of bracket b of n: ⌈n·η^(n−1−b) / (n − b)⌉. */
function bracketBudget(n: number, b: number, eta: number): number {
  const s = n - 1 - b;
  return Math.ceil((n * eta ** s) / (s + 1));
}

/** The bracket of the member at `position` (0-based) in its group: dealt in turn by the budgets. */
export function bracketOf(position: number, brackets: number, eta: number): number {
  const budgets = Array.from({ length: brackets }, (_, b) => bracketBudget(brackets, b, eta));
  let n = position % budgets.reduce((a, b) => a + b, 0);
  for (let b = 0; b < brackets; b++) {
    n -= budgets[b];
    if (n < 0) return b;
  }
  return brackets - 1;
}

/** The rung resources of a member of `bracket`: minResource·η^(bracket+i) below its maximum. */
export function rungResources(policy: Policy, bracket: number, maxResource: number): number[] {
  const top = Math.min(policy.maxResource ?? maxResource, maxResource);
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const r = policy.minResource * policy.reductionFactor ** (bracket + i);
    if (r >= top) break;
    out.push(r);
  }
  return out;
}

const better = (goal: 'max' | 'min', a: number, b: number) => (goal === 'max' ? a > b : a < b);

/**
 * The decisions over one group. Build it again whenever a curve changes: members are evaluated
 * lazily and memoised, each from the members before it.
 */
export class GroupDecisions {
  private readonly fates = new Map<number, Fate>();
  private readonly brackets: number;

  /**
   * `groupMaxResource`: the largest resource any member can have, which sets Hyperband's bracket
   * count; pass it when members are still to come (an adaptive search), so adding one never
   * changes the brackets of those before it. Default: the largest of `members`.
   */
  constructor(
    private readonly policy: Policy,
    private readonly members: readonly Member[],
    groupMaxResource?: number,
  ) {
    this.brackets = bracketCount(policy, groupMaxResource ?? Math.max(1, ...members.map((m) => m.maxResource)));
  }

  bracket(index: number): number {
    return this.brackets > 1 ? bracketOf(index, this.brackets, this.policy.reductionFactor) : 0;
  }

  /** The decision points of member `index`: every epoch after the warm-up (median), or its rungs. */
  points(index: number): number[] {
    const m = this.members[index];
    if (this.policy.type === 'median')
      return Array.from({ length: Math.max(0, m.maxResource - this.policy.warmupEpochs) }, (_, i) => this.policy.warmupEpochs + 1 + i);
    return rungResources(this.policy, this.bracket(index), m.maxResource);
  }

  /** The value of a curve at resource r: the best score up to r (epochs, carried past its end), or the mean of its first r fits. */
  valueAt(curve: Curve, r: number): number | undefined {
    const upTo = curve.values.slice(0, r).filter((v) => Number.isFinite(v));
    if (this.policy.resource === 'fits') {
      if (curve.values.length < r && !curve.ended) return undefined;
      return upTo.length ? upTo.reduce((a, b) => a + b, 0) / upTo.length : undefined;
    }
    if (curve.values.length < r && !curve.ended) return undefined;
    if (!upTo.length) return undefined;
    return upTo.reduce((a, b) => (better(this.policy.goal, b, a) ? b : a));
  }

  fate(index: number): Fate {
    const known = this.fates.get(index);
    if (known) return known;
    const fate = this.evaluate(index);
    this.fates.set(index, fate);
    return fate;
  }

  private evaluate(index: number): Fate {
    const curve = this.members[index].curve;
    const length = curve?.values.length ?? 0;
    let rungs = 0;
    for (const point of this.points(index)) {
      if (point > length) {
        if (!curve?.ended) return { kind: 'open', waitingAt: point, rungs };
        // A fit that ended before this point (its own early stopping) has its final score. The
        // median rule judges only the epochs a fit reports; successive halving still judges it at
        // the later rungs with that score, since what is at stake is the rest of its folds.
        if (this.policy.type === 'median') return { kind: 'pass', rungs };
      }
      const decision = this.policy.type === 'median' ? this.medianAt(index, point) : this.rungAt(index, point);
      if (decision === 'wait') return { kind: 'open', waitingAt: point, rungs };
      if (decision !== 'go') return { kind: 'stop', at: point, reason: decision, ...(this.policy.type === 'median' ? {} : { rung: rungs }) };
      rungs++;
    }
    return curve?.ended ? { kind: 'pass', rungs } : { kind: 'open', rungs };
  }

  /** Member j's value at rung resource r, 'absent' when it stopped before r (or has no value), 'unknown' when not final yet. */
  private standing(j: number, r: number): number | 'absent' | 'unknown' {
    const curve = this.members[j].curve;
    const fate = this.fate(j);
    if (fate.kind === 'stop' && fate.at < r) return 'absent';
    if (fate.kind === 'open' && fate.waitingAt !== undefined && fate.waitingAt < r) return 'unknown';
    if (!curve) return 'unknown';
    const value = this.valueAt(curve, r);
    if (value === undefined) return curve.ended ? 'absent' : 'unknown';
    return value;
  }

  private rungAt(index: number, r: number): 'go' | 'wait' | string {
    const own = this.valueAt(this.members[index].curve!, r);
    if (own === undefined) return 'go';
    const bracket = this.bracket(index);
    const values = [own];
    for (let j = 0; j < index; j++) {
      if (this.bracket(j) !== bracket) continue;
      const s = this.standing(j, r);
      if (s === 'unknown') {
        if (this.policy.asynchronous) continue;
        return 'wait';
      }
      if (s !== 'absent') values.push(s);
    }
    const keep = Math.max(1, Math.floor(values.length / this.policy.reductionFactor));
    const sorted = [...values].sort((a, b) => (this.policy.goal === 'max' ? b - a : a - b));
    const threshold = sorted[keep - 1];
    const ok = this.policy.goal === 'max' ? own >= threshold : own <= threshold;
    if (ok) return 'go';
    const what =
      this.policy.resource === 'epochs'
        ? `best ${this.policy.metric} up to epoch ${r}`
        : `mean ${this.policy.metric} of the first ${r} fit${r === 1 ? '' : 's'}`;
    const of = `${values.length} trial${values.length === 1 ? '' : 's'}${this.brackets > 1 ? ` of bracket ${bracket}` : ''}`;
    return `${what}, ${own.toFixed(4)}, is not among the best ${keep} of ${of} up to this one at that rung (threshold ${threshold.toFixed(4)})`;
  }

  private medianAt(index: number, epoch: number): 'go' | 'wait' | string {
    const bests: number[] = [];
    for (let j = 0; j < index; j++) {
      const fate = this.fate(j);
      if (fate.kind === 'open') {
        if (this.policy.asynchronous) continue;
        return 'wait';
      }
      if (fate.kind === 'stop') continue;
      const v = this.valueAt(this.members[j].curve!, epoch);
      if (v !== undefined) bests.push(v);
    }
    if (bests.length < Math.max(1, this.policy.startupTrials)) return 'go';
    const own = this.valueAt(this.members[index].curve!, epoch);
    if (own === undefined) return 'go';
    const m = median(bests);
    if (!better(this.policy.goal, m, own)) return 'go';
    const word = this.policy.goal === 'max' ? 'below' : 'above';
    return `best ${this.policy.metric} up to epoch ${epoch}, ${own.toFixed(4)}, is ${word} the median ${m.toFixed(4)} of ${bests.length} earlier finished trial${bests.length === 1 ? '' : 's'} up to that epoch`;
  }
}
