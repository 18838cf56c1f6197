/**
 * A recurrence kernel for the native TensorFlow backend (@tensorflow/tfjs-node[-gpu]): the whole
 * sequence runs as one fused TensorFlow op forward and one backward, instead of a dozen tfjs ops
 * per time step, each a round trip through the addon.
 *
 *   CPU: lstm → BlockLSTMV2 + BlockLSTMGradV2. Its gate layout is i, f, c, o, which is PyTorch's
 *        i, f, g, o, and it has no forget bias (BlockLSTM, the v1 op, uses i, c, f, o and adds one).
 *        rnn has no fused CPU op. gru has none either: GRUBlockCell computes
 *        tanh(x·W_cx + (r⊙h)·W_ch + b_c), applying the reset gate before the recurrent product,
 *        while PyTorch computes tanh(x_n + r⊙(h·W_hn + b_hn)); no choice of weights turns one into
 *        the other. Both use the fallback kernel.
 *   GPU: rnn, lstm and gru → CudnnRNNV3 + CudnnRNNBackpropV3, whose cells are PyTorch's (cuDNN's gate
 *        orders i, f, g, o and r, z, n, and b_hn inside the reset product).
 *
 * The ops project the inputs themselves, step by step, with an input kernel. Through
 * `runWithProjection` they get the layer's inputs and W_ih, b_ih. Through `run` they get only the
 * projected inputs (x·W_ih + b_ih, [T, B, G·H]), so their input kernel is the identity, which
 * costs a G·H × G·H product per step on top of the recurrent H × G·H one: about 2.5 times slower.
 *
 * A padding mask (state carried over padded steps) has no counterpart in these ops, so masked
 * inputs go to the fallback kernel too (the reference one unless another is given), as does
 * everything when the backend is not tensorflow.
 */
import * as tf from '@tensorflow/tfjs-core';
import { GATES, type CellType } from './cells';
import type { ProjectedRecurrenceInput, ProjectingRecurrenceKernel } from './fused-recurrence';
import { referenceRecurrence, type RecurrenceInput, type RecurrenceKernel, type RecurrenceOutput } from './recurrence';

/** The parts of tfjs-node's addon binding used here (tfjs-node's own `TFJSBinding`). */
interface TensorMetadata {
  id: number;
  shape: number[];
  dtype: number;
}

interface OpAttr {
  name: string;
  type: number;
  value: boolean | number | string;
}

interface NativeBinding {
  executeOp(name: string, attrs: OpAttr[], inputIds: number[], numOutputs: number): TensorMetadata[];
  createTensor(shape: number[], dtype: number, values: Int32Array): number;
  deleteTensor(id: number): void;
  TF_FLOAT: number;
  TF_INT64: number;
  TF_ATTR_TYPE: number;
  TF_ATTR_INT: number;
  TF_ATTR_FLOAT: number;
  TF_ATTR_BOOL: number;
  TF_ATTR_STRING: number;
}

/** The parts of tfjs-node's NodeJSKernelBackend used here. */
interface NativeBackend {
  binding: NativeBinding;
  isUsingGpuDevice: boolean;
  /** Addon tensor ids of tfjs tensors (uploading values not yet in TensorFlow). */
  getInputTensorIds(tensors: tf.Tensor[]): number[];
  /** Wraps an op output as a tfjs tensor owned by the backend. */
  createOutputTensor(metadata: TensorMetadata): tf.Tensor;
}

/** The tfjs-node backend when it is the active backend, else undefined. */
function activeNativeBackend(): NativeBackend | undefined {
  if (tf.getBackend() !== 'tensorflow') return undefined;
  const backend = tf.backend() as unknown as Partial<NativeBackend>;
  const binding = backend.binding as Partial<NativeBinding> | undefined;
  if (
    typeof binding?.executeOp !== 'function' ||
    typeof backend.createOutputTensor !== 'function' ||
    typeof backend.getInputTensorIds !== 'function'
  ) {
    return undefined;
  }
  return backend as NativeBackend;
}

/** True when the active tfjs backend is TensorFlow's (tfjs-node), so the fused ops can run. */
export function nativeRecurrenceAvailable(): boolean {
  return activeNativeBackend() !== undefined;
}

/** Which implementation runs a recurrence: a fused TensorFlow op, or the fallback kernel. */
export type NativePlan = 'BlockLSTMV2' | 'CudnnRNNV3' | 'fallback';

/** The implementation for `cell`; `masked` when a padding mask is given, `gpu` when TensorFlow runs on a GPU. */
export function nativeRecurrencePlan(cell: CellType, masked: boolean, gpu: boolean): NativePlan {
  if (masked) return 'fallback';
  if (gpu) return 'CudnnRNNV3';
  return cell === 'lstm' ? 'BlockLSTMV2' : 'fallback';
}

