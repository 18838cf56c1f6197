import { parameterImportance } from './importance';
import { RandomSampler } from './random-sampler';
import type { Observation, ParamValue, SearchSpace } from './types';

const space: SearchSpace = {
  parameters: [
    { name: 'noise', dimension: { type: 'float', low: 0, high: 1 } },
    { name: 'lr', dimension: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
    { name: 'kind', dimension: { type: 'categorical', choices: ['a', 'b', 'c'] } },
    { name: 'depth', dimension: { type: 'int', low: 1, high: 8 }, when: { kind: ['c'] } },
  ],
};

function trials(objective: (p: Record<string, ParamValue>) => number, count = 120): Observation[] {
  const sampler = new RandomSampler(space, { seed: 3, direction: 'maximize' });
  return Array.from({ length: count }, (_, n) => {
    const params = sampler.suggest(n, []);
    return { number: n, params, state: 'complete', value: objective(params) };
  });
}

describe('parameter importance (random-forest MDI)', () => {
  it('ranks the parameters the objective depends on, and shares sum to 1', () => {
    // lr matters most (on its log scale), kind a little, noise and depth not at all.
    const result = parameterImportance(
      space,
      trials((p) => Math.log10(p.lr as number) + (p.kind === 'b' ? 1.5 : 0)),
    );
    expect(result.map((r) => r.name).slice(0, 2)).toEqual(['lr', 'kind']);
    const byName = Object.fromEntries(result.map((r) => [r.name, r.importance]));
    expect(byName.lr).toBeGreaterThan(0.4);
    expect(byName.kind).toBeGreaterThan(0.2);
    expect(byName.noise).toBeLessThan(0.1);
    expect(byName.depth).toBeLessThan(0.1);
    expect(result.reduce((s, r) => s + r.importance, 0)).toBeCloseTo(1, 12);
  });

  it('credits a conditional parameter, which exists only in some trials', () => {
    const result = parameterImportance(
      space,
      trials((p) => (p.kind === 'c' ? (p.depth as number) : 0)),
    );
    const byName = Object.fromEntries(result.map((r) => [r.name, r.importance]));
    expect(byName.depth + byName.kind).toBeGreaterThan(0.9);
    expect(byName.depth).toBeGreaterThan(0.3);
  });

  it('is deterministic for a seed, uses complete trials only, and is all zero without a signal', () => {
    const h = trials((p) => (p.noise as number) * 2 + Math.log10(p.lr as number));
    expect(parameterImportance(space, h, { seed: 1 })).toEqual(parameterImportance(space, [...h].reverse(), { seed: 1 }));
    const withOthers: Observation[] = [
      ...h,
      { number: 500, params: h[0].params, state: 'pruned', value: 1e9 },
      { number: 501, params: h[1].params, state: 'failed' },
    ];
    expect(parameterImportance(space, withOthers, { seed: 1 })).toEqual(parameterImportance(space, h, { seed: 1 }));
    const flat = parameterImportance(
      space,
      trials(() => 0.5),
    );
    expect(flat.every((r) => r.importance === 0)).toBe(true);
    expect(flat.map((r) => r.name)).toEqual(space.parameters.map((p) => p.name));
    expect(parameterImportance(space, h.slice(0, 1)).every((r) => r.importance === 0)).toBe(true);
  });
});
