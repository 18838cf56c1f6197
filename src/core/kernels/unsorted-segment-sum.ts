/**
 * mlspec's own UnsortedSegmentSum kernel. The gradient of `gather` (the embedding lookup) sums the
 * rows of dy that share an id with this kernel. tfjs-backend-wasm 4.22 has no such kernel, and the
 * cpu backend's version runs one masked full-tensor sum per segment (O(ids × segments)); this one
 * is a single pass over the typed arrays, so an embedding's gradient costs O(rows × width).
 */
import {
  UnsortedSegmentSum,
  util,
  type KernelBackend,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

/** out[s, …] = Σ x[i, …] over the i with segmentIds[i] = s; ids outside [0, numSegments) are dropped (TensorFlow's rule). */
export function unsortedSegmentSumValues(
  x: ArrayLike<number>,
  segmentIds: ArrayLike<number>,
  innerSize: number,
  numSegments: number,
  out: Float32Array | Int32Array,
): void {
  for (let i = 0; i < segmentIds.length; i++) {
    const s = segmentIds[i];
    if (s < 0 || s >= numSegments) continue;
    const from = i * innerSize;
    const to = s * innerSize;
    for (let j = 0; j < innerSize; j++) out[to + j] += x[from + j];
  }
}

function unsortedSegmentSumKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const backend = args.backend as KernelBackend;
  const x = args.inputs.x!;
  const segmentIds = args.inputs.segmentIds!;
  const numSegments = args.attrs!.numSegments as number;
  if (x.dtype !== 'float32' && x.dtype !== 'int32') throw new Error(`UnsortedSegmentSum: dtype ${x.dtype} is not supported`);
  // segmentIds' shape is a prefix of x's shape: the rest of x's shape is copied through.
  const innerShape = x.shape.slice(segmentIds.shape.length);
  const innerSize = util.sizeFromShape(innerShape);
  const outShape = [numSegments, ...innerShape];
  const xValues = backend.readSync(x.dataId) as Float32Array | Int32Array;
  const ids = backend.readSync(segmentIds.dataId) as Int32Array;
  const out = x.dtype === 'float32' ? new Float32Array(numSegments * innerSize) : new Int32Array(numSegments * innerSize);
  unsortedSegmentSumValues(xValues, ids, innerSize, numSegments, out);
  const dataId = backend.write(out, outShape, x.dtype);
  return { dataId, shape: outShape, dtype: x.dtype };
}

/** Kernel configs for the backends whose own UnsortedSegmentSum is missing (wasm) or slow (cpu). */
export const unsortedSegmentSumConfigs: KernelConfig[] = ['cpu', 'wasm'].map((backendName) => ({
  kernelName: UnsortedSegmentSum,
  backendName,
  kernelFunc: unsortedSegmentSumKernel,
}));
