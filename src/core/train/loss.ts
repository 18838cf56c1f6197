/** Softmax cross-entropy (PyTorch's CrossEntropyLoss, mean over rows) and accuracy helpers. */
import * as tf from '@tensorflow/tfjs-core';

/**
 * Mean over rows of −log softmax(logits)[label], labels given one-hot. Written with customGrad
 * so its gradient is the exact (softmax − onehot)/rows rather than a chain through log and exp.
 */
export const softmaxCrossEntropy = tf.customGrad(((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const [logits, oneHot, save] = args as [tf.Tensor2D, tf.Tensor2D, tf.GradSaveFunc];
  const logProbs = tf.sub(logits, tf.logSumExp(logits, 1, true));
  const rows = logits.shape[0];
  const value = tf.div(tf.neg(tf.sum(tf.mul(oneHot, logProbs))), rows) as tf.Scalar;
  save([tf.exp(logProbs), oneHot]);
  return {
    value,
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [probs, labels] = saved;
      return [tf.mul(dy, tf.div(tf.sub(probs, labels), rows)), tf.zerosLike(labels)];
    },
  };
}) as Parameters<typeof tf.customGrad<tf.Scalar>>[0]) as (logits: tf.Tensor2D, oneHot: tf.Tensor2D) => tf.Scalar;

/** Row-wise argmax of a [rows × classes] tensor, read back to the host. */
export function argMaxRows(logits: tf.Tensor2D): Int32Array {
  return tf.tidy(() => tf.argMax(logits, 1).dataSync() as Int32Array).slice();
}
