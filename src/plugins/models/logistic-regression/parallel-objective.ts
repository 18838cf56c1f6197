/**
 * The logistic loss and its gradient over a large CSR matrix on two cores. The rows are cut into
 * two blocks of about equal non-zeros; a worker thread evaluates the second block while the main
 * thread evaluates the first, and the main thread adds the two. The block count does not depend
 * on the machine: with one core both blocks run on the main thread, in the same order, so a fit
 * gives the same numbers everywhere. Small problems (the parity fixtures among them) keep the
 * single-block objective: a thread costs more than it saves there, and their arithmetic stays
 * exactly what it was.
 *
 * The worker owns a copy of its block in shared memory; parameters go to it through a shared
 * buffer and each evaluation is one Atomics notify/wait round trip.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { CsrMatrix } from '../../../core/features';
import {
  blockKernel,
  blockKernelSource,
  finishObjective,
  parameterRows,
  scoresBuffer,
  scoresLength,
  softmaxObjective,
  type SoftmaxProblem,
} from './softmax-loss';

/** Below this many stored values one block is faster (and the arithmetic stays the sequential one). */
export const PARALLEL_MIN_NONZEROS = 1_000_000;

export interface Objective {
  evaluate(w: Float64Array, gradient: Float64Array): number;
  /** How many threads evaluate it. */
  threads: number;
  /** Stops the worker thread; call once the fit is over. */
  dispose(): void;
}

// Control words: [0] job sequence (main → worker), [1] finished sequence (worker → main), [2] stop, [3] failed.
const SEQ = 0;
const DONE = 1;
const STOP = 2;
const FAILED = 3;

/**
 * The worker: the kernels arrive as source text (a file would have to exist as JavaScript both
 * under ts-jest and after the build) and are compiled inside a try, so that any failure to start,
 * as well as one while evaluating, is reported through the FAILED word the main thread watches
 * while it waits (it cannot hear the worker's events then: it is blocked in Atomics.wait).
 */
