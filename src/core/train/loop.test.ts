import * as tf from '@tensorflow/tfjs-core';
import '../backend';
import { InputError, MlspecError } from '../errors';
import { csrFromRows, type CsrMatrix, type Features } from '../features';
import type { EpochRecord, FitData, PluginContext } from '../plugin';
import { clipGradients, evaluateNetwork, trainNetwork } from './loop';
import type { TrainableNetwork } from './network';
import { resolveTrainingOptions } from './options';
import { Rng } from './random';
import { collectRegularizers, type Regularizer } from './regularizer';

/** Softmax regression over dense rows of a CSR matrix: small enough to train in milliseconds. */
class LinearNetwork implements TrainableNetwork<{ rows: number; values: Float32Array }> {
  readonly params: tf.Variable[];
  constructor(
    readonly inputs: number,
    readonly classes: number,
    seed: number,
  ) {
    const rng = new Rng(seed);
    const w = Float32Array.from({ length: inputs * classes }, () => rng.uniformIn(-0.5, 0.5));
    this.params = tf.tidy(() => [tf.variable(tf.tensor2d(w, [inputs, classes])), tf.variable(tf.zeros([classes]))]);
  }
  makeBatch(x: Features, positions: readonly number[]) {
    const m = x as CsrMatrix;
    const values = new Float32Array(positions.length * m.cols);
    positions.forEach((p, r) => {
      for (let k = m.indptr[p]; k < m.indptr[p + 1]; k++) values[r * m.cols + m.indices[k]] = m.data[k];
    });
    return { rows: positions.length, values };
  }
  logits(batch: { rows: number; values: Float32Array }): tf.Tensor2D {
    return tf.add(tf.matMul(tf.tensor2d(batch.values, [batch.rows, this.inputs]), this.params[0]), this.params[1]);
  }
  weights(): number[][] {
    return this.params.map((p) => Array.from(p.dataSync()));
  }
  dispose() {
    this.params.forEach((p) => p.dispose());
  }
}

/** Three noisy clusters in 4-D. */
function blobs(rows: number, seed: number): { x: CsrMatrix; y: Int32Array } {
  const rng = new Rng(seed);
  const centres = [
    [2, 0, 0, 1],
    [0, 2, 0, -1],
    [0, 0, 2, 0],
  ];
  const y = Int32Array.from({ length: rows }, (_, i) => i % 3);
  const maps = Array.from(y, (c) => new Map(centres[c].map((v, j) => [j, v + rng.normal() * 1.2] as [number, number])));
  return { x: csrFromRows(maps, 4), y };
}

function context(seed: number, logged: { key: string; value: number; step?: number }[] = []): PluginContext {
  return {
    seed,
    baseDir: '.',
    logger: { info: () => {}, warn: () => {}, debug: () => {} },
    log: (key, value, step) => logged.push({ key, value, step }),
  };
}

const quietOptions = (over: Record<string, unknown> = {}) =>
  resolveTrainingOptions({ epochs: 4, batchSize: 8, progress: false, optimizer: { type: 'adam', learningRate: 0.05 }, ...(over as object) } as never);

async function train(
  seed: number,
  data: FitData,
  over: Record<string, unknown> = {},
  regularizers: Regularizer[] = [],
  logged: { key: string; value: number; step?: number }[] = [],
) {
  const network = new LinearNetwork(4, 3, 1);
  const summary = await trainNetwork({
    network,
    data,
    options: quietOptions(over),
    regularizers: collectRegularizers(regularizers),
    context: context(seed, logged),
    label: 'test',
  });
  return { network, summary };
}

const train60 = blobs(60, 11);
const validation = blobs(30, 12);
const baseData: FitData = { train: train60, nClasses: 3 };

