/**
 * The native kernel against the reference one. The fused TensorFlow ops run only where tfjs-node
 * loads (`npm run install:native`); the titles say whether the comparison ran. The parameter
 * packing, the choice of op and the hand-over to the fallback kernel are checked everywhere.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../../../core/backend';
import { Rng } from '../../../core/train/random';
import { GATES, type CellType } from './cells';
import type { ProjectedRecurrenceInput, ProjectingRecurrenceKernel } from './fused-recurrence';
import {
  blockLstmWeights,
  cudnnParams,
  nativeRecurrence,
  nativeRecurrenceAvailable,
  nativeRecurrenceKernel,
  nativeRecurrencePlan,
} from './native-recurrence';
import { referenceRecurrence, type RecurrenceInput, type RecurrenceKernel } from './recurrence';

/**
 * Loads tfjs-node (the GPU build first) when installed, which makes TensorFlow the active backend.
 * An installed package that fails to load is an error worth failing on, not a reason to skip.
 */
function loadNativeBackend(): { loaded: boolean; problem?: string } {
  for (const name of ['@tensorflow/tfjs-node-gpu', '@tensorflow/tfjs-node']) {
    try {
      require.resolve(name);
    } catch {
      continue;
    }
    try {
      require(name);
      return { loaded: true };
    } catch (error) {
      return { loaded: false, problem: `${name} is installed but does not load: ${(error as Error).message.split('\n')[0]}` };
    }
  }
  return { loaded: false };
}

const native = loadNativeBackend();
const gpu = native.loaded && (tf.backend() as unknown as { isUsingGpuDevice?: boolean }).isUsingGpuDevice === true;

