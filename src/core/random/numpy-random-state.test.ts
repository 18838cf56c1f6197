import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { NumpyRandomState, isNumpySeed } from './numpy-random-state';

/** One recorded numpy call (see tools/reference/split_fixtures.py) and how to replay it here. */
type Call =
  | { op: 'randomSample'; count: number; result: number[] }
  | { op: 'randint'; low: number; high: number; count: number; result: number[] }
  | { op: 'permutation' | 'shuffleRange'; n: number; result: number[] }
  | { op: 'permutationItems'; items: number[]; result: number[] }
  | { op: 'choice'; population: number; size: number; replace: boolean; result: number[] }
  | { op: 'choiceItems'; items: number[]; size: number; replace: boolean; result: number[] };

interface Fixture {
  versions: Record<string, string>;
  cases: { seed: number; calls: Call[] }[];
}

const fixture: Fixture = JSON.parse(readFileSync(resolve(__dirname, '../../../test/fixtures/splits/random-state.json'), 'utf8'));

function replay(rs: NumpyRandomState, call: Call): number[] {
  const times = (count: number, draw: () => number): number[] => Array.from({ length: count }, draw);
  switch (call.op) {
    case 'randomSample':
      return times(call.count, () => rs.randomSample());
    case 'randint':
      return times(call.count, () => rs.randint(call.low, call.high));
    case 'permutation':
      return rs.permutation(call.n);
    case 'shuffleRange': {
      const range = Array.from({ length: call.n }, (_, i) => i);
      rs.shuffle(range);
      return range;
    }
    case 'permutationItems':
      return rs.permutation(call.items);
    case 'choice':
      return rs.choice(call.population, call.size, call.replace);
    case 'choiceItems':
      return rs.choice(call.items, call.size, call.replace);
  }
}

describe('NumpyRandomState matches numpy RandomState', () => {
  it('was checked against numpy 2.2', () => {
    expect(fixture.versions.numpy).toMatch(/^2\.2\./);
    expect(fixture.cases.map((c) => c.seed)).toEqual(expect.arrayContaining([0, 42, 4294967295]));
  });

  describe.each(fixture.cases.map((c) => [c.seed, c] as const))('seed %d', (_seed, testCase) => {
    // The calls share one generator, so they also check the state carried from call to call.
    const rs = new NumpyRandomState(testCase.seed);
    it.each(testCase.calls.map((call, i) => [`${i}: ${call.op}`, call] as const))('%s', (_name, call) => {
      expect(replay(rs, call)).toEqual(call.result);
    });
  });
});

describe('NumpyRandomState arguments', () => {
  it('accepts exactly the seeds numpy accepts', () => {
    expect(isNumpySeed(0)).toBe(true);
    expect(isNumpySeed(4294967295)).toBe(true);
    for (const bad of [-1, 4294967296, 1.5, Number.NaN]) {
      expect(isNumpySeed(bad)).toBe(false);
      expect(() => new NumpyRandomState(bad)).toThrow(RangeError);
    }
  });

  it('rejects impossible draws the way numpy does', () => {
    const rs = new NumpyRandomState(1);
    expect(() => rs.randint(5, 5)).toThrow(/low >= high/);
    expect(() => rs.choice(3, 4, false)).toThrow(/larger sample/);
    expect(() => rs.choice([], 1, false)).toThrow(/empty/);
    expect(() => rs.randomInterval(2 ** 53)).toThrow(RangeError);
  });

  it('returns the only possible value without drawing', () => {
    const a = new NumpyRandomState(3);
    const b = new NumpyRandomState(3);
    expect(a.randint(7, 8)).toBe(7);
    expect(a.randomInterval(0)).toBe(0);
    expect(a.nextUint32()).toBe(b.nextUint32());
  });

  it('permutes a copy and leaves its input alone', () => {
    const items = ['a', 'b', 'c', 'd', 'e'];
    const permuted = new NumpyRandomState(5).permutation(items);
    expect(items).toEqual(['a', 'b', 'c', 'd', 'e']);
    expect([...permuted].sort()).toEqual(items);
  });
});
