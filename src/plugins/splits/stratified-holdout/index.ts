/**
 * `stratified-holdout`: one train/test split that keeps each class's share in both parts — the
 * same rows, in the same order, as scikit-learn's
 * `train_test_split(..., test_size=test, random_state=seed, stratify=y)`.
 */
import { InputError } from '../../../core/errors';
import { definePlugin, type Fold, type PluginContext, type Splitter } from '../../../core/plugin';
import { MAX_NUMPY_SEED, isNumpySeed } from '../../../core/random';
import { stratifiedShuffleSplit } from './stratified-shuffle-split';

export interface StratifiedHoldoutOptions {
  /** A fraction in (0, 1), or a whole number of test rows (1 or more). */
  test: number;
  /** numpy RandomState seed; the spec's seed when absent. */
  seed?: number;
}

class StratifiedHoldout implements Splitter {
  constructor(
    private readonly options: Readonly<StratifiedHoldoutOptions>,
    private readonly context: PluginContext,
  ) {}

  split(labels: readonly number[], nClasses: number, classNames?: readonly string[]): Fold[] {
    const seed = this.options.seed ?? this.context.seed;
    if (!isNumpySeed(seed)) {
      throw new InputError(
        'SPLIT_SEED_INVALID',
        `seed ${seed} cannot seed the split: it must be a whole number from 0 to ${MAX_NUMPY_SEED} (numpy's RandomState range). Set the split's seed option or the spec's seed within that range.`,
      );
    }
    return [stratifiedShuffleSplit(labels, nClasses, this.options.test, seed, classNames)];
  }
}

export const stratifiedHoldout = definePlugin<StratifiedHoldoutOptions, Splitter>({
  kind: 'split',
  name: 'stratified-holdout',
  description: "One stratified train/test split, row for row scikit-learn's train_test_split(stratify=y).",
  optionsSchema: {
    type: 'object',
    properties: {
      test: {
        type: 'number',
        description: 'Size of the test set: a fraction between 0 and 1 (test rows = ceil(fraction × rows)) or a whole number of rows (1 or more).',
        default: 0.25,
        anyOf: [
          { type: 'number', exclusiveMinimum: 0, exclusiveMaximum: 1 },
          { type: 'integer', minimum: 1 },
        ],
      },
      seed: {
        type: 'integer',
        description: "Seed of the split's random numbers (numpy RandomState, 0 to 4294967295). Defaults to the spec's seed.",
        minimum: 0,
        maximum: MAX_NUMPY_SEED,
      },
    },
    additionalProperties: false,
  },
  create: (options, context) => new StratifiedHoldout(options, context),
});

export default stratifiedHoldout;
