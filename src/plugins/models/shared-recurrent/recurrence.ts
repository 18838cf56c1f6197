/**
 * The recurrence over time steps, behind one small interface so faster implementations (fused
 * kernels) can replace the reference one without touching the layers around it. The reference
 * kernel is the plain per-step loop over tfjs ops; tfjs's tape differentiates it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { cellStep, foldsRecurrentBias, type CellState, type CellType } from './cells';

export interface RecurrenceInput {
  cell: CellType;
  /** x_t·W_ih + b_ih for every step, [T, B, G·H], made by one matrix product over all steps. */
  projected: tf.Tensor3D;
  /** W_hh, [H, G·H]. */
  recurrentKernel: tf.Tensor2D;
  /** b_hh, [G·H]. */
  recurrentBias: tf.Tensor1D;
  /** Initial hidden state [B, H]. */
  h0: tf.Tensor2D;
  /** Initial cell state [B, H] (lstm only). */
  c0?: tf.Tensor2D;
  /**
   * 1 at real tokens and 0 at padding, [T, B, 1]: at 0 the state is carried over unchanged, as
   * with PyTorch's packed sequences. Without it the cell also runs over the padding (the notebook).
   */
  mask?: tf.Tensor3D;
  /** Run from the last step to the first (the backward half of a bidirectional layer). */
  reverse: boolean;
  /** Also return the hidden state of every step. */
  returnSequences: boolean;
}

export interface RecurrenceOutput {
  /** The hidden state after the last step processed, [B, H]. */
  last: tf.Tensor2D;
  /** Every step's hidden state in input time order, [T, B, H], when asked for. */
  sequence?: tf.Tensor3D;
}

export interface RecurrenceKernel {
  readonly name: string;
  run(input: RecurrenceInput): RecurrenceOutput;
}

/** A CellState as tf.tidy's return type (its optional `c` is fine for tidy, not for the type). */
function toContainer(state: CellState): tf.TensorContainer {
  return state as unknown as tf.TensorContainer;
}

/** The per-step loop: one cell step per time step, each in its own tidy scope. */
export const referenceRecurrence: RecurrenceKernel = {
  name: 'reference',
  run(input) {
    const { cell, recurrentKernel, recurrentBias, mask, reverse, returnSequences } = input;
    const projected = foldsRecurrentBias(cell) ? tf.add(input.projected, recurrentBias) : input.projected;
    const steps = tf.unstack(projected) as tf.Tensor2D[];
    const masks = mask ? (tf.unstack(mask) as tf.Tensor2D[]) : undefined;
    const length = steps.length;
    const outputs: tf.Tensor2D[] = new Array(length);
    let state: CellState = { h: input.h0, c: input.c0 };
    for (let k = 0; k < length; k++) {
      const t = reverse ? length - 1 - k : k;
      const prev = state;
      state = tf.tidy(() => {
        const next = cellStep(cell, steps[t], prev, recurrentKernel, recurrentBias);
        if (!masks) return toContainer(next);
        // Where the mask is 0, keep the previous state: s ← s + m⊙(s' − s).
        const keepOrUpdate = (old: tf.Tensor2D, updated: tf.Tensor2D) => tf.add(old, tf.mul(masks[t], tf.sub(updated, old))) as tf.Tensor2D;
        return toContainer({ h: keepOrUpdate(prev.h, next.h), c: next.c && keepOrUpdate(prev.c!, next.c) });
      }) as unknown as CellState;
      if (returnSequences) outputs[t] = state.h;
    }
    return { last: state.h, sequence: returnSequences ? (tf.stack(outputs) as tf.Tensor3D) : undefined };
  },
};