/** BlockLSTM's weight matrix: the input kernel's rows, then the recurrent kernel's, [I + H, 4H]. */
export function blockLstmWeights(inputKernel: tf.Tensor2D, recurrentKernel: tf.Tensor2D): tf.Tensor2D {
  return tf.concat([inputKernel, recurrentKernel], 0) as tf.Tensor2D;
}

/**
 * cuDNN's parameter buffer for one layer and direction, in the order TensorFlow's CudnnRNN ops
 * read it (as Keras builds it): the G input matrices, then the G recurrent matrices, each
 * [H, in] row-major (out × in: the transpose of a tfjs [in, out] kernel's gate block), then the G
 * input biases and the G recurrent biases. cuDNN's GRU puts the recurrent bias of n inside
 * r⊙(…), as PyTorch does with b_hn.
 */
export function cudnnParams(
  cell: CellType,
  inputKernel: tf.Tensor2D,
  inputBias: tf.Tensor1D,
  recurrentKernel: tf.Tensor2D,
  recurrentBias: tf.Tensor1D,
): tf.Tensor1D {
  return tf.tidy(() => {
    const gates = GATES[cell];
    const blocks = (kernel: tf.Tensor2D) => tf.split(kernel, gates, 1).map((block) => tf.reshape(tf.transpose(block), [-1]));
    return tf.concat([...blocks(inputKernel), ...blocks(recurrentKernel), inputBias, recurrentBias]) as tf.Tensor1D;
  });
}

const attr = {
  type: (b: NativeBinding, name: string, value: number): OpAttr => ({ name, type: b.TF_ATTR_TYPE, value }),
  int: (b: NativeBinding, name: string, value: number): OpAttr => ({ name, type: b.TF_ATTR_INT, value }),
  float: (b: NativeBinding, name: string, value: number): OpAttr => ({ name, type: b.TF_ATTR_FLOAT, value }),
  bool: (b: NativeBinding, name: string, value: boolean): OpAttr => ({ name, type: b.TF_ATTR_BOOL, value }),
  string: (b: NativeBinding, name: string, value: string): OpAttr => ({ name, type: b.TF_ATTR_STRING, value }),
};

/**
 * Runs a TensorFlow op. `seqLenMax`, when given, is passed first as an int64 scalar (BlockLSTM's
 * `seq_len_max`; tfjs has no int64 tensors, so it is made in the addon and freed right after).
 */
function execute(backend: NativeBackend, op: string, attrs: OpAttr[], inputs: tf.Tensor[], numOutputs: number, seqLenMax?: number): tf.Tensor[] {
  const { binding } = backend;
  const ids = backend.getInputTensorIds(inputs);
  const int64 = seqLenMax === undefined ? undefined : binding.createTensor([], binding.TF_INT64, new Int32Array([seqLenMax, 0]));
  try {
    const outputs = binding.executeOp(op, attrs, int64 === undefined ? ids : [int64, ...ids], numOutputs);
    return outputs.map((m) => backend.createOutputTensor(m));
  } finally {
    if (int64 !== undefined) binding.deleteTensor(int64);
  }
}

/** Whether tfjs is recording operations for gradients here (tfjs's own engine.isTapeOn()). */
function recordingGradients(): boolean {
  return (tf.engine() as unknown as { isTapeOn(): boolean }).isTapeOn();
}

/** What the fused ops read, in time order: inputs [T, B, I], W_ih [I, G·H], b_ih [G·H], W_hh, b_hh, h0, c0. */
interface FusedOperands {
  inputs: tf.Tensor3D;
  inputKernel: tf.Tensor2D;
  inputBias: tf.Tensor1D;
  recurrentKernel: tf.Tensor2D;
  recurrentBias: tf.Tensor1D;
  h0: tf.Tensor2D;
  c0: tf.Tensor2D;
}

/**
 * The LSTM over every step with BlockLSTMV2: h for every step, [T, B, H]. Its one bias is
 * b_ih + b_hh; gradients reach every operand through BlockLSTMGradV2.
 */
