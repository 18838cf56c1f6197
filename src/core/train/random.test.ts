import { deriveSeed, Rng } from './random';

describe('seeded random streams', () => {
  it('the same seed gives the same numbers; other seeds and labels give others', () => {
    const draw = (seed: number) => {
      const r = new Rng(seed);
      return Array.from({ length: 5 }, () => r.uniform());
    };
    expect(draw(42)).toEqual(draw(42));
    expect(draw(42)).not.toEqual(draw(43));
    expect(deriveSeed(42, 'lstm', 'init')).toBe(deriveSeed(42, 'lstm', 'init'));
    expect(
      new Set([deriveSeed(42, 'lstm', 'init'), deriveSeed(42, 'lstm', 'dropout'), deriveSeed(43, 'lstm', 'init'), deriveSeed(42, 'gru', 'init')])
        .size,
    ).toBe(4);
    // Labels are separated: ("ab", "c") is not ("a", "bc").
    expect(deriveSeed(1, 'ab', 'c')).not.toBe(deriveSeed(1, 'a', 'bc'));
  });

  it('uniform, normal and below have the right ranges and moments', () => {
    const r = new Rng(7);
    const n = 20000;
    const u = Array.from({ length: n }, () => r.uniform());
    const z = Array.from({ length: n }, () => r.normal());
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(Math.min(...u)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...u)).toBeLessThan(1);
    expect(mean(u)).toBeCloseTo(0.5, 1);
    expect(mean(z)).toBeCloseTo(0, 1);
    expect(mean(z.map((v) => v * v))).toBeCloseTo(1, 1);
    const counts = [0, 0, 0];
    for (let i = 0; i < 3000; i++) counts[r.below(3)]++;
    counts.forEach((c) => expect(c).toBeGreaterThan(900));
  });

  it('permutation is a permutation', () => {
    const p = new Rng(3).permutation(50);
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(p).not.toEqual(Array.from({ length: 50 }, (_, i) => i));
  });
});
