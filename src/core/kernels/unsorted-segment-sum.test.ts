import * as tf from '@tensorflow/tfjs-core';
import '../backend';
import { selectBackend } from '../backend';
import { unsortedSegmentSumConfigs, unsortedSegmentSumValues } from './unsorted-segment-sum';

const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

/** The definition, written as plainly as possible: for each segment, sum the rows with that id. */
function naive(x: number[][], ids: number[], numSegments: number): number[][] {
  const width = x[0].length;
  const out: number[][] = [];
  for (let s = 0; s < numSegments; s++) {
    const row = new Array<number>(width).fill(0);
    ids.forEach((id, i) => {
      if (id === s) for (let j = 0; j < width; j++) row[j] += x[i][j];
    });
    out.push(row);
  }
  return out;
}

function randomCase(rows: number, width: number, numSegments: number, seed: number) {
  let state = seed;
  const next = () => (state = (state * 1103515245 + 12345) % 2147483648) / 2147483648;
  const x = Array.from({ length: rows }, () => Array.from({ length: width }, () => Math.round((next() * 4 - 2) * 100) / 100));
  // Include out-of-range ids: TensorFlow drops them.
  const ids = Array.from({ length: rows }, () => Math.floor(next() * (numSegments + 2)) - 1);
  return { x, ids };
}

describe('unsortedSegmentSumValues', () => {
  it('equals the naive definition, dropping ids outside [0, numSegments)', () => {
    const { x, ids } = randomCase(50, 3, 7, 1);
    const out = new Float32Array(7 * 3);
    unsortedSegmentSumValues(x.flat(), ids, 3, 7, out);
    const expected = naive(x, ids, 7).flat();
    expected.forEach((v, i) => expect(out[i]).toBeCloseTo(v, 4));
  });
});

describe.each(['cpu', 'wasm'] as const)('UnsortedSegmentSum kernel on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, quiet);
  });

  it("is mlspec's kernel, not the backend's own", () => {
    const ours = unsortedSegmentSumConfigs.find((c) => c.backendName === backend)!;
    expect(tf.getKernel('UnsortedSegmentSum', backend).kernelFunc).toBe(ours.kernelFunc);
  });

  it('equals the naive definition for float rows', () => {
    const { x, ids } = randomCase(40, 5, 9, 2);
    const result = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor2d(x), tf.tensor1d(ids, 'int32'), 9).arraySync()) as number[][];
    const expected = naive(x, ids, 9);
    expect(result.length).toBe(9);
    result.forEach((row, s) => row.forEach((v, j) => expect(v).toBeCloseTo(expected[s][j], 4)));
  });

  it('keeps int32 values and 1-D inputs', () => {
    const result = tf.tidy(() => tf.unsortedSegmentSum(tf.tensor1d([1, 2, 3, 4], 'int32'), tf.tensor1d([2, 0, 2, 1], 'int32'), 3));
    expect(result.dtype).toBe('int32');
    expect(Array.from(result.dataSync())).toEqual([2, 4, 4]);
    result.dispose();
  });

  it('is the one the embedding gradient uses: gather then backprop sums repeated ids', () => {
    const table = tf.variable(
      tf.tensor2d([
        [1, 2],
        [3, 4],
        [5, 6],
      ]),
    );
    const grad = tf.tidy(() => {
      const g = tf.variableGrads(() => tf.sum(tf.gather(table, tf.tensor1d([2, 0, 2, 2], 'int32'))), [table]);
      return g.grads[table.name].arraySync();
    });
    expect(grad).toEqual([
      [1, 1],
      [0, 0],
      [3, 3],
    ]);
    table.dispose();
  });
});
