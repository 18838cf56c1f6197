/**
 * Unpack (tf.unstack) and SplitV (tf.split) that read their input once. The wasm backend's
 * versions copy the whole input out of the wasm heap for every output, so unstacking a
 * [T, B, G] tensor into T steps costs O(T²·B·G); the cpu backend's SplitV walks elements one at
 * a time through TensorBuffer. These copy contiguous runs with typed-array `set`, O(size) in all.
 */
import {
  backend_util,
  SplitV,
  Unpack,
  util,
  type KernelBackend,
  type KernelConfig,
  type NamedAttrMap,
  type NamedTensorInfoMap,
  type TensorInfo,
} from '@tensorflow/tfjs-core';

type Values = Float32Array | Int32Array | Uint8Array;

/**
 * Cut `values` (of `shape`) along `axis` into parts of `sizes` (summing to shape[axis]). With
 * `dropAxis` the axis is removed from each part's shape (every size must then be 1).
 */
export function splitValues(
  values: Values,
  shape: readonly number[],
  axis: number,
  sizes: readonly number[],
  dropAxis: boolean,
): { shape: number[]; values: Values }[] {
  const outer = util.sizeFromShape(shape.slice(0, axis));
  const inner = util.sizeFromShape(shape.slice(axis + 1));
  const rowStride = shape[axis] * inner;
  const Ctor = values.constructor as new (n: number) => Values;
  let offset = 0;
  return sizes.map((size) => {
    const run = size * inner;
    const out = new Ctor(outer * run);
    for (let o = 0; o < outer; o++) {
      const from = o * rowStride + offset * inner;
      out.set(values.subarray(from, from + run), o * run);
    }
    offset += size;
    const partShape = shape.slice();
    if (dropAxis) partShape.splice(axis, 1);
    else partShape[axis] = size;
    return { shape: partShape, values: out };
  });
}

function emit(backend: KernelBackend, parts: { shape: number[]; values: Values }[], dtype: TensorInfo['dtype']): TensorInfo[] {
  return parts.map((p) => ({ dataId: backend.write(p.values, p.shape, dtype), shape: p.shape, dtype }));
}

function readValues(backend: KernelBackend, x: TensorInfo): Values {
  if (x.dtype === 'string' || x.dtype === 'complex64') throw new Error(`mlspec's split kernels do not handle ${x.dtype} tensors`);
  return backend.readSync(x.dataId) as Values;
}

function unpackKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as KernelBackend;
  const value = args.inputs.value!;
  const axis = util.parseAxisParam(args.attrs!.axis as number, value.shape)[0];
  const sizes = new Array<number>(value.shape[axis]).fill(1);
  return emit(backend, splitValues(readValues(backend, value), value.shape, axis, sizes, true), value.dtype);
}

function splitVKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const backend = args.backend as KernelBackend;
  const x = args.inputs.x!;
  const axis = util.parseAxisParam(args.attrs!.axis as number, x.shape)[0];
  const sizes = backend_util.prepareSplitSize(x, args.attrs!.numOrSizeSplits as number | number[], axis);
  return emit(backend, splitValues(readValues(backend, x), x.shape, axis, sizes, false), x.dtype);
}

export const splitKernelConfigs: KernelConfig[] = ['cpu', 'wasm'].flatMap((backendName) => [
  { kernelName: Unpack, backendName, kernelFunc: unpackKernel },
  { kernelName: SplitV, backendName, kernelFunc: splitVKernel },
]);
