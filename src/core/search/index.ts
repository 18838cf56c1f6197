/**
 * Samplers for adaptive search (`sweep.search`). The sweep engine builds one with `createSampler`
 * and asks it for each trial's values; see types.ts for the contract.
 */
import type { SchemaObject } from 'ajv';
import { HaltonSampler } from './halton-sampler';
import { RandomSampler } from './random-sampler';
import { TpeSampler, TPE_DEFAULTS, type TpeOptions } from './tpe-sampler';
import type { Sampler, SamplerOptions, SearchSpace } from './types';

export type { Dimension, Observation, Parameter, ParamValue, Sampler, SamplerOptions, SearchSpace, TrialState } from './types';
export { isActive, fromUnit, onStep } from './space';
export { TPE_DEFAULTS, type TpeOptions } from './tpe-sampler';
export { parameterImportance, type ParameterImportance } from './importance';
// The search plots live in './plots' and are imported from there only when a sweep draws (they load Vega).

/** `sweep.search.sampler` after schema validation. */
export type SamplerConfig = { type: 'random' } | ({ type: 'tpe' } & TpeOptions) | { type: 'halton' };

/**
 * JSON Schema of `sweep.search.sampler`, included by the sweep schema. Defaults are stated in the
 * descriptions, not as `default`: ajv does not apply defaults inside `oneOf` (and refuses them in
 * strict mode); createSampler fills them in.
 */
export const samplerConfigSchema: SchemaObject = {
  type: 'object',
  description: 'How each trial’s values are chosen: random, tpe (learns from finished trials) or halton (quasi-random, evenly spread).',
  required: ['type'],
  properties: { type: { enum: ['random', 'tpe', 'halton'] } },
  oneOf: [
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: { type: { const: 'random', description: 'Independent random draws, seeded by the spec seed and the trial number.' } },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: {
          const: 'tpe',
          description:
            'Tree-structured Parzen Estimator (as Optuna’s TPESampler): after the startup trials, draws candidates near the best trials so far and keeps the one most likely to be good. Handles categorical, log, int, stepped and conditional parameters.',
        },
        startupTrials: {
          type: 'integer',
          minimum: 0,
          description: `Random trials before TPE starts learning (counts finished trials: complete or pruned). Default ${TPE_DEFAULTS.startupTrials}.`,
        },
        eiCandidates: {
          type: 'integer',
          minimum: 1,
          description: `Candidates drawn per suggestion; the most promising one is tried. More: greedier, slower. Default ${TPE_DEFAULTS.eiCandidates}.`,
        },
        multivariate: {
          type: 'boolean',
          description: `Model parameters that exist together jointly (catches interactions such as learning rate × batch size); false: each on its own. Default ${TPE_DEFAULTS.multivariate}.`,
        },
        constantLiar: {
          type: 'boolean',
          description: `Treat trials still running as bad ones, so trials suggested in parallel do not pile onto the same region. Default ${TPE_DEFAULTS.constantLiar}.`,
        },
        priorWeight: {
          type: 'number',
          exclusiveMinimum: 0,
          description: `Weight of the prior kernel against each observed trial: larger explores more. Default ${TPE_DEFAULTS.priorWeight}.`,
        },
      },
    },
    {
      type: 'object',
      additionalProperties: false,
      required: ['type'],
      properties: {
        type: {
          const: 'halton',
          description: 'Scrambled Halton sequence (quasi-random): covers the space more evenly than random draws; seeded, needs no results.',
        },
      },
    },
  ],
};

export function createSampler(config: SamplerConfig, space: SearchSpace, options: SamplerOptions): Sampler {
  switch (config.type) {
    case 'random':
      return new RandomSampler(space, options);
    case 'tpe': {
      const { type: _type, ...tpe } = config;
      return new TpeSampler(space, options, tpe);
    }
    case 'halton':
      return new HaltonSampler(space, options);
  }
}
