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

/** Digits after the decimal point of a number as written (`0.05` → 2, `1e-7` → 7, `3` → 0). */
export function decimalsOf(x: number): number {
  const [mantissa, exponent] = String(x).toLowerCase().split('e');
  const fraction = mantissa.split('.')[1]?.length ?? 0;
  return Math.max(0, fraction - Number(exponent ?? 0));
}

/**
 * The value `k` steps above `low`, rounded to the decimals of `low` and `step`: 0 + 3·0.1 is
 * 0.30000000000000004 in floating point, and such a value would enter trial ids and labels.
 */
export function onStep(low: number, k: number, step: number): number {
  const value = low + k * step;
  const decimals = Math.max(decimalsOf(low), decimalsOf(step));
  // toFixed takes at most 100 digits; a step that fine gains nothing from rounding.
  return decimals > 0 && decimals <= 100 ? Number(value.toFixed(decimals)) : value;
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
        return onStep(low, Math.floor(unit * stepCount(low, high, step)), step);
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
      return onStep(low, Math.floor(unit * stepCount(low, high, step)), step);
    }
  }
}
