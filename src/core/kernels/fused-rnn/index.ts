/**
 * Fused recurrent kernels in WebAssembly (SIMD128, several threads on one shared memory): the
 * whole sequence forward in one call, the whole backpropagation through time in another.
 * Rebuild the binary with tools/build-kernels.sh after editing fused-rnn.c.
 */
export {
  fusedRecurrenceForward,
  isBinaryMask,
  FusedRecurrenceTape,
  type FusedCell,
  type FusedForwardInput,
  type FusedForwardOutput,
  type FusedGradients,
  type FusedOutputGradients,
} from './fused-rnn';
export {
  fusedRnnBytesInUse,
  fusedRnnStats,
  fusedRnnThreadCount,
  nativeKernels,
  setFusedRnnIdleMs,
  setFusedRnnThreads,
  shutdownFusedRnn,
  type FusedRnnEngine,
  type FusedRnnStats,
  type NativeKernels,
} from './runtime';
export { FUSED_RNN_BUILD } from './fused-rnn-wasm';