const WORKER_SOURCE = `
'use strict';
const { workerData: d } = require('worker_threads');
const ctl = new Int32Array(d.control);
const fail = (error) => {
  Atomics.store(ctl, ${FAILED}, 1);
  Atomics.store(ctl, ${DONE}, -1); // a value the main thread is not waiting on: it cannot miss the failure
  Atomics.notify(ctl, ${DONE});
  throw error;
};
let run;
try {
  const blockLossAndGradient = new Function(d.kernels + '\\nreturn blockLossAndGradient;')();
  const x = { kind: 'csr', rows: d.rows, cols: d.cols, indptr: new Int32Array(d.indptr), indices: new Int32Array(d.indices), data: new Float64Array(d.data) };
  const y = new Int32Array(d.y);
  const w = new Float64Array(d.w);
  const gradient = new Float64Array(d.gradient);
  const loss = new Float64Array(d.loss);
  const scores = new Float64Array(d.scoresLength);
  run = () => (loss[0] = blockLossAndGradient(w, x, y, d.P, d.fitIntercept, scores, gradient));
} catch (error) {
  fail(error);
}
let seen = 0;
for (;;) {
  Atomics.wait(ctl, ${SEQ}, seen);
  if (Atomics.load(ctl, ${STOP}) !== 0) break;
  seen = Atomics.load(ctl, ${SEQ});
  try {
    run();
  } catch (error) {
    fail(error);
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

export interface ObjectiveOptions {
  /** Most threads to use; default: two, or one on a one-core machine. */
  threads?: number;
  /** Smallest number of stored values evaluated in two blocks; default PARALLEL_MIN_NONZEROS. */
  minNonzeros?: number;
}

/** The objective of `problem`, on two blocks when it is large enough. */
export function createObjective(problem: SoftmaxProblem, options: ObjectiveOptions = {}): Objective {
  const { x, y, nClasses, fitIntercept, l2 } = problem;
  const threads = Math.min(options.threads ?? 2, availableParallelism());
  if (x.indptr[x.rows] < (options.minNonzeros ?? PARALLEL_MIN_NONZEROS) || x.rows < 2) {
    const evaluate = softmaxObjective(problem);
    return { evaluate, threads: 1, dispose: () => {} };
  }
  const P = parameterRows(nClasses);
  const nParams = (x.cols + (fitIntercept ? 1 : 0)) * P;
  const cut = balancedCut(x);
  const first: CsrMatrix = { kind: 'csr', rows: cut, cols: x.cols, indptr: x.indptr.subarray(0, cut + 1), indices: x.indices, data: x.data };
  const yFirst = y.subarray(0, cut);
  const blockLossAndGradient = blockKernel(P);
  const scores = scoresBuffer(cut, P);
  const second = sharedBlock(x, cut, y, nParams);
  /** Adds the second block's gradient to the first's, then takes the mean and adds the penalty. */
  const combine = (total: number, w: Float64Array, gradient: Float64Array, other: Float64Array): number => {
    for (let j = 0; j < gradient.length; j++) gradient[j] += other[j];
    return finishObjective(total, w, gradient, x.cols * P, x.rows, l2);
  };

  if (threads < 2) {
    // Same blocks, same order, one thread.
    const local = blockViews(second, x.cols);
    const scores2 = scoresBuffer(local.x.rows, P);
    const evaluate = (w: Float64Array, gradient: Float64Array): number => {
      let total = blockLossAndGradient(w, first, yFirst, P, fitIntercept, scores, gradient);
      total += blockLossAndGradient(w, local.x, local.y, P, fitIntercept, scores2, local.gradient);
      return combine(total, w, gradient, local.gradient);
    };
    return { evaluate, threads: 1, dispose: () => {} };
  }

  const control = new Int32Array(new SharedArrayBuffer(4 * Int32Array.BYTES_PER_ELEMENT));
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      ...second,
      control: control.buffer,
      P,
      fitIntercept,
      cols: x.cols,
      kernels: blockKernelSource(P),
      scoresLength: scoresLength(second.rows, P),
    },
  });
  worker.unref();
  let workerError: Error | undefined;
  worker.on('error', (error) => (workerError = error)); // its message, once the main thread sees FAILED
  const sharedW = new Float64Array(second.w);
  const workerGradient = new Float64Array(second.gradient);
  const workerLoss = new Float64Array(second.loss);
  let sequence = 0;

  const evaluate = (w: Float64Array, gradient: Float64Array): number => {
    sharedW.set(w);
    sequence++;
    Atomics.store(control, SEQ, sequence);
    Atomics.notify(control, SEQ);
    let total = blockLossAndGradient(w, first, yFirst, P, fitIntercept, scores, gradient);
    for (;;) {
      if (Atomics.load(control, FAILED) !== 0)
        throw new Error(`logistic-regression: the worker thread failed to evaluate the loss${workerError ? `: ${workerError.message}` : ''}`);
      const done = Atomics.load(control, DONE);
      if (done === sequence) break;
      Atomics.wait(control, DONE, done);
    }
    total += workerLoss[0];
    return combine(total, w, gradient, workerGradient);
  };

  return {
    evaluate,
    threads: 2,
    dispose: () => {
      Atomics.store(control, STOP, 1);
      Atomics.add(control, SEQ, 1);
      Atomics.notify(control, SEQ);
      void worker.terminate();
    },
  };
}

/** The row where the stored values are split in two halves. */
function balancedCut(x: CsrMatrix): number {
  const half = x.indptr[x.rows] / 2;
  let lo = 1;
  let hi = x.rows - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (x.indptr[mid] < half) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

interface SharedBlock {
  rows: number;
  indptr: SharedArrayBuffer;
  indices: SharedArrayBuffer;
  data: SharedArrayBuffer;
  y: SharedArrayBuffer;
  w: SharedArrayBuffer;
  gradient: SharedArrayBuffer;
  loss: SharedArrayBuffer;
}

/** Rows [cut, rows) of x (indptr rebased to 0) and their labels, in shared memory, with parameter and result buffers. */
function sharedBlock(x: CsrMatrix, cut: number, y: Int32Array, nParams: number): SharedBlock {
  const rows = x.rows - cut;
  const base = x.indptr[cut];
  const nnz = x.indptr[x.rows] - base;
  const indptr = new Int32Array(new SharedArrayBuffer((rows + 1) * 4));
  for (let i = 0; i <= rows; i++) indptr[i] = x.indptr[cut + i] - base;
  const indices = new Int32Array(new SharedArrayBuffer(nnz * 4));
  indices.set(x.indices.subarray(base, base + nnz));
  const data = new Float64Array(new SharedArrayBuffer(nnz * 8));
  data.set(x.data.subarray(base, base + nnz));
  const labels = new Int32Array(new SharedArrayBuffer(rows * 4));
  labels.set(y.subarray(cut));
  return {
    rows,
    indptr: indptr.buffer as SharedArrayBuffer,
    indices: indices.buffer as SharedArrayBuffer,
    data: data.buffer as SharedArrayBuffer,
    y: labels.buffer as SharedArrayBuffer,
    w: new SharedArrayBuffer(nParams * 8),
    gradient: new SharedArrayBuffer(nParams * 8),
    loss: new SharedArrayBuffer(8),
  };
}

function blockViews(block: SharedBlock, cols: number): { x: CsrMatrix; y: Int32Array; gradient: Float64Array } {
  return {
    x: {
      kind: 'csr',
      rows: block.rows,
      cols,
      indptr: new Int32Array(block.indptr),
      indices: new Int32Array(block.indices),
      data: new Float64Array(block.data),
    },
    y: new Int32Array(block.y),
    gradient: new Float64Array(block.gradient),
  };
}
