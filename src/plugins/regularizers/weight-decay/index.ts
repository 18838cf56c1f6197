/**
 * weight-decay: shrink every weight towards 0 at each optimizer step. `decoupled: false` is
 * PyTorch's `weight_decay` argument of Adam/SGD/RMSprop (λ·w added to the gradient, so Adam's
 * scaling applies to it); `decoupled: true` is AdamW's rule (w ← w − lr·λ·w, apart from the gradient).
 */
import { definePlugin } from '../../../core/plugin';
import type { WeightDecayRegularizer } from '../../../core/train/regularizer';

export interface WeightDecayOptions {
  value: number;
  decoupled: boolean;
}

export const weightDecayRegularizer = definePlugin<WeightDecayOptions, WeightDecayRegularizer>({
  kind: 'regularizer',
  name: 'weight-decay',
  description: "Weight decay at each optimizer step: PyTorch's coupled weight_decay, or AdamW's decoupled one.",
  appliesTo: 'epoch-trained-models',
  rules: [
    ({ options, pipeline }) =>
      pipeline?.training?.optimizer.type === 'adamw' && !options.decoupled
        ? [
            {
              code: 'OPTIMIZER_CONFLICT',
              option: 'decoupled',
              message:
                'optimizer adamw decays weights decoupled, but this weight-decay sets decoupled: false; set decoupled: true, or use optimizer adam for coupled decay',
            },
          ]
        : [],
  ],
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['value'],
    properties: {
      value: { type: 'number', minimum: 0, description: 'The decay coefficient λ (the notebook uses 1e-5 with Adam).' },
      decoupled: {
        type: 'boolean',
        default: false,
        description:
          'false: λ·w is added to the gradient (PyTorch Adam/SGD weight_decay); true: w ← w − lr·λ·w separately (AdamW). Optimizer adamw needs true.',
      },
    },
  },
  exampleOptions: { value: 1e-5 },
  create: (options) => ({ kind: 'weight-decay', value: options.value, decoupled: options.decoupled }),
});
export default weightDecayRegularizer;
