/**
 * l2: adds value·Σw² over every trainable weight to the training loss (biases and embeddings
 * included). Its gradient is 2·value·w, so it equals coupled weight decay with λ = 2·value under
 * plain SGD, but unlike weight decay it also shows up in the loss the optimizer sees.
 */
import * as tf from '@tensorflow/tfjs-core';
import { definePlugin } from '../../../core/plugin';
import type { PenaltyRegularizer } from '../../../core/train/regularizer';

export interface L2Options {
  value: number;
}

export function l2Penalty(value: number): PenaltyRegularizer {
  return {
    kind: 'penalty',
    name: 'l2',
    penalty: (weights) => tf.mul(tf.addN(weights.map((w) => tf.sum(tf.square(w)))), value) as tf.Scalar,
  };
}

export const l2Regularizer = definePlugin<L2Options, PenaltyRegularizer>({
  kind: 'regularizer',
  name: 'l2',
  description: 'An L2 penalty value·Σw² over all weights, added to the training loss.',
  appliesTo: 'epoch-trained-models',
  optionsSchema: {
    type: 'object',
    additionalProperties: false,
    required: ['value'],
    properties: {
      value: { type: 'number', minimum: 0, description: 'Coefficient of the sum of squared weights added to the loss.' },
    },
  },
  exampleOptions: { value: 1e-4 },
  create: (options) => l2Penalty(options.value),
});
export default l2Regularizer;
