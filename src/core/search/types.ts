/**
 * The contract between the sweep engine (src/core/sweep) and the samplers of adaptive search
 * (src/core/search): a search space of named dimensions, the history of trials the engine has
 * started, and a sampler that turns that history into the next trial's values.
 *
 * A sampler is a pure function of (trial number, history): no clock, no hidden mutable state, no
 * Math.random. Its randomness comes from the spec's seed and the trial number. That is what lets
 * the engine replay a sweep after `kill -9` and get the same suggestions, and get the same
 * leaderboard with 1 or N workers: the engine decides which history each suggestion sees (trials
 * still running are passed with state 'running', e.g. for a constant liar), the sampler never does.
 */

/** A value a dimension can take. */
export type ParamValue = string | number | boolean | null;

export type Dimension =
  | { type: 'categorical'; choices: readonly ParamValue[] }
  /** low < high; log: sample log(value) evenly (low > 0); step: values low + k·step only. */
  | { type: 'float'; low: number; high: number; log?: boolean; step?: number }
  /** low <= high, both included; log: low >= 1; step: values low + k·step only (default 1). */
  | { type: 'int'; low: number; high: number; log?: boolean; step?: number };

export interface Parameter {
  /** Dotted path into the spec (`pipelines.<name>.model.units`), as in `grid:` and `random:`. */
  name: string;
  dimension: Dimension;
  /**
   * A conditional dimension: it exists in a trial only when every named parameter (an earlier one
   * in the space) took one of the listed values. Absent: always present.
   */
  when?: Readonly<Record<string, readonly ParamValue[]>>;
}

export interface SearchSpace {
  /** In order: a parameter's `when` may only name parameters before it. */
  parameters: readonly Parameter[];
}

export type TrialState = 'complete' | 'pruned' | 'failed' | 'running';

export interface Observation {
  /** 0-based trial number, in suggestion order. */
  number: number;
  /** The values the trial used: active parameters only (an inactive conditional one is absent). */
  params: Readonly<Record<string, ParamValue>>;
  state: TrialState;
  /** The objective for 'complete' trials (in the study's direction, see SamplerOptions). */
  value?: number;
  /** Values reported along the way, as [resource step, value], ascending steps (pruned trials: up to the step they stopped). */
  intermediate?: ReadonlyArray<readonly [number, number]>;
}

export interface SamplerOptions {
  /** The spec's seed: every random choice of the sampler derives from it and the trial number. */
  seed: number;
  direction: 'maximize' | 'minimize';
}

export interface Sampler {
  readonly name: string;
  /**
   * Values for trial `number` (active parameters only), given every trial before it in the
   * engine's chosen history (ascending `number`, all with number < the argument). Pure: the same
   * arguments give the same result, in any process.
   */
  suggest(number: number, history: readonly Observation[]): Record<string, ParamValue>;
}
