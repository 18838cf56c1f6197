/**
 * The rows a sweep job is fitted and scored on, as positions into the loaded data.
 *
 * - The spec's split is made once, as `mlspec run` makes it; its test rows are touched only by the
 *   refit of the best candidate. (A spec split with several folds contributes its first fold.)
 * - `folds: k` — the training rows are dealt into k stratified folds by the `stratified-kfold`
 *   plugin, shuffled with the job's seed: the first seed gives the same folds to every candidate,
 *   and each further seed is a fresh repeat of k-fold (scikit-learn's RepeatedStratifiedKFold).
 * - `folds: 0` — one stratified holdout of the training rows (the spec split's test fraction when
 *   it is a stratified-holdout, else 0.2), made with the job's seed: still never the test rows.
 * - refit — all training rows, scored on the test rows.
 */
import type { Fold, LoadedData, PluginContext, Splitter } from '../plugin';
import type { PluginRegistry } from '../registry';
import type { ExperimentSpec } from '../spec/validate';
import type { JobRows } from './types';

/** The holdout fraction for `folds: 0` when the spec split does not give one. */
export const DEFAULT_HOLDOUT = 0.2;

export class SweepRows {
  private readonly specFold: Fold;
  private readonly cache = new Map<string, Fold[]>();

  constructor(
    private readonly registry: PluginRegistry,
    private readonly spec: ExperimentSpec,
    private readonly data: LoadedData,
    private readonly context: Omit<PluginContext, 'seed'>,
  ) {
    const { type, ...options } = spec.split;
    const splitter = registry.get('split', type).create(options, { ...context, seed: spec.seed }) as Splitter;
    const [first] = splitter.split(data.labels, data.classes.length);
    if (!first || first.train.length === 0 || first.test.length === 0) {
      throw new Error(`the spec's split leaves the ${first?.train.length ? 'test' : 'training'} rows empty`);
    }
    this.specFold = first;
  }

  /** Positions of the spec split's training and test rows. */
  get split(): Fold {
    return this.specFold;
  }

  /** The training and evaluation positions of a job. */
  rows(rows: JobRows, seed: number): Fold {
    if (rows.kind === 'refit') return this.specFold;
    if (rows.kind === 'holdout') return this.folds('holdout', seed)[0];
    const folds = this.folds(`kfold ${rows.folds}`, seed);
    const fold = folds[rows.fold];
    if (!fold) throw new Error(`fold ${rows.fold} of ${rows.folds} does not exist`);
    return fold;
  }

  private folds(kind: string, seed: number): Fold[] {
    const key = `${kind} seed ${seed}`;
    let folds = this.cache.get(key);
    if (folds) return folds;
    const train = this.specFold.train;
    const labels = train.map((i) => this.data.labels[i]);
    const splitter = kind === 'holdout' ? this.holdoutSplitter(seed) : this.kfoldSplitter(Number(kind.split(' ')[1]), seed);
    // The splitter deals positions into `train`; map them back to positions into the data.
    folds = splitter.split(labels, this.data.classes.length).map((f) => ({ train: f.train.map((i) => train[i]), test: f.test.map((i) => train[i]) }));
    this.cache.set(key, folds);
    return folds;
  }

  private kfoldSplitter(k: number, seed: number): Splitter {
    return this.registry.get('split', 'stratified-kfold').create({ k, shuffle: true, seed }, { ...this.context, seed }) as Splitter;
  }

  private holdoutSplitter(seed: number): Splitter {
    const test =
      this.spec.split.type === 'stratified-holdout' && typeof this.spec.split.test === 'number' && this.spec.split.test < 1
        ? this.spec.split.test
        : DEFAULT_HOLDOUT;
    return this.registry.get('split', 'stratified-holdout').create({ test, seed }, { ...this.context, seed }) as Splitter;
  }
}
