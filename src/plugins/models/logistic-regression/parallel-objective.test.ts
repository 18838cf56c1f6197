import type { CsrMatrix } from '../../../core/features';
import { createObjective } from './parallel-objective';
import { parameterCount, softmaxObjective } from './softmax-loss';

/** A deterministic random sparse problem (a fixed LCG): `rows` rows of up to 12 counts over `cols` columns. */
function problem(rows: number, cols: number, nClasses: number) {
  let state = 987654321;
  const next = () => (state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 4294967296;
  const indptr = new Int32Array(rows + 1);
  const indices: number[] = [];
  const data: number[] = [];
  for (let i = 0; i < rows; i++) {
    const columns = new Set<number>();
    const n = Math.floor(next() * 12);
    while (columns.size < n) columns.add(Math.floor(next() * cols));
    for (const c of [...columns].sort((a, b) => a - b)) {
      indices.push(c);
      data.push(1 + Math.floor(next() * 3));
    }
    indptr[i + 1] = indices.length;
  }
  const x: CsrMatrix = { kind: 'csr', rows, cols, indptr, indices: Int32Array.from(indices), data: Float64Array.from(data) };
  const y = Int32Array.from({ length: rows }, () => Math.floor(next() * nClasses));
  return { x, y, nClasses, fitIntercept: true, l2: 1 / rows };
}

function weights(n: number): Float64Array {
  return Float64Array.from({ length: n }, (_, j) => Math.sin(j * 1.7) * 0.3);
}

describe('the logistic objective in two blocks', () => {
  it.each([5, 2])('gives the same loss and gradient on two threads as on one, and agrees with one block (%i classes)', (nClasses) => {
    const p = problem(3000, 200, nClasses);
    const n = parameterCount(200, nClasses, true);
    const w = weights(n);
    const two = createObjective(p, { threads: 2, minNonzeros: 1 });
    const one = createObjective(p, { threads: 1, minNonzeros: 1 });
    try {
      expect(two.threads).toBe(2);
      expect(one.threads).toBe(1);
      const g2 = new Float64Array(n);
      const g1 = new Float64Array(n);
      const f2 = two.evaluate(w, g2);
      const f1 = one.evaluate(w, g1);
      // The same blocks added in the same order: identical to the last bit.
      expect(f2).toBe(f1);
      expect(Array.from(g2)).toEqual(Array.from(g1));
      // And the sum of the blocks is the sequential objective, up to the rounding of one addition order.
      const g = new Float64Array(n);
      const f = softmaxObjective(p)(w, g);
      expect(Math.abs(f2 - f)).toBeLessThan(1e-12 * Math.abs(f));
      for (let j = 0; j < n; j++) expect(Math.abs(g2[j] - g[j])).toBeLessThan(1e-12);
      // A second evaluation at other weights: the worker answers each job.
      const w2 = weights(n).map((v) => v * -2);
      expect(two.evaluate(w2, g2)).toBe(one.evaluate(w2, g1));
    } finally {
      two.dispose();
      one.dispose();
    }
  });

  it('keeps one block (the sequential arithmetic) below the size where a thread pays', () => {
    const p = problem(200, 50, 5);
    const objective = createObjective(p, { threads: 2 });
    expect(objective.threads).toBe(1);
    const n = parameterCount(50, 5, true);
    const g = new Float64Array(n);
    const g0 = new Float64Array(n);
    expect(objective.evaluate(weights(n), g)).toBe(softmaxObjective(p)(weights(n), g0));
    expect(Array.from(g)).toEqual(Array.from(g0));
    objective.dispose();
  });
});
