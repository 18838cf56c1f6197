/**
 * The reference recurrence against the cells' equations written out over plain numbers (PyTorch's
 * documentation of nn.RNN, nn.LSTM and nn.GRU), including the reverse direction and the padding mask.
 */
import * as tf from '@tensorflow/tfjs-core';
import '../../../core/backend';
import { Rng } from '../../../core/train/random';
import { GATES, type CellType } from './cells';
import { referenceRecurrence } from './recurrence';

const sigmoid = (v: number) => 1 / (1 + Math.exp(-v));

/** y = x·W (+ b) for one row; W is [in × out] row-major. */
function rowTimes(x: number[], w: Float32Array, out: number, bias?: Float32Array): number[] {
  return Array.from({ length: out }, (_, j) => x.reduce((s, xi, i) => s + xi * w[i * out + j], bias ? bias[j] : 0));
}

/** One sequence row through a cell, by the textbook equations. projected[t] already holds x_t·W_ih + b_ih. */
function byHand(
  cell: CellType,
  projected: number[][],
  wh: Float32Array,
  bh: Float32Array,
  units: number,
  mask: number[] | undefined,
  reverse: boolean,
) {
  let h = new Array<number>(units).fill(0);
  let c = new Array<number>(units).fill(0);
  const sequence: number[][] = new Array(projected.length);
  const order = projected.map((_, t) => t);
  if (reverse) order.reverse();
  for (const t of order) {
    const x = projected[t];
    const hh = rowTimes(h, wh, GATES[cell] * units, bh);
    let hNext: number[];
    let cNext = c;
    if (cell === 'rnn') {
      hNext = x.map((v, j) => Math.tanh(v + hh[j]));
    } else if (cell === 'lstm') {
      const z = x.map((v, j) => v + hh[j]);
      const gate = (k: number, j: number) => z[k * units + j];
      cNext = c.map((cj, j) => sigmoid(gate(1, j)) * cj + sigmoid(gate(0, j)) * Math.tanh(gate(2, j)));
      hNext = cNext.map((cj, j) => sigmoid(gate(3, j)) * Math.tanh(cj));
    } else {
      hNext = h.map((hj, j) => {
        const r = sigmoid(x[j] + hh[j]);
        const z = sigmoid(x[units + j] + hh[units + j]);
        const n = Math.tanh(x[2 * units + j] + r * hh[2 * units + j]);
        return (1 - z) * n + z * hj;
      });
    }
    if (!mask || mask[t] === 1) {
      h = hNext;
      c = cNext;
    }
    sequence[t] = h;
  }
  return { last: h, sequence };
}

describe.each(['rnn', 'lstm', 'gru'] as CellType[])('reference recurrence, %s cell', (cell) => {
  const steps = 4;
  const rows = 2;
  const units = 3;
  const g = GATES[cell] * units;
  const rng = new Rng(cell.length * 17);
  const values = (n: number) => Float32Array.from({ length: n }, () => rng.uniformIn(-1, 1));
  const projected = values(steps * rows * g);
  const wh = values(units * g);
  const bh = values(g);
  const projectedRow = (b: number) =>
    Array.from({ length: steps }, (_, t) => Array.from(projected.subarray((t * rows + b) * g, (t * rows + b + 1) * g)));
  // Row 0 has 4 tokens, row 1 has 2 (then padding).
  const maskRows = [
    [1, 1, 1, 1],
    [1, 1, 0, 0],
  ];

  it.each([
    ['forward over the padding', false, false],
    ['forward with the padding mask', false, true],
    ['reverse', true, false],
    ['reverse with the padding mask', true, true],
  ])('%s', (_name, reverse, masked) => {
    const result = tf.tidy(() => {
      const maskValues = Float32Array.from({ length: steps * rows }, (_, i) => maskRows[i % rows][Math.floor(i / rows)]);
      const out = referenceRecurrence.run({
        cell,
        projected: tf.tensor3d(projected, [steps, rows, g]),
        recurrentKernel: tf.tensor2d(wh, [units, g]),
        recurrentBias: tf.tensor1d(bh),
        h0: tf.zeros([rows, units]),
        c0: cell === 'lstm' ? tf.zeros([rows, units]) : undefined,
        mask: masked ? tf.tensor3d(maskValues, [steps, rows, 1]) : undefined,
        reverse,
        returnSequences: true,
      });
      return { last: out.last.arraySync() as number[][], sequence: out.sequence!.arraySync() as number[][][] };
    });
    for (let b = 0; b < rows; b++) {
      const expected = byHand(cell, projectedRow(b), wh, bh, units, masked ? maskRows[b] : undefined, reverse);
      expected.last.forEach((v, j) => expect(result.last[b][j]).toBeCloseTo(v, 5));
      for (let t = 0; t < steps; t++) expected.sequence[t].forEach((v, j) => expect(result.sequence[t][b][j]).toBeCloseTo(v, 5));
    }
  });
});
