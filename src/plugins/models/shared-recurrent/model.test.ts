import Ajv from 'ajv';
import * as tf from '@tensorflow/tfjs-core';
import '../../../core/backend';
import { InputError } from '../../../core/errors';
import { csrFromRows, type IndexSequences } from '../../../core/features';
import type { FitData, JsonValue, PluginContext } from '../../../core/plugin';
import { Rng } from '../../../core/train/random';
import { resolveTrainingOptions } from '../../../core/train/options';
import gru from '../gru';
import lstm from '../lstm';
import simpleRnn from '../simple-rnn';
import type { RecurrentModel } from './model';
import type { RecurrentModelOptions } from './options';
import { decodeWeights } from './weights';

const small: RecurrentModelOptions = {
  embeddingDim: 8,
  units: 8,
  layers: 1,
  bidirectional: false,
  pooling: 'last',
  maskPadding: false,
  dropout: 0.1,
};

/** Rows of 2–6 tokens; the class is given by the first token, so it must be carried through the sequence. */
function task(rows: number, seed: number): { x: IndexSequences; y: Int32Array } {
  const rng = new Rng(seed);
  const length = 6;
  const ids = new Int32Array(rows * length);
  const lengths = new Int32Array(rows);
  const y = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    y[r] = r % 3;
    lengths[r] = 2 + rng.below(5);
    ids[r * length] = 1 + y[r];
    for (let t = 1; t < lengths[r]; t++) ids[r * length + t] = 4 + rng.below(4);
  }
  return { x: { kind: 'sequences', rows, length, ids, lengths, vocabSize: 8 }, y };
}

function context(seed: number, infos: string[] = []): PluginContext {
  return { seed, baseDir: '.', logger: { info: (m) => infos.push(m), warn: () => {}, debug: () => {} }, log: () => {} };
}

// FitData.training is the core's validated block: defaults filled in, as the runner hands it over.
const training = (epochs: number): FitData['training'] =>
  resolveTrainingOptions({ epochs, batchSize: 8, progress: false, optimizer: { type: 'adam', learningRate: 0.02 } });
const train = task(36, 1);
const heldOut = task(12, 2);

describe.each([
  ['simple-rnn', simpleRnn],
  ['lstm', lstm],
  ['gru', gru],
] as const)('%s model plugin', (name, definition) => {
  it('has a strict-mode options schema whose defaults are the notebook’s sizes', () => {
    const validate = new Ajv({ strict: true, useDefaults: true }).compile(definition.optionsSchema);
    const options: Record<string, unknown> = {};
    expect(validate(options)).toBe(true);
    expect(options).toEqual({ embeddingDim: 64, units: 128, layers: 1, bidirectional: false, pooling: 'last', maskPadding: false, dropout: 0.5 });
    expect(definition.kind).toBe('model');
    expect(definition.name).toBe(name);
  });

  it('trains: the loss falls, and the same seed gives the same epochs', async () => {
    const a = definition.create(small, context(1));
    const b = definition.create(small, context(1));
    const summaryA = await a.fit({ train, nClasses: 3, training: training(6) }, context(11));
    const summaryB = await b.fit({ train, nClasses: 3, training: training(6) }, context(11));
    expect(summaryA.epochs).toEqual(summaryB.epochs);
    const epochs = summaryA.epochs!;
    expect(epochs[5].train_loss).toBeLessThan(epochs[0].train_loss);
    expect(summaryA.info).toMatchObject({ epochs_run: 6, dropout: 0.1, backend: 'cpu' });
    expect(a.predictProba(heldOut.x)).toEqual(b.predictProba(heldOut.x));
    a.dispose();
    b.dispose();
  });

  it('state survives a JSON round trip: predictions are identical', async () => {
    const model = definition.create({ ...small, bidirectional: true, pooling: 'mean' }, context(1));
    await model.fit({ train, nClasses: 3, training: training(2) }, context(5));
    const state = JSON.parse(JSON.stringify(model.getState())) as JsonValue;
    const restored = definition.create({ ...small, bidirectional: true, pooling: 'mean' }, context(1));
    restored.setState(state);
    const probs = model.predictProba(heldOut.x);
    expect(restored.predictProba(heldOut.x)).toEqual(probs);
    expect(probs.length).toBe(heldOut.x.rows * 3);
    for (let r = 0; r < heldOut.x.rows; r++) expect(probs[r * 3] + probs[r * 3 + 1] + probs[r * 3 + 2]).toBeCloseTo(1, 5);
    model.dispose();
    restored.dispose();
  });
});

describe('recurrent model behaviour', () => {
  it('leaves no tensors behind besides its weights, and none after dispose', async () => {
    const before = tf.memory().numTensors;
    const model = lstm.create(small, context(1)) as RecurrentModel;
    await model.fit({ train, validation: heldOut, curves: heldOut, nClasses: 3, training: training(2) }, context(3));
    model.predictProba(heldOut.x);
    // embedding + 4 LSTM tensors + dense kernel and bias
    expect(tf.memory().numTensors).toBe(before + 7);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('keeps the padding embedding at zero through training (PyTorch padding_idx), weight decay included', async () => {
    const model = gru.create(small, context(1));
    await model.fit(
      { train, nClasses: 3, training: training(2), regularizers: [{ kind: 'weight-decay', value: 0.01, decoupled: true }] },
      context(3),
    );
    const state = model.getState() as { weights: JsonValue };
    const embedding = decodeWeights(state.weights).find((w) => w.name === 'embedding')!.values;
    expect(Array.from(embedding.subarray(0, small.embeddingDim))).toEqual(new Array(small.embeddingDim).fill(0));
    model.dispose();
  });

  it('a dropout regularizer replaces the model’s dropout option, and the log says so', async () => {
    const infos: string[] = [];
    const model = simpleRnn.create(small, context(1));
    const summary = await model.fit({ train, nClasses: 3, training: training(1), regularizers: [{ kind: 'dropout', rate: 0.3 }] }, context(3, infos));
    expect(summary.info!.dropout).toBe(0.3);
    expect(infos.some((m) => m.includes("dropout 0.3 from the dropout regularizer replaces the model's 0.1"))).toBe(true);
    model.dispose();
  });

  it('refuses bag-of-words features with an InputError naming the featurizer to use', async () => {
    const model = lstm.create(small, context(1));
    const x = csrFromRows([new Map([[0, 1]])], 3);
    await expect(model.fit({ train: { x, y: Int32Array.from([0]) }, nClasses: 2 }, context(1))).rejects.toThrow(InputError);
    await expect(model.fit({ train: { x, y: Int32Array.from([0]) }, nClasses: 2 }, context(1))).rejects.toThrow(/index-sequence/);
  });

  it('refuses a state of another cell type', async () => {
    const model = lstm.create(small, context(1));
    await model.fit({ train, nClasses: 3, training: training(1) }, context(1));
    const other = gru.create(small, context(1));
    expect(() => other.setState(model.getState())).toThrow(/lstm network/);
    model.dispose();
  });
});
