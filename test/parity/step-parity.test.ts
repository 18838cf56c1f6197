/**
 * Exact parity with PyTorch, step by step (issue #16). The fixtures in test/fixtures/parity/ hold,
 * for each cell and case of tools/reference/parity_cases.json, PyTorch's initial weights, 20
 * batches with padding, and what 20 optimizer steps of torch.optim gave: every loss, the norm of
 * every gradient and weight after every step, and every gradient and weight in full at checkpoint
 * steps. Here mlspec's network starts from those weights and takes the same 20 steps through the
 * training loop's own step (trainStep) and optimizers, on every backend and recurrence engine it
 * has, and must stay within a relative error of 1e-4 of PyTorch's float64 arithmetic.
 *
 * No PyTorch is needed: the fixtures are committed with the script that made them, and the first
 * block fails when the script or the cases changed without the fixtures being made again.
 */
import { createHash } from 'crypto';
import { readFileSync } from 'fs';
import * as path from 'path';
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend, type BackendName } from '../../src/core/backend';
import type { IndexSequences } from '../../src/core/features';
import { nativeKernels, shutdownFusedRnn } from '../../src/core/kernels/fused-rnn';
import { trainStep } from '../../src/core/train/loop';
import { createOptimizer, type Optimizer, type WeightDecay } from '../../src/core/train/optimizers';
import type { OptimizerOptions } from '../../src/core/train/options';
import type { RegularizerSet } from '../../src/core/train/regularizer';
import type { CellType } from '../../src/plugins/models/shared-recurrent/cells';
import { fusedNativeRecurrence, fusedRecurrence } from '../../src/plugins/models/shared-recurrent/fused-recurrence';
import { RecurrentNetwork, weightLayout, type Pooling } from '../../src/plugins/models/shared-recurrent/network';
import { referenceRecurrence, type RecurrenceKernel } from '../../src/plugins/models/shared-recurrent/recurrence';

const REPO = path.join(__dirname, '../..');
const GENERATOR = 'tools/reference/parity_fixtures.py';
const CASES_FILE = 'tools/reference/parity_cases.json';
/** The bar: relative error after 20 steps, for every loss, norm and tensor. */
const TOLERANCE = 1e-4;
const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

interface Dims {
  vocabSize: number;
  embeddingDim: number;
  units: number;
  nClasses: number;
  steps: number;
  rows: number;
  optimizerSteps: number;
}

interface CaseInputs {
  name: string;
  cell: CellType;
  layers: number;
  bidirectional: boolean;
  pooling: Pooling;
  maskPadding: boolean;
  optimizer: Partial<OptimizerOptions> & Pick<OptimizerOptions, 'type' | 'learningRate'>;
  weightDecay: WeightDecay;
  dims: Dims;
  checkpoints: number[];
  record: string;
  seed: number;
}

interface Fixture {
  generator: string;
  generatorSha256: string;
  casesSha256: string;
  versions: Record<string, string>;
  cell: CellType;
  cases: {
    inputs: CaseInputs;
    names: string[];
    initial: { shape: number[]; float32: string }[];
    batches: { ids: number[]; lengths: number[]; labels: number[] }[];
    steps: { loss: number; gradNorms: number[]; weightNorms: number[] }[];
    checkpoints: Record<string, { grads: string[]; weights: string[] }>;
  }[];
}

const sha256 = (file: string) =>
  createHash('sha256')
    .update(readFileSync(path.join(REPO, file)))
    .digest('hex');
const cases = JSON.parse(readFileSync(path.join(REPO, CASES_FILE), 'utf8'));
const fixtures: Fixture[] = cases.cells.map((cell: string) => JSON.parse(readFileSync(path.join(REPO, `test/fixtures/parity/${cell}.json`), 'utf8')));

