import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../core/backend';
import type { IndexSequences } from '../../../core/features';
import { softmaxCrossEntropy } from '../../../core/train/loss';
import { Rng } from '../../../core/train/random';
import type { CellType } from './cells';
import { initialWeights, RecurrentNetwork, weightLayout, type RecurrentArchitecture } from './network';

function sequences(rows: number[][], length: number, vocabSize: number): IndexSequences {
  const ids = new Int32Array(rows.length * length);
  rows.forEach((r, i) => ids.set(r.slice(0, length), i * length));
  return { kind: 'sequences', rows: rows.length, length, ids, lengths: Int32Array.from(rows, (r) => Math.min(r.length, length)), vocabSize };
}

const arch = (cell: CellType, over: Partial<RecurrentArchitecture> = {}): RecurrentArchitecture => ({
  cell,
  embeddingDim: 3,
  units: 2,
  layers: 1,
  bidirectional: false,
  pooling: 'last',
  maskPadding: false,
  ...over,
});

const shape = { vocabSize: 6, nClasses: 3 };
const x = sequences(
  [
    [1, 2, 3, 4],
    [5, 1],
    [2, 2, 3],
  ],
  4,
  6,
);
const labels = [0, 2, 1];

function network(a: RecurrentArchitecture, seed = 3): RecurrentNetwork {
  return new RecurrentNetwork(a, shape, initialWeights(a, shape, new Rng(seed)), 0.5, 9);
}

function lossOf(net: RecurrentNetwork): tf.Scalar {
  const batch = net.makeBatch(x, [0, 1, 2]);
  return softmaxCrossEntropy(net.logits(batch, false), tf.oneHot(tf.tensor1d(labels, 'int32'), 3) as tf.Tensor2D);
}

describe('PyTorch-style initialisation', () => {
  it('embedding N(0,1) with a zero padding row; recurrent and dense weights inside ±1/√fan', () => {
    const a = arch('lstm', { embeddingDim: 16, units: 32 });
    const weights = initialWeights(a, { vocabSize: 200, nClasses: 5 }, new Rng(1));
    const embedding = weights.find((w) => w.name === 'embedding')!;
    expect(Array.from(embedding.values.subarray(0, 16))).toEqual(new Array(16).fill(0));
    const rest = Array.from(embedding.values.subarray(16));
    const mean = rest.reduce((s, v) => s + v, 0) / rest.length;
    const variance = rest.reduce((s, v) => s + (v - mean) ** 2, 0) / rest.length;
    expect(Math.abs(mean)).toBeLessThan(0.05);
    expect(variance).toBeGreaterThan(0.9);
    expect(variance).toBeLessThan(1.1);
    const bound = 1 / Math.sqrt(32);
    for (const w of weights.filter((w) => w.name.startsWith('layer') || w.name.startsWith('dense'))) {
      const max = Math.max(...Array.from(w.values, Math.abs));
      expect(max).toBeLessThanOrEqual(bound);
      expect(max).toBeGreaterThan(bound * 0.8);
    }
    expect(weights.map((w) => w.name)).toEqual(weightLayout(a, { vocabSize: 200, nClasses: 5 }).map((l) => l.name));
  });

  it('the same seed gives the same weights', () => {
    const a = arch('gru');
    expect(initialWeights(a, shape, new Rng(5))).toEqual(initialWeights(a, shape, new Rng(5)));
  });
});

const VARIANTS: [string, RecurrentArchitecture][] = [
  ['rnn', arch('rnn')],
  ['lstm', arch('lstm')],
  ['gru', arch('gru')],
  ['lstm, masked, bidirectional', arch('lstm', { maskPadding: true, bidirectional: true })],
  ['gru, 2 layers, mean pooling', arch('gru', { layers: 2, pooling: 'mean' })],
  ['rnn, bidirectional, max pooling', arch('rnn', { bidirectional: true, pooling: 'max' })],
];

