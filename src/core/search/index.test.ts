import { createSampler, samplerConfigSchema } from '.';
import { createAjv } from '../spec/ajv';
import type { SearchSpace } from './types';

const space: SearchSpace = { parameters: [{ name: 'x', dimension: { type: 'float', low: 0, high: 1 } }] };

describe('sampler config schema', () => {
  const validate = createAjv().compile(samplerConfigSchema);

  it.each([
    [{ type: 'random' }],
    [{ type: 'halton' }],
    [{ type: 'tpe' }],
    [{ type: 'tpe', startupTrials: 0, eiCandidates: 64, multivariate: false, constantLiar: false, priorWeight: 2 }],
  ])('accepts %j', (config) => {
    expect(validate(structuredClone(config))).toBe(true);
  });

  it.each([
    [{ type: 'sobol' }],
    [{ type: 'tpe', startupTrials: -1 }],
    [{ type: 'tpe', eiCandidates: 0 }],
    [{ type: 'tpe', priorWeight: 0 }],
    [{ type: 'tpe', startup: 10 }],
    [{ type: 'random', startupTrials: 10 }],
    [{}],
  ])('refuses %j', (config) => {
    expect(validate(config)).toBe(false);
  });

  it('describes every option (for editors and help)', () => {
    for (const branch of samplerConfigSchema.oneOf as Array<{ properties: Record<string, { description?: string }> }>) {
      for (const [key, property] of Object.entries(branch.properties)) expect([key, typeof property.description]).toEqual([key, 'string']);
    }
  });

  it('builds the sampler each config names, with its options', () => {
    expect(createSampler({ type: 'random' }, space, { seed: 1, direction: 'minimize' }).name).toBe('random');
    expect(createSampler({ type: 'halton' }, space, { seed: 1, direction: 'minimize' }).name).toBe('halton');
    const tpe = createSampler({ type: 'tpe', startupTrials: 1 }, space, { seed: 1, direction: 'minimize' });
    expect(tpe.name).toBe('tpe');
    const history = [{ number: 0, params: { x: 0.5 }, state: 'complete' as const, value: 1 }];
    // One finished trial ends a startup of 1 (the default of 10 would still draw at random).
    expect(tpe.suggest(1, history)).not.toEqual(createSampler({ type: 'random' }, space, { seed: 1, direction: 'minimize' }).suggest(1, history));
    expect(createSampler({ type: 'tpe' }, space, { seed: 1, direction: 'minimize' }).suggest(1, history)).toEqual(
      createSampler({ type: 'random' }, space, { seed: 1, direction: 'minimize' }).suggest(1, history),
    );
  });
});
