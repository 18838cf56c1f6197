import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { InputError } from '../../../core/errors';
import type { Splitter } from '../../../core/plugin';
import { testContext } from '../../../core/testing';
import stratifiedHoldoutDefault, { stratifiedHoldout, type StratifiedHoldoutOptions } from './index';
import { approximateMode } from './approximate-mode';
import { NumpyRandomState } from '../../../core/random';

interface HoldoutCase {
  name: string;
  labelSet: string;
  test: number;
  seed: number;
  train?: number[];
  testRows?: number[];
  error?: string;
}

interface Fixture {
  versions: Record<string, string>;
  labelSets: Record<string, number[]>;
  cases: HoldoutCase[];
}

const fixture: Fixture = JSON.parse(readFileSync(resolve(__dirname, '../../../../test/fixtures/splits/stratified-holdout.json'), 'utf8'));

function splitter(options: Partial<StratifiedHoldoutOptions>, contextSeed = 0): Splitter {
  return stratifiedHoldout.create({ test: 0.25, ...options }, testContext({ seed: contextSeed }));
}

const nClassesOf = (labels: number[]): number => Math.max(...labels) + 1;
const splitCases = fixture.cases.filter((c) => c.error === undefined);
const errorCases = fixture.cases.filter((c) => c.error !== undefined);

describe('stratified-holdout matches scikit-learn train_test_split(stratify=y)', () => {
  it('was checked against scikit-learn 1.6.1 on the notebook split and on error inputs', () => {
    expect(fixture.versions['scikit-learn']).toBe('1.6.1');
    expect(fixture.cases[0]).toMatchObject({ labelSet: 'lebanon', test: 0.2, seed: 42 });
    expect(fixture.labelSets.lebanon).toHaveLength(1000);
    expect(splitCases.length).toBeGreaterThan(50);
    expect(errorCases.length).toBeGreaterThan(5);
  });

  it.each(splitCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const labels = fixture.labelSets[c.labelSet];
    const folds = splitter({ test: c.test, seed: c.seed }).split(labels, nClassesOf(labels));
    expect(folds).toHaveLength(1);
    expect(folds[0].train).toEqual(c.train);
    expect(folds[0].test).toEqual(c.testRows);
  });

  it.each(errorCases.map((c) => [c.name, c] as const))('rejects what scikit-learn rejects: %s', (_name, c) => {
    const labels = fixture.labelSets[c.labelSet];
    expect(() => splitter({ test: c.test, seed: c.seed }).split(labels, nClassesOf(labels))).toThrow(InputError);
  });

  it("uses the spec's seed when the seed option is absent", () => {
    const notebook = fixture.cases[0];
    const labels = fixture.labelSets.lebanon;
    const [fold] = splitter({ test: 0.2 }, 42).split(labels, 5);
    expect(fold.train).toEqual(notebook.train);
    expect(fold.test).toEqual(notebook.testRows);
  });

  it('prefers the seed option over the spec seed', () => {
    const labels = fixture.labelSets.lebanon;
    const [fold] = splitter({ test: 0.2, seed: 42 }, 7).split(labels, 5);
    expect(fold.test).toEqual(fixture.cases[0].testRows);
  });
});

