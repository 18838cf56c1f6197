/**
 * The training loop for every model that learns in epochs: shuffled mini-batches from the spec
 * seed, an optimizer with PyTorch's rules, the pipeline's regularizers (penalties, weight decay,
 * gradient clipping, learning-rate schedules, early stopping), per-epoch metrics through
 * context.log, and a progress display.
 *
 * Tensor discipline: every batch runs inside tf.tidy; the only tensors that outlive a batch are
 * the network's variables and the optimizer's state, so tf.memory().numTensors is the same at the
 * end of every epoch.
 */
import * as tf from '@tensorflow/tfjs-core';
import { backendInUse } from '../backend';
import { InputError, optionError } from '../errors';
import type { Features } from '../features';
import type { EpochRecord, FitData, FitSummary, LabelledFeatures, PluginContext } from '../plugin';
import { EarlyStoppingTracker } from './early-stopping';
import { argMaxRows, softmaxCrossEntropy } from './loss';
import type { TrainableNetwork } from './network';
import { createOptimizer, type Optimizer } from './optimizers';
import type { TrainingOptions } from './options';
import { createProgress, silentProgress, type ProgressStream, type TrainingProgress } from './progress';
import { deriveSeed, Rng } from './random';
import type { MonitoredMetric, RegularizerSet } from './regularizer';
import { createScheduler } from './schedules';

export interface TrainNetworkInput<Batch> {
  network: TrainableNetwork<Batch>;
  data: FitData;
  options: TrainingOptions;
  regularizers: RegularizerSet;
  context: PluginContext;
  /** Names the run in progress lines, e.g. the model's type. */
  label: string;
  /** Where progress goes (stderr by default). */
  progressStream?: ProgressStream;
}

/** Rows per forward pass when scoring validation or curve rows (no gradients, so larger is fine). */
export const EVALUATION_BATCH_SIZE = 256;

/** Bad input (exit 2), pointed at the learning rate in the spec: the usual cause and fix. */
export function nanLossError(epoch: number, batch: number, learningRate: number): InputError {
  return optionError(
    'NAN_LOSS',
    'training.optimizer.learningRate',
    `the training loss became NaN or infinite in epoch ${epoch} (batch ${batch}) at learning rate ${learningRate}; ` +
      'lower training.optimizer.learningRate or add a gradient-clipping regularizer',
  );
}

function checkMonitor(what: string, monitor: MonitoredMetric, data: FitData): void {
  if (monitor.startsWith('val_') && !data.validation) {
    throw new InputError(
      'VALIDATION_REQUIRED',
      `${what} monitors ${monitor}, but there are no validation rows; set training.validation (e.g. 0.1) or monitor train_loss`,
    );
  }
}

/** Mean loss and accuracy of the network on labelled rows, without dropout. */
export function evaluateNetwork<Batch>(
  network: TrainableNetwork<Batch>,
  rows: LabelledFeatures,
  nClasses: number,
): { loss: number; accuracy: number } {
  const n = rows.y.length;
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < n; start += EVALUATION_BATCH_SIZE) {
    const positions = range(start, Math.min(n, start + EVALUATION_BATCH_SIZE));
    const labels = positions.map((p) => rows.y[p]);
    const batch = network.makeBatch(rows.x, positions);
    const [loss, predicted] = tf.tidy(() => {
      const logits = network.logits(batch, false);
      const ce = softmaxCrossEntropy(logits, tf.oneHot(tf.tensor1d(labels, 'int32'), nClasses) as tf.Tensor2D);
      return [ce.dataSync()[0], argMaxRows(logits)] as [number, Int32Array];
    });
    lossSum += loss * positions.length;
    predicted.forEach((c, i) => (correct += c === labels[i] ? 1 : 0));
  }
  return { loss: lossSum / n, accuracy: correct / n };
}

