/**
 * Which parameters mattered: random-forest importance by mean decrease in impurity (MDI), as
 * Optuna's `MeanDecreaseImpurityImportanceEvaluator` (scikit-learn's `feature_importances_`):
 * 64 regression trees on bootstrap samples of the complete trials predict the objective from the
 * parameters; each parameter's importance is the share of the variance its splits remove, averaged
 * over the trees. Not fANOVA (Optuna's default evaluator): MDI needs no marginalisation over the
 * space, and it handles conditional parameters directly, which Optuna's evaluators leave out.
 *
 * Encoding: numeric parameters on [0, 1] (log scale for log dimensions), −1 when inactive;
 * categorical ones one-hot (all zero when inactive), their columns' importances summed. Seeded and
 * deterministic: the same trials give the same importances.
 */
import { NumpyRandomState, seedStream } from '../random';
import type { Dimension, Observation, SearchSpace } from './types';

export interface ParameterImportance {
  name: string;
  /** Share of the explained variance, in [0, 1]; the parameters' shares sum to 1 (or all are 0). */
  importance: number;
}

export interface ImportanceOptions {
  /** Seeds the bootstrap samples (the spec's seed). Default 0. */
  seed?: number;
  /** Default 64, as Optuna. */
  trees?: number;
  /** Default 64, as Optuna. */
  maxDepth?: number;
}

/**
 * Importance of every parameter of `space` from the complete trials of `observations` (with a
 * finite value), largest first (ties in space order). Fewer than two such trials, or trials that
 * all scored the same: every importance is 0.
 */
export function parameterImportance(
  space: SearchSpace,
  observations: readonly Observation[],
  options: ImportanceOptions = {},
): ParameterImportance[] {
  const trials = observations
    .filter((t) => t.state === 'complete' && typeof t.value === 'number' && Number.isFinite(t.value))
    .sort((a, b) => a.number - b.number);
  const columns = encodeColumns(space);
  const x = trials.map((t) => columns.map((c) => c.encode(t.params[c.parameter])));
  const y = trials.map((t) => t.value as number);
  const perColumn = new Float64Array(columns.length);
  if (trials.length >= 2) {
    const random = new NumpyRandomState(seedStream(options.seed ?? 0, 'search-importance'));
    const trees = options.trees ?? 64;
    for (let t = 0; t < trees; t++) {
      const sample = Array.from({ length: y.length }, () => random.randomInterval(y.length - 1));
      const treeImportance = new Float64Array(columns.length);
      grow(x, y, sample, 0, options.maxDepth ?? 64, treeImportance);
      const total = treeImportance.reduce((a, b) => a + b, 0);
      if (total > 0) for (let c = 0; c < columns.length; c++) perColumn[c] += treeImportance[c] / total;
    }
  }
  const byName = new Map(space.parameters.map((p) => [p.name, 0]));
  columns.forEach((c, i) => byName.set(c.parameter, (byName.get(c.parameter) ?? 0) + perColumn[i]));
  const total = [...byName.values()].reduce((a, b) => a + b, 0);
  return space.parameters
    .map((p) => ({ name: p.name, importance: total > 0 ? (byName.get(p.name) ?? 0) / total : 0 }))
    .map((entry, order) => ({ entry, order }))
    .sort((a, b) => b.entry.importance - a.entry.importance || a.order - b.order)
    .map(({ entry }) => entry);
}

interface Column {
  parameter: string;
  encode(value: unknown): number;
}

function encodeColumns(space: SearchSpace): Column[] {
  return space.parameters.flatMap((p): Column[] => {
    const d: Dimension = p.dimension;
    if (d.type === 'categorical') {
      return d.choices.map((choice) => ({ parameter: p.name, encode: (v: unknown) => (v === choice ? 1 : 0) }));
    }
    const log = d.log === true && d.low > 0;
    const lo = log ? Math.log(d.low) : d.low;
    const hi = log ? Math.log(d.high) : d.high;
    return [
      {
        parameter: p.name,
        encode: (v: unknown) => {
          if (typeof v !== 'number' || !Number.isFinite(v)) return -1;
          if (hi === lo) return 0;
          return ((log ? Math.log(v) : v) - lo) / (hi - lo);
        },
      },
    ];
  });
}

/** Sum of squared deviations from the mean of y over `rows`. */
function sumSquares(y: readonly number[], rows: readonly number[]): number {
  let sum = 0;
  for (const r of rows) sum += y[r];
  const mean = sum / rows.length;
  let ss = 0;
  for (const r of rows) ss += (y[r] - mean) ** 2;
  return ss;
}

/**
 * Grow a CART regression tree on `rows` (with repeats, from the bootstrap), adding each split's
 * impurity decrease (squared error removed) to its column. Every column is tried at every node, as
 * scikit-learn's regressor does by default; ties between splits go to the first column.
 */
function grow(
  x: readonly number[][],
  y: readonly number[],
  rows: readonly number[],
  depth: number,
  maxDepth: number,
  importance: Float64Array,
): void {
  if (rows.length < 2 || depth >= maxDepth) return;
  const parent = sumSquares(y, rows);
  if (parent <= 1e-12 * rows.length) return;
  let best: { gain: number; column: number; threshold: number } | undefined;
  const columns = x[0].length;
  for (let c = 0; c < columns; c++) {
    const sorted = [...rows].sort((a, b) => x[a][c] - x[b][c]);
    let leftSum = 0;
    let leftSq = 0;
    let totalSum = 0;
    let totalSq = 0;
    for (const r of sorted) {
      totalSum += y[r];
      totalSq += y[r] * y[r];
    }
    for (let i = 0; i < sorted.length - 1; i++) {
      const v = y[sorted[i]];
      leftSum += v;
      leftSq += v * v;
      const here = x[sorted[i]][c];
      const next = x[sorted[i + 1]][c];
      if (here === next) continue;
      const nLeft = i + 1;
      const nRight = sorted.length - nLeft;
      const rightSum = totalSum - leftSum;
      const rightSq = totalSq - leftSq;
      const children = leftSq - (leftSum * leftSum) / nLeft + (rightSq - (rightSum * rightSum) / nRight);
      const gain = parent - children;
      if (!best || gain > best.gain + 1e-12) best = { gain, column: c, threshold: (here + next) / 2 };
    }
  }
  if (!best || best.gain <= 0) return;
  importance[best.column] += best.gain;
  const { column, threshold } = best;
  grow(
    x,
    y,
    rows.filter((r) => x[r][column] <= threshold),
    depth + 1,
    maxDepth,
    importance,
  );
  grow(
    x,
    y,
    rows.filter((r) => x[r][column] > threshold),
    depth + 1,
    maxDepth,
    importance,
  );
}
