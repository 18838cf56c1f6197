import { createSampler } from '.';
import { HaltonSampler, primes } from './halton-sampler';
import type { SearchSpace } from './types';

const space: SearchSpace = {
  parameters: [
    { name: 'model.type', dimension: { type: 'categorical', choices: ['lstm', 'gru'] } },
    { name: 'lr', dimension: { type: 'float', low: 1e-4, high: 1e-1, log: true } },
    { name: 'units', dimension: { type: 'int', low: 8, high: 64, step: 8 } },
    { name: 'lstm.only', dimension: { type: 'float', low: 0, high: 1, step: 0.25 }, when: { 'model.type': ['lstm'] } },
  ],
};

describe('halton sampler', () => {
  const options = { seed: 42, direction: 'maximize' } as const;

  it('uses one prime base per parameter', () => expect(primes(8)).toEqual([2, 3, 5, 7, 11, 13, 17, 19]));

  it('is a pure function of the seed and the trial number', () => {
    const a = createSampler({ type: 'halton' }, space, options);
    const b = createSampler({ type: 'halton' }, space, options);
    expect(b.suggest(11, [])).toEqual(a.suggest(11, []));
    expect(a.suggest(11, [{ number: 0, params: {}, state: 'complete', value: 1 }])).toEqual(a.suggest(11, []));
    expect(createSampler({ type: 'halton' }, space, { ...options, seed: 7 }).suggest(11, [])).not.toEqual(a.suggest(11, []));
  });

  it('keeps each coordinate a low-discrepancy sequence: every stratum of each base filled once per cycle', () => {
    const halton = new HaltonSampler(space, options);
    const points = Array.from({ length: 5 * 25 }, (_, n) => halton.point(n));
    for (const [d, base] of [
      [0, 2],
      [1, 3],
      [2, 5],
    ] as const) {
      // In base b, any b² consecutive points (aligned) put exactly one point in each 1/b² cell.
      const cells = base * base;
      const first = points.slice(0, cells).map((p) => Math.floor(p[d] * cells));
      expect(new Set(first).size).toBe(cells);
    }
    for (const p of points) for (const u of p) expect(u >= 0 && u < 1).toBe(true);
    // Scrambled: the first point is not the corner of the cube.
    expect(points[0].every((u) => u === 0)).toBe(false);
  });

  it('spreads out more evenly than random draws (fewer empty cells in 2-D)', () => {
    const twoD: SearchSpace = { parameters: ['a', 'b'].map((name) => ({ name, dimension: { type: 'float', low: 0, high: 1 } as const })) };
    const emptyCells = (type: 'halton' | 'random'): number => {
      const sampler = createSampler({ type }, twoD, options);
      const filled = new Set<number>();
      for (let n = 0; n < 64; n++) {
        const p = sampler.suggest(n, []);
        filled.add(Math.floor((p.a as number) * 8) * 8 + Math.floor((p.b as number) * 8));
      }
      return 64 - filled.size;
    };
    expect(emptyCells('halton')).toBeLessThan(emptyCells('random'));
  });

  it('keeps every value inside its dimension and on its step; conditional ones only when active', () => {
    const sampler = createSampler({ type: 'halton' }, space, options);
    const seen = new Set<unknown>();
    for (let n = 0; n < 200; n++) {
      const p = sampler.suggest(n, []);
      expect(['lstm', 'gru']).toContain(p['model.type']);
      expect(p.lr as number).toBeGreaterThanOrEqual(1e-4);
      expect(p.lr as number).toBeLessThanOrEqual(1e-1);
      expect([8, 16, 24, 32, 40, 48, 56, 64]).toContain(p.units);
      if (p['model.type'] === 'lstm') {
        expect([0, 0.25, 0.5, 0.75, 1]).toContain(p['lstm.only']);
        seen.add(p['lstm.only']);
      } else expect(p).not.toHaveProperty(['lstm.only']);
    }
    expect(seen.size).toBe(5);
  });
});