/** Class probabilities [rows × classes], row-major, without dropout. */
export function predictNetwork<Batch>(network: TrainableNetwork<Batch>, x: Features, nClasses: number): Float64Array {
  const n = x.rows;
  const out = new Float64Array(n * nClasses);
  for (let start = 0; start < n; start += EVALUATION_BATCH_SIZE) {
    const positions = range(start, Math.min(n, start + EVALUATION_BATCH_SIZE));
    const batch = network.makeBatch(x, positions);
    const probs = tf.tidy(() => tf.softmax(network.logits(batch, false)).dataSync() as Float32Array);
    out.set(probs, start * nClasses);
  }
  return out;
}

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from }, (_, i) => from + i);
}

function snapshot(params: readonly tf.Variable[]): Float32Array[] {
  return params.map((p) => (p.dataSync() as Float32Array).slice());
}

function restore(params: readonly tf.Variable[], weights: readonly Float32Array[]): void {
  tf.tidy(() => params.forEach((p, i) => p.assign(tf.tensor(weights[i], p.shape))));
}

const nextTick = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function trainNetwork<Batch>(input: TrainNetworkInput<Batch>): Promise<FitSummary> {
  const { network, data, options, regularizers, context } = input;
  const { train, nClasses } = data;
  const rows = train.y.length;
  if (rows === 0) throw new InputError('NO_TRAINING_ROWS', 'there are no training rows to fit');
  if (regularizers.earlyStopping) checkMonitor('early stopping', regularizers.earlyStopping.monitor, data);
  const schedule = regularizers.lrSchedule?.schedule;
  if (schedule?.type === 'reduce-on-plateau') checkMonitor('the reduce-on-plateau schedule', schedule.monitor, data);
  if (options.validation > 0 && !data.validation)
    context.logger.warn(`training.validation is ${options.validation}, but no validation rows were given to the model`);

  const params = network.params;
  const optimizer = createOptimizer(options.optimizer, regularizers.weightDecay);
  const scheduler = createScheduler(options.optimizer.learningRate, schedule, options.epochs);
  const stopper = regularizers.earlyStopping ? new EarlyStoppingTracker(regularizers.earlyStopping) : undefined;
  const shuffleRng = new Rng(deriveSeed(context.seed, 'train', 'shuffle'));
  const batchesPerEpoch = Math.ceil(rows / options.batchSize);
  const progress: TrainingProgress = options.progress
    ? createProgress({ label: input.label, epochs: options.epochs, batchesPerEpoch, stream: input.progressStream })
    : silentProgress;

  const records: EpochRecord[] = [];
  let bestWeights: Float32Array[] | undefined;
  let stoppedEarly = false;
  const started = Date.now();
  try {
    for (let epoch = 1; epoch <= options.epochs; epoch++) {
      const epochStarted = Date.now();
      const learningRate = scheduler.rateFor(epoch);
      const order = options.shuffle ? shuffleRng.permutation(rows) : range(0, rows);
      let lossSum = 0;
      let correct = 0;
      let seen = 0;
      for (let b = 0; b < batchesPerEpoch; b++) {
        const positions = order.slice(b * options.batchSize, (b + 1) * options.batchSize);
        const labels = positions.map((p) => train.y[p]);
        const batch = network.makeBatch(train.x, positions);
        const { loss, predicted } = trainStep(network, batch, labels, nClasses, learningRate, optimizer, regularizers, epoch, b + 1);
        lossSum += loss * positions.length;
        seen += positions.length;
        predicted.forEach((c, i) => (correct += c === labels[i] ? 1 : 0));
        progress.batch(epoch, b + 1, lossSum / seen, correct / seen);
        // Let signals and timers run between batches.
        await nextTick();
      }
      const record: EpochRecord = { epoch, train_loss: lossSum / seen, train_accuracy: correct / seen };
      if (data.validation) {
        const v = evaluateNetwork(network, data.validation, nClasses);
        record.val_loss = v.loss;
        record.val_accuracy = v.accuracy;
      }
      if (data.curves) {
        const c = evaluateNetwork(network, data.curves, nClasses);
        record.curve_loss = c.loss;
        record.curve_accuracy = c.accuracy;
      }
      record.learning_rate = learningRate;
      records.push(record);
      for (const [key, value] of Object.entries(record)) if (key !== 'epoch') context.log(key, value, epoch);
      scheduler.observe(record);
      progress.epochEnd(record, (Date.now() - epochStarted) / 1000);
      if (stopper) {
        const decision = stopper.observe(record);
        if (decision.improved && stopper.config.restoreBestWeights) bestWeights = snapshot(params);
        if (decision.stop && epoch < options.epochs) {
          stoppedEarly = true;
          break;
        }
      }
    }
  } finally {
    progress.finish();
    optimizer.dispose();
  }

  const epochsRun = records.length;
  const info: Record<string, number | string | boolean> = {
    epochs_run: epochsRun,
    seconds_per_epoch: (Date.now() - started) / 1000 / Math.max(1, epochsRun),
    backend: backendInUse(),
  };
  if (stopper) {
    const restored = bestWeights !== undefined && stopper.bestEpoch !== epochsRun;
    if (restored) restore(params, bestWeights!);
    info.stopped_epoch = epochsRun;
    info.best_epoch = stopper.bestEpoch;
    info.stop_reason = stoppedEarly
      ? stopper.reason(epochsRun)
      : `completed all ${options.epochs} epochs (best ${stopper.config.monitor} ${stopper.bestValue?.toPrecision(4)} at epoch ${stopper.bestEpoch})`;
    info.restored_best_weights = restored;
    context.logger.info(`early stopping: ${info.stop_reason}${restored ? `; restored the weights of epoch ${stopper.bestEpoch}` : ''}`);
  }
  return { epochs: records, info };
}

