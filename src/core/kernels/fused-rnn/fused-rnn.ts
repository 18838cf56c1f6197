/**
 * Whole-sequence recurrent kernels over Float32Arrays: one call runs every step of one batch
 * forward, and the tape it returns runs the whole backpropagation through time in one call. The
 * cells follow PyTorch (rnn tanh; lstm gates i, f, g, o; gru r, z, n with
 * n = tanh(x_n + r ⊙ (h·W_hn + b_hn))); the recurrent bias is added inside, for every cell.
 * The input projection x_t·W_ih + b_ih is either given (`projected`) or done inside, step by step
 * (`inputProjection`), which also keeps its gradients (input, W_ih, b_ih) out of the caller's ops.
 *
 * Results do not depend on the thread count: rows are processed in fixed shares and the
 * per-share weight gradients are added in share order.
 */
import { CELL_CODE, JOB_KIND, type JobFields } from './layout';
import { fusedRnnRuntime, type FusedRnnEngine, type FusedRnnRuntime } from './runtime';

export type FusedCell = keyof typeof CELL_CODE;

const GATE_COUNT: Record<FusedCell, number> = { rnn: 1, lstm: 4, gru: 3 };
/** Floats saved per row and step for backward: lstm i f g o tanh(c'), gru r z n (h·W_hn + b_hn). */
const SAVED_PER_UNIT: Record<FusedCell, number> = { rnn: 0, lstm: 5, gru: 4 };
/**
 * Rows per share: one row tile of the 4×8 register-tiled products (as fast per row as larger
 * blocks), and small shares keep threads balanced when one of them starts late or is preempted.
 */
const SHARE_ROWS = 4;

/** The layer's inputs and input weights, for a projection done inside the kernel. */
export interface FusedInputProjection {
  /** E, the width of one input vector. */
  width: number;
  /** x_t for every step, [T, B, E] in time order. */
  input: Float32Array;
  /** W_ih, [E, G·H]. */
  inputKernel: Float32Array;
  /** b_ih, [G·H]. */
  inputBias: Float32Array;
}

export interface FusedForwardInput {
  cell: FusedCell;
  steps: number;
  rows: number;
  units: number;
  /** x_t·W_ih + b_ih for every step, [T, B, G·H] in time order; or give `inputProjection`. */
  projected?: Float32Array;
  inputProjection?: FusedInputProjection;
  /** W_hh, [H, G·H]. */
  recurrentKernel: Float32Array;
  /** b_hh, [G·H]. */
  recurrentBias: Float32Array;
  /** [B, H]. */
  h0: Float32Array;
  /** [B, H], lstm only; zeros when absent. */
  c0?: Float32Array;
  /** [T, B], every value 0 or 1: at 0 the state is carried over unchanged. */
  mask?: Float32Array;
  /** Run from the last step to the first. */
  reverse: boolean;
  /** Also return every step's hidden state. */
  returnSequences: boolean;
  /** Keep what backward needs and return it as `tape`. */
  keepForBackward: boolean;
  /** Which build of the kernels runs: the WebAssembly module (default) or the native addon. */
  engine?: FusedRnnEngine;
}

export interface FusedForwardOutput {
  /** The hidden state after the last step processed, [B, H]. */
  last: Float32Array;
  /** The hidden state after each step, in time order, [T, B, H] (when returnSequences). */
  sequence?: Float32Array;
  /** Backward for this forward pass (when keepForBackward). */
  tape?: FusedRecurrenceTape;
}

export interface FusedOutputGradients {
  /** dL/d(sequence), [T, B, H]. */
  dSequence?: Float32Array;
  /** dL/d(last), [B, H]. */
  dLast?: Float32Array;
}

export interface FusedGradients {
  /** With `projected` given. */
  dProjected?: Float32Array;
  /** With `inputProjection`: [T, B, E], [E, G·H], [G·H]. */
  dInput?: Float32Array;
  dInputKernel?: Float32Array;
  dInputBias?: Float32Array;
  dRecurrentKernel: Float32Array;
  dRecurrentBias: Float32Array;
  dH0: Float32Array;
  /** lstm only. */
  dC0?: Float32Array;
}

interface Dimensions {
  cell: FusedCell;
  steps: number;
  rows: number;
  units: number;
  reverse: boolean;
  /** E when the projection is inside, else 0. */
  inWidth: number;
}

/** Buffers of a tape, as byte offsets in the runtime's heap. */
interface SavedBuffers {
  w: number;
  mask?: number;
  h: number;
  c?: number;
  act?: number;
  /** The inputs and W_ih, when the projection is inside. */
  in?: number;
  wIh?: number;
}

function releaseAll(runtime: FusedRnnRuntime, offsets: (number | undefined)[]): void {
  for (const offset of offsets) if (offset !== undefined) runtime.heap.release(offset);
}