function float32(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/** max |a − b| / max |b|: the error relative to the tensor's scale. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

const norm = (values: ArrayLike<number>) => Math.sqrt(Array.from(values).reduce((s, v) => s + v * v, 0));

describe('the parity fixtures', () => {
  it.each(fixtures.map((f) => [f.cell, f] as const))('%s was made by the committed script from the committed cases', (_cell, fixture) => {
    expect(fixture.generator).toBe(GENERATOR);
    expect(fixture.generatorSha256).toBe(sha256(GENERATOR));
    expect(fixture.casesSha256).toBe(sha256(CASES_FILE));
    const cellIndex = cases.cells.indexOf(fixture.cell);
    expect(fixture.cases.map((c) => c.inputs)).toEqual(
      cases.cases.map((c: { name: string; optimizer: string; record: string }, i: number) => ({
        ...c,
        cell: fixture.cell,
        seed: 1000 * cellIndex + i,
        ...cases.optimizers[c.optimizer],
        dims: cases.dims,
        checkpoints: cases.checkpoints[c.record],
      })),
    );
    for (const c of fixture.cases) {
      const layout = weightLayout(architectureOf(c.inputs), shapeOf(c.inputs));
      expect(c.names).toEqual(layout.map((l) => l.name));
      expect(c.initial.map((w) => w.shape)).toEqual(layout.map((l) => l.shape));
      expect(c.batches).toHaveLength(c.inputs.dims.optimizerSteps);
      expect(c.steps).toHaveLength(c.inputs.dims.optimizerSteps);
      expect(Object.keys(c.checkpoints).map(Number)).toEqual(c.inputs.checkpoints);
    }
  });
});

function architectureOf(i: CaseInputs) {
  return {
    cell: i.cell,
    embeddingDim: i.dims.embeddingDim,
    units: i.dims.units,
    layers: i.layers,
    bidirectional: i.bidirectional,
    pooling: i.pooling,
    maskPadding: i.maskPadding,
  };
}

function shapeOf(i: CaseInputs) {
  return { vocabSize: i.dims.vocabSize, nClasses: i.dims.nClasses };
}

/** The optimizer options the spec's defaults give, with the case's values over them. */
function optimizerOptions(o: CaseInputs['optimizer']): OptimizerOptions {
  return { momentum: 0, beta1: 0.9, beta2: 0.999, epsilon: 1e-8, rho: 0.99, ...o };
}

/** Passes every step through to the real optimizer, keeping the gradients it was given. */
class RecordingOptimizer implements Optimizer {
  grads: Float32Array[] = [];
  constructor(private readonly inner: Optimizer) {}
  step(params: readonly tf.Variable[], grads: readonly (tf.Tensor | null)[], learningRate: number): void {
    this.grads = grads.map((g, i) => (g ? (g.dataSync() as Float32Array).slice() : new Float32Array(params[i].size)));
    this.inner.step(params, grads, learningRate);
  }
  dispose(): void {
    this.inner.dispose();
  }
}

interface Worst {
  loss: number;
  norms: number;
  tensors: number;
  where: string;
}

/** The 20 steps of one case; returns the worst relative errors seen. */
function replay(c: Fixture['cases'][number], kernel: RecurrenceKernel): Worst {
  const inputs = c.inputs;
  const { dims } = inputs;
  const weights = c.names.map((name, i) => ({ name, shape: c.initial[i].shape, values: float32(c.initial[i].float32) }));
  const network = new RecurrentNetwork(architectureOf(inputs), shapeOf(inputs), weights, 0, 1, kernel);
  const optimizer = new RecordingOptimizer(createOptimizer(optimizerOptions(inputs.optimizer), inputs.weightDecay));
  const regularizers: RegularizerSet = { penalties: [], weightDecay: { kind: 'weight-decay', ...inputs.weightDecay } };
  const worst: Worst = { loss: 0, norms: 0, tensors: 0, where: '' };
  const note = (kind: 'loss' | 'norms' | 'tensors', error: number, where: string) => {
    if (error > worst[kind]) worst[kind] = error;
    if (error > TOLERANCE && !worst.where) worst.where = `${where}: relative error ${error.toExponential(2)}`;
  };
  try {
    c.batches.forEach((b, index) => {
      const step = index + 1;
      const x: IndexSequences = {
        kind: 'sequences',
        rows: dims.rows,
        length: dims.steps,
        ids: Int32Array.from(b.ids),
        lengths: Int32Array.from(b.lengths),
        vocabSize: dims.vocabSize,
      };
      const batch = network.makeBatch(x, [...Array(dims.rows).keys()]);
      const { loss } = trainStep(network, batch, b.labels, dims.nClasses, inputs.optimizer.learningRate, optimizer, regularizers, 1, step);
      const expected = c.steps[index];
      note('loss', Math.abs(loss - expected.loss) / Math.abs(expected.loss), `step ${step} loss`);
      const now = network.weights();
      c.names.forEach((name, i) => {
        note(
          'norms',
          Math.abs(norm(optimizer.grads[i]) - expected.gradNorms[i]) / Math.max(expected.gradNorms[i], 1e-12),
          `step ${step} |grad ${name}|`,
        );
        note('norms', Math.abs(norm(now[i].values) - expected.weightNorms[i]) / Math.max(expected.weightNorms[i], 1e-12), `step ${step} |${name}|`);
      });
      const checkpoint = c.checkpoints[String(step)];
      if (checkpoint) {
        c.names.forEach((name, i) => {
          note('tensors', relativeError(optimizer.grads[i], float32(checkpoint.grads[i])), `step ${step} grad ${name}`);
          note('tensors', relativeError(now[i].values, float32(checkpoint.weights[i])), `step ${step} ${name}`);
        });
      }
    });
  } finally {
    optimizer.dispose();
    network.dispose();
  }
  return worst;
}

/** tfjs-node's backend, where it is installed (CI installs it): TensorFlow's own ops around the kernels. */
function tensorflowInstalled(): boolean {
  try {
    require.resolve('@tensorflow/tfjs-node');
    return true;
  } catch {
    return false;
  }
}

const BACKENDS: BackendName[] = ['cpu', 'wasm', ...(tensorflowInstalled() ? (['tensorflow'] as const) : [])];
const ENGINES: [string, RecurrenceKernel][] = [
  ['reference loop', referenceRecurrence],
  ['fused wasm', fusedRecurrence],
  ...(nativeKernels().available ? ([['fused native', fusedNativeRecurrence]] as [string, RecurrenceKernel][]) : []),
];
const CASES = fixtures.flatMap((f) => f.cases.map((c) => [`${f.cell} ${c.inputs.name}`, c] as const));

afterAll(() => shutdownFusedRnn());

describe.each(BACKENDS)('on the %s backend', (backend) => {
  beforeAll(async () => {
    await selectBackend(backend, quiet);
  });

  describe.each(ENGINES)('with the %s', (_engine, kernel) => {
    it.each(CASES)('%s: 20 steps match PyTorch within 1e-4', (_name, c) => {
      const before = tf.memory().numTensors;
      const worst = replay(c, kernel);
      expect(worst.where).toBe('');
      expect(Math.max(worst.loss, worst.norms, worst.tensors)).toBeLessThanOrEqual(TOLERANCE);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});