describe('trainNetwork', () => {
  it('is deterministic: the same seed gives identical per-epoch metrics and weights; another seed does not', async () => {
    const a = await train(7, baseData);
    const b = await train(7, baseData);
    const c = await train(8, baseData);
    expect(a.summary.epochs).toEqual(b.summary.epochs);
    expect(a.network.weights()).toEqual(b.network.weights());
    expect(c.summary.epochs).not.toEqual(a.summary.epochs);
    [a, b, c].forEach((r) => r.network.dispose());
  });

  it('learns: the training loss falls and accuracy rises', async () => {
    const { network, summary } = await train(1, baseData, { epochs: 8 });
    const epochs = summary.epochs!;
    expect(epochs[7].train_loss).toBeLessThan(epochs[0].train_loss);
    expect(evaluateNetwork(network, validation, 3).accuracy).toBeGreaterThan(0.6);
    network.dispose();
  });

  it('logs every metric per epoch and returns them in the summary', async () => {
    const logged: { key: string; value: number; step?: number }[] = [];
    const { network, summary } = await train(1, { ...baseData, validation, curves: validation }, { epochs: 2 }, [], logged);
    const keys = ['train_loss', 'train_accuracy', 'val_loss', 'val_accuracy', 'curve_loss', 'curve_accuracy', 'learning_rate'];
    for (const epoch of [1, 2]) {
      for (const key of keys) {
        const entry = logged.find((l) => l.key === key && l.step === epoch)!;
        expect(entry.value).toBe(summary.epochs![epoch - 1][key]);
      }
    }
    expect(logged.length).toBe(2 * keys.length);
    // Curves and validation here are the same rows, scored the same way.
    expect(summary.epochs![1].curve_loss).toBe(summary.epochs![1].val_loss);
    expect(summary.info).toMatchObject({ epochs_run: 2, backend: 'cpu' });
    network.dispose();
  });

  it('keeps no tensors between epochs (the count at every epoch end is the same)', async () => {
    const before = tf.memory().numTensors;
    const counts: number[] = [];
    const network = new LinearNetwork(4, 3, 1);
    const ctx = context(3);
    const log = ctx.log;
    ctx.log = (key, value, step) => {
      if (key === 'learning_rate') counts.push(tf.memory().numTensors);
      log(key, value, step);
    };
    await trainNetwork({
      network,
      data: { ...baseData, validation },
      options: quietOptions({ epochs: 5 }),
      regularizers: collectRegularizers([
        { kind: 'gradient-clipping', mode: 'norm', max: 1 },
        {
          kind: 'penalty',
          name: 'l2',
          penalty: (ws: readonly tf.Variable[]) => tf.mul(tf.addN(ws.map((w) => tf.sum(tf.square(w)))), 1e-3) as tf.Scalar,
        },
        { kind: 'early-stopping', monitor: 'val_loss', mode: 'auto', patience: 10, minDelta: 0, restoreBestWeights: true },
      ]),
      context: ctx,
      label: 'test',
    });
    expect(counts.length).toBe(5);
    expect(new Set(counts).size).toBe(1);
    // After training only the network's two variables remain (the optimizer state is freed).
    expect(tf.memory().numTensors).toBe(before + 2);
    network.dispose();
  });

  it('early stopping stops after `patience` epochs without improvement and restores the best weights', async () => {
    // minDelta larger than any change: only epoch 1 counts as an improvement.
    const stopping: Regularizer = {
      kind: 'early-stopping',
      monitor: 'train_loss',
      mode: 'auto',
      patience: 2,
      minDelta: 100,
      restoreBestWeights: true,
    };
    const { network, summary } = await train(5, baseData, { epochs: 10 }, [stopping]);
    expect(summary.epochs!.length).toBe(3);
    expect(summary.info).toMatchObject({ stopped_epoch: 3, best_epoch: 1, restored_best_weights: true });
    expect(String(summary.info!.stop_reason)).toContain('train_loss did not improve for 2 epochs');
    const oneEpoch = await train(5, baseData, { epochs: 1 });
    expect(network.weights()).toEqual(oneEpoch.network.weights());
    network.dispose();
    oneEpoch.network.dispose();
  });

  it('without restoreBestWeights the last epoch’s weights are kept', async () => {
    const stopping: Regularizer = {
      kind: 'early-stopping',
      monitor: 'train_loss',
      mode: 'auto',
      patience: 2,
      minDelta: 100,
      restoreBestWeights: false,
    };
    const stopped = await train(5, baseData, { epochs: 10 }, [stopping]);
    const three = await train(5, baseData, { epochs: 3 });
    expect(stopped.summary.info).toMatchObject({ restored_best_weights: false });
    expect(stopped.network.weights()).toEqual(three.network.weights());
    stopped.network.dispose();
    three.network.dispose();
  });

  it('early stopping on val_loss without validation rows is an InputError', async () => {
    const stopping: Regularizer = { kind: 'early-stopping', monitor: 'val_loss', mode: 'auto', patience: 2, minDelta: 0, restoreBestWeights: true };
    await expect(train(1, baseData, {}, [stopping])).rejects.toThrow(/set training.validation/);
  });

  it('follows the learning-rate schedule', async () => {
    const { network, summary } = await train(1, baseData, { epochs: 4 }, [
      { kind: 'lr-schedule', schedule: { type: 'step', stepSize: 2, gamma: 0.5 } },
    ]);
    expect(summary.epochs!.map((e: EpochRecord) => e.learning_rate)).toEqual([0.05, 0.05, 0.025, 0.025]);
    network.dispose();
  });

  it('a diverging run fails with NAN_LOSS naming the epoch and suggesting remedies', async () => {
    const run = train(1, baseData, { epochs: 30, optimizer: { type: 'sgd', learningRate: 1e38 } });
    const error = (await run.catch((e: unknown) => e)) as MlspecError;
    expect(error).toBeInstanceOf(MlspecError);
    expect(error.code).toBe('NAN_LOSS');
    expect(error.message).toMatch(/in epoch \d+ \(batch \d+\)/);
    expect(error.message).toContain('learningRate');
    expect(error.message).toContain('gradient-clipping');
  });

  it('shows progress lines when asked', async () => {
    const writes: string[] = [];
    const network = new LinearNetwork(4, 3, 1);
    await trainNetwork({
      network,
      data: baseData,
      options: quietOptions({ epochs: 2, progress: true }),
      regularizers: collectRegularizers([]),
      context: context(1),
      label: 'toy',
      progressStream: { isTTY: false, write: (t: string) => writes.push(t) },
    });
    expect(writes.length).toBe(2);
    expect(writes[0]).toMatch(/^toy epoch 1\/2 {2}train_loss \d\.\d{4} {2}train_accuracy/);
    network.dispose();
  });
});

