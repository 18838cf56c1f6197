/**
 * Helpers every sampler shares: which parameters are active given the values chosen so far (the
 * `when` of conditional dimensions), and mapping a point of the unit interval onto a dimension (how
 * random, quasi-random and model-based samplers all turn a number in [0, 1) into a value).
 */
import type { Dimension, Parameter, ParamValue } from './types';

/** Whether `parameter` exists in a trial whose earlier parameters took `chosen`. */
export function isActive(parameter: Parameter, chosen: Readonly<Record<string, ParamValue>>): boolean {
  if (!parameter.when) return true;
  return Object.entries(parameter.when).every(
    ([name, allowed]) => Object.prototype.hasOwnProperty.call(chosen, name) && allowed.includes(chosen[name]),
  );
}

/** Number of values on a stepped grid from low to high (both ends included when on the grid). */
export function stepCount(low: number, high: number, step: number): number {
  return Math.floor((high - low) / step + 1e-9) + 1;
}

/**
 * The value of `dimension` at `u` in [0, 1): categorical picks choice ⌊u·n⌋; float and int are
 * spread evenly (in log space when `log`), then rounded to their step.
 */
export function fromUnit(dimension: Dimension, u: number): ParamValue {
  const unit = Math.min(Math.max(u, 0), 1 - Number.EPSILON);
  switch (dimension.type) {
    case 'categorical':
      return dimension.choices[Math.floor(unit * dimension.choices.length)];
    case 'float': {
      const { low, high, log, step } = dimension;
      if (step !== undefined) {
        const k = Math.floor(unit * stepCount(low, high, step));
        return low + k * step;
      }
      if (log) return Math.exp(Math.log(low) + unit * (Math.log(high) - Math.log(low)));
      return low + unit * (high - low);
    }
    case 'int': {
      const { low, high, log } = dimension;
      const step = dimension.step ?? 1;
      if (log) {
        // Evenly in log space over [low - 0.5, high + 0.5] so the end values get their share.
        const lo = Math.log(low - 0.5);
        const hi = Math.log(high + 0.5);
        const value = Math.round(Math.exp(lo + unit * (hi - lo)));
        return Math.min(Math.max(value, low), high);
      }
      return low + Math.floor(unit * stepCount(low, high, step)) * step;
    }
  }
}
