import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import Ajv from 'ajv';
import { InputError } from '../../../core/errors';
import type { Fold, PluginContext, Splitter } from '../../../core/plugin';
import stratifiedKFoldDefault, { stratifiedKFold, type StratifiedKFoldOptions } from './index';

interface KFoldCase {
  name: string;
  labelSet: string;
  k: number;
  shuffle: boolean;
  seed: number | null;
  folds?: Fold[];
  warnings?: string[];
  error?: string;
}

interface Fixture {
  versions: Record<string, string>;
  labelSets: Record<string, number[]>;
  cases: KFoldCase[];
}

const fixture: Fixture = JSON.parse(readFileSync(resolve(__dirname, '../../../../test/fixtures/splits/stratified-kfold.json'), 'utf8'));

function context(seed: number, warnings: string[] = []): PluginContext {
  const ignore = (): void => undefined;
  return { seed, baseDir: __dirname, logger: { info: ignore, warn: (m) => warnings.push(m), debug: ignore }, log: ignore };
}

function splitter(options: Partial<StratifiedKFoldOptions>, contextSeed = 0, warnings: string[] = []): Splitter {
  return stratifiedKFold.create({ k: 5, shuffle: true, ...options }, context(contextSeed, warnings));
}

/** Options as a spec would give them: scikit-learn's random_state=None with shuffle=False means no seed. */
function optionsOf(c: KFoldCase): Partial<StratifiedKFoldOptions> {
  return c.seed === null ? { k: c.k, shuffle: c.shuffle } : { k: c.k, shuffle: c.shuffle, seed: c.seed };
}

const nClassesOf = (labels: number[]): number => Math.max(...labels) + 1;
const splitCases = fixture.cases.filter((c) => c.error === undefined);
const errorCases = fixture.cases.filter((c) => c.error !== undefined);

describe('stratified-kfold matches scikit-learn StratifiedKFold', () => {
  it('was checked against scikit-learn 1.6.1, shuffled and not, on the Lebanese rows', () => {
    expect(fixture.versions['scikit-learn']).toBe('1.6.1');
    const lebanon = splitCases.filter((c) => c.labelSet === 'lebanon');
    expect(lebanon.map((c) => [c.k, c.shuffle, c.seed])).toEqual(
      expect.arrayContaining([
        [5, true, 42],
        [5, true, 7],
        [5, false, null],
        [3, true, 42],
        [3, true, 7],
        [3, false, null],
      ]),
    );
    expect(errorCases.length).toBeGreaterThanOrEqual(2);
    expect(splitCases.some((c) => (c.warnings ?? []).length > 0)).toBe(true);
  });

  it.each(splitCases.map((c) => [c.name, c] as const))('%s', (_name, c) => {
    const labels = fixture.labelSets[c.labelSet];
    const warnings: string[] = [];
    const folds = splitter(optionsOf(c), 0, warnings).split(labels, nClassesOf(labels));
    expect(folds).toEqual(c.folds);
    // scikit-learn warns when the smallest class has fewer rows than folds; so must we.
    expect(warnings).toHaveLength(c.warnings!.length);
  });

  it('names the smallest class by its label when it has fewer rows than folds', () => {
    const warnings: string[] = [];
    splitter({ k: 3 }, 0, warnings).split([0, 0, 0, 1, 1, 1, 2, 2], 3, ['neg', 'pos', 'rare']);
    expect(warnings).toEqual([
      'class "rare" has only 2 rows, fewer than k=3: some folds will test no row of it. Use a smaller k to test every class in every fold.',
    ]);
  });

  it.each(errorCases.map((c) => [c.name, c] as const))('rejects what scikit-learn rejects: %s', (_name, c) => {
    const labels = fixture.labelSets[c.labelSet];
    expect(() => splitter(optionsOf(c)).split(labels, nClassesOf(labels))).toThrow(InputError);
  });

  it("shuffles with the spec's seed when the seed option is absent", () => {
    const reference = splitCases.find((c) => c.labelSet === 'lebanon' && c.k === 5 && c.seed === 42)!;
    expect(splitter({ k: 5 }, 42).split(fixture.labelSets.lebanon, 5)).toEqual(reference.folds);
  });
});

describe('stratified-kfold errors and warnings', () => {
  const labels = [0, 0, 0, 0, 1, 1, 1, 1, 2, 2];

  function errorOf(run: () => unknown): InputError {
    try {
      run();
    } catch (error) {
      expect(error).toBeInstanceOf(InputError);
      return error as InputError;
    }
    throw new Error('expected an InputError');
  }

  it('rejects k larger than every class, with the largest usable k', () => {
    const error = errorOf(() => splitter({ k: 5 }).split(labels, 3));
    expect(error.code).toBe('SPLIT_K_TOO_LARGE');
    expect(error.exitCode).toBe(2);
    expect(error.message).toMatch(/k: 4 or less/);
  });

  it('rejects k larger than the number of rows', () => {
    expect(errorOf(() => splitter({ k: 11 }).split(labels, 3)).message).toMatch(/only 10/);
  });

  it('warns, naming the class, when one class has fewer rows than k', () => {
    const warnings: string[] = [];
    const folds = splitter({ k: 3, seed: 1 }, 0, warnings).split(labels, 3);
    expect(folds).toHaveLength(3);
    expect(warnings).toEqual([expect.stringMatching(/class 2 has only 2 rows, fewer than k=3/)]);
  });

  it('refuses a seed with shuffle: false, as scikit-learn does', () => {
    expect(errorOf(() => splitter({ k: 2, shuffle: false, seed: 3 }).split(labels, 3)).code).toBe('SPLIT_SEED_UNUSED');
  });

  it('ignores an out-of-range spec seed when it does not shuffle, and rejects it when it does', () => {
    expect(splitter({ k: 2, shuffle: false }, -1).split(labels, 3)).toHaveLength(2);
    expect(errorOf(() => splitter({ k: 2 }, -1).split(labels, 3)).code).toBe('SPLIT_SEED_INVALID');
  });

  it('rejects labels outside the class list', () => {
    expect(errorOf(() => splitter({ k: 2 }).split([0, 1, 0, 5], 2)).code).toBe('SPLIT_LABEL_INVALID');
  });
});

describe('stratified-kfold definition', () => {
  const validate = new Ajv({ strict: true, useDefaults: true }).compile(stratifiedKFold.optionsSchema);

  it('is the default export too', () => {
    expect(stratifiedKFoldDefault).toBe(stratifiedKFold);
    expect(stratifiedKFold).toMatchObject({ kind: 'split', name: 'stratified-kfold' });
  });

  it('fills in k: 5 and shuffle: true', () => {
    const options: Record<string, unknown> = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ k: 5, shuffle: true });
  });

  it('rejects k below 2, fractional k, bad seeds and unknown options', () => {
    for (const bad of [{ k: 1 }, { k: 2.5 }, { seed: -1 }, { shuffle: 'yes' }, { folds: 5 }]) expect(validate({ ...bad })).toBe(false);
  });

  it('describes every option', () => {
    for (const property of Object.values(stratifiedKFold.optionsSchema.properties as Record<string, { description?: string }>)) {
      expect(property.description).toEqual(expect.any(String));
    }
  });
});