describe.each(VARIANTS)('network gradients match finite differences: %s', (_name, a) => {
  it('for every weight tensor (a sample of its entries)', () => {
    const net = network(a);
    const analytic = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => lossOf(net), net.params);
      return net.params.map((p) => Array.from(grads[p.name].dataSync()));
    });
    const eps = 1e-2;
    const rng = new Rng(4);
    net.params.forEach((param, k) => {
      const base = Float32Array.from(param.dataSync());
      // Entries to probe: a few random ones, and for the embedding one of a token that occurs (id 2).
      const entries = Array.from({ length: 4 }, () => rng.below(base.length));
      if (k === 0) entries.push(2 * a.embeddingDim);
      for (const i of entries) {
        const at = (delta: number) => {
          const moved = base.slice();
          moved[i] += delta;
          tf.tidy(() => param.assign(tf.tensor(moved, param.shape)));
          return tf.tidy(() => lossOf(net).dataSync()[0]);
        };
        const numeric = (at(eps) - at(-eps)) / (2 * eps);
        tf.tidy(() => param.assign(tf.tensor(base, param.shape)));
        expect(Math.abs(analytic[k][i] - numeric)).toBeLessThan(3e-3 + 2e-2 * Math.abs(numeric));
      }
    });
    net.dispose();
  });

  it('the padding row of the embedding gets no gradient', () => {
    const net = network(a);
    const row0 = tf.tidy(() => {
      const { grads } = tf.variableGrads(() => lossOf(net), net.params);
      return Array.from(grads[net.params[0].name].dataSync().subarray(0, a.embeddingDim));
    });
    expect(row0).toEqual(new Array(a.embeddingDim).fill(0));
    net.dispose();
  });
});

describe('padding', () => {
  const logitsFor = (a: RecurrentArchitecture, length: number) => {
    const net = network(a);
    const batch = net.makeBatch(sequences([[1, 2, 3]], length, 6), [0]);
    const out = tf.tidy(() => Array.from(net.logits(batch, false).dataSync()));
    net.dispose();
    return out;
  };

  it('with maskPadding (or mean/max pooling), more padding changes nothing', () => {
    for (const a of [arch('lstm', { maskPadding: true, bidirectional: true }), arch('gru', { pooling: 'mean' }), arch('rnn', { pooling: 'max' })]) {
      const short = logitsFor(a, 3);
      logitsFor(a, 7).forEach((v, i) => expect(v).toBeCloseTo(short[i], 5));
    }
  });

  it('without it, the last state runs over the padding (the notebook), so padding changes the logits', () => {
    const a = arch('lstm');
    const short = logitsFor(a, 3);
    const long = logitsFor(a, 7);
    expect(long.some((v, i) => Math.abs(v - short[i]) > 1e-4)).toBe(true);
  });
});

describe('dropout', () => {
  it('is applied in training only, with survivors scaled by 1/(1 − rate)', () => {
    const a = arch('rnn', { units: 8 });
    const net = network(a);
    const batch = net.makeBatch(x, [0, 1, 2]);
    const [evalA, evalB, trainA, trainB] = tf.tidy(() => [
      Array.from(net.logits(batch, false).dataSync()),
      Array.from(net.logits(batch, false).dataSync()),
      Array.from(net.logits(batch, true).dataSync()),
      Array.from(net.logits(batch, true).dataSync()),
    ]);
    expect(evalA).toEqual(evalB);
    expect(trainA).not.toEqual(evalA);
    expect(trainA).not.toEqual(trainB);
    net.dispose();
  });
});

describe('backends', () => {
  afterAll(async () => {
    await selectBackend('cpu', { info: () => {}, warn: () => {}, debug: () => {} });
  });

  it('wasm computes the same loss and gradients as cpu', async () => {
    const a = arch('lstm', { bidirectional: true, pooling: 'max' });
    const lossAndGrads = () =>
      tf.tidy(() => {
        const net = network(a);
        const { value, grads } = tf.variableGrads(() => lossOf(net), net.params);
        const out = { loss: value.dataSync()[0], grads: net.params.map((p) => Array.from(grads[p.name].dataSync())) };
        net.dispose();
        return out;
      });
    await selectBackend('cpu', { info: () => {}, warn: () => {}, debug: () => {} });
    const onCpu = lossAndGrads();
    await selectBackend('wasm', { info: () => {}, warn: () => {}, debug: () => {} });
    const onWasm = lossAndGrads();
    expect(onWasm.loss).toBeCloseTo(onCpu.loss, 5);
    onCpu.grads.forEach((g, k) => g.forEach((v, i) => expect(onWasm.grads[k][i]).toBeCloseTo(v, 4)));
  });
});
