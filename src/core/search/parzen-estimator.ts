/**
 * A Parzen estimator over a group of dimensions, as in Optuna 5.1's `_ParzenEstimator`: a weighted
 * mixture with one product kernel per observation plus one prior kernel. Numeric dimensions get
 * truncated normals (in log space for `log`, as probability mass on the step's cell for int and
 * stepped floats), categorical ones a smoothed one-hot. Bandwidths follow Optuna's defaults:
 * distance to the farther neighbour (endpoints not considered), clipped to [range/min(100, 1 + n
 * kernels), range] ("magic clip"); the prior is centred with the whole range as its sd.
 */
import type { NumpyRandomState } from '../random';
import { LOG_SQRT_2PI, truncatedNormalPpf, logGaussMass } from './truncated-normal';
import { onStep, stepCount } from './space';
import type { Dimension, ParamValue } from './types';

/** Mixture weights of the observations (oldest first): flat for the newest 25, a ramp before. */
export function defaultWeights(n: number): number[] {
  if (n < 25) return new Array<number>(n).fill(1);
  const ramp = n - 25;
  const weights: number[] = [];
  // numpy's linspace(1/n, 1, n - 25)
  for (let i = 0; i < ramp; i++) weights.push(ramp === 1 ? 1 / n : 1 / n + ((1 - 1 / n) * i) / (ramp - 1));
  for (let i = 0; i < 25; i++) weights.push(1);
  return weights;
}

/** How many of n finished trials form the "good" density l(x): Optuna's min(⌈0.1·n⌉, 25). */
export function defaultGamma(n: number): number {
  return Math.min(Math.ceil(0.1 * n), 25);
}

interface NumericKernels {
  kind: 'numeric';
  mus: Float64Array;
  sigmas: Float64Array;
  log: boolean;
  /** Stepped (int, or float with step): values low + k·step only. */
  step?: number;
  low: number;
  high: number;
  /** Bounds in the kernels' space (log for log; widened by half a step for stepped ones). */
  adaptedLow: number;
  adaptedHigh: number;
  /** log mass of each kernel on [adaptedLow, adaptedHigh] (normalises stepped ones). */
  logMass: Float64Array;
  /** log(mass · sigma · √(2π)): what normalises a continuous kernel's density. */
  logNormalizers: Float64Array;
}

interface CategoricalKernels {
  kind: 'categorical';
  /** Row per kernel, a probability per choice. */
  weights: Float64Array[];
  choices: number;
}

type Kernels = NumericKernels | CategoricalKernels;

/** A dimension's value as the estimator works with it: a choice index, or the number itself. */
export type InternalValue = number;

export interface ParzenOptions {
  priorWeight: number;
}

export class ParzenEstimator {
  private readonly logWeights: Float64Array;
  private readonly cumulativeWeights: Float64Array;
  private readonly kernels: Kernels[];

  /**
   * @param observations one row per observation (oldest first), one internal value per dimension.
   */
  constructor(
    private readonly dimensions: readonly Dimension[],
    observations: readonly (readonly InternalValue[])[],
    options: ParzenOptions,
  ) {
    const n = observations.length;
    const weights = n === 0 ? [1] : [...defaultWeights(n), options.priorWeight];
    const total = weights.reduce((a, b) => a + b, 0);
    this.logWeights = Float64Array.from(weights, (w) => Math.log(w / total));
    this.cumulativeWeights = new Float64Array(weights.length);
    let running = 0;
    weights.forEach((w, i) => {
      running += w / total;
      this.cumulativeWeights[i] = running;
    });
    this.cumulativeWeights[weights.length - 1] = 1;
    this.kernels = dimensions.map((dimension, d) =>
      buildKernels(
        dimension,
        observations.map((row) => row[d]),
        options,
      ),
    );
  }

