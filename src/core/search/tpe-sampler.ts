/**
 * Tree-structured Parzen Estimator (Bergstra et al. 2011), following Optuna 5.1's TPESampler with
 * its defaults: random draws for the first `startupTrials` finished trials; then the finished
 * trials are split into the best γ(n) = min(⌈0.1·n⌉, 25) ("below") and the rest ("above"), a Parzen
 * estimator is fitted to each (older trials weighted down past 25, a prior kernel of weight 1), 24
 * candidates are drawn from l(x) (below) and the one maximising log l(x) − log g(x) wins.
 *
 * As in Optuna: pruned trials count as finished and fill the below set after the complete ones,
 * ranked by the furthest step they reached, then by their last intermediate value; failed trials
 * are ignored; with `constantLiar`, trials passed as 'running' join the above set (so parallel
 * suggestions avoid each other's regions) without counting towards n. A complete trial without a
 * finite value is treated like a failed one.
 *
 * Conditional dimensions: each parameter's estimators use only the trials in which it was active,
 * so a dimension that exists only for `model.type: lstm` learns from the LSTM trials. With
 * `multivariate` (Optuna 5.1's default), parameters that exist together (the same `when`) are
 * sampled jointly from product kernels, like Optuna's `multivariate=True, group=True`; without it,
 * each parameter on its own.
 *
 * Pure: the random stream is seeded by (seed, trial number), and the estimators are rebuilt from
 * the history passed in every time.
 */
import { NumpyRandomState, seedStream } from '../random';
import { defaultGamma, fromInternal, ParzenEstimator, toInternal, type InternalValue } from './parzen-estimator';
import { RandomSampler } from './random-sampler';
import { isActive } from './space';
import type { Observation, Parameter, ParamValue, Sampler, SamplerOptions, SearchSpace } from './types';

export interface TpeOptions {
  /** Random draws until this many trials have finished (complete or pruned). Default 10. */
  startupTrials?: number;
  /** Candidates drawn from l(x) per suggestion. Default 24. */
  eiCandidates?: number;
  /** Sample parameters that exist together jointly. Default true (as Optuna 5.1). */
  multivariate?: boolean;
  /** Count running trials as bad ones so parallel suggestions spread out. Default true (as Optuna 5.1). */
  constantLiar?: boolean;
  /** Weight of the prior kernel. Default 1. */
  priorWeight?: number;
}

export const TPE_DEFAULTS: Required<TpeOptions> = { startupTrials: 10, eiCandidates: 24, multivariate: true, constantLiar: true, priorWeight: 1 };

export class TpeSampler implements Sampler {
  readonly name = 'tpe';
  private readonly settings: Required<TpeOptions>;
  private readonly startup: RandomSampler;
  /** Parameters grouped by their `when` (the same condition ⇒ they always exist together). */
  private readonly groupOf: Map<string, string>;

  constructor(
    private readonly space: SearchSpace,
    private readonly options: SamplerOptions,
    tpe: TpeOptions = {},
  ) {
    this.settings = { ...TPE_DEFAULTS, ...stripUndefined(tpe) };
    this.startup = new RandomSampler(space, options);
    this.groupOf = new Map(space.parameters.map((p) => [p.name, conditionKey(p)]));
  }

  suggest(number: number, history: readonly Observation[]): Record<string, ParamValue> {
    const trials = [...history].filter((t) => t.number < number && usable(t, this.settings.constantLiar)).sort((a, b) => a.number - b.number);
    const finished = trials.filter((t) => t.state !== 'running');
    if (finished.length < this.settings.startupTrials) return this.startup.suggest(number, history);

    const { below, above } = this.split(trials, defaultGamma(finished.length));
    const random = new NumpyRandomState(seedStream(this.options.seed, `search-tpe:${number}`));
    const chosen: Record<string, ParamValue> = {};
    const parameters = this.space.parameters;
    parameters.forEach((parameter, index) => {
      if (Object.prototype.hasOwnProperty.call(chosen, parameter.name) || !isActive(parameter, chosen)) return;
      const group = this.settings.multivariate
        ? parameters
            .slice(index)
            .filter((p) => this.groupOf.get(p.name) === this.groupOf.get(parameter.name) && !Object.prototype.hasOwnProperty.call(chosen, p.name))
        : [parameter];
      Object.assign(chosen, this.sampleGroup(group, below, above, random));
    });
    return chosen;
  }

