import { histogram, mean } from './histogram';

describe('histogram', () => {
  // Expected counts and edges checked against numpy.histogram.
  it('spans [min, max] in equal bins with the last bin closed', () => {
    const bins = histogram([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 5);
    expect(bins.map((b) => [b.start, b.end])).toEqual([
      [0, 2],
      [2, 4],
      [4, 6],
      [6, 8],
      [8, 10],
    ]);
    expect(bins.map((b) => b.count)).toEqual([2, 2, 2, 2, 3]);
  });

  it('lets the computed edges decide for a value on a floating-point edge', () => {
    // 0 + 3 * 0.1 is 0.30000000000000004, so 0.3 falls below the fourth edge, as in numpy.
    expect(histogram([0, 0.3, 1], 10).map((b) => b.count)).toEqual([1, 0, 1, 0, 0, 0, 0, 0, 0, 1]);
  });

  it('widens a single-valued range by half a unit each side', () => {
    const bins = histogram([5, 5, 5], 3);
    expect(bins[0].start).toBe(4.5);
    expect(bins[2].end).toBe(5.5);
    expect(bins.map((b) => b.count)).toEqual([0, 3, 0]);
  });

  it('keeps every value', () => {
    const values = Array.from({ length: 997 }, (_, i) => (i * 7919) % 1013);
    const bins = histogram(values, 30);
    expect(bins).toHaveLength(30);
    expect(bins.reduce((n, b) => n + b.count, 0)).toBe(values.length);
  });

  it('rejects bad input', () => {
    expect(() => histogram([], 30)).toThrow(/at least one value/);
    expect(() => histogram([1, Number.NaN], 30)).toThrow(/finite/);
    expect(() => histogram([1, 2], 0)).toThrow(/bins/);
  });

  it('mean', () => {
    expect(mean([1, 2, 3, 6])).toBe(3);
    expect(() => mean([])).toThrow();
  });
});
