import * as tf from '@tensorflow/tfjs-core';
import '../backend';
import { selectBackend } from '../backend';
import { splitKernelConfigs, splitValues } from './split';

const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

describe('splitValues', () => {
  it('cuts a [2,3,2] array along the middle axis', () => {
    const values = Float32Array.from({ length: 12 }, (_, i) => i);
    const parts = splitValues(values, [2, 3, 2], 1, [1, 2], false);
    expect(parts.map((p) => p.shape)).toEqual([
      [2, 1, 2],
      [2, 2, 2],
    ]);
    expect(Array.from(parts[0].values)).toEqual([0, 1, 6, 7]);
    expect(Array.from(parts[1].values)).toEqual([2, 3, 4, 5, 8, 9, 10, 11]);
  });

  it('drops the axis when unstacking and keeps the element type', () => {
    const parts = splitValues(Int32Array.from([1, 2, 3, 4]), [2, 2], 0, [1, 1], true);
    expect(parts.map((p) => p.shape)).toEqual([[2], [2]]);
    expect(parts[1].values).toBeInstanceOf(Int32Array);
    expect(Array.from(parts[1].values)).toEqual([3, 4]);
  });
});

describe.each(['cpu', 'wasm'] as const)('Unpack and SplitV kernels on %s', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, quiet);
  });

  it("are mlspec's", () => {
    for (const name of ['Unpack', 'SplitV']) {
      const ours = splitKernelConfigs.find((c) => c.backendName === backend && c.kernelName === name)!;
      expect(tf.getKernel(name, backend).kernelFunc).toBe(ours.kernelFunc);
    }
  });

  it('unstack and split agree with slicing, on every axis', () => {
    tf.tidy(() => {
      const x = tf.tensor3d(
        Array.from({ length: 24 }, (_, i) => i * 0.5 - 3),
        [2, 3, 4],
      );
      for (let axis = 0; axis < 3; axis++) {
        tf.unstack(x, axis).forEach((part, k) => {
          const begin = [0, 0, 0];
          const size = [...x.shape];
          begin[axis] = k;
          size[axis] = 1;
          const expected = tf.squeeze(tf.slice(x, begin, size), [axis]);
          expect(part.shape).toEqual(expected.shape);
          expect(Array.from(part.dataSync())).toEqual(Array.from(expected.dataSync()));
        });
      }
      const [a, b] = tf.split(x, [1, 3], 2);
      expect(a.arraySync()).toEqual(tf.slice(x, [0, 0, 0], [2, 3, 1]).arraySync());
      expect(b.arraySync()).toEqual(tf.slice(x, [0, 0, 1], [2, 3, 3]).arraySync());
      const quarters = tf.split(tf.tensor2d([[1, 2, 3, 4]], [1, 4], 'int32'), 4, 1);
      expect(quarters.map((q) => q.dtype)).toEqual(['int32', 'int32', 'int32', 'int32']);
      expect(quarters.map((q) => q.dataSync()[0])).toEqual([1, 2, 3, 4]);
    });
  });
});