describe('collectRegularizers', () => {
  it('sorts regularizers by kind and keeps every penalty', () => {
    const penalty = { kind: 'penalty' as const, name: 'l2', penalty: () => tf.scalar(0) };
    const set = collectRegularizers([{ kind: 'dropout', rate: 0.2 }, penalty, penalty, { kind: 'weight-decay', value: 1e-5, decoupled: false }]);
    expect(set.dropout).toEqual({ kind: 'dropout', rate: 0.2 });
    expect(set.penalties.length).toBe(2);
    expect(set.weightDecay?.value).toBe(1e-5);
  });

  it('rejects duplicates and things that are not regularizers', () => {
    expect(() =>
      collectRegularizers([
        { kind: 'dropout', rate: 0.1 },
        { kind: 'dropout', rate: 0.2 },
      ]),
    ).toThrow(/more than one dropout/);
    expect(() => collectRegularizers([{ something: 1 }])).toThrow(InputError);
  });
});

describe('clipGradients', () => {
  it('norm mode rescales all gradients by max/‖g‖ when the global norm is larger', () => {
    tf.tidy(() => {
      const [a, b, none] = clipGradients([tf.tensor1d([3, 0]), tf.tensor1d([4]), null], 'norm', 1);
      expect(Array.from(a!.dataSync()).map((v) => +v.toFixed(5))).toEqual([0.6, 0]);
      expect(b!.dataSync()[0]).toBeCloseTo(0.8, 5);
      expect(none).toBeNull();
      const [small] = clipGradients([tf.tensor1d([0.3, 0.4])], 'norm', 1);
      expect(Array.from(small!.dataSync())).toEqual([0.30000001192092896, 0.4000000059604645]);
    });
  });

  it('value mode clamps each value', () => {
    tf.tidy(() => {
      const [a] = clipGradients([tf.tensor1d([-3, 0.5, 2])], 'value', 1);
      expect(Array.from(a!.dataSync())).toEqual([-1, 0.5, 1]);
    });
  });
});
