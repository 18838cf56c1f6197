/**
 * Quasi-random search: trial n takes point n of a Halton sequence (one prime base per parameter,
 * in space order), scrambled as SciPy's `qmc.Halton(scramble=True)` does: every digit position of
 * every dimension gets its own random permutation of the digits, so the points keep Halton's even
 * coverage without its lattice artefacts (and point 0 is not the corner). The permutations come
 * from the spec's seed alone, so trial n's values never depend on the history. Each parameter keeps
 * its own coordinate even when inactive, so conditional ones never shift the others.
 *
 * Useful as a better-spread replacement for random draws, and when trials run in parallel: unlike
 * TPE, nothing waits for results.
 */
import { NumpyRandomState, seedStream } from '../random';
import { fromUnit, isActive } from './space';
import type { Observation, ParamValue, Sampler, SamplerOptions, SearchSpace } from './types';

/** The first `count` primes. */
export function primes(count: number): number[] {
  const found: number[] = [];
  for (let candidate = 2; found.length < count; candidate++) {
    if (found.every((p) => p * p > candidate || candidate % p !== 0)) found.push(candidate);
  }
  return found;
}

interface Scrambled {
  base: number;
  /** One permutation of 0..base-1 per digit position (as many as a double resolves, as SciPy). */
  permutations: Uint16Array[];
}

export class HaltonSampler implements Sampler {
  readonly name = 'halton';
  private readonly dimensions: Scrambled[];

  constructor(
    private readonly space: SearchSpace,
    options: SamplerOptions,
  ) {
    this.dimensions = primes(space.parameters.length).map((base, d) => {
      const random = new NumpyRandomState(seedStream(options.seed, `search-halton:${d}`));
      const positions = Math.ceil(54 / Math.log2(base)) - 1;
      const permutations = Array.from({ length: positions }, () => shuffled(base, random));
      return { base, permutations };
    });
  }

  /** Point `index` of the scrambled sequence, one coordinate per parameter, each in [0, 1). */
  point(index: number): number[] {
    if (!Number.isSafeInteger(index) || index < 0) throw new RangeError(`Halton point index must be a non-negative integer, got ${index}`);
    return this.dimensions.map(({ base, permutations }) => {
      let rest = index;
      let scale = 1 / base;
      let value = 0;
      for (const permutation of permutations) {
        value += permutation[rest % base] * scale;
        rest = Math.floor(rest / base);
        scale /= base;
      }
      return Math.min(value, 1 - Number.EPSILON);
    });
  }

  suggest(number: number, _history: readonly Observation[]): Record<string, ParamValue> {
    const point = this.point(number);
    const chosen: Record<string, ParamValue> = {};
    this.space.parameters.forEach((parameter, d) => {
      if (isActive(parameter, chosen)) chosen[parameter.name] = fromUnit(parameter.dimension, point[d]);
    });
    return chosen;
  }
}

/** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
function shuffled(n: number, random: NumpyRandomState): Uint16Array {
  const values = Uint16Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = random.randomInterval(i);
    [values[i], values[j]] = [values[j], values[i]];
  }
  return values;
}
