/**
 * Each gradient mlspec registers, checked against central finite differences of
 * L(inputs) = Σ op(inputs) ⊙ R for a fixed random R, on the cpu backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../backend';
import { mlspecGradientConfigs } from './gradients';

interface GradCase {
  kernel: string;
  label: string;
  inputs: number[][];
  /** Input values: uniform in [low, high), or spaced far apart when `distinct` (for max). */
  low?: number;
  high?: number;
  distinct?: boolean;
  op: (...xs: tf.Tensor[]) => tf.Tensor;
}

const CASES: GradCase[] = [
  { kernel: 'Add', label: 'broadcast [2,3] + [3]', inputs: [[2, 3], [3]], op: (a, b) => tf.add(a, b) },
  {
    kernel: 'Sub',
    label: 'broadcast [2,3] - [2,1]',
    inputs: [
      [2, 3],
      [2, 1],
    ],
    op: (a, b) => tf.sub(a, b),
  },
  {
    kernel: 'Multiply',
    label: 'broadcast [2,3] * [1,3]',
    inputs: [
      [2, 3],
      [1, 3],
    ],
    op: (a, b) => tf.mul(a, b),
  },
  {
    kernel: 'RealDiv',
    label: '[2,3] / [2,3]',
    inputs: [
      [2, 3],
      [2, 3],
    ],
    low: 1,
    high: 2,
    op: (a, b) => tf.div(a, b),
  },
  {
    kernel: 'AddN',
    label: 'three terms',
    inputs: [
      [2, 2],
      [2, 2],
      [2, 2],
    ],
    op: (a, b, c) => tf.addN([a, b, c]),
  },
  {
    kernel: 'BatchMatMul',
    label: 'a·b',
    inputs: [
      [2, 3],
      [3, 4],
    ],
    op: (a, b) => tf.matMul(a, b),
  },
  {
    kernel: 'BatchMatMul',
    label: 'a·bᵀ',
    inputs: [
      [2, 3],
      [4, 3],
    ],
    op: (a, b) => tf.matMul(a, b, false, true),
  },
  {
    kernel: 'BatchMatMul',
    label: 'aᵀ·b',
    inputs: [
      [3, 2],
      [3, 4],
    ],
    op: (a, b) => tf.matMul(a, b, true, false),
  },
  {
    kernel: 'BatchMatMul',
    label: 'aᵀ·bᵀ',
    inputs: [
      [3, 2],
      [4, 3],
    ],
    op: (a, b) => tf.matMul(a, b, true, true),
  },
  {
    kernel: 'BatchMatMul',
    label: 'batched',
    inputs: [
      [2, 2, 3],
      [2, 3, 2],
    ],
    op: (a, b) => tf.matMul(a, b),
  },
  { kernel: 'Sigmoid', label: 'sigmoid', inputs: [[2, 3]], op: (x) => tf.sigmoid(x) },
  { kernel: 'Tanh', label: 'tanh', inputs: [[2, 3]], op: (x) => tf.tanh(x) },
  { kernel: 'Exp', label: 'exp', inputs: [[2, 3]], op: (x) => tf.exp(x) },
  { kernel: 'Sqrt', label: 'sqrt', inputs: [[2, 3]], low: 0.5, high: 2, op: (x) => tf.sqrt(x) },
  { kernel: 'Relu', label: 'relu away from 0', inputs: [[2, 3]], distinct: true, op: (x) => tf.relu(x) },
  { kernel: 'Log', label: 'log', inputs: [[2, 3]], low: 0.5, high: 2, op: (x) => tf.log(x) },
  { kernel: 'Square', label: 'square', inputs: [[2, 3]], op: (x) => tf.square(x) },
  { kernel: 'Neg', label: 'neg', inputs: [[2, 3]], op: (x) => tf.neg(x) },
  { kernel: 'Identity', label: 'clone', inputs: [[2, 3]], op: (x) => tf.clone(x) },
  { kernel: 'Reshape', label: '[2,3] → [3,2]', inputs: [[2, 3]], op: (x) => tf.reshape(x, [3, 2]) },
  { kernel: 'Transpose', label: 'perm [2,0,1]', inputs: [[2, 3, 4]], op: (x) => tf.transpose(x, [2, 0, 1]) },
  {
    kernel: 'Unpack',
    label: 'axis 1, one part unused',
    inputs: [[2, 3, 2]],
    op: (x) => {
      const parts = tf.unstack(x, 1);
      return tf.add(parts[0], tf.mul(parts[2], 3));
    },
  },
  { kernel: 'Unpack', label: 'a single part', inputs: [[1, 3]], op: (x) => tf.unstack(x, 0)[0] },
  {
    kernel: 'Pack',
    label: 'axis 1',
    inputs: [
      [2, 3],
      [2, 3],
    ],
    op: (a, b) => tf.stack([a, b], 1),
  },
  {
    kernel: 'Concat',
    label: 'axis -1, unequal widths',
    inputs: [
      [2, 1],
      [2, 3],
    ],
    op: (a, b) => tf.concat([a, b], -1),
  },
  {
    kernel: 'SplitV',
    label: 'sizes [1,2] on axis 1',
    inputs: [[2, 3]],
    op: (x) => {
      const [p, q] = tf.split(x, [1, 2], 1);
      return tf.mul(p, tf.sum(q, 1, true));
    },
  },
  { kernel: 'Slice', label: 'inner block', inputs: [[3, 4]], op: (x) => tf.slice(x, [1, 1], [2, -1]) },
  { kernel: 'GatherV2', label: 'repeated ids', inputs: [[4, 3]], op: (x) => tf.gather(x, tf.tensor1d([3, 0, 3, 1, 3], 'int32')) },
  {
    kernel: 'GatherV2',
    label: '2-D ids',
    inputs: [[4, 2]],
    op: (x) =>
      tf.gather(
        x,
        tf.tensor2d(
          [
            [1, 1],
            [2, 0],
          ],
          [2, 2],
          'int32',
        ),
      ),
  },
  { kernel: 'Sum', label: 'axis 1', inputs: [[2, 3, 2]], op: (x) => tf.sum(x, 1) },
  { kernel: 'Sum', label: 'all axes, keepDims', inputs: [[2, 3]], op: (x) => tf.sum(x, undefined, true) },
  { kernel: 'Mean', label: 'axes [0,2]', inputs: [[2, 3, 2]], op: (x) => tf.mean(x, [0, 2]) },
  { kernel: 'Max', label: 'axis 1', inputs: [[3, 4]], distinct: true, op: (x) => tf.max(x, 1) },
];

