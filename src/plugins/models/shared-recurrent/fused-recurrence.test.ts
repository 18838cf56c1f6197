/**
 * The fused recurrence (its WebAssembly build, and the native build where it is built) against the
 * reference per-step loop, on the cpu and wasm backends: the
 * outputs and the gradients of every input (projected inputs, W_hh, b_hh, h0, c0) for each cell,
 * with and without the padding mask, forward and reverse, with and without the sequence output.
 * Then the fused gradients against finite differences, the tape holding one node per call, and
 * the kernel choice per backend.
 */
import * as tf from '@tensorflow/tfjs-core';
import { selectBackend } from '../../../core/backend';
import { fusedRnnBytesInUse, nativeKernels, shutdownFusedRnn } from '../../../core/kernels/fused-rnn';
import { Rng } from '../../../core/train/random';
import { GATES, type CellType } from './cells';
import { fusedNativeRecurrence, fusedRecurrence, projectsInputs, type ProjectingRecurrenceKernel } from './fused-recurrence';
import { recurrenceFor } from './network';
import { referenceRecurrence, type RecurrenceInput } from './recurrence';

const quiet = { info: () => {}, warn: () => {}, debug: () => {} };

interface Case {
  cell: CellType;
  steps: number;
  rows: number;
  units: number;
  masked: boolean;
  reverse: boolean;
  returnSequences: boolean;
}

/** The projected inputs are given, or made inside the kernel from the layer's inputs. */
type Mode = 'projected' | 'inside';

const INPUT_WIDTH = 5;

interface Values {
  projected: Float32Array;
  /** For the 'inside' mode: inputs [T·B, E], W_ih [E, G·H], b_ih [G·H]. */
  input: Float32Array;
  inputKernel: Float32Array;
  inputBias: Float32Array;
  recurrentKernel: Float32Array;
  recurrentBias: Float32Array;
  h0: Float32Array;
  c0: Float32Array;
  /** Row lengths: 0 (an empty text), the full length, and between. */
  lengths: number[];
  /** Weights of the scalar loss on the outputs. */
  onSequence: Float32Array;
  onLast: Float32Array;
}

function makeValues(c: Case, seed: number): Values {
  const rng = new Rng(seed);
  const g = GATES[c.cell] * c.units;
  const values = (n: number, scale: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-scale, scale));
  return {
    projected: values(c.steps * c.rows * g, 1.5),
    input: values(c.steps * c.rows * INPUT_WIDTH, 1),
    inputKernel: values(INPUT_WIDTH * g, 0.8),
    inputBias: values(g, 0.5),
    recurrentKernel: values(c.units * g, 0.6),
    recurrentBias: values(g, 0.5),
    h0: values(c.rows * c.units, 0.5),
    c0: values(c.rows * c.units, 0.8),
    lengths: Array.from({ length: c.rows }, (_, b) => (b === 0 ? 0 : b === 1 ? c.steps : rng.below(c.steps + 1))),
    onSequence: values(c.steps * c.rows * c.units, 1),
    onLast: values(c.rows * c.units, 1),
  };
}

function maskOf(c: Case, lengths: number[]): tf.Tensor3D {
  const m = Float32Array.from({ length: c.steps * c.rows }, (_, i) => (Math.floor(i / c.rows) < lengths[i % c.rows] ? 1 : 0));
  return tf.tensor3d(m, [c.steps, c.rows, 1]);
}

/** The reference with the projection made by tfjs ops, as the network makes it for the reference kernel. */
const referenceWithProjection: ProjectingRecurrenceKernel = {
  ...referenceRecurrence,
  runWithProjection(p) {
    const projected = tf.reshape(tf.add(tf.matMul(p.input, p.inputKernel), p.inputBias), [p.steps, -1, p.inputKernel.shape[1]]) as tf.Tensor3D;
    return referenceRecurrence.run({ ...p, projected });
  },
};

/**
 * The outputs and the gradients of Σ seq⊙A + Σ last⊙B with respect to every input: projected
 * (or inputs, W_ih, b_ih), W_hh, b_hh, h0 (and c0).
 */