describe('stratified-holdout errors', () => {
  const labels = [0, 1, 0, 1, 0, 1, 0, 1, 0, 1];

  function errorOf(run: () => unknown): InputError {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
    throw new Error('expected an InputError');
  }

  it.each([0, -0.1, 1.5, Number.NaN])('rejects test: %p with exit code 2', (test) => {
    const error = errorOf(() => splitter({ test, seed: 0 }).split(labels, 2));
    expect(error.code).toBe('SPLIT_TEST_INVALID');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/fraction between 0 and 1/);
  });

  it('rejects a test count as large as the data', () => {
    const error = errorOf(() => splitter({ test: 10, seed: 0 }).split(labels, 2));
    expect(error.code).toBe('SPLIT_TEST_TOO_LARGE');
    expect(error.message).toMatch(/only 10 rows/);
  });

  it('rejects a fraction that leaves no training rows', () => {
    expect(errorOf(() => splitter({ test: 0.95, seed: 0 }).split(labels, 2)).code).toBe('SPLIT_TRAIN_EMPTY');
  });

  it('names the class that has a single row', () => {
    const error = errorOf(() => splitter({ test: 0.3, seed: 0 }).split([...labels, 2], 3));
    expect(error.code).toBe('SPLIT_CLASS_TOO_SMALL');
    expect(error.message).toMatch(/class 2 .*only 1 row/);
    // With the class labels, by label, as a person reads it.
    const named = errorOf(() => splitter({ test: 0.3, seed: 0 }).split([...labels, 2], 3, ['neg', 'pos', 'rare']));
    expect(named.message).toMatch(/^class "rare" has only 1 row;/);
  });

  it('rejects too few test or training rows for the classes', () => {
    const five = [0, 1, 2, 3, 4, 0, 1, 2, 3, 4];
    expect(errorOf(() => splitter({ test: 3, seed: 0 }).split(five, 5)).code).toBe('SPLIT_TEST_TOO_SMALL');
    expect(errorOf(() => splitter({ test: 0.7, seed: 0 }).split(five, 5)).code).toBe('SPLIT_TRAIN_TOO_SMALL');
  });

  it('rejects empty data, labels outside the class list and seeds numpy cannot use', () => {
    expect(errorOf(() => splitter({ seed: 0 }).split([], 2)).code).toBe('SPLIT_NO_ROWS');
    expect(errorOf(() => splitter({ seed: 0 }).split([0, 1, 0, 3], 2)).code).toBe('SPLIT_LABEL_INVALID');
    expect(errorOf(() => splitter({}, -1).split(labels, 2)).code).toBe('SPLIT_SEED_INVALID');
    expect(errorOf(() => splitter({}, 2 ** 32).split(labels, 2)).code).toBe('SPLIT_SEED_INVALID');
  });
});

describe('approximateMode', () => {
  // The examples in scikit-learn's docstring of _approximate_mode.
  it.each([
    [[4, 2], 3, 0, [2, 1]],
    [[5, 2], 4, 0, [3, 1]],
    [[2, 2, 2, 1], 2, 0, [0, 1, 1, 0]],
    [[2, 2, 2, 1], 2, 42, [1, 1, 0, 0]],
  ])('counts %p, %d draws, seed %d -> %p', (counts, draws, seed, expected) => {
    expect(approximateMode(counts, draws, new NumpyRandomState(seed))).toEqual(expected);
  });
});

describe('stratified-holdout definition', () => {
  const ajv = new Ajv({ strict: true, useDefaults: true });
  const validate = ajv.compile(stratifiedHoldout.optionsSchema);

  it('is the default export too', () => {
    expect(stratifiedHoldoutDefault).toBe(stratifiedHoldout);
    expect(stratifiedHoldout).toMatchObject({ kind: 'split', name: 'stratified-holdout' });
  });

  it('fills in test: 0.25 and accepts fractions and whole counts', () => {
    const options: Record<string, unknown> = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ test: 0.25 });
    for (const ok of [{ test: 0.2 }, { test: 150 }, { test: 1 }, { seed: 4294967295 }]) expect(validate({ ...ok })).toBe(true);
  });

  it('rejects sizes that are neither a fraction nor a count, bad seeds and unknown options', () => {
    for (const bad of [{ test: 0 }, { test: 1.5 }, { test: -2 }, { seed: -1 }, { seed: 2 ** 32 }, { seed: 1.5 }, { size: 0.2 }]) {
      expect(validate({ ...bad })).toBe(false);
    }
  });

  it('describes every option', () => {
    for (const property of Object.values(stratifiedHoldout.optionsSchema.properties as Record<string, { description?: string }>)) {
      expect(property.description).toEqual(expect.any(String));
    }
  });
});