/**
 * One optimizer step on one batch: loss and gradients through the tape, clipping, the update.
 * Exported for the step-by-step parity test against PyTorch (test/parity/).
 */
export function trainStep<Batch>(
  network: TrainableNetwork<Batch>,
  batch: Batch,
  labels: number[],
  nClasses: number,
  learningRate: number,
  optimizer: Optimizer,
  regularizers: RegularizerSet,
  epoch: number,
  batchNumber: number,
): { loss: number; predicted: Int32Array } {
  const params = network.params;
  return tf.tidy(() => {
    const oneHot = tf.oneHot(tf.tensor1d(labels, 'int32'), nClasses) as tf.Tensor2D;
    let dataLoss: tf.Scalar | undefined;
    let predicted: Int32Array = new Int32Array(0);
    const { grads } = tf.variableGrads(() => {
      const logits = network.logits(batch, true);
      predicted = argMaxRows(logits);
      const ce = softmaxCrossEntropy(logits, oneHot);
      dataLoss = tf.keep(ce);
      let total: tf.Scalar = ce;
      for (const p of regularizers.penalties) total = tf.add(total, p.penalty(params));
      return total;
    }, params as tf.Variable[]);
    const loss = dataLoss!.dataSync()[0];
    dataLoss!.dispose();
    if (!Number.isFinite(loss)) throw nanLossError(epoch, batchNumber, learningRate);
    let gradList: (tf.Tensor | null)[] = params.map((p) => grads[p.name] ?? null);
    const clip = regularizers.gradientClipping;
    if (clip) gradList = clipGradients(gradList, clip.mode, clip.max);
    optimizer.step(params, gradList, learningRate);
    return { loss, predicted };
  });
}

/** PyTorch's clip_grad_norm_ (global L2 norm, scale = max/(norm + 1e-6) when above) or clip_grad_value_. */
export function clipGradients(grads: readonly (tf.Tensor | null)[], mode: 'norm' | 'value', max: number): (tf.Tensor | null)[] {
  if (mode === 'value') return grads.map((g) => (g ? tf.clipByValue(g, -max, max) : null));
  const present = grads.filter((g): g is tf.Tensor => g !== null);
  if (present.length === 0) return [...grads];
  const norm = tf.sqrt(tf.addN(present.map((g) => tf.sum(tf.square(g)))));
  const scale = tf.minimum(1, tf.div(max, tf.add(norm, 1e-6)));
  return grads.map((g) => (g ? tf.mul(g, scale) : null));
}
