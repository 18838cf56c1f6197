/**
 * Which recurrence kernel a tfjs backend runs: one rule, used by the recurrent models (which map
 * the name to a kernel) and by the backend line (which prints it).
 *
 *   wasm, cpu               fused-wasm    mlspec's fused kernel, WebAssembly build
 *   tensorflow on the CPU   fused-native  the same kernel compiled for this CPU, once
 *                                         `npm run install:native` has built it; else fused-wasm
 *   tensorflow on a GPU     tensorflow    TensorFlow's cuDNN op, which reproduces PyTorch's cells
 *   any other backend       reference     the per-step loop over tfjs ops
 *
 * Measured on 2 cores, LSTM epoch of the notebook: TensorFlow's BlockLSTMV2 1.2 s, the
 * WebAssembly kernel 1.0–1.1 s, the native build 0.41 s with AVX-512 (0.56 s with AVX2).
 * MLSPEC_RECURRENCE=<name> overrides the choice (tensorflow: TensorFlow's fused ops wherever they
 * apply, BlockLSTMV2 on CPU).
 */
import * as tf from '@tensorflow/tfjs-core';
import { nativeKernels } from './fused-rnn';

export const RECURRENT_KERNELS = ['reference', 'fused-wasm', 'fused-native', 'tensorflow'] as const;
export type RecurrentKernelName = (typeof RECURRENT_KERNELS)[number];

/** The active backend is TensorFlow running on a GPU device. */
export function tensorflowOnGpu(): boolean {
  return (tf.backend() as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;
}

export function recurrentKernelName(backendName: string): RecurrentKernelName {
  const forced = process.env.MLSPEC_RECURRENCE;
  if (forced) {
    const name = RECURRENT_KERNELS.find((k) => k === forced);
    if (!name) throw new Error(`MLSPEC_RECURRENCE must be one of ${RECURRENT_KERNELS.join(', ')}; got "${forced}"`);
    if (name === 'fused-native') {
      const native = nativeKernels();
      if (!native.available) throw new Error(`MLSPEC_RECURRENCE=fused-native: ${native.reason}`);
    }
    return name;
  }
  if (backendName === 'wasm' || backendName === 'cpu') return 'fused-wasm';
  if (backendName === 'tensorflow') {
    if (tensorflowOnGpu()) return 'tensorflow';
    return nativeKernels().available ? 'fused-native' : 'fused-wasm';
  }
  return 'reference';
}