function evaluate(
  kernel: ProjectingRecurrenceKernel,
  c: Case,
  v: Values,
  mode: Mode = 'projected',
): { outputs: Float32Array[]; grads: Float32Array[] } {
  return tf.tidy(() => {
    const g = GATES[c.cell] * c.units;
    const mask = c.masked ? maskOf(c, v.lengths) : undefined;
    const withC0 = c.cell === 'lstm';
    const sources =
      mode === 'projected'
        ? [tf.tensor3d(v.projected, [c.steps, c.rows, g])]
        : [tf.tensor2d(v.input, [c.steps * c.rows, INPUT_WIDTH]), tf.tensor2d(v.inputKernel, [INPUT_WIDTH, g]), tf.tensor1d(v.inputBias)];
    const run = (xs: tf.Tensor[]) => {
      const [kernelT, bias, h0, c0] = xs.slice(sources.length);
      const common = {
        cell: c.cell,
        recurrentKernel: kernelT as tf.Tensor2D,
        recurrentBias: bias as tf.Tensor1D,
        h0: h0 as tf.Tensor2D,
        c0: c0 as tf.Tensor2D | undefined,
        mask,
        reverse: c.reverse,
        returnSequences: c.returnSequences,
      };
      if (mode === 'projected') return kernel.run({ ...common, projected: xs[0] as tf.Tensor3D } satisfies RecurrenceInput);
      return kernel.runWithProjection({
        ...common,
        input: xs[0] as tf.Tensor2D,
        steps: c.steps,
        inputKernel: xs[1] as tf.Tensor2D,
        inputBias: xs[2] as tf.Tensor1D,
      });
    };
    const loss = (...xs: tf.Tensor[]) => {
      const out = run(xs);
      let total = tf.sum(tf.mul(out.last, tf.tensor2d(v.onLast, [c.rows, c.units])));
      if (out.sequence) total = tf.add(total, tf.sum(tf.mul(out.sequence, tf.tensor3d(v.onSequence, [c.steps, c.rows, c.units]))));
      return total as tf.Scalar;
    };
    const xs = [
      ...sources,
      tf.tensor2d(v.recurrentKernel, [c.units, g]),
      tf.tensor1d(v.recurrentBias),
      tf.tensor2d(v.h0, [c.rows, c.units]),
      ...(withC0 ? [tf.tensor2d(v.c0, [c.rows, c.units])] : []),
    ];
    const out = run(xs);
    const outputs = [out.last.dataSync() as Float32Array, ...(out.sequence ? [out.sequence.dataSync() as Float32Array] : [])];
    const grads = tf
      .grads(loss)(xs)
      .map((t) => t.dataSync() as Float32Array);
    return { outputs, grads };
  }) as unknown as { outputs: Float32Array[]; grads: Float32Array[] };
}

/** ‖a − b‖∞ / ‖b‖∞ */
function relativeError(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / Math.max(scale, 1e-12);
}

type InputName = 'projected' | 'input' | 'inputKernel' | 'inputBias' | 'recurrentKernel' | 'recurrentBias' | 'h0' | 'c0';

/** The differentiable inputs in the order `evaluate` returns their gradients. */
const GRAD_NAMES: Record<Mode, InputName[]> = {
  projected: ['projected', 'recurrentKernel', 'recurrentBias', 'h0', 'c0'],
  inside: ['input', 'inputKernel', 'inputBias', 'recurrentKernel', 'recurrentBias', 'h0', 'c0'],
};

function combinations(): Case[] {
  const cases: Case[] = [];
  for (const cell of ['rnn', 'lstm', 'gru'] as CellType[]) {
    for (const masked of [false, true]) {
      for (const reverse of [false, true]) {
        for (const returnSequences of [false, true]) {
          // Sizes alternate between ragged (unit tails, a partial share) and tiled (whole 4×8 tiles, two shares).
          const ragged = (masked ? 1 : 0) ^ (reverse ? 1 : 0) ^ (returnSequences ? 1 : 0);
          const size = ragged ? { steps: 7, rows: 11, units: 6 } : { steps: 5, rows: 16, units: 16 };
          cases.push({ cell, ...size, masked, reverse, returnSequences });
        }
      }
    }
  }
  return cases;
}

