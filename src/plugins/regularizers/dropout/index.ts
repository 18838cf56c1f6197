/** dropout: the dropout rate of a neural model's training (it replaces the model's own `dropout` option). */
import { definePlugin } from '../../../core/plugin';
import type { DropoutRegularizer } from '../../../core/train/regularizer';

export interface DropoutOptions {
  rate: number;
}

export const dropoutRegularizer = definePlugin<DropoutOptions, DropoutRegularizer>({
  kind: 'regularizer',
  name: 'dropout',
  description: "Dropout during training at the given rate; replaces the model's own dropout option.",
  appliesTo: 'epoch-trained-models',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    properties: {
      rate: {
        type: 'number',
        minimum: 0,
        exclusiveMaximum: 1,
        default: 0.5,
        description: 'Fraction of units zeroed at each training step (survivors are scaled by 1/(1 − rate)); 0 turns dropout off.',
      },
    },
  },
  create: (options) => ({ kind: 'dropout', rate: options.rate }),
});
export default dropoutRegularizer;