/** max |a − b| / max |b|. */
function relativeError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < expected.length; i++) {
    diff = Math.max(diff, Math.abs(actual[i] - expected[i]));
    scale = Math.max(scale, Math.abs(expected[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

interface Case {
  cell: CellType;
  reverse: boolean;
  /** Through runWithProjection (the layer's inputs and W_ih, b_ih) rather than run (projected inputs); native kernel only. */
  withProjection: boolean;
  masked: boolean;
}

const steps = 6;
const rows = 3;
const units = 4;
const inputSize = 5;

/** Outputs and the gradients of a fixed weighted sum of them, for every operand, with the reference or the native kernel. */
function outputsAndGradients(kernel: 'reference' | 'native', c: Case): Map<string, Float32Array> {
  const rng = new Rng(c.cell.length * 31 + (c.reverse ? 7 : 0));
  const g = GATES[c.cell] * units;
  const make = (shape: number[]) =>
    tf.tensor(
      Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniformIn(-1, 1)),
      shape,
    );
  const result = new Map<string, Float32Array>();
  tf.tidy(() => {
    const operands = {
      inputs: make([steps, rows, inputSize]),
      inputKernel: make([inputSize, g]),
      inputBias: make([g]),
      recurrentKernel: make([units, g]),
      recurrentBias: make([g]),
      h0: make([rows, units]),
      c0: make([rows, units]),
    };
    const sequenceWeights = make([steps, rows, units]);
    const lastWeights = make([rows, units]);
    // Row 1 ends after 4 steps, row 2 after 2.
    const maskValues = Float32Array.from({ length: steps * rows }, (_, i) => (Math.floor(i / rows) < [steps, 4, 2][i % rows] ? 1 : 0));
    // c0 is an operand of lstm only (tf.grads rejects an operand that does not reach the loss).
    const names = (Object.keys(operands) as (keyof typeof operands)[]).filter((n) => c.cell === 'lstm' || n !== 'c0');
    const run = (...xs: tf.Tensor[]) => {
      const o = Object.fromEntries(names.map((n, i) => [n, xs[i]])) as typeof operands;
      const input2d = tf.reshape(o.inputs, [steps * rows, inputSize]) as tf.Tensor2D;
      const recurrence: Omit<RecurrenceInput, 'projected'> = {
        cell: c.cell,
        recurrentKernel: o.recurrentKernel as tf.Tensor2D,
        recurrentBias: o.recurrentBias as tf.Tensor1D,
        h0: o.h0 as tf.Tensor2D,
        c0: c.cell === 'lstm' ? (o.c0 as tf.Tensor2D) : undefined,
        mask: c.masked ? tf.tensor3d(maskValues, [steps, rows, 1]) : undefined,
        reverse: c.reverse,
        returnSequences: true,
      };
      if (kernel === 'native' && c.withProjection) {
        return nativeRecurrence.runWithProjection({
          ...recurrence,
          input: input2d,
          steps,
          inputKernel: o.inputKernel as tf.Tensor2D,
          inputBias: o.inputBias as tf.Tensor1D,
        });
      }
      const projected = tf.reshape(tf.add(tf.matMul(input2d, o.inputKernel), o.inputBias), [steps, rows, g]) as tf.Tensor3D;
      return (kernel === 'native' ? nativeRecurrence : referenceRecurrence).run({ ...recurrence, projected });
    };
    const xs = names.map((n) => operands[n]);
    const out = run(...xs);
    const loss = (...args: tf.Tensor[]) => {
      const r = run(...args);
      return tf.add(tf.sum(tf.mul(r.sequence!, sequenceWeights)), tf.sum(tf.mul(r.last, lastWeights))) as tf.Scalar;
    };
    const grads = tf.grads(loss)(xs);
    result.set('sequence', out.sequence!.dataSync() as Float32Array);
    result.set('last', out.last.dataSync() as Float32Array);
    names.forEach((n, i) => result.set(`d ${n}`, grads[i].dataSync() as Float32Array));
  });
  return result;
}

function expectSameAsReference(c: Case): void {
  const expected = outputsAndGradients('reference', c);
  const actual = outputsAndGradients('native', c);
  for (const [name, values] of expected) {
    const error = relativeError(actual.get(name)!, values);
    if (!(error <= 1e-4)) throw new Error(`${name}: relative error ${error.toExponential(2)} > 1e-4`);
  }
}

describe('nativeRecurrencePlan', () => {
  it.each([
    ['lstm', false, false, 'BlockLSTMV2'],
    ['rnn', false, false, 'fallback'],
    // GRUBlockCell applies the reset gate before the recurrent product: not PyTorch's GRU.
    ['gru', false, false, 'fallback'],
    ['lstm', true, false, 'fallback'],
    ['rnn', false, true, 'CudnnRNNV3'],
    ['lstm', false, true, 'CudnnRNNV3'],
    ['gru', false, true, 'CudnnRNNV3'],
    ['gru', true, true, 'fallback'],
  ] as const)('%s, masked %s, gpu %s → %s', (cell, masked, onGpu, plan) => {
    expect(nativeRecurrencePlan(cell, masked, onGpu)).toBe(plan);
  });
});

describe('parameter packing for the fused ops', () => {
  const rng = new Rng(5);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));

  it.each(['rnn', 'lstm', 'gru'] as CellType[])(
    'cudnnParams (%s): G input blocks, G recurrent blocks, each [H, in] row-major, then b_ih, b_hh',
    (cell) => {
      const gates = GATES[cell];
      const h = 2;
      const inSize = 3;
      const wi = values(inSize * gates * h);
      const bi = values(gates * h);
      const wh = values(h * gates * h);
      const bh = values(gates * h);
      const expected: number[] = [];
      // A tfjs kernel W[in, G·H] holds gate g's column j at W[i·G·H + g·H + j]; cuDNN wants row j, column i.
      const pushBlocks = (w: Float32Array, rowsIn: number) => {
        for (let gate = 0; gate < gates; gate++)
          for (let j = 0; j < h; j++) for (let i = 0; i < rowsIn; i++) expected.push(w[i * gates * h + gate * h + j]);
      };
      pushBlocks(wi, inSize);
      pushBlocks(wh, h);
      expected.push(...bi, ...bh);
      const packed = tf.tidy(() =>
        cudnnParams(cell, tf.tensor2d(wi, [inSize, gates * h]), tf.tensor1d(bi), tf.tensor2d(wh, [h, gates * h]), tf.tensor1d(bh)).dataSync(),
      );
      expect(Array.from(packed)).toEqual(Array.from(Float32Array.from(expected)));
    },
  );

  it("blockLstmWeights stacks W_ih's rows over W_hh's, as BlockLSTM multiplies [x, h]", () => {
    const wi = values(3 * 8);
    const wh = values(2 * 8);
    const stacked = tf.tidy(() => blockLstmWeights(tf.tensor2d(wi, [3, 8]), tf.tensor2d(wh, [2, 8])));
    expect(stacked.shape).toEqual([5, 8]);
    expect(Array.from(stacked.dataSync())).toEqual([...wi, ...wh]);
    stacked.dispose();
  });
});

/** A fallback kernel that records which of its methods ran (and runs the reference kernel). */
function recordingFallback(projects: boolean): { kernel: RecurrenceKernel | ProjectingRecurrenceKernel; calls: string[] } {
  const calls: string[] = [];
  const run = (input: RecurrenceInput) => {
    calls.push('run');
    return referenceRecurrence.run(input);
  };
  const runWithProjection = (input: ProjectedRecurrenceInput) => {
    calls.push('runWithProjection');
    const projected = tf.reshape(tf.add(tf.matMul(input.input, input.inputKernel), input.inputBias), [
      input.steps,
      input.h0.shape[0],
      -1,
    ]) as tf.Tensor3D;
    return referenceRecurrence.run({ ...input, projected });
  };
  return { kernel: projects ? { name: 'recording', run, runWithProjection } : { name: 'recording', run }, calls };
}

/** One small forward pass through `method` of `kernel` (gru, so no fused CPU op applies). */
function forwardOnce(kernel: ProjectingRecurrenceKernel, method: 'run' | 'runWithProjection', cell: CellType = 'gru'): void {
  tf.tidy(() => {
    const g = GATES[cell] * units;
    const recurrence = {
      cell,
      recurrentKernel: tf.ones([units, g]) as tf.Tensor2D,
      recurrentBias: tf.zeros([g]) as tf.Tensor1D,
      h0: tf.zeros([rows, units]) as tf.Tensor2D,
      c0: cell === 'lstm' ? (tf.zeros([rows, units]) as tf.Tensor2D) : undefined,
      reverse: false,
      returnSequences: false,
    };
    if (method === 'run') kernel.run({ ...recurrence, projected: tf.ones([steps, rows, g]) as tf.Tensor3D });
    else
      kernel.runWithProjection({
        ...recurrence,
        input: tf.ones([steps * rows, inputSize]) as tf.Tensor2D,
        steps,
        inputKernel: tf.ones([inputSize, g]) as tf.Tensor2D,
        inputBias: tf.zeros([g]) as tf.Tensor1D,
      });
  });
}

describe('fallback kernel', () => {
  it('runs where no fused op applies, through runWithProjection when it has one', () => {
    const projecting = recordingFallback(true);
    const kernel = nativeRecurrenceKernel(projecting.kernel);
    forwardOnce(kernel, 'run');
    forwardOnce(kernel, 'runWithProjection');
    expect(projecting.calls).toEqual(['run', 'runWithProjection']);
    expect(kernel.name).toBe('native-tensorflow (else recording)');
  });

  it('gets the projected inputs when it only has run', () => {
    const plain = recordingFallback(false);
    forwardOnce(nativeRecurrenceKernel(plain.kernel), 'runWithProjection');
    expect(plain.calls).toEqual(['run']);
  });
});

describe('off the TensorFlow backend', () => {
  let previous = '';
  beforeAll(async () => {
    previous = tf.getBackend();
    await tf.setBackend('cpu');
  });
  afterAll(async () => {
    await tf.setBackend(previous);
  });

  it.each([false, true])(
    'is unavailable and gives exactly the reference kernel results (lstm with c0, reverse, runWithProjection %s)',
    (withProjection) => {
      expect(nativeRecurrenceAvailable()).toBe(false);
      const c: Case = { cell: 'lstm', reverse: true, withProjection, masked: false };
      const expected = outputsAndGradients('reference', c);
      const actual = outputsAndGradients('native', c);
      for (const [name, v] of expected) expect(Array.from(actual.get(name)!)).toEqual(Array.from(v));
    },
  );
});

if (native.problem) {
  describe('tfjs-node', () => {
    it('loads when installed', () => {
      throw new Error(native.problem);
    });
  });
} else if (!native.loaded) {
  describe('fused TensorFlow ops against the reference kernel', () => {
    it('NOT RUN: tfjs-node is not installed (npm run install:native), so there is no TensorFlow backend to compare', () => {
      expect(nativeRecurrenceAvailable()).toBe(false);
    });
  });
} else {
  const cells: CellType[] = gpu ? ['rnn', 'lstm', 'gru'] : ['lstm'];
  const cases: Case[] = cells.flatMap((cell) =>
    [false, true].flatMap((reverse) => [false, true].map((withProjection) => ({ cell, reverse, withProjection, masked: false }))),
  );
  describe(`fused TensorFlow ops against the reference kernel (RAN: tfjs-node on ${gpu ? 'GPU' : 'CPU'})`, () => {
    it('is available on the TensorFlow backend', () => {
      expect(tf.getBackend()).toBe('tensorflow');
      expect(nativeRecurrenceAvailable()).toBe(true);
    });

    it.each(
      cases.map(
        (c) =>
          [
            nativeRecurrencePlan(c.cell, false, gpu),
            c.cell,
            c.reverse ? 'reverse' : 'forward',
            c.withProjection ? 'runWithProjection' : 'run (projected inputs)',
            c,
          ] as const,
      ),
    )('%s, %s, %s, %s: outputs and gradients within 1e-4 (h0 and c0 non-zero)', (_plan, _cell, _direction, _inputs, c) => {
      expectSameAsReference(c);
    });

    it.each(['rnn', 'lstm', 'gru'] as CellType[])('%s with a padding mask runs the reference kernel, with the same results', (cell) => {
      expect(nativeRecurrencePlan(cell, true, gpu)).toBe('fallback');
      expectSameAsReference({ cell, reverse: true, withProjection: true, masked: true });
    });

    if (!gpu) {
      it.each(['rnn', 'gru'] as CellType[])('%s on CPU runs the reference kernel, with the same results', (cell) => {
        expect(nativeRecurrencePlan(cell, false, gpu)).toBe('fallback');
        expectSameAsReference({ cell, reverse: false, withProjection: true, masked: false });
      });
    }

    it(`on TensorFlow, ${cells.join(', ')} never go to the fallback kernel`, () => {
      const projecting = recordingFallback(true);
      const kernel = nativeRecurrenceKernel(projecting.kernel);
      for (const cell of cells) {
        forwardOnce(kernel, 'run', cell);
        forwardOnce(kernel, 'runWithProjection', cell);
      }
      expect(projecting.calls).toEqual([]);
    });

    it('leaves no tensors behind, in tfjs or in the addon, after outputs and gradients', () => {
      const addonTensors = () => (tf.backend() as unknown as { binding: { getNumOfTensors(): number } }).binding.getNumOfTensors();
      const before = [tf.memory().numTensors, addonTensors()];
      for (const cell of cells) outputsAndGradients('native', { cell, reverse: true, withProjection: true, masked: false });
      expect([tf.memory().numTensors, addonTensors()]).toEqual(before);
    });
  });
}
