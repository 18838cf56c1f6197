import { readFileSync } from 'node:fs';
import path from 'node:path';
import { defaultGamma, defaultWeights, ParzenEstimator } from './parzen-estimator';
import { erf, logGaussMass, truncatedNormalLogPdf, truncatedNormalPpf } from './truncated-normal';
import type { Dimension } from './types';

// Written by tools/reference/tpe_fixture.py from Optuna 5.1's own _tpe internals.
const reference = JSON.parse(readFileSync(path.join(__dirname, '../../../test/fixtures/search/tpe-reference.json'), 'utf8'));

const dimensions: Record<string, Dimension> = {
  x: { type: 'float', low: -5, high: 10 },
  lr: { type: 'float', low: 1e-4, high: 1e-1, log: true },
  units: { type: 'int', low: 8, high: 64, step: 8 },
  batch: { type: 'int', low: 1, high: 256, log: true },
  dropout: { type: 'float', low: 0, high: 0.5, step: 0.1 },
  kind: { type: 'categorical', choices: ['a', 'b', 'c', 'd'] },
};

function close(actual: number, expected: number, relative = 1e-9): void {
  if (expected === -Infinity || expected === Infinity) return expect(actual).toBe(expected);
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(relative * Math.max(1, Math.abs(expected)));
}

describe('truncated normal (against Optuna 5.1)', () => {
  it('erf', () => reference.erf.forEach(([x, y]: number[]) => close(erf(x), y, 1e-15)));
  it('log mass on an interval, including far tails', () =>
    reference.logGaussMass.forEach(([a, b, y]: number[]) => close(logGaussMass(a, b), y, 1e-12)));
  it('inverse CDF', () => reference.ppf.forEach(([q, a, b, y]: number[]) => close(truncatedNormalPpf(q, a, b), y, 1e-7)));
  it('log density', () =>
    reference.logPdf.forEach(([x, lo, hi, loc, scale, y]: number[]) => close(truncatedNormalLogPdf(x, lo, hi, loc, scale), y, 1e-12)));
});

describe('Parzen estimator (against Optuna 5.1)', () => {
  it("uses Optuna's default gamma and weights", () => {
    for (const [n, g] of reference.gamma) expect(defaultGamma(n)).toBe(g);
    for (const [n, w] of reference.weights) defaultWeights(n).forEach((v, i) => close(v, w[i], 1e-15));
    for (const [n, w] of reference.weights) expect(defaultWeights(n)).toHaveLength(w.length);
  });

  interface Estimator {
    space: string;
    observations: Record<string, number[]>;
    points: Record<string, number[]>;
    logPdf: number[];
  }
  const cases: Array<[string, number, Estimator]> = reference.estimators.map((e: Estimator) => [e.space, Object.values(e.observations)[0].length, e]);
  it.each(cases)('log density of a %s estimator from %d observations', (_space, _n, estimator) => {
    const names = Object.keys(estimator.observations);
    const count = estimator.observations[names[0]].length;
    const rows = Array.from({ length: count }, (_, i) => names.map((n) => estimator.observations[n][i]));
    const pe = new ParzenEstimator(
      names.map((n) => dimensions[n]),
      rows,
      { priorWeight: 1 },
    );
    const points = Array.from({ length: estimator.logPdf.length }, (_, i) => names.map((n) => estimator.points[n][i]));
    // Equal observations at an end of a dimension's range: numpy's unstable argsort decides which
    // of them gets the end bandwidth, and past 25 observations their mixture weights differ, so
    // only there the densities agree loosely.
    const tiedEnds = names.some((n) => {
      const values = estimator.observations[n];
      const min = Math.min(...values);
      const max = Math.max(...values);
      return values.filter((v) => v === min).length > 1 || values.filter((v) => v === max).length > 1;
    });
    const tolerance = tiedEnds && count > 25 ? 1e-2 : 1e-7;
    pe.logPdf(points).forEach((value, i) => close(value, estimator.logPdf[i], tolerance));
  });
});