  /** `count` draws from the mixture (rows of internal values). */
  sample(random: NumpyRandomState, count: number): InternalValue[][] {
    const rows: InternalValue[][] = [];
    for (let c = 0; c < count; c++) {
      const u = random.randomSample();
      let component = 0;
      while (component < this.cumulativeWeights.length - 1 && this.cumulativeWeights[component] <= u) component++;
      rows.push(this.kernels.map((kernels) => sampleKernel(kernels, component, random)));
    }
    return rows;
  }

  /** The mixture's log density (log mass for stepped and categorical dimensions) at each row. */
  logPdf(rows: readonly (readonly InternalValue[])[]): number[] {
    const components = this.logWeights.length;
    const perComponent = new Float64Array(components);
    return rows.map((row) => {
      perComponent.set(this.logWeights);
      this.kernels.forEach((kernels, d) => addKernelLogPdf(kernels, row[d], perComponent));
      let max = -Infinity;
      for (const v of perComponent) if (v > max) max = v;
      if (max === -Infinity) return -Infinity;
      let sum = 0;
      for (const v of perComponent) sum += Math.exp(v - max);
      return Math.log(sum) + max;
    });
  }
}

function buildKernels(dimension: Dimension, values: readonly number[], options: ParzenOptions): Kernels {
  if (dimension.type === 'categorical') {
    const choices = dimension.choices.length;
    if (values.length === 0) return { kind: 'categorical', choices, weights: [new Float64Array(choices).fill(1 / choices)] };
    const kernelCount = values.length + 1; // + the prior
    const weights = Array.from({ length: kernelCount }, (_, k) => {
      const row = new Float64Array(choices).fill(options.priorWeight / kernelCount);
      if (k < values.length) row[values[k]] += 1;
      const sum = row.reduce((a, b) => a + b, 0);
      return sum === 0 ? row : row.map((w) => w / sum);
    });
    return { kind: 'categorical', choices, weights };
  }
  const step = dimension.type === 'int' ? (dimension.step ?? 1) : dimension.step;
  let low = dimension.low;
  // The last value on the step grid, as Optuna adjusts `high` (0..1 by 0.3 ends at 0.9).
  const top = step === undefined ? dimension.high : onStep(dimension.low, stepCount(dimension.low, dimension.high, step) - 1, step);
  let high = top;
  if (step !== undefined) {
    low -= step / 2;
    high += step / 2;
  }
  // A stepped log dimension whose first cell reaches 0 has no log space to work in (Optuna refuses
  // log with a step for floats); its kernels then work on the steps linearly.
  const log = dimension.log === true && low > 0;
  const toSpace = (v: number): number => (log ? Math.log(v) : v);
  const adaptedLow = toSpace(low);
  const adaptedHigh = toSpace(high);
  const mus = values.map(toSpace);
  const sigmas = bandwidths(mus, adaptedLow, adaptedHigh);
  mus.push(0.5 * (adaptedLow + adaptedHigh));
  sigmas.push(adaptedHigh - adaptedLow);
  const muArray = Float64Array.from(mus);
  const sigmaArray = Float64Array.from(sigmas);
  const logMass = muArray.map((mu, k) => logGaussMass((adaptedLow - mu) / sigmaArray[k], (adaptedHigh - mu) / sigmaArray[k]));
  const logNormalizers = logMass.map((mass, k) => mass + Math.log(sigmaArray[k]) + LOG_SQRT_2PI);
  return {
    kind: 'numeric',
    mus: muArray,
    sigmas: sigmaArray,
    log,
    step,
    low: dimension.low,
    high: top,
    adaptedLow,
    adaptedHigh,
    logMass,
    logNormalizers,
  };
}