const describeCase = (c: Case) =>
  `${c.cell}, ${c.masked ? 'masked' : 'no mask'}, ${c.reverse ? 'reverse' : 'forward'}, ${c.returnSequences ? 'sequence' : 'last only'} (T=${c.steps}, B=${c.rows}, H=${c.units})`;

afterAll(() => shutdownFusedRnn());

/** The fused kernels to test: whether the native one must be built is tested in fused-rnn.test.ts. */
const FUSED: [string, ProjectingRecurrenceKernel][] = [[fusedRecurrence.name, fusedRecurrence]];
if (nativeKernels().available) FUSED.push([fusedNativeRecurrence.name, fusedNativeRecurrence]);

const BACKEND_AND_KERNEL = (['cpu', 'wasm'] as const).flatMap((backend) => FUSED.map(([name, kernel]) => [backend, name, kernel] as const));

describe.each(BACKEND_AND_KERNEL)('fused recurrence on %s, %s', (backend, _kernelName, fusedRecurrence) => {
  beforeAll(async () => {
    await selectBackend(backend, quiet);
  });

  const cases = combinations().flatMap((c) =>
    (['projected', 'inside'] as Mode[]).map((mode) => [`${describeCase(c)}, projection ${mode}`, c, mode] as const),
  );

  it.each(cases)('matches the reference: %s', (_name, c, mode) => {
    const values = makeValues(c, c.steps * 31 + c.units + GATES[c.cell]);
    const expected = evaluate(referenceWithProjection, c, values, mode);
    const actual = evaluate(fusedRecurrence, c, values, mode);
    actual.outputs.forEach((out, i) => expect(relativeError(out, expected.outputs[i])).toBeLessThan(1e-4));
    expect(actual.grads.length).toBe(expected.grads.length);
    actual.grads.forEach((grad, i) => {
      const error = relativeError(grad, expected.grads[i]);
      if (error >= 1e-4) throw new Error(`gradient of ${GRAD_NAMES[mode][i]}: relative error ${error}`);
    });
  });

  it('leaves no tensors and no kernel buffers behind', () => {
    const c: Case = { cell: 'lstm', steps: 4, rows: 5, units: 3, masked: true, reverse: false, returnSequences: true };
    evaluate(fusedRecurrence, c, makeValues(c, 1));
    const tensors = tf.memory().numTensors;
    const bytes = fusedRnnBytesInUse();
    evaluate(fusedRecurrence, c, makeValues(c, 2));
    evaluate(fusedRecurrence, c, makeValues(c, 3), 'inside');
    expect(tf.memory().numTensors).toBe(tensors);
    expect(fusedRnnBytesInUse()).toBe(bytes);
  });
});

describe.each(FUSED)('%s gradients against finite differences', (_kernelName, fusedRecurrence) => {
  beforeAll(async () => {
    await selectBackend('cpu', quiet);
  });

  it.each([
    ['rnn', 'projected'],
    ['lstm', 'projected'],
    ['gru', 'projected'],
    ['lstm', 'inside'],
    ['gru', 'inside'],
  ] as [CellType, Mode][])('%s, projection %s', (cell, mode) => {
    const c: Case = { cell, steps: 4, rows: 3, units: 2, masked: true, reverse: cell === 'gru', returnSequences: true };
    const v = makeValues(c, 11);
    v.lengths = [4, 2, 3];
    const lossAt = (vals: Values) => {
      const { outputs } = evaluate(fusedRecurrence, c, vals, mode);
      const [last, sequence] = outputs;
      let s = 0;
      last.forEach((x, i) => (s += x * vals.onLast[i]));
      sequence.forEach((x, i) => (s += x * vals.onSequence[i]));
      return s;
    };
    const { grads } = evaluate(fusedRecurrence, c, v, mode);
    const keys = GRAD_NAMES[mode];
    const eps = 1e-2;
    grads.forEach((grad, k) => {
      const key = keys[k];
      for (let i = 0; i < grad.length; i++) {
        const moved = (delta: number) => {
          const copy = v[key].slice();
          copy[i] += delta;
          return lossAt({ ...v, [key]: copy });
        };
        const numeric = (moved(eps) - moved(-eps)) / (2 * eps);
        expect(Math.abs(grad[i] - numeric)).toBeLessThan(2e-3 + 1e-2 * Math.abs(numeric));
      }
    });
  });
});

