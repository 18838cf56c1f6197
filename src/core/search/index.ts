/**
 * Samplers for adaptive search (`sweep.search`). The sweep engine builds one with `createSampler`
 * and asks it for each trial's values; see types.ts for the contract.
 */
import type { SchemaObject } from 'ajv';
import { RandomSampler } from './random-sampler';
import type { Sampler, SamplerOptions, SearchSpace } from './types';

export type { Dimension, Observation, Parameter, ParamValue, Sampler, SamplerOptions, SearchSpace, TrialState } from './types';
export { isActive, fromUnit } from './space';

/** `sweep.search.sampler` after schema validation. */
export type SamplerConfig = { type: 'random' };

/** JSON Schema of `sweep.search.sampler`, included by the sweep schema. */
export const samplerConfigSchema: SchemaObject = {
  type: 'object',
  description: 'How each trial’s values are chosen.',
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'random', description: 'Independent random draws, seeded by the spec seed and the trial number.' } },
    },
  ],
};

export function createSampler(config: SamplerConfig, space: SearchSpace, options: SamplerOptions): Sampler {
  switch (config.type) {
    case 'random':
      return new RandomSampler(space, options);
  }
}