function blockLstmSequence(backend: NativeBackend, operands: FusedOperands): tf.Tensor3D {
  const b = backend.binding;
  const [steps, , inputSize] = operands.inputs.shape;
  const units = operands.recurrentKernel.shape[0];
  const common = [attr.type(b, 'T', b.TF_FLOAT), attr.bool(b, 'use_peephole', false)];
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, wi, wh, bias, hPrev, cPrev] = args as tf.Tensor[];
    const save = args[6] as tf.GradSaveFunc;
    const w = blockLstmWeights(wi as tf.Tensor2D, wh as tf.Tensor2D);
    const peephole = tf.zeros([units]);
    // cell_clip 0 turns clipping off: PyTorch's cell state is not clipped.
    const outputs = execute(
      backend,
      'BlockLSTMV2',
      [...common, attr.float(b, 'cell_clip', 0)],
      [x, cPrev, hPrev, w, peephole, peephole, peephole, bias],
      7,
      steps,
    );
    save([x, cPrev, hPrev, w, bias, ...outputs]);
    return {
      value: outputs[6],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sc, sh, sw, sb, ...states] = saved;
        const zeros = tf.zeros([units]);
        // Outputs: x, cs_prev, h_prev, w, the three peepholes, b. Only h is used downstream, so cs gets no gradient.
        const [dx, dc0, dh0, dw, , , , db] = execute(
          backend,
          'BlockLSTMGradV2',
          common,
          [sx, sc, sh, sw, zeros, zeros, zeros, sb, ...states, tf.zerosLike(dy), dy],
          8,
          steps,
        );
        return [dx, tf.slice(dw, [0, 0], [inputSize, -1]), tf.slice(dw, [inputSize, 0], [units, -1]), db, dh0, dc0];
      },
    };
  });
  const { inputs, inputKernel, inputBias, recurrentKernel, recurrentBias, h0, c0 } = operands;
  return run(inputs, inputKernel, recurrentKernel, tf.add(inputBias, recurrentBias), h0, c0) as tf.Tensor3D;
}

const CUDNN_MODE: Record<CellType, string> = { rnn: 'rnn_tanh', lstm: 'lstm', gru: 'gru' };

/**
 * rnn, lstm or gru over every step on cuDNN: h for every step, [T, B, H]. The parameter buffer
 * is built with tfjs ops outside the fused op, so tfjs differentiates the packing.
 * cuDNN's `host_reserved` output is int8, which tfjs cannot hold, so it stays an addon tensor id,
 * freed after the backward pass (or at once when no gradient is being recorded).
 */
function cudnnSequence(backend: NativeBackend, cell: CellType, operands: FusedOperands): tf.Tensor3D {
  const b = backend.binding;
  const [steps, rows] = operands.inputs.shape;
  const training = recordingGradients();
  const common = [
    attr.type(b, 'T', b.TF_FLOAT),
    attr.string(b, 'rnn_mode', CUDNN_MODE[cell]),
    attr.string(b, 'input_mode', 'linear_input'),
    attr.string(b, 'direction', 'unidirectional'),
    attr.float(b, 'dropout', 0),
    attr.int(b, 'seed', 0),
    attr.int(b, 'seed2', 0),
    attr.int(b, 'num_proj', 0),
    attr.bool(b, 'time_major', true),
  ];
  // Every sequence is full length (masks go to the fallback kernel); made anew in each pass so the
  // backward pass does not depend on a tensor from the forward pass's scope.
  const lengths = () => tf.fill([rows], steps, 'int32');
  const run = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const [x, hIn, cIn, p] = args as tf.Tensor[];
    const save = args[4] as tf.GradSaveFunc;
    const ids = backend.getInputTensorIds([x, hIn, cIn, p, lengths()]);
    const [output, outputH, outputC, reserve, hostReserved] = b.executeOp('CudnnRNNV3', [...common, attr.bool(b, 'is_training', training)], ids, 5);
    const wrapped = [output, outputH, outputC, reserve].map((m) => backend.createOutputTensor(m));
    if (!training) b.deleteTensor(hostReserved.id);
    save([x, hIn, cIn, p, ...wrapped]);
    return {
      value: wrapped[0],
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const [sx, sh, sc, sp, out, outH, outC, sReserve] = saved;
        try {
          const inputIds = backend.getInputTensorIds([
            sx,
            sh,
            sc,
            sp,
            lengths(),
            out,
            outH,
            outC,
            dy,
            tf.zerosLike(outH),
            tf.zerosLike(outC),
            sReserve,
          ]);
          // Outputs: the gradients of input, input_h, input_c and params, the order of this function's inputs.
          const grads = b.executeOp('CudnnRNNBackpropV3', common, [...inputIds, hostReserved.id], 4).map((m) => backend.createOutputTensor(m));
          // Only LSTM reads input_c; for the others its gradient need not even have input_c's shape, which tfjs checks.
          if (cell !== 'lstm') grads[2] = tf.zerosLike(sc);
          return grads;
        } finally {
          b.deleteTensor(hostReserved.id);
        }
      },
    };
  });
  const { inputs, inputKernel, inputBias, recurrentKernel, recurrentBias, h0, c0 } = operands;
  const params = cudnnParams(cell, inputKernel, inputBias, recurrentKernel, recurrentBias);
  return run(inputs, tf.expandDims(h0, 0), tf.expandDims(c0, 0), params) as tf.Tensor3D;
}