describe('the tape', () => {
  it('records one node per fused call, whatever the sequence length', () => {
    const c: Case = { cell: 'gru', steps: 12, rows: 4, units: 3, masked: true, reverse: false, returnSequences: false };
    const v = makeValues(c, 3);
    const engine = tf.engine() as unknown as { state: { activeTape: unknown[] | null } };
    let nodes = -1;
    tf.tidy(() => {
      const w = tf.tensor2d(v.recurrentKernel, [c.units, 3 * c.units]);
      tf.grads((kernel: tf.Tensor) => {
        const out = fusedRecurrence.run({
          cell: 'gru',
          projected: tf.tensor3d(v.projected, [c.steps, c.rows, 3 * c.units]),
          recurrentKernel: kernel as tf.Tensor2D,
          recurrentBias: tf.tensor1d(v.recurrentBias),
          h0: tf.zeros([c.rows, c.units]),
          mask: maskOf(c, v.lengths),
          reverse: false,
          returnSequences: false,
        });
        nodes = engine.state.activeTape!.length;
        return tf.sum(out.last);
      })([w]);
    });
    // The tensors made for the inputs are not on the tape; the fused op is the only node.
    expect(nodes).toBe(1);
  });
});

describe('recurrenceFor', () => {
  const saved = process.env.MLSPEC_RECURRENCE;
  afterEach(() => {
    if (saved === undefined) delete process.env.MLSPEC_RECURRENCE;
    else process.env.MLSPEC_RECURRENCE = saved;
  });

  it("uses the fused kernel on wasm, cpu and TensorFlow's CPU build (natively built where it is), and the reference loop elsewhere", () => {
    delete process.env.MLSPEC_RECURRENCE;
    expect(projectsInputs(recurrenceFor('wasm'))).toBe(true);
    expect(projectsInputs(referenceRecurrence)).toBe(false);
    expect(recurrenceFor('wasm')).toBe(fusedRecurrence);
    expect(recurrenceFor('cpu')).toBe(fusedRecurrence);
    // The test process runs on a CPU backend, so TensorFlow would not be on a GPU.
    expect(recurrenceFor('tensorflow')).toBe(nativeKernels().available ? fusedNativeRecurrence : fusedRecurrence);
    expect(recurrenceFor('webgl')).toBe(referenceRecurrence);
  });

  it('MLSPEC_RECURRENCE forces a kernel', () => {
    process.env.MLSPEC_RECURRENCE = 'reference';
    expect(recurrenceFor('wasm')).toBe(referenceRecurrence);
    process.env.MLSPEC_RECURRENCE = 'fused-wasm';
    expect(recurrenceFor('tensorflow')).toBe(fusedRecurrence);
    process.env.MLSPEC_RECURRENCE = 'tensorflow';
    expect(recurrenceFor('cpu').name).toBe('native-tensorflow (else fused-wasm)');
    process.env.MLSPEC_RECURRENCE = 'fused-native';
    if (nativeKernels().available) expect(recurrenceFor('wasm')).toBe(fusedNativeRecurrence);
    else expect(() => recurrenceFor('wasm')).toThrow(/MLSPEC_RECURRENCE=fused-native: not built/);
    process.env.MLSPEC_RECURRENCE = 'fast';
    expect(() => recurrenceFor('cpu')).toThrow(/must be one of reference, fused-wasm, fused-native, tensorflow; got "fast"/);
  });
});
