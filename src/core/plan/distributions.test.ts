import { distributionProblem, draw, randomStreamLabel, sweepRandomState } from './distributions';

describe('distributions', () => {
  it('refuse bounds they cannot draw from', () => {
    expect(distributionProblem({ uniform: [1, 1] })).toBe('uniform needs [low, high] with low < high (got [1, 1])');
    expect(distributionProblem({ loguniform: [0, 1] })).toBe('loguniform needs a low bound above 0 (got 0)');
    expect(distributionProblem({ int: [3, 2] })).toBe('int needs [low, high] with low <= high (got [3, 2])');
    expect(distributionProblem({ int: [3, 3] })).toBeUndefined();
    expect(distributionProblem({ choice: [1] })).toBeUndefined();
  });

  it('draw a choice with the index of the item chosen', () => {
    const random = sweepRandomState(1, 'p', {});
    for (let i = 0; i < 20; i++) {
      const { value, choiceIndex } = draw({ choice: ['a', 'b', 'c'] }, random);
      expect(['a', 'b', 'c'][choiceIndex!]).toBe(value);
    }
  });

  it('label each stream by path and grid combination, keys sorted', () => {
    expect(randomStreamLabel('p.q', { b: 1, a: 'x' })).toBe('sweep-random:p.q:{"a":"x","b":1}');
    const first = (seed: number, path: string, grid: Record<string, number>) => draw({ uniform: [0, 1] }, sweepRandomState(seed, path, grid)).value;
    expect(first(1, 'p', {})).toBe(first(1, 'p', {}));
    expect(first(1, 'p', {})).not.toBe(first(1, 'q', {}));
    expect(first(1, 'p', { a: 1 })).not.toBe(first(1, 'p', { a: 2 }));
    expect(first(1, 'p', {})).not.toBe(first(2, 'p', {}));
  });
});