  /** Optuna's split: the best complete trials, then the best pruned ones, fill γ(n); running ones are above. */
  private split(trials: readonly Observation[], belowCount: number): { below: Observation[]; above: Observation[] } {
    const sign = this.options.direction === 'maximize' ? -1 : 1; // ascending "loss"
    const complete = trials.filter((t) => t.state === 'complete').sort((a, b) => sign * (a.value as number) - sign * (b.value as number));
    const pruned = trials.filter((t) => t.state === 'pruned').sort((a, b) => comparePruned(prunedScore(a, sign), prunedScore(b, sign)));
    const running = trials.filter((t) => t.state === 'running');
    const belowComplete = complete.slice(0, Math.min(belowCount, complete.length));
    const remaining = Math.max(0, belowCount - belowComplete.length);
    const belowPruned = pruned.slice(0, Math.min(remaining, pruned.length));
    const byNumber = (a: Observation, b: Observation): number => a.number - b.number;
    return {
      below: [...belowComplete, ...belowPruned].sort(byNumber),
      above: [...complete.slice(belowComplete.length), ...pruned.slice(belowPruned.length), ...running].sort(byNumber),
    };
  }

  private sampleGroup(
    group: readonly Parameter[],
    below: readonly Observation[],
    above: readonly Observation[],
    random: NumpyRandomState,
  ): Record<string, ParamValue> {
    // A dimension with a single value has nothing to learn (Optuna leaves these out too).
    const fixed: Record<string, ParamValue> = {};
    const free = group.filter((p) => {
      const only = singleValue(p);
      if (only === undefined) return true;
      fixed[p.name] = only;
      return false;
    });
    if (free.length === 0) return fixed;
    const dimensions = free.map((p) => p.dimension);
    const rows = (trials: readonly Observation[]): InternalValue[][] =>
      trials
        .filter((t) => free.every((p) => Object.prototype.hasOwnProperty.call(t.params, p.name)))
        .map((t) => free.map((p) => toInternal(p.dimension, t.params[p.name], () => `trial ${t.number}: ${p.name}`)));
    const options = { priorWeight: this.settings.priorWeight };
    const good = new ParzenEstimator(dimensions, rows(below), options);
    const bad = new ParzenEstimator(dimensions, rows(above), options);
    const candidates = good.sample(random, this.settings.eiCandidates);
    const goodLog = good.logPdf(candidates);
    const badLog = bad.logPdf(candidates);
    let best = 0;
    let bestScore = -Infinity;
    candidates.forEach((_, i) => {
      const score = goodLog[i] - badLog[i];
      if (score > bestScore) {
        bestScore = score;
        best = i;
      }
    });
    const values: Record<string, ParamValue> = { ...fixed };
    free.forEach((p, d) => {
      values[p.name] = fromInternal(p.dimension, candidates[best][d]);
    });
    return values;
  }
}

function usable(trial: Observation, constantLiar: boolean): boolean {
  switch (trial.state) {
    case 'complete':
      return typeof trial.value === 'number' && Number.isFinite(trial.value);
    case 'pruned':
      return true;
    case 'running':
      return constantLiar;
    case 'failed':
      return false;
  }
}

/** Optuna's `_get_pruned_trial_score`: further steps first, then better last values; none last. */
function prunedScore(trial: Observation, sign: number): [number, number] {
  const steps = trial.intermediate ?? [];
  if (steps.length === 0) return [1, 0];
  let [step, value] = steps[0];
  for (const [s, v] of steps) if (s >= step) [step, value] = [s, v];
  return [-step, Number.isNaN(value) ? Infinity : sign * value];
}

function comparePruned(a: [number, number], b: [number, number]): number {
  return a[0] - b[0] || (a[1] === b[1] ? 0 : a[1] < b[1] ? -1 : 1);
}

function singleValue(parameter: Parameter): ParamValue | undefined {
  const d = parameter.dimension;
  if (d.type === 'categorical') return d.choices.length === 1 ? d.choices[0] : undefined;
  if (d.type === 'int' && d.low === d.high) return d.low;
  return undefined;
}

function conditionKey(parameter: Parameter): string {
  if (!parameter.when) return '';
  return JSON.stringify(Object.entries(parameter.when).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
