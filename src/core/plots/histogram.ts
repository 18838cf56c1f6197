/**
 * Equal-width histogram bins as matplotlib's `hist(values, bins=n)` draws them (numpy.histogram):
 * n bins spanning exactly [min, max], each half-open except the last, which includes max. Vega-Lite's
 * own binning picks "nice" boundaries and a different bin count, so the plots bin beforehand.
 */

export interface HistogramBin {
  start: number;
  end: number;
  count: number;
}

export function histogram(values: readonly number[], bins: number): HistogramBin[] {
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`histogram needs a positive whole number of bins, got ${bins}`);
  if (values.length === 0) throw new Error('histogram needs at least one value');
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) throw new Error(`histogram values must be finite numbers, got ${v}`);
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  // numpy widens an empty range by half a unit either side.
  if (lo === hi) {
    lo -= 0.5;
    hi += 0.5;
  }
  // Edges as numpy.linspace computes them, so a value on an edge lands in the same bin.
  const step = (hi - lo) / bins;
  const edges = Array.from({ length: bins + 1 }, (_, i) => (i === bins ? hi : lo + i * step));
  const counts = new Array<number>(bins).fill(0);
  for (const v of values) {
    let i = Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins));
    // The division can land one bin off next to an edge; the edges decide, as in numpy.
    if (v < edges[i]) i--;
    else if (i < bins - 1 && v >= edges[i + 1]) i++;
    counts[i]++;
  }
  return counts.map((count, i) => ({ start: edges[i], end: edges[i + 1], count }));
}

export function mean(values: readonly number[]): number {
  if (values.length === 0) throw new Error('mean of no values');
  let sum = 0;
  for (const v of values) sum += v;
  return sum / values.length;
}
