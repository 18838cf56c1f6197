/**
 * mlspec's additions to tfjs: its own kernels and gradients. `registerMlspecKernels` is idempotent
 * and must run after the cpu backend module is loaded, since registering replaces that backend's
 * UnsortedSegmentSum, Unpack and SplitV (the last registration of a kernel wins).
 */
import { getKernel, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { registerMlspecGradients } from './gradients';
import { splitKernelConfigs } from './split';
import { unsortedSegmentSumConfigs } from './unsorted-segment-sum';

export { unsortedSegmentSumValues } from './unsorted-segment-sum';
export { mlspecGradientConfigs } from './gradients';
export { splitValues } from './split';

const kernelConfigs = [...unsortedSegmentSumConfigs, ...splitKernelConfigs];

export function registerMlspecKernels(): void {
  for (const config of kernelConfigs) {
    const current = getKernel(config.kernelName, config.backendName);
    if (current?.kernelFunc === config.kernelFunc) continue;
    if (current) unregisterKernel(config.kernelName, config.backendName);
    registerKernel(config);
  }
  registerMlspecGradients();
}