/** The fused ops' operands from projected inputs: an identity input kernel and a zero input bias. */
function operandsFromProjected(input: RecurrenceInput): FusedOperands {
  const width = input.projected.shape[2];
  return {
    ...initialStates(input),
    inputs: inTimeOrder(input.projected, input.reverse),
    inputKernel: tf.eye(width) as tf.Tensor2D,
    // b_ih is in the projection; b_hh stays the recurrent bias, where GRU needs it.
    inputBias: tf.zeros([width]) as tf.Tensor1D,
    recurrentKernel: input.recurrentKernel,
    recurrentBias: input.recurrentBias,
  };
}

/** The fused ops' operands from the layer's inputs ([T·B, E], time-major) and W_ih, b_ih. */
function operandsFromInputs(input: ProjectedRecurrenceInput): FusedOperands {
  const { steps } = input;
  const rows = input.input.shape[0] / steps;
  return {
    ...initialStates(input),
    inputs: inTimeOrder(tf.reshape(input.input, [steps, rows, input.input.shape[1]]) as tf.Tensor3D, input.reverse),
    inputKernel: input.inputKernel,
    inputBias: input.inputBias,
    recurrentKernel: input.recurrentKernel,
    recurrentBias: input.recurrentBias,
  };
}

function initialStates(input: Omit<RecurrenceInput, 'projected'>): Pick<FusedOperands, 'h0' | 'c0'> {
  return { h0: input.h0, c0: input.c0 ?? (tf.zerosLike(input.h0) as tf.Tensor2D) };
}

/** The ops run forward in time; the backward direction runs them over the reversed sequence. */
function inTimeOrder(t: tf.Tensor3D, reverse: boolean): tf.Tensor3D {
  return reverse ? (tf.reverse(t, 0) as tf.Tensor3D) : t;
}

/** The fused op for `plan`, with the hidden states put back in input time order. */
function runFused(
  backend: NativeBackend,
  plan: Exclude<NativePlan, 'fallback'>,
  input: Omit<RecurrenceInput, 'projected'>,
  operands: FusedOperands,
): RecurrenceOutput {
  const states = plan === 'BlockLSTMV2' ? blockLstmSequence(backend, operands) : cudnnSequence(backend, input.cell, operands);
  const [steps, rows, units] = states.shape;
  const last = tf.reshape(tf.slice(states, [steps - 1, 0, 0], [1, rows, units]), [rows, units]) as tf.Tensor2D;
  if (!input.returnSequences) return { last };
  return { last, sequence: inTimeOrder(states, input.reverse) };
}

/** The fused op to use for `input`, or undefined where the fallback kernel must run. */
function fusedPlan(
  input: Omit<RecurrenceInput, 'projected'>,
  steps: number,
  rows: number,
): { backend: NativeBackend; plan: Exclude<NativePlan, 'fallback'> } | undefined {
  const backend = activeNativeBackend();
  if (!backend || steps === 0 || rows === 0) return undefined;
  const plan = nativeRecurrencePlan(input.cell, input.mask !== undefined, backend.isUsingGpuDevice);
  return plan === 'fallback' ? undefined : { backend, plan };
}

/**
 * The native kernel: fused TensorFlow ops where they reproduce the cell exactly (see the top of
 * this file), `fallback` everywhere else (rnn and gru on CPU, masks, other backends). Prefer
 * `runWithProjection`; a fallback that has it gets the layer's inputs too.
 */
export function nativeRecurrenceKernel(fallback: RecurrenceKernel | ProjectingRecurrenceKernel = referenceRecurrence): ProjectingRecurrenceKernel {
  const fallbackProjects = typeof (fallback as Partial<ProjectingRecurrenceKernel>).runWithProjection === 'function';
  return {
    name: `native-tensorflow (else ${fallback.name})`,
    run(input: RecurrenceInput): RecurrenceOutput {
      const [steps, rows] = input.projected.shape;
      const fused = fusedPlan(input, steps, rows);
      if (!fused) return fallback.run(input);
      return runFused(fused.backend, fused.plan, input, operandsFromProjected(input));
    },
    runWithProjection(input: ProjectedRecurrenceInput): RecurrenceOutput {
      const { steps } = input;
      const rows = steps > 0 ? input.input.shape[0] / steps : 0;
      const fused = fusedPlan(input, steps, rows);
      if (fused) return runFused(fused.backend, fused.plan, input, operandsFromInputs(input));
      if (fallbackProjects) return (fallback as ProjectingRecurrenceKernel).runWithProjection(input);
      const projected = tf.reshape(tf.add(tf.matMul(input.input, input.inputKernel), input.inputBias), [steps, rows, -1]) as tf.Tensor3D;
      return fallback.run({ ...input, projected });
    },
  };
}

/** The native kernel falling back to the reference kernel. */
export const nativeRecurrence: ProjectingRecurrenceKernel = nativeRecurrenceKernel();
