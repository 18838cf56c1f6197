/**
 * What the training loop needs from a network: its trainable variables, a way to turn rows of a
 * feature matrix into a batch, and the logits of a batch. Any model plugin that builds its layers
 * over tfjs ops can be trained by `trainNetwork` through this interface.
 */
import type * as tf from '@tensorflow/tfjs-core';
import type { Features } from '../features';

export interface TrainableNetwork<Batch> {
  /** Every trainable variable, in a fixed order (the order optimizers and penalties see them). */
  readonly params: readonly tf.Variable[];
  /** Host-side data for rows `positions` of `x` (no tensors: the loop makes them inside its scopes). */
  makeBatch(x: Features, positions: readonly number[]): Batch;
  /** Logits [rows × classes]. `training` turns dropout on (drawn from the network's own seeded stream). */
  logits(batch: Batch, training: boolean): tf.Tensor2D;
}
