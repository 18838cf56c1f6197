import { decimalsOf, fromUnit, onStep } from './space';
import { TpeSampler } from './tpe-sampler';
import type { Observation } from './types';

describe('stepped values', () => {
  it('counts the decimals of a number as written', () => {
    expect([3, 0.1, 0.05, 0.125, 1e-7, 2.5e-3, 1e21].map(decimalsOf)).toEqual([0, 1, 2, 3, 7, 4, 0]);
  });

  it('gives every value of a float step grid as written, never 0.30000000000000004', () => {
    const dimension = { type: 'float' as const, low: 0, high: 1, step: 0.1 };
    const values = Array.from({ length: 11 }, (_, k) => fromUnit(dimension, (k + 0.5) / 11));
    expect(values).toEqual([0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1]);
    // The unrounded arithmetic is what went wrong before.
    expect(0 + 3 * 0.1).not.toBe(0.3);
    expect(onStep(0, 3, 0.1)).toBe(0.3);
    expect(onStep(0.05, 2, 0.1)).toBe(0.25);
    expect(onStep(-1, 7, 0.3)).toBe(1.1);
  });

  it('keeps integer steps and the last value on the grid', () => {
    expect(fromUnit({ type: 'int', low: 8, high: 64, step: 8 }, 0.99)).toBe(64);
    expect(fromUnit({ type: 'float', low: 0, high: 1, step: 0.3 }, 0.99)).toBe(0.9);
  });

  it('gives TPE suggestions on the step as written too', () => {
    const space = { parameters: [{ name: 'x', dimension: { type: 'float' as const, low: 0, high: 1, step: 0.1 } }] };
    const sampler = new TpeSampler(space, { seed: 3, direction: 'minimize' }, { startupTrials: 3 });
    const history: Observation[] = [];
    for (let n = 0; n < 30; n++) {
      const params = sampler.suggest(n, history);
      const x = params.x as number;
      expect(String(x).length).toBeLessThanOrEqual(3);
      history.push({ number: n, params, state: 'complete', value: (x - 0.3) ** 2 });
    }
    expect(history.some((t) => t.params.x === 0.3)).toBe(true);
  });
});
