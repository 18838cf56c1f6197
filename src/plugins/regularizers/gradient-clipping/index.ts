/** gradient-clipping: bound the gradients before each optimizer step (PyTorch's clip_grad_norm_ / clip_grad_value_). */
import { definePlugin } from '../../../core/plugin';
import type { GradientClippingRegularizer } from '../../../core/train/regularizer';

export interface GradientClippingOptions {
  mode: 'norm' | 'value';
  max: number;
}

export const gradientClippingRegularizer = definePlugin<GradientClippingOptions, GradientClippingRegularizer>({
  kind: 'regularizer',
  name: 'gradient-clipping',
  description: 'Clip gradients before each step: by their global L2 norm, or each value to [−max, max].',
  appliesTo: 'epoch-trained-models',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      mode: {
        type: 'string',
        enum: ['norm', 'value'],
        default: 'norm',
        description: 'norm: rescale all gradients together when their global L2 norm exceeds max; value: clamp every gradient value to [−max, max].',
      },
      max: { type: 'number', exclusiveMinimum: 0, default: 1, description: 'The largest norm (mode norm) or absolute value (mode value) allowed.' },
    },
  },
  create: (options) => ({ kind: 'gradient-clipping', mode: options.mode, max: options.max }),
});
export default gradientClippingRegularizer;
