/**
 * The recurrence as one fused op per direction: the whole sequence runs forward in one
 * WebAssembly call, and the tape sees a single custom-gradient node whose backward runs the whole
 * backpropagation through time in one call. Data moves through dataSync and typed arrays, which
 * is cheap where tensors already live in JavaScript or WebAssembly memory (the cpu and wasm
 * backends).
 *
 * `runWithProjection` also takes over the layer's input projection x·W_ih + b_ih: the kernel
 * projects each step as it goes and returns the gradients of the inputs, W_ih and b_ih, so the
 * largest matrix products of the layer never go through the backend's (much slower) ops.
 *
 * Without a gradient tape (prediction, evaluation) nothing is saved for backward. Masks with
 * values other than 0 and 1, and empty batches, take the reference path.
 */
import * as tf from '@tensorflow/tfjs-core';
import {
  fusedRecurrenceForward,
  isBinaryMask,
  type FusedForwardInput,
  type FusedGradients,
  type FusedRnnEngine,
} from '../../../core/kernels/fused-rnn';
import { referenceRecurrence, type RecurrenceInput, type RecurrenceKernel, type RecurrenceOutput } from './recurrence';

/** A recurrence whose input projection is part of the kernel. */
export interface ProjectedRecurrenceInput extends Omit<RecurrenceInput, 'projected'> {
  /** The layer's inputs, time-major: row t·B + b is step t of sequence b, [T·B, E]. */
  input: tf.Tensor2D;
  steps: number;
  /** W_ih, [E, G·H]. */
  inputKernel: tf.Tensor2D;
  /** b_ih, [G·H]. */
  inputBias: tf.Tensor1D;
}

export interface ProjectingRecurrenceKernel extends RecurrenceKernel {
  runWithProjection(input: ProjectedRecurrenceInput): RecurrenceOutput;
}

export function projectsInputs(kernel: RecurrenceKernel): kernel is ProjectingRecurrenceKernel {
  return typeof (kernel as Partial<ProjectingRecurrenceKernel>).runWithProjection === 'function';
}

function floats(t: tf.Tensor): Float32Array {
  return t.dataSync() as Float32Array;
}

/** Where the per-step inputs come from, as tensors on the tape and as kernel input. */
interface InputSource {
  tensors: tf.Tensor[];
  read(): Pick<FusedForwardInput, 'projected' | 'inputProjection'>;
  gradients(g: FusedGradients): tf.Tensor[];
}

function givenProjection(projected: tf.Tensor3D): InputSource {
  return {
    tensors: [projected],
    read: () => ({ projected: floats(projected) }),
    gradients: (g) => [tf.tensor(g.dProjected!, projected.shape)],
  };
}

function insideProjection({ input, inputKernel, inputBias }: ProjectedRecurrenceInput): InputSource {
  return {
    tensors: [input, inputKernel, inputBias],
    read: () => ({
      inputProjection: { width: input.shape[1], input: floats(input), inputKernel: floats(inputKernel), inputBias: floats(inputBias) },
    }),
    gradients: (g) => [tf.tensor(g.dInput!, input.shape), tf.tensor(g.dInputKernel!, inputKernel.shape), tf.tensor(g.dInputBias!, inputBias.shape)],
  };
}

type Recurrence = Omit<RecurrenceInput, 'projected'> & { steps: number; rows: number };

function runFused(engine: FusedRnnEngine, r: Recurrence, source: InputSource, mask: Float32Array | undefined): RecurrenceOutput {
  const { cell, steps, rows, reverse, returnSequences } = r;
  const units = r.recurrentKernel.shape[0];
  const taped = tf.engine().isTapeOn();
  const withC0 = cell === 'lstm' && r.c0 !== undefined;
  const forwardInput = (): FusedForwardInput => ({
    cell,
    steps,
    rows,
    units,
    ...source.read(),
    recurrentKernel: floats(r.recurrentKernel),
    recurrentBias: floats(r.recurrentBias),
    h0: floats(r.h0),
    c0: withC0 ? floats(r.c0!) : undefined,
    mask,
    reverse,
    returnSequences,
    keepForBackward: taped,
    engine,
  });
  const toValue = (out: { last: Float32Array; sequence?: Float32Array }): tf.Tensor =>
    returnSequences ? tf.tensor3d(out.sequence!, [steps, rows, units]) : tf.tensor2d(out.last, [rows, units]);

  let value: tf.Tensor;
  if (!taped) {
    value = toValue(fusedRecurrenceForward(forwardInput()));
  } else {
    const differentiable = [...source.tensors, r.recurrentKernel, r.recurrentBias, r.h0, ...(withC0 ? [r.c0!] : [])];
    // The op reads its inputs from `r` and `source`; customGrad gets them to place the node on the tape.
    const op = tf.customGrad(() => {
      const out = fusedRecurrenceForward(forwardInput());
      const tape = out.tape!;
      return {
        value: toValue(out),
        gradFunc: (dy: tf.Tensor) => {
          const dys = floats(dy);
          const g = tape.backward(returnSequences ? { dSequence: dys } : { dLast: dys });
          return [
            ...source.gradients(g),
            tf.tensor(g.dRecurrentKernel, r.recurrentKernel.shape),
            tf.tensor(g.dRecurrentBias, r.recurrentBias.shape),
            tf.tensor(g.dH0, r.h0.shape),
            ...(withC0 ? [tf.tensor(g.dC0!, r.c0!.shape)] : []),
          ];
        },
      };
    });
    value = op(...differentiable);
  }
  if (!returnSequences) return { last: value as tf.Tensor2D };
  // The state after the last step processed is the sequence's entry at the step run last.
  const lastStep = reverse ? 0 : steps - 1;
  const last = tf.reshape(tf.slice(value, [lastStep, 0, 0], [1, rows, units]), [rows, units]) as tf.Tensor2D;
  return { last, sequence: value as tf.Tensor3D };
}

/** The mask as 0/1 floats, or null when it has other values (which only the reference handles). */
function binaryMask(mask: tf.Tensor3D | undefined): Float32Array | undefined | null {
  if (!mask) return undefined;
  const values = floats(mask);
  return isBinaryMask(values) ? values : null;
}

/** The fused kernel on one engine: the WebAssembly module, or the addon built for this CPU. */
function fusedRecurrenceOn(engine: FusedRnnEngine): ProjectingRecurrenceKernel {
  return {
    name: `fused-${engine}`,
    run(input) {
      const [steps, rows] = input.projected.shape;
      const mask = steps > 0 && rows > 0 ? binaryMask(input.mask) : null;
      if (mask === null) return referenceRecurrence.run(input);
      return runFused(engine, { ...input, steps, rows }, givenProjection(input.projected), mask);
    },
    runWithProjection(input) {
      const { steps } = input;
      const rows = steps > 0 ? input.input.shape[0] / steps : 0;
      const mask = steps > 0 && rows > 0 ? binaryMask(input.mask) : null;
      if (mask === null) {
        const projected = tf.reshape(tf.add(tf.matMul(input.input, input.inputKernel), input.inputBias), [steps, rows, -1]) as tf.Tensor3D;
        return referenceRecurrence.run({ ...input, projected });
      }
      return runFused(engine, { ...input, steps, rows }, insideProjection(input), mask);
    },
  };
}

/** The WebAssembly build: runs everywhere. */
export const fusedRecurrence = fusedRecurrenceOn('wasm');
/** The build for this machine's CPU (tools/native-kernels/build.sh); check `nativeKernels()` first. */
export const fusedNativeRecurrence = fusedRecurrenceOn('native');
