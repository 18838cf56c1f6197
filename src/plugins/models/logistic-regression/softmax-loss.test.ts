import { csrFromRows, type CsrMatrix } from '../../../core/features';
import {
  blockKernel,
  blockKernelSource,
  blockLossAndGradient,
  kernelSource,
  MAX_FUSED_CLASSES,
  parameterCount,
  scoresBuffer,
  softmaxObjective,
  softmaxProbabilities,
} from './softmax-loss';

/** A small random sparse problem. */
function problem(rows: number, cols: number, nClasses: number, seed: number): { x: CsrMatrix; y: Int32Array } {
  let s = seed;
  const random = () => {
    s = (s * 16807) % 2147483647;
    return s / 2147483647;
  };
  const maps = Array.from({ length: rows }, () => {
    const row = new Map<number, number>();
    for (let j = 0; j < cols; j++) if (random() < 0.4) row.set(j, Math.floor(random() * 3) + 1);
    return row;
  });
  const y = Int32Array.from({ length: rows }, (_, i) => i % nClasses);
  return { x: csrFromRows(maps, cols), y };
}

function randomWeights(n: number, scale: number): Float64Array {
  return Float64Array.from({ length: n }, (_, i) => scale * Math.sin(1.7 * i + 0.3));
}

describe('softmaxObjective', () => {
  it.each([
    ['multinomial, 5 classes, intercept', 5, true],
    ['multinomial, 3 classes, no intercept', 3, false],
    ['binomial, 2 classes, intercept', 2, true],
    ['multinomial, 6 classes (a block of 4 and a tail of 2)', 6, true],
  ])('%s: the gradient matches central finite differences', (_name, nClasses, fitIntercept) => {
    const { x, y } = problem(30, 7, nClasses, 11);
    const objective = softmaxObjective({ x, y, nClasses, fitIntercept, l2: 0.05 });
    const n = parameterCount(x.cols, nClasses, fitIntercept);
    const w = randomWeights(n, 0.5);
    const g = new Float64Array(n);
    objective(w, g);
    const scratch = new Float64Array(n);
    const h = 1e-6;
    for (let k = 0; k < n; k++) {
      const wp = Float64Array.from(w);
      const wm = Float64Array.from(w);
      wp[k] += h;
      wm[k] -= h;
      const numeric = (objective(wp, scratch) - objective(wm, scratch)) / (2 * h);
      expect(Math.abs(g[k] - numeric)).toBeLessThan(1e-7);
    }
  });

  it('at zero weights the loss is log(K): every class equally likely', () => {
    const { x, y } = problem(20, 5, 4, 3);
    const objective = softmaxObjective({ x, y, nClasses: 4, fitIntercept: true, l2: 1 });
    expect(objective(new Float64Array(parameterCount(5, 4, true)), new Float64Array(parameterCount(5, 4, true)))).toBeCloseTo(Math.log(4), 14);
  });

  it('penalises the weights but not the intercepts', () => {
    const { x, y } = problem(20, 5, 3, 5);
    const n = parameterCount(5, 3, true);
    const w = randomWeights(n, 0.3);
    const g0 = new Float64Array(n);
    const g1 = new Float64Array(n);
    const f0 = softmaxObjective({ x, y, nClasses: 3, fitIntercept: true, l2: 0 })(w, g0);
    const f1 = softmaxObjective({ x, y, nClasses: 3, fitIntercept: true, l2: 0.2 })(w, g1);
    let norm2 = 0;
    for (let j = 0; j < 5 * 3; j++) norm2 += w[j] * w[j];
    expect(f1 - f0).toBeCloseTo(0.1 * norm2, 14);
    for (let j = 0; j < 5 * 3; j++) expect(g1[j] - g0[j]).toBeCloseTo(0.2 * w[j], 14);
    for (let j = 5 * 3; j < n; j++) expect(g1[j]).toBe(g0[j]);
  });

  it('stays finite for huge scores (log-sum-exp)', () => {
    const { x, y } = problem(10, 4, 3, 9);
    const n = parameterCount(4, 3, true);
    const w = randomWeights(n, 1e4);
    const g = new Float64Array(n);
    const f = softmaxObjective({ x, y, nClasses: 3, fitIntercept: true, l2: 0 })(w, g);
    expect(Number.isFinite(f)).toBe(true);
    expect(g.every(Number.isFinite)).toBe(true);
    const p = softmaxProbabilities(w, x, 3, true);
    expect(p.every(Number.isFinite)).toBe(true);
  });
});

describe('softmaxProbabilities', () => {
  it('rows sum to one', () => {
    const { x } = problem(15, 6, 5, 21);
    const p = softmaxProbabilities(randomWeights(parameterCount(6, 5, true), 2), x, 5, true);
    for (let i = 0; i < 15; i++) {
      let sum = 0;
      for (let k = 0; k < 5; k++) sum += p[i * 5 + k];
      expect(sum).toBeCloseTo(1, 14);
    }
  });

  it('two classes: [1 - σ(z), σ(z)] with z = w·x + b', () => {
    const x = csrFromRows([new Map([[0, 2]]), new Map([[1, 1]])], 2);
    const w = Float64Array.from([0.5, -1, 0.25]); // weights of features 0 and 1, then the intercept
    const p = softmaxProbabilities(w, x, 2, true);
    const sigma = (z: number) => 1 / (1 + Math.exp(-z));
    expect(p[1]).toBeCloseTo(sigma(2 * 0.5 + 0.25), 15);
    expect(p[0]).toBeCloseTo(1 - sigma(1.25), 15);
    expect(p[3]).toBeCloseTo(sigma(-1 + 0.25), 15);
  });
});

describe('the one-pass kernel', () => {
  it.each([3, 4, 5, 7, 16])('gives the bits of the three-pass kernels for %i classes, with and without intercept', (nClasses) => {
    const { x, y } = problem(60, 9, nClasses, 11 + nClasses);
    for (const fitIntercept of [true, false]) {
      const w = randomWeights(parameterCount(9, nClasses, true), 0.8);
      const fused = new Float64Array(w.length);
      const threePass = new Float64Array(w.length);
      expect(blockKernelSource(nClasses)).not.toBe(kernelSource());
      const f = blockKernel(nClasses)(w, x, y, nClasses, fitIntercept, scoresBuffer(x.rows, nClasses), fused);
      const g = blockLossAndGradient(w, x, y, nClasses, fitIntercept, new Float64Array(x.rows * nClasses), threePass);
      expect(f).toBe(g);
      expect(fused).toEqual(threePass);
    }
  });

  it('is not used for two classes (binomial) or more than MAX_FUSED_CLASSES', () => {
    expect(blockKernelSource(1)).toBe(kernelSource());
    expect(blockKernelSource(MAX_FUSED_CLASSES + 1)).toBe(kernelSource());
  });
});
