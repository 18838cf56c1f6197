/**
 * One time step of each recurrent cell, with PyTorch's equations and gate order. Inputs are
 * already projected (x_t·W_ih + b_ih, computed for all steps at once); `recurrentBias` is b_hh.
 *
 *   rnn:  h' = tanh(x_t + h·W_hh + b_hh)
 *   lstm: [i f g o] = x_t + h·W_hh + b_hh;  c' = σ(f)⊙c + σ(i)⊙tanh(g);  h' = σ(o)⊙tanh(c')
 *   gru:  [r z] = σ(x_t[r z] + h·W_hh[r z] + b_hh[r z]);  n = tanh(x_t[n] + r⊙(h·W_hn + b_hn));
 *         h' = (1 − z)⊙n + z⊙h
 */
import * as tf from '@tensorflow/tfjs-core';

export const CELL_TYPES = ['rnn', 'lstm', 'gru'] as const;
export type CellType = (typeof CELL_TYPES)[number];

/** How many H-wide blocks the cell's weight matrices have. */
export const GATES: Record<CellType, number> = { rnn: 1, lstm: 4, gru: 3 };

export interface CellState {
  h: tf.Tensor2D;
  /** The LSTM's cell state; absent for rnn and gru. */
  c?: tf.Tensor2D;
}

/**
 * LSTM and RNN add b_hh outside the recurrence (it shifts every step's pre-activation equally),
 * so callers may fold it into the projected inputs once; GRU cannot, since r multiplies b_hn.
 */
export function foldsRecurrentBias(cell: CellType): boolean {
  return cell !== 'gru';
}

/** The next state from projected input `x` [B, G·H] (b_hh already folded in for rnn and lstm). */
export function cellStep(cell: CellType, x: tf.Tensor2D, state: CellState, recurrentKernel: tf.Tensor2D, recurrentBias: tf.Tensor1D): CellState {
  const { h } = state;
  switch (cell) {
    case 'rnn':
      return { h: tf.tanh(tf.add(x, tf.matMul(h, recurrentKernel))) as tf.Tensor2D };
    case 'lstm': {
      const [i, f, g, o] = tf.split(tf.add(x, tf.matMul(h, recurrentKernel)), 4, 1);
      const c = tf.add(tf.mul(tf.sigmoid(f), state.c!), tf.mul(tf.sigmoid(i), tf.tanh(g))) as tf.Tensor2D;
      return { h: tf.mul(tf.sigmoid(o), tf.tanh(c)) as tf.Tensor2D, c };
    }
    case 'gru': {
      const [xr, xz, xn] = tf.split(x, 3, 1);
      const [hr, hz, hn] = tf.split(tf.add(tf.matMul(h, recurrentKernel), recurrentBias), 3, 1);
      const r = tf.sigmoid(tf.add(xr, hr));
      const z = tf.sigmoid(tf.add(xz, hz));
      const n = tf.tanh(tf.add(xn, tf.mul(r, hn)));
      return { h: tf.add(n, tf.mul(z, tf.sub(h, n))) as tf.Tensor2D };
    }
  }
}
