import * as tf from '@tensorflow/tfjs-core';
import '../backend';
import { InputError } from '../errors';
import { ADAMW_DEFAULT_WEIGHT_DECAY, createOptimizer, type WeightDecay } from './optimizers';
import type { OptimizerOptions, OptimizerType } from './options';

const base: OptimizerOptions = { type: 'adam', learningRate: 0.1, momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rho: 0.99 };
const TARGET = [2, -3, 0.5];
const START = [0.5, -1, 4];

/** The algorithms as PyTorch's documentation writes them, over plain numbers, for loss Σ(θ − target)². */
function reference(o: OptimizerOptions, decay: WeightDecay | undefined, steps: number): number[] {
  const theta = START.slice();
  const m = theta.map(() => 0);
  const v = theta.map(() => 0);
  const buf = theta.map(() => 0);
  const lr = o.learningRate;
  const lambda = decay?.value ?? 0;
  for (let t = 1; t <= steps; t++) {
    for (let i = 0; i < theta.length; i++) {
      let g = 2 * (theta[i] - TARGET[i]);
      if (decay?.decoupled) theta[i] -= lr * lambda * theta[i];
      else g += lambda * theta[i];
      if (o.type === 'sgd') {
        if (o.momentum > 0) {
          buf[i] = t === 1 ? g : o.momentum * buf[i] + g;
          g = buf[i];
        }
        theta[i] -= lr * g;
      } else if (o.type === 'rmsprop') {
        v[i] = o.rho * v[i] + (1 - o.rho) * g * g;
        const stepDir = g / (Math.sqrt(v[i]) + o.epsilon);
        if (o.momentum > 0) {
          buf[i] = o.momentum * buf[i] + stepDir;
          theta[i] -= lr * buf[i];
        } else theta[i] -= lr * stepDir;
      } else {
        m[i] = o.beta1 * m[i] + (1 - o.beta1) * g;
        v[i] = o.beta2 * v[i] + (1 - o.beta2) * g * g;
        const mHat = m[i] / (1 - o.beta1 ** t);
        const vHat = v[i] / (1 - o.beta2 ** t);
        theta[i] -= (lr * mHat) / (Math.sqrt(vHat) + o.epsilon);
      }
    }
  }
  return theta;
}

function runMlspec(o: OptimizerOptions, decay: WeightDecay | undefined, steps: number): number[] {
  const theta = tf.variable(tf.tensor1d(START));
  const target = tf.tensor1d(TARGET);
  const optimizer = createOptimizer(o, decay);
  for (let t = 0; t < steps; t++) {
    const grad = tf.mul(tf.sub(theta, target), 2);
    optimizer.step([theta], [grad], o.learningRate);
    grad.dispose();
  }
  const result = Array.from(theta.dataSync());
  optimizer.dispose();
  theta.dispose();
  target.dispose();
  return result;
}

const CASES: [string, OptimizerOptions, WeightDecay | undefined][] = [
  ['adam', base, undefined],
  ['adam, coupled weight decay (PyTorch Adam weight_decay)', base, { value: 0.3, decoupled: false }],
  ['adamw (decoupled weight decay)', { ...base, type: 'adamw' }, { value: 0.3, decoupled: true }],
  ['sgd', { ...base, type: 'sgd' }, undefined],
  ['sgd with momentum and coupled decay', { ...base, type: 'sgd', momentum: 0.9 }, { value: 0.1, decoupled: false }],
  ['sgd with decoupled decay', { ...base, type: 'sgd' }, { value: 0.1, decoupled: true }],
  ['rmsprop', { ...base, type: 'rmsprop', learningRate: 0.01 }, undefined],
  ['rmsprop with momentum', { ...base, type: 'rmsprop', learningRate: 0.01, momentum: 0.5 }, { value: 0.05, decoupled: false }],
];

describe('optimizers follow PyTorch’s update rules', () => {
  it.each(CASES)('%s', (_name, o, decay) => {
    const expected = reference(o, decay, 4);
    const actual = runMlspec(o, decay, 4);
    actual.forEach((value, i) => expect(value).toBeCloseTo(expected[i], 5));
  });

  it('coupled and decoupled decay give different results for adam', () => {
    const coupled = runMlspec(base, { value: 0.3, decoupled: false }, 4);
    const decoupled = runMlspec(base, { value: 0.3, decoupled: true }, 4);
    expect(Math.abs(coupled[2] - decoupled[2])).toBeGreaterThan(1e-3);
  });

  it('adamw without a weight-decay regularizer uses PyTorch’s default decay', () => {
    const implicit = runMlspec({ ...base, type: 'adamw' }, undefined, 3);
    const explicit = runMlspec(base, { value: ADAMW_DEFAULT_WEIGHT_DECAY, decoupled: true }, 3);
    expect(implicit).toEqual(explicit);
  });

  it('adamw with coupled decay is a contradiction the user must resolve', () => {
    expect(() => createOptimizer({ ...base, type: 'adamw' }, { value: 0.01, decoupled: false })).toThrow(InputError);
  });

  it('a null gradient leaves its parameter unchanged', () => {
    const a = tf.variable(tf.tensor1d([1, 2]));
    const b = tf.variable(tf.tensor1d([3]));
    const opt = createOptimizer(base, undefined);
    const g = tf.tensor1d([1, 1]);
    opt.step([a, b], [g, null], 0.1);
    expect(Array.from(b.dataSync())).toEqual([3]);
    expect(a.dataSync()[0]).toBeLessThan(1);
    [a, b, g].forEach((t) => t.dispose());
    opt.dispose();
  });
});

describe('each optimizer decreases the loss of a toy logistic regression', () => {
  // Two separable clusters in 2-D.
  const x = [
    [2, 1],
    [1.5, 2],
    [2.5, 1.5],
    [-2, -1],
    [-1, -2.5],
    [-1.5, -1],
  ];
  const y = [1, 1, 1, 0, 0, 0];

  it.each(['adam', 'adamw', 'sgd', 'rmsprop'] as OptimizerType[])('%s', (type) => {
    const w = tf.variable(tf.tensor2d([[-0.5], [0.3]]));
    const b = tf.variable(tf.scalar(0.2));
    const xs = tf.tensor2d(x);
    const ys = tf.tensor2d(y, [6, 1]);
    const loss = () => {
      const p = tf.sigmoid(tf.add(tf.matMul(xs, w), b));
      return tf.neg(tf.mean(tf.add(tf.mul(ys, tf.log(p)), tf.mul(tf.sub(1, ys), tf.log(tf.sub(1, p)))))) as tf.Scalar;
    };
    const before = tf.tidy(() => loss().dataSync()[0]);
    const opt = createOptimizer({ ...base, type, learningRate: 0.05, momentum: type === 'sgd' ? 0.9 : 0 }, undefined);
    for (let i = 0; i < 40; i++) {
      tf.tidy(() => {
        const { grads } = tf.variableGrads(loss, [w, b]);
        opt.step([w, b], [grads[w.name], grads[b.name]], 0.05);
      });
    }
    const after = tf.tidy(() => loss().dataSync()[0]);
    expect(after).toBeLessThan(before * 0.5);
    opt.dispose();
    [w, b, xs, ys].forEach((t) => t.dispose());
  });
});
