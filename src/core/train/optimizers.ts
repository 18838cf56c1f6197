/**
 * Optimizers with PyTorch's update rules, over tfjs ops. tf.train's own differ in places that
 * change results (RMSprop's epsilon sits inside the square root, Adam's default epsilon is 1e-7,
 * there is no coupled/decoupled weight decay), so mlspec writes the four it offers:
 *
 *   coupled weight decay (PyTorch `weight_decay`):  g ← g + λ·w before the update
 *   decoupled weight decay (AdamW):                  w ← w − lr·λ·w before the update
 *
 * State tensors live in non-trainable variables created at the first step and updated in place,
 * so the number of tensors is the same after every step.
 */
import * as tf from '@tensorflow/tfjs-core';
import { InputError } from '../errors';
import type { OptimizerOptions } from './options';

export interface WeightDecay {
  value: number;
  decoupled: boolean;
}

export interface Optimizer {
  /** One update of `params` from `grads` (same order; a null gradient leaves its parameter alone). */
  step(params: readonly tf.Variable[], grads: readonly (tf.Tensor | null)[], learningRate: number): void;
  dispose(): void;
}

/** The weight decay AdamW uses when the pipeline has no weight-decay regularizer (PyTorch's default). */
export const ADAMW_DEFAULT_WEIGHT_DECAY = 0.01;

abstract class StatefulOptimizer implements Optimizer {
  private slots: tf.Variable[][] = [];
  protected t = 0;

  constructor(
    private readonly slotCount: number,
    protected readonly decay: WeightDecay | undefined,
  ) {}

  /** The new value of `param` (and of its slots, assigned in place) from its gradient. */
  protected abstract update(param: tf.Tensor, grad: tf.Tensor, slots: tf.Variable[], lr: number): tf.Tensor;

  step(params: readonly tf.Variable[], grads: readonly (tf.Tensor | null)[], learningRate: number): void {
    if (this.slots.length === 0) {
      // In a tidy so the zero tensors the variables start from are not left behind.
      this.slots = tf.tidy(() => params.map((p) => Array.from({ length: this.slotCount }, () => tf.variable(tf.zerosLike(p), false))));
    }
    this.t++;
    tf.tidy(() => {
      params.forEach((param, i) => {
        const grad = grads[i];
        if (!grad) return;
        let w: tf.Tensor = param;
        let g: tf.Tensor = grad;
        if (this.decay && this.decay.value > 0) {
          if (this.decay.decoupled) w = tf.mul(w, 1 - learningRate * this.decay.value);
          else g = tf.add(g, tf.mul(param, this.decay.value));
        }
        param.assign(this.update(w, g, this.slots[i], learningRate));
      });
    });
  }

  dispose(): void {
    for (const slots of this.slots) for (const s of slots) s.dispose();
    this.slots = [];
  }
}

/** torch.optim.SGD: buf ← μ·buf + g (buf = g at the first step), w ← w − lr·buf. */
class Sgd extends StatefulOptimizer {
  constructor(
    private readonly momentum: number,
    decay: WeightDecay | undefined,
  ) {
    super(momentum > 0 ? 1 : 0, decay);
  }

  protected update(w: tf.Tensor, g: tf.Tensor, slots: tf.Variable[], lr: number): tf.Tensor {
    if (this.momentum === 0) return tf.sub(w, tf.mul(g, lr));
    const buf = this.t === 1 ? g : tf.add(tf.mul(slots[0], this.momentum), g);
    slots[0].assign(buf);
    return tf.sub(w, tf.mul(buf, lr));
  }
}

/** torch.optim.Adam / AdamW: bias-corrected moments, w ← w − lr·m̂/(√v̂ + ε). */
class Adam extends StatefulOptimizer {
  constructor(
    private readonly o: OptimizerOptions,
    decay: WeightDecay | undefined,
  ) {
    super(2, decay);
  }

  protected update(w: tf.Tensor, g: tf.Tensor, [m, v]: tf.Variable[], lr: number): tf.Tensor {
    const { beta1, beta2, epsilon } = this.o;
    const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
    const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
    m.assign(m1);
    v.assign(v1);
    const correction1 = 1 - beta1 ** this.t;
    const correction2 = 1 - beta2 ** this.t;
    const denominator = tf.add(tf.div(tf.sqrt(v1), Math.sqrt(correction2)), epsilon);
    return tf.sub(w, tf.mul(tf.div(m1, denominator), lr / correction1));
  }
}

/** torch.optim.RMSprop: v ← ρ·v + (1−ρ)·g², step = g/(√v + ε), with optional momentum on the step. */
class RmsProp extends StatefulOptimizer {
  constructor(
    private readonly o: OptimizerOptions,
    decay: WeightDecay | undefined,
  ) {
    super(o.momentum > 0 ? 2 : 1, decay);
  }

  protected update(w: tf.Tensor, g: tf.Tensor, slots: tf.Variable[], lr: number): tf.Tensor {
    const { rho, epsilon, momentum } = this.o;
    const v1 = tf.add(tf.mul(slots[0], rho), tf.mul(tf.square(g), 1 - rho));
    slots[0].assign(v1);
    let stepDir = tf.div(g, tf.add(tf.sqrt(v1), epsilon));
    if (momentum > 0) {
      stepDir = tf.add(tf.mul(slots[1], momentum), stepDir);
      slots[1].assign(stepDir);
    }
    return tf.sub(w, tf.mul(stepDir, lr));
  }
}

/**
 * The optimizer for `options`, with the weight decay of the pipeline's weight-decay regularizer.
 * `adamw` always decays decoupled: without a regularizer it uses PyTorch's default 0.01, and a
 * regularizer asking for coupled decay contradicts it (an InputError).
 */
export function createOptimizer(options: OptimizerOptions, decay: WeightDecay | undefined): Optimizer {
  switch (options.type) {
    case 'sgd':
      return new Sgd(options.momentum, decay);
    case 'rmsprop':
      return new RmsProp(options, decay);
    case 'adam':
      return new Adam(options, decay);
    case 'adamw': {
      if (decay && !decay.decoupled) {
        throw new InputError(
          'OPTIMIZER_CONFLICT',
          'optimizer adamw decays weights decoupled, but the weight-decay regularizer sets decoupled: false; set decoupled: true, or use optimizer adam for coupled decay',
        );
      }
      return new Adam(options, decay ?? { value: ADAMW_DEFAULT_WEIGHT_DECAY, decoupled: true });
    }
  }
}
