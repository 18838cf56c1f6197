/**
 * scikit-learn's `_approximate_mode` (sklearn/utils/extmath.py, 1.6.1): how many of `nDraws` rows
 * each class gets so that the class proportions are kept. It floors each class's exact share, then
 * hands the leftover rows to the largest remainders; equal remainders are broken with
 * `rng.choice(..., replace=False)`, which consumes random numbers — so the stream has to be the
 * same numpy RandomState the splitter uses, called at the same points.
 */
import type { NumpyRandomState } from '../../../core/random';

export function approximateMode(classCounts: readonly number[], nDraws: number, rng: NumpyRandomState): number[] {
  const total = classCounts.reduce((sum, count) => sum + count, 0);
  // Same double arithmetic and order as numpy: (count / total) * nDraws.
  const continuous = classCounts.map((count) => (count / total) * nDraws);
  const floored = continuous.map(Math.floor);
  let needToAdd = nDraws - floored.reduce((sum, value) => sum + value, 0);
  if (needToAdd > 0) {
    const remainder = continuous.map((value, i) => value - floored[i]);
    const descending = [...new Set(remainder)].sort((a, b) => b - a);
    for (const value of descending) {
      const tied = remainder.flatMap((r, i) => (r === value ? [i] : []));
      const addNow = Math.min(tied.length, needToAdd);
      // numpy draws a full permutation of `tied` even when all of them get a row.
      for (const i of rng.choice(tied, addNow, false)) floored[i] += 1;
      needToAdd -= addNow;
      if (needToAdd === 0) break;
    }
  }
  return floored;
}