/** Frees the buffers of tapes that were dropped without running backward (e.g. a gradient that did not need them). */
const unusedTapes = new FinalizationRegistry<{ runtime: FusedRnnRuntime; buffers: SavedBuffers }>(({ runtime, buffers }) => {
  releaseAll(runtime, Object.values(buffers));
});

/** What backward needs from one forward pass; its buffers are freed by `backward` or `release`. */
export class FusedRecurrenceTape {
  private released = false;

  constructor(
    private readonly runtime: FusedRnnRuntime,
    private readonly dims: Dimensions,
    private readonly buffers: SavedBuffers,
  ) {
    unusedTapes.register(this, { runtime, buffers }, this);
  }

  /** Gradients of the forward inputs from the gradients of its outputs; frees the tape. */
  backward(grads: FusedOutputGradients): FusedGradients {
    if (this.released) throw new Error('this fused recurrence tape was already used or released');
    const { cell, steps: T, rows: B, units: H, inWidth: E } = this.dims;
    const N = GATE_COUNT[cell] * H;
    expectLength('dSequence', grads.dSequence, T * B * H);
    expectLength('dLast', grads.dLast, B * H);
    const { runtime } = this;
    const heap = runtime.heap;
    const shares = Math.ceil(B / SHARE_ROWS);
    const projects = E > 0;
    const scratch: (number | undefined)[] = [];
    const alloc = (floats: number) => {
      const offset = heap.alloc(floats * 4);
      scratch.push(offset);
      return offset;
    };
    const copy = (values: Float32Array | undefined) => {
      if (!values) return undefined;
      const offset = heap.allocFloats(values);
      scratch.push(offset);
      return offset;
    };
    try {
      const dx = alloc(T * B * N);
      const fields: JobFields = {
        ...this.jobDimensions(),
        kind: JOB_KIND.backward,
        ...this.buffers,
        wt: alloc(N * H),
        dySeq: copy(grads.dSequence),
        dyLast: copy(grads.dLast),
        dx,
        dhh: cell === 'gru' ? alloc(T * B * N) : dx,
        dh: alloc(B * H),
        dc: cell === 'lstm' ? alloc(B * H) : undefined,
        dw: alloc(shares * H * N),
        db: alloc(shares * N),
        dbx: cell === 'gru' ? alloc(shares * N) : undefined,
        wIht: projects ? alloc(N * E) : undefined,
        din: projects ? alloc(T * B * E) : undefined,
        dwIh: projects ? alloc(shares * E * N) : undefined,
      };
      const k = runtime.kernels;
      k.transpose(this.buffers.w, fields.wt!, H, N);
      if (projects) k.transpose(this.buffers.wIh!, fields.wIht!, E, N);
      runtime.execute(fields, shares);
      k.sumParts(fields.dw!, shares, H * N);
      k.sumParts(fields.db!, shares, N);
      if (fields.dbx !== undefined) k.sumParts(fields.dbx, shares, N);
      if (projects) k.sumParts(fields.dwIh!, shares, E * N);
      const f32 = heap.f32();
      const read = (offset: number, length: number) => f32.slice(offset >> 2, (offset >> 2) + length);
      const out: FusedGradients = {
        dRecurrentKernel: read(fields.dw!, H * N),
        dRecurrentBias: read(fields.db!, N),
        dH0: read(fields.dh!, B * H),
        dC0: fields.dc !== undefined ? read(fields.dc, B * H) : undefined,
      };
      if (!projects) {
        out.dProjected = read(dx, T * B * N);
      } else {
        out.dInput = read(fields.din!, T * B * E);
        out.dInputKernel = read(fields.dwIh!, E * N);
        // Σ dx: for rnn and lstm the same sum as b_hh's gradient (b_ih and b_hh add alike).
        out.dInputBias = fields.dbx !== undefined ? read(fields.dbx, N) : out.dRecurrentBias.slice();
      }
      return out;
    } finally {
      releaseAll(runtime, scratch);
      this.release();
    }
  }

  /** Frees the saved buffers without running backward. */
  release(): void {
    if (this.released) return;
    this.released = true;
    unusedTapes.unregister(this);
    releaseAll(this.runtime, Object.values(this.buffers));
  }

  private jobDimensions(): JobFields {
    const { cell, steps, rows, units, reverse, inWidth } = this.dims;
    return { cell: CELL_CODE[cell], steps, rows, units, reverse: reverse ? 1 : 0, shareRows: SHARE_ROWS, inWidth };
  }
}

function expectLength(name: string, values: Float32Array | undefined, length: number): void {
  if (values && values.length !== length) throw new Error(`fused recurrence: ${name} has ${values.length} values, expected ${length}`);
}

