/**
 * `stratified-kfold`: k train/test folds that keep each class's share in every fold — the same
 * folds, in the same order, as scikit-learn's StratifiedKFold(n_splits=k, shuffle, random_state).
 */
import { InputError } from '../../../core/errors';
import { definePlugin, type Fold, type PluginContext, type Splitter } from '../../../core/plugin';
import { MAX_NUMPY_SEED, isNumpySeed } from '../../../core/random';
import { stratifiedKFoldSplit } from './stratified-kfold-split';

export interface StratifiedKFoldOptions {
  k: number;
  shuffle: boolean;
  /** numpy RandomState seed for the shuffle; the spec's seed when absent. */
  seed?: number;
}

class StratifiedKFold implements Splitter {
  constructor(
    private readonly options: Readonly<StratifiedKFoldOptions>,
    private readonly context: PluginContext,
  ) {}

  split(labels: readonly number[], nClasses: number, classNames?: readonly string[]): Fold[] {
    const { k, shuffle } = this.options;
    if (!shuffle && this.options.seed !== undefined) {
      // scikit-learn refuses this too: the seed would silently do nothing.
      throw new InputError('SPLIT_SEED_UNUSED', 'seed has no effect when shuffle is false; remove seed or set shuffle: true.');
    }
    const seed = this.options.seed ?? this.context.seed;
    if (shuffle && !isNumpySeed(seed)) {
      throw new InputError(
        'SPLIT_SEED_INVALID',
        `seed ${seed} cannot seed the shuffle: it must be a whole number from 0 to ${MAX_NUMPY_SEED} (numpy's RandomState range). Set the split's seed option or the spec's seed within that range.`,
      );
    }
    const warn = (message: string): void => this.context.logger.warn(message);
    return stratifiedKFoldSplit(labels, nClasses, { k, seed: shuffle ? seed : null, warn, classNames });
  }
}

export const stratifiedKFold = definePlugin<StratifiedKFoldOptions, Splitter>({
  kind: 'split',
  name: 'stratified-kfold',
  description: "k stratified cross-validation folds, fold for fold scikit-learn's StratifiedKFold.",
  optionsSchema: {
    type: 'object',
    properties: {
      k: { type: 'integer', description: 'Number of folds (2 or more); each row is tested in exactly one fold.', minimum: 2, default: 5 },
      shuffle: {
        type: 'boolean',
        description: "Shuffle each class's rows before dealing them to folds; false keeps the file order within each class.",
        default: true,
      },
      seed: {
        type: 'integer',
        description: "Seed of the shuffle (numpy RandomState, 0 to 4294967295). Defaults to the spec's seed; not allowed with shuffle: false.",
        minimum: 0,
        maximum: MAX_NUMPY_SEED,
      },
    },
    additionalProperties: false,
  },
  create: (options, context) => new StratifiedKFold(options, context),
});

export default stratifiedKFold;