function seededValues(n: number, seed: number, low: number, high: number): number[] {
  let state = seed >>> 0;
  return Array.from({ length: n }, () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return low + ((state >>> 8) / 2 ** 24) * (high - low);
  });
}

/** Values at least 0.3 apart (and away from 0) so a small step never changes which one is largest. */
function distinctValues(n: number, seed: number): number[] {
  const values = Array.from({ length: n }, (_, i) => (i - n / 2 + 0.5) * 0.4);
  const order = seededValues(n, seed, 0, 1);
  return values
    .map((v, i) => ({ v, k: order[i] }))
    .sort((a, b) => a.k - b.k)
    .map((e) => e.v);
}

describe('mlspec gradients', () => {
  it('are the registered ones (tfjs-core alone registers none)', () => {
    for (const config of mlspecGradientConfigs) expect(tf.getGradient(config.kernelName)).toBe(config);
  });

  it('every gradient mlspec provides has a finite-difference case', () => {
    const covered = new Set(CASES.map((c) => c.kernel));
    expect(mlspecGradientConfigs.map((c) => c.kernelName).filter((k) => !covered.has(k))).toEqual([]);
  });

  it.each(CASES.map((c, i) => [`${c.kernel}: ${c.label}`, c, i] as const))('%s matches finite differences', async (_name, c, index) => {
    const values = c.inputs.map((shape, k) => {
      const n = shape.reduce((a, b) => a * b, 1);
      return c.distinct ? distinctValues(n, 100 * index + k) : seededValues(n, 100 * index + k, c.low ?? -1.5, c.high ?? 1.5);
    });
    const profile = await tf.profile(() => c.op(...values.map((v, k) => tf.tensor(v, c.inputs[k]))));
    expect(profile.kernelNames).toContain(c.kernel);

    const outShape = tf.tidy(() => c.op(...values.map((v, k) => tf.tensor(v, c.inputs[k]))).shape);
    const weights = seededValues(
      outShape.reduce((a, b) => a * b, 1),
      7 + index,
      -1,
      1,
    );
    const loss = (...xs: tf.Tensor[]) => tf.sum(tf.mul(c.op(...xs), tf.tensor(weights, outShape)));
    const lossAt = (vs: number[][]) => tf.tidy(() => loss(...vs.map((v, k) => tf.tensor(v, c.inputs[k]))).dataSync()[0]);

    const analytic = tf.tidy(() =>
      tf
        .grads(loss)(values.map((v, k) => tf.tensor(v, c.inputs[k])))
        .map((g) => Array.from(g.dataSync())),
    );
    const eps = 1e-2;
    values.forEach((v, k) => {
      expect(analytic[k].length).toBe(v.length);
      for (let i = 0; i < v.length; i++) {
        const plus = values.map((w) => w.slice());
        const minus = values.map((w) => w.slice());
        plus[k][i] += eps;
        minus[k][i] -= eps;
        const numeric = (lossAt(plus) - lossAt(minus)) / (2 * eps);
        expect(Math.abs(analytic[k][i] - numeric)).toBeLessThan(1e-2 * Math.max(1, Math.abs(numeric)));
      }
    });
  });
});
