/**
 * One stratified train/test split, row for row the same as scikit-learn 1.6.1's
 * `train_test_split(np.arange(n), test_size=test, random_state=seed, stratify=labels)`, which runs
 * the first iteration of `StratifiedShuffleSplit._iter_indices`. Matching it exactly lets a spec
 * reproduce a notebook's split, so its scores can be compared number for number.
 */
import { InputError } from '../../../core/errors';
import type { Fold } from '../../../core/plugin';
import { NumpyRandomState } from '../../../core/random';
import { approximateMode } from './approximate-mode';

export interface SplitSizes {
  train: number;
  test: number;
}

/**
 * scikit-learn's `_validate_shuffle_split` for a test size alone: a fraction in (0, 1) takes
 * ceil(fraction × n) test rows, a whole number takes that many; the rest are training rows.
 */
export function holdoutSizes(n: number, test: number): SplitSizes {
  if (!Number.isFinite(test) || test <= 0 || (test >= 1 && !Number.isInteger(test))) {
    throw new InputError(
      'SPLIT_TEST_INVALID',
      `test must be a fraction between 0 and 1 (exclusive) or a whole number of rows (1 or more); got ${test}. Use e.g. "test: 0.2" or "test: 150".`,
    );
  }
  if (n === 0) throw new InputError('SPLIT_NO_ROWS', 'there are no rows to split; check the dataset file and its filters.');
  if (test >= 1 && test >= n) {
    throw new InputError(
      'SPLIT_TEST_TOO_LARGE',
      `test: ${test} asks for ${test} test rows but there are only ${n} rows; use a count below ${n} or a fraction such as 0.2.`,
    );
  }
  const nTest = test < 1 ? Math.ceil(test * n) : test;
  const nTrain = n - nTest;
  if (nTrain === 0) {
    throw new InputError(
      'SPLIT_TRAIN_EMPTY',
      `test: ${test} puts all ${n} rows in the test set (ceil(${test} × ${n}) = ${nTest}), leaving none for training; use a smaller test fraction.`,
    );
  }
  return { train: nTrain, test: nTest };
}

/** Row positions of each present class, classes in ascending label order (np.unique's order). */
function positionsByClass(labels: readonly number[], nClasses: number): Map<number, number[]> {
  const byLabel = new Map<number, number[]>();
  labels.forEach((label, position) => {
    if (!Number.isInteger(label) || label < 0 || label >= nClasses) {
      throw new InputError('SPLIT_LABEL_INVALID', `row ${position} has label ${label}, which is not a class index in 0..${nClasses - 1}.`);
    }
    let positions = byLabel.get(label);
    if (!positions) byLabel.set(label, (positions = []));
    // Ascending positions within a class: what the stable (mergesort) argsort of the labels gives.
    positions.push(position);
  });
  return new Map([...byLabel.entries()].sort(([a], [b]) => a - b));
}

export function stratifiedShuffleSplit(
  labels: readonly number[],
  nClasses: number,
  test: number,
  seed: number,
  classNames?: readonly string[],
): Fold {
  const sizes = holdoutSizes(labels.length, test);
  // Classes without rows are not classes to scikit-learn (np.unique only sees labels present).
  const classPositions = [...positionsByClass(labels, nClasses).entries()];
  const singletons = classPositions.filter(([, positions]) => positions.length < 2).map(([label]) => label);
  if (singletons.length > 0) {
    throw new InputError(
      'SPLIT_CLASS_TOO_SMALL',
      `class${singletons.length > 1 ? 'es' : ''} ${singletons.map((c) => (classNames?.[c] !== undefined ? JSON.stringify(classNames[c]) : `${c} (index in the dataset's class list)`)).join(', ')} ha${singletons.length > 1 ? 've' : 's'} only 1 row; ` +
        'a stratified split needs at least 2 rows in every class (one to train on, one to test). Filter that class out, merge it into another, or add rows.',
    );
  }
  const present = classPositions.length;
  if (sizes.train < present) {
    throw new InputError(
      'SPLIT_TRAIN_TOO_SMALL',
      `test: ${test} leaves ${sizes.train} training rows for ${present} classes; a stratified split needs at least one training row per class. Use a smaller test size.`,
    );
  }
  if (sizes.test < present) {
    throw new InputError(
      'SPLIT_TEST_TOO_SMALL',
      `test: ${test} gives ${sizes.test} test rows for ${present} classes; a stratified split needs at least one test row per class. Use test: ${present} or more rows, or a larger fraction.${test === 1 ? ' (YAML reads 1.0 as the whole number 1, one row: a fraction must be below 1.)' : ''}`,
    );
  }

  const rng = new NumpyRandomState(seed);
  const classCounts = classPositions.map(([, positions]) => positions.length);
  const trainPerClass = approximateMode(classCounts, sizes.train, rng);
  const remaining = classCounts.map((count, i) => count - trainPerClass[i]);
  const testPerClass = approximateMode(remaining, sizes.test, rng);

  // Per class: shuffle its rows, take the first n_i for training and the next t_i for testing.
  const trainParts: number[][] = [];
  const testParts: number[][] = [];
  classPositions.forEach(([, positions], i) => {
    const shuffled = rng.permutation(positions.length).map((p) => positions[p]);
    trainParts.push(shuffled.slice(0, trainPerClass[i]));
    testParts.push(shuffled.slice(trainPerClass[i], trainPerClass[i] + testPerClass[i]));
  });
  return { train: rng.permutation(trainParts.flat()), test: rng.permutation(testParts.flat()) };
}
