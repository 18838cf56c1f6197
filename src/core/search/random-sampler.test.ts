import { createSampler } from '.';
import type { SearchSpace } from './types';

const space: SearchSpace = {
  parameters: [
    { name: 'model.type', dimension: { type: 'categorical', choices: ['lstm', 'gru'] } },
    { name: 'lr', dimension: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
    { name: 'units', dimension: { type: 'int', low: 8, high: 64, step: 8 } },
    { name: 'lstm.only', dimension: { type: 'float', low: 0, high: 1, step: 0.25 }, when: { 'model.type': ['lstm'] } },
  ],
};

describe('random sampler', () => {
  const sampler = createSampler({ type: 'random' }, space, { seed: 42, direction: 'maximize' });

  it('is a pure function of the seed and the trial number', () => {
    const again = createSampler({ type: 'random' }, space, { seed: 42, direction: 'maximize' });
    expect(again.suggest(7, [])).toEqual(sampler.suggest(7, []));
    expect(sampler.suggest(7, [{ number: 0, params: {}, state: 'complete', value: 1 }])).toEqual(sampler.suggest(7, []));
    const other = createSampler({ type: 'random' }, space, { seed: 43, direction: 'maximize' });
    expect(other.suggest(7, [])).not.toEqual(sampler.suggest(7, []));
  });

  it('keeps every value inside its dimension and on its step; conditional ones only when active', () => {
    const seen = new Set<unknown>();
    for (let n = 0; n < 400; n++) {
      const p = sampler.suggest(n, []);
      expect(['lstm', 'gru']).toContain(p['model.type']);
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr as number).toBeLessThanOrEqual(1e-1);
      expect([8, 16, 24, 32, 40, 48, 56, 64]).toContain(p.units);
      if (p['model.type'] === 'lstm') {
        expect([0, 0.25, 0.5, 0.75, 1]).toContain(p['lstm.only']);
        seen.add(p['lstm.only']);
      } else {
        expect(p).not.toHaveProperty('lstm.only');
      }
    }
    expect(seen.size).toBe(5);
  });
});