/** Optuna's bandwidths: the larger gap to a sorted neighbour (the ends' inner gap only), clipped. */
function bandwidths(mus: readonly number[], low: number, high: number): number[] {
  const n = mus.length;
  if (n === 0) return [];
  const order = mus.map((_, i) => i).sort((a, b) => mus[a] - mus[b] || a - b);
  const sorted = [low, ...order.map((i) => mus[i]), high];
  const sortedSigmas: number[] = [];
  for (let i = 1; i <= n; i++) sortedSigmas.push(Math.max(sorted[i] - sorted[i - 1], sorted[i + 1] - sorted[i]));
  if (sorted.length >= 4) {
    sortedSigmas[0] = sorted[2] - sorted[1];
    sortedSigmas[n - 1] = sorted[n] - sorted[n - 1];
  }
  const maxSigma = high - low;
  const minSigma = (high - low) / Math.min(100, 1 + (n + 1));
  const sigmas = new Array<number>(n);
  order.forEach((original, rank) => {
    sigmas[original] = Math.min(Math.max(sortedSigmas[rank], minSigma), maxSigma);
  });
  return sigmas;
}

function sampleKernel(kernels: Kernels, component: number, random: NumpyRandomState): InternalValue {
  const u = random.randomSample();
  if (kernels.kind === 'categorical') {
    const row = kernels.weights[Math.min(component, kernels.weights.length - 1)];
    let cumulative = 0;
    for (let i = 0; i < row.length - 1; i++) {
      cumulative += row[i];
      if (u < cumulative) return i;
    }
    return row.length - 1;
  }
  const mu = kernels.mus[component];
  const sigma = kernels.sigmas[component];
  const z = truncatedNormalPpf(u, (kernels.adaptedLow - mu) / sigma, (kernels.adaptedHigh - mu) / sigma);
  let x = z * sigma + mu;
  if (kernels.log) x = Math.exp(x);
  if (kernels.step !== undefined) {
    x = onStep(kernels.low, Math.round((x - kernels.low) / kernels.step), kernels.step);
    x = Math.min(Math.max(x, kernels.low), kernels.high);
  } else {
    // exp(log(high)) can land one ulp outside the range.
    x = Math.min(Math.max(x, kernels.low), kernels.high);
  }
  return x;
}

function addKernelLogPdf(kernels: Kernels, x: InternalValue, perComponent: Float64Array): void {
  if (kernels.kind === 'categorical') {
    kernels.weights.forEach((row, k) => {
      perComponent[k] += Math.log(row[x]);
    });
    return;
  }
  const { mus, sigmas, log, step, adaptedLow, adaptedHigh, logMass } = kernels;
  if (step === undefined) {
    const value = log ? Math.log(x) : x;
    if (!(value >= adaptedLow && value <= adaptedHigh)) {
      perComponent.fill(-Infinity);
      return;
    }
    // truncatedNormalLogPdf with its kernel-only terms computed once per estimator.
    const { logNormalizers } = kernels;
    for (let k = 0; k < mus.length; k++) {
      const z = (value - mus[k]) / sigmas[k];
      perComponent[k] += -0.5 * z * z - logNormalizers[k];
    }
    return;
  }
  const left = log ? Math.log(x - step / 2) : x - step / 2;
  const right = log ? Math.log(x + step / 2) : x + step / 2;
  for (let k = 0; k < mus.length; k++) {
    perComponent[k] += logGaussMass((left - mus[k]) / sigmas[k], (right - mus[k]) / sigmas[k]) - logMass[k];
  }
}

/** The internal value of `value` in `dimension`, or a clear error naming the trial and parameter. */
export function toInternal(dimension: Dimension, value: ParamValue, where: () => string): InternalValue {
  if (dimension.type === 'categorical') {
    const index = dimension.choices.indexOf(value);
    if (index < 0)
      throw new Error(
        `${where()} = ${JSON.stringify(value)} is not one of its choices (${dimension.choices.map((c) => JSON.stringify(c)).join(', ')})`,
      );
    return index;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new Error(`${where()} = ${JSON.stringify(value)} is not a finite number`);
  return value;
}

export function fromInternal(dimension: Dimension, value: InternalValue): ParamValue {
  return dimension.type === 'categorical' ? dimension.choices[value] : value;
}
