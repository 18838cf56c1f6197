/**
 * k stratified folds, the same as scikit-learn 1.6.1's
 * `StratifiedKFold(n_splits=k, shuffle, random_state=seed).split(X, y)`: classes are numbered in
 * order of first appearance, each class's rows are dealt to folds by a round robin over the sorted
 * labels, and with shuffling each class's fold assignment is shuffled by one numpy RandomState.
 */
import { InputError } from '../../../core/errors';
import type { Fold } from '../../../core/plugin';
import { NumpyRandomState } from '../../../core/random';

export interface StratifiedKFoldSettings {
  k: number;
  /** Seed of the RandomState; null means no shuffling (rows keep their order within a class). */
  seed: number | null;
  /** Labels of the class indices, to name a class in messages (its index otherwise). */
  classNames?: readonly string[];
  /** Called with scikit-learn's warning when the smallest class has fewer than k rows. */
  warn(message: string): void;
}

/** Class codes by order of first appearance (what `_make_test_folds` calls y_encoded). */
function encodeByFirstAppearance(labels: readonly number[], nClasses: number): { codes: number[]; firstLabel: number[] } {
  const codeOf = new Map<number, number>();
  const codes = labels.map((label, position) => {
    if (!Number.isInteger(label) || label < 0 || label >= nClasses) {
      throw new InputError('SPLIT_LABEL_INVALID', `row ${position} has label ${label}, which is not a class index in 0..${nClasses - 1}.`);
    }
    let code = codeOf.get(label);
    if (code === undefined) codeOf.set(label, (code = codeOf.size));
    return code;
  });
  return { codes, firstLabel: [...codeOf.keys()] };
}

/** The fold (0..k-1) whose test set holds each row. */
export function testFoldOfRows(labels: readonly number[], nClasses: number, settings: StratifiedKFoldSettings): number[] {
  const { k, seed } = settings;
  const n = labels.length;
  if (!Number.isInteger(k) || k < 2) throw new InputError('SPLIT_K_INVALID', `k must be a whole number of folds, 2 or more; got ${k}.`);
  if (k > n) {
    throw new InputError('SPLIT_K_TOO_LARGE', `k: ${k} folds need at least ${k} rows, but there are only ${n}; use a smaller k.`);
  }
  const { codes, firstLabel } = encodeByFirstAppearance(labels, nClasses);
  const counts = new Array<number>(firstLabel.length).fill(0);
  for (const code of codes) counts[code]++;
  const largest = Math.max(...counts);
  if (k > largest) {
    throw new InputError(
      'SPLIT_K_TOO_LARGE',
      `k: ${k} is more folds than any class has rows (the largest class has ${largest}); use k: ${largest} or less.`,
    );
  }
  const smallest = Math.min(...counts);
  if (k > smallest) {
    const label = firstLabel[counts.indexOf(smallest)];
    settings.warn(
      `class ${settings.classNames?.[label] !== undefined ? JSON.stringify(settings.classNames[label]) : label} has only ${smallest} row${smallest === 1 ? '' : 's'}, fewer than k=${k}: some folds will test no row of it. Use a smaller k to test every class in every fold.`,
    );
  }

  // allocation[f][c]: rows of class c in fold f's test set, dealt round robin over the sorted codes.
  const sortedCodes = [...codes].sort((a, b) => a - b);
  const allocation = Array.from({ length: k }, () => new Array<number>(counts.length).fill(0));
  sortedCodes.forEach((code, i) => allocation[i % k][code]++);

  const rng = seed === null ? null : new NumpyRandomState(seed);
  const testFold = new Array<number>(n);
  for (let code = 0; code < counts.length; code++) {
    // Fold numbers in blocks (np.arange(k).repeat(allocation[:, code])), shuffled when asked.
    const foldsForClass = allocation.flatMap((perClass, fold) => new Array<number>(perClass[code]).fill(fold));
    rng?.shuffle(foldsForClass);
    let next = 0;
    codes.forEach((c, row) => {
      if (c === code) testFold[row] = foldsForClass[next++];
    });
  }
  return testFold;
}

/** The k folds in fold order; train and test positions ascending, as scikit-learn yields them. */
export function stratifiedKFoldSplit(labels: readonly number[], nClasses: number, settings: StratifiedKFoldSettings): Fold[] {
  const testFold = testFoldOfRows(labels, nClasses, settings);
  return Array.from({ length: settings.k }, (_, fold) => {
    const split: Fold = { train: [], test: [] };
    testFold.forEach((f, row) => (f === fold ? split.test : split.train).push(row));
    return split;
  });
}