/** True when every mask value is exactly 0 or 1 (what the kernels support). */
export function isBinaryMask(mask: Float32Array): boolean {
  for (let i = 0; i < mask.length; i++) if (mask[i] !== 0 && mask[i] !== 1) return false;
  return true;
}

/** Runs the recurrence over every step of the batch. */
export function fusedRecurrenceForward(input: FusedForwardInput): FusedForwardOutput {
  const { cell, steps: T, rows: B, units: H, reverse } = input;
  const N = GATE_COUNT[cell] * H;
  for (const [name, n] of [
    ['steps', T],
    ['rows', B],
    ['units', H],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) throw new Error(`fused recurrence: ${name} must be a positive integer, got ${n}`);
  }
  const projection = input.inputProjection;
  if ((input.projected === undefined) === (projection === undefined)) throw new Error('fused recurrence: give either projected or inputProjection');
  const E = projection?.width ?? 0;
  if (projection && (!Number.isInteger(E) || E < 1)) throw new Error(`fused recurrence: the input width must be a positive integer, got ${E}`);
  expectLength('projected', input.projected, T * B * N);
  expectLength('input', projection?.input, T * B * E);
  expectLength('inputKernel', projection?.inputKernel, E * N);
  expectLength('inputBias', projection?.inputBias, N);
  expectLength('recurrentKernel', input.recurrentKernel, H * N);
  expectLength('recurrentBias', input.recurrentBias, N);
  expectLength('h0', input.h0, B * H);
  expectLength('c0', input.c0, B * H);
  expectLength('mask', input.mask, T * B);
  if (input.mask && !isBinaryMask(input.mask)) throw new Error('fused recurrence: mask values must be 0 or 1');

  const runtime = fusedRnnRuntime(input.engine ?? 'wasm');
  const heap = runtime.heap;
  const stateSize = (T + 1) * B * H;
  const x = input.projected ? heap.allocFloats(input.projected) : undefined;
  const bIh = projection ? heap.allocFloats(projection.inputBias) : undefined;
  const xtmp = projection ? heap.alloc(B * N * 4) : undefined;
  const bias = heap.allocFloats(input.recurrentBias);
  const tmp = heap.alloc(B * N * 4);
  const saved: SavedBuffers = {
    in: projection ? heap.allocFloats(projection.input) : undefined,
    wIh: projection ? heap.allocFloats(projection.inputKernel) : undefined,
    w: heap.allocFloats(input.recurrentKernel),
    mask: input.mask ? heap.allocFloats(input.mask) : undefined,
    h: heap.alloc(stateSize * 4),
    c: cell === 'lstm' ? heap.alloc(stateSize * 4) : undefined,
    // Without backward, one step's worth is enough (the kernel overwrites it every step).
    act: SAVED_PER_UNIT[cell] > 0 ? heap.alloc((input.keepForBackward ? T : 1) * B * SAVED_PER_UNIT[cell] * H * 4) : undefined,
  };
  let keep = false;
  try {
    const f32 = heap.f32();
    f32.set(input.h0, saved.h >> 2);
    if (saved.c !== undefined) {
      if (input.c0) f32.set(input.c0, saved.c >> 2);
      else f32.fill(0, saved.c >> 2, (saved.c >> 2) + B * H);
    }
    const dims: Dimensions = { cell, steps: T, rows: B, units: H, reverse, inWidth: E };
    runtime.execute(
      {
        kind: JOB_KIND.forward,
        cell: CELL_CODE[cell],
        steps: T,
        rows: B,
        units: H,
        reverse: reverse ? 1 : 0,
        shareRows: SHARE_ROWS,
        inWidth: E,
        keepAct: input.keepForBackward ? 1 : 0,
        x,
        bias,
        tmp,
        bIh,
        xtmp,
        ...saved,
      },
      Math.ceil(B / SHARE_ROWS),
    );
    const states = heap.f32().subarray(saved.h >> 2, (saved.h >> 2) + stateSize);
    const output: FusedForwardOutput = { last: states.slice(T * B * H) };
    if (input.returnSequences) output.sequence = sequenceInTimeOrder(states, T, B * H, reverse);
    if (input.keepForBackward) {
      output.tape = new FusedRecurrenceTape(runtime, dims, saved);
      keep = true;
    }
    return output;
  } finally {
    releaseAll(runtime, [x, bias, tmp, bIh, xtmp]);
    if (!keep) releaseAll(runtime, Object.values(saved));
  }
}

/** states[k] is the state after k steps run; the output at time t is the state after the step at t. */
function sequenceInTimeOrder(states: Float32Array, steps: number, stepSize: number, reverse: boolean): Float32Array {
  if (!reverse) return states.slice(stepSize);
  const out = new Float32Array(steps * stepSize);
  for (let t = 0; t < steps; t++) {
    const k = steps - t;
    out.set(states.subarray(k * stepSize, (k + 1) * stepSize), t * stepSize);
  }
  return out;
}
