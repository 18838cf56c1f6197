/**
 * Independent random draws: each trial's values come from its own numpy RandomState, seeded by the
 * spec's seed and the trial number, so trial 7 gets the same values whatever ran before it.
 */
import { NumpyRandomState, seedStream } from '../random';
import { fromUnit, isActive } from './space';
import type { Observation, ParamValue, Sampler, SamplerOptions, SearchSpace } from './types';

export class RandomSampler implements Sampler {
  readonly name = 'random';

  constructor(
    private readonly space: SearchSpace,
    private readonly options: SamplerOptions,
  ) {}

  suggest(number: number, _history: readonly Observation[]): Record<string, ParamValue> {
    const random = new NumpyRandomState(seedStream(this.options.seed, `search-random:${number}`));
    const chosen: Record<string, ParamValue> = {};
    for (const parameter of this.space.parameters) {
      // Draw for inactive parameters too, so a condition never shifts the stream of those after it.
      const u = random.randomSample();
      if (isActive(parameter, chosen)) chosen[parameter.name] = fromUnit(parameter.dimension, u);
    }
    return chosen;
  }
}
