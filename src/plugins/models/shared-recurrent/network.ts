/**
 * The recurrent text classifier shared by simple-rnn, lstm and gru:
 *
 *   token ids → embedding (padding id 0 → zero vector, never trained)
 *             → recurrent layer(s), optionally bidirectional
 *             → pooling over time (last state | masked mean | masked max)
 *             → dropout (training only) → dense logits
 *
 * Sequences are handled time-major on the host ([T·B] ids), so the embedding lookup and each
 * layer's input projection are one gather and one matrix product for the whole batch.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Features, IndexSequences } from '../../../core/features';
import type { TrainableNetwork } from '../../../core/train/network';
import { Rng } from '../../../core/train/random';
import { GATES, type CellType } from './cells';
import { recurrentKernelName, type RecurrentKernelName } from '../../../core/kernels/recurrent-kernel-choice';
import { fusedNativeRecurrence, fusedRecurrence, projectsInputs } from './fused-recurrence';
import { nativeRecurrenceKernel } from './native-recurrence';
import { embeddingValues, uniformValues } from './init';
import { referenceRecurrence, type RecurrenceKernel } from './recurrence';
import type { NamedWeight } from './weights';

export type Pooling = 'last' | 'mean' | 'max';

export interface RecurrentArchitecture {
  cell: CellType;
  embeddingDim: number;
  units: number;
  layers: number;
  bidirectional: boolean;
  pooling: Pooling;
  maskPadding: boolean;
}

export interface RecurrentShape {
  vocabSize: number;
  nClasses: number;
}

/** A batch, time-major: ids[t·rows + b] is token t of row b. */
export interface SequenceBatch {
  rows: number;
  steps: number;
  ids: Int32Array;
  lengths: Int32Array;
}

const tensorflowOverFused = nativeRecurrenceKernel(fusedRecurrence);

const KERNELS: Record<RecurrentKernelName, RecurrenceKernel> = {
  reference: referenceRecurrence,
  'fused-wasm': fusedRecurrence,
  'fused-native': fusedNativeRecurrence,
  tensorflow: tensorflowOverFused,
};

/**
 * The recurrence kernel for a tfjs backend, as `recurrentKernelName` chooses it (see there, and
 * MLSPEC_RECURRENCE). A kernel that `projectsInputs` also gets the layer's input projection.
 */
export function recurrenceFor(backendName: string): RecurrenceKernel {
  return KERNELS[recurrentKernelName(backendName)];
}

interface DirectionWeights {
  inputKernel: tf.Variable;
  inputBias: tf.Variable;
  recurrentKernel: tf.Variable;
  recurrentBias: tf.Variable;
}

function directions(arch: RecurrentArchitecture): string[] {
  return arch.bidirectional ? ['forward', 'backward'] : ['forward'];
}

/** The names and shapes of every weight, in parameter order. */
export function weightLayout(arch: RecurrentArchitecture, shape: RecurrentShape): { name: string; shape: number[] }[] {
  const g = GATES[arch.cell] * arch.units;
  const dirs = directions(arch);
  const layout = [{ name: 'embedding', shape: [shape.vocabSize, arch.embeddingDim] }];
  for (let l = 0; l < arch.layers; l++) {
    const inputSize = l === 0 ? arch.embeddingDim : arch.units * dirs.length;
    for (const d of dirs) {
      const p = `layer${l}.${d}`;
      layout.push(
        { name: `${p}.inputKernel`, shape: [inputSize, g] },
        { name: `${p}.inputBias`, shape: [g] },
        { name: `${p}.recurrentKernel`, shape: [arch.units, g] },
        { name: `${p}.recurrentBias`, shape: [g] },
      );
    }
  }
  const pooled = arch.units * dirs.length;
  layout.push({ name: 'dense.kernel', shape: [pooled, shape.nClasses] }, { name: 'dense.bias', shape: [shape.nClasses] });
  return layout;
}

/** PyTorch-style initial values for `weightLayout`, drawn in layout order from `rng`. */
export function initialWeights(arch: RecurrentArchitecture, shape: RecurrentShape, rng: Rng): NamedWeight[] {
  const recurrentBound = 1 / Math.sqrt(arch.units);
  const denseBound = 1 / Math.sqrt(arch.units * directions(arch).length);
  return weightLayout(arch, shape).map(({ name, shape: s }) => {
    const size = s.reduce((a, b) => a * b, 1);
    let values: Float32Array;
    if (name === 'embedding') values = embeddingValues(rng, s[0], s[1]);
    else if (name.startsWith('dense.')) values = uniformValues(rng, size, denseBound);
    else values = uniformValues(rng, size, recurrentBound);
    return { name, shape: s, values };
  });
}

export class RecurrentNetwork implements TrainableNetwork<SequenceBatch> {
  readonly params: tf.Variable[];
  private readonly byName = new Map<string, tf.Variable>();
  private readonly dropoutRng: Rng;

  constructor(
    readonly arch: RecurrentArchitecture,
    readonly shape: RecurrentShape,
    weights: readonly NamedWeight[],
    readonly dropoutRate: number,
    dropoutSeed: number,
    /** Fixed kernel; by default `recurrenceFor` the backend in use at each forward pass. */
    private readonly kernel?: RecurrenceKernel,
  ) {
    const layout = weightLayout(arch, shape);
    const given = new Map(weights.map((w) => [w.name, w]));
    this.params = layout.map(({ name, shape: s }) => {
      const w = given.get(name);
      if (!w || w.shape.length !== s.length || w.shape.some((d, i) => d !== s[i])) {
        throw new Error(`weight ${name}: expected shape [${s}], got ${w ? `[${w.shape}]` : 'nothing'}`);
      }
      // In a tidy so the tensor the variable starts from is not left behind.
      const v = tf.tidy(() => tf.variable(tf.tensor(w.values, s, 'float32'), true));
      this.byName.set(name, v);
      return v;
    });
    this.dropoutRng = new Rng(dropoutSeed);
  }

  /** Current weights, copied to the host. */
  weights(): NamedWeight[] {
    return weightLayout(this.arch, this.shape).map(({ name, shape }) => ({
      name,
      shape,
      values: (this.byName.get(name)!.dataSync() as Float32Array).slice(),
    }));
  }

  parameterCount(): number {
    return this.params.reduce((n, p) => n + p.size, 0);
  }

  dispose(): void {
    for (const p of this.params) p.dispose();
  }

  makeBatch(x: Features, positions: readonly number[]): SequenceBatch {
    const seq = x as IndexSequences;
    const rows = positions.length;
    const steps = seq.length;
    const ids = new Int32Array(rows * steps);
    const lengths = new Int32Array(rows);
    positions.forEach((p, b) => {
      lengths[b] = seq.lengths[p];
      for (let t = 0; t < steps; t++) {
        const id = seq.ids[p * steps + t];
        // Ids beyond the trained vocabulary (a featurizer fitted elsewhere) read as padding.
        ids[t * rows + b] = id < this.shape.vocabSize ? id : 0;
      }
    });
    return { rows, steps, ids, lengths };
  }

  logits(batch: SequenceBatch, training: boolean): tf.Tensor2D {
    const { rows, steps } = batch;
    const a = this.arch;
    const ids = tf.tensor1d(batch.ids, 'int32');
    // PyTorch's padding_idx: padding reads the zero vector and passes no gradient to row 0.
    const notPadding = tf.reshape(tf.cast(tf.notEqual(ids, 0), 'float32'), [rows * steps, 1]);
    let input: tf.Tensor2D = tf.mul(tf.gather(this.byName.get('embedding')!, ids), notPadding);
    const stepMask = a.maskPadding || a.pooling !== 'last' ? this.timeMask(batch) : undefined;
    const dirs = directions(a);
    const kernel = this.kernel ?? recurrenceFor(tf.getBackend());
    let lastStates: tf.Tensor2D[] = [];
    let sequences: tf.Tensor3D[] = [];
    for (let l = 0; l < a.layers; l++) {
      const needSequences = l < a.layers - 1 || a.pooling !== 'last';
      const results = dirs.map((d) => {
        const w = this.direction(l, d);
        const zeros = tf.zeros([rows, a.units]) as tf.Tensor2D;
        const recurrence = {
          cell: a.cell,
          recurrentKernel: w.recurrentKernel as tf.Tensor2D,
          recurrentBias: w.recurrentBias as tf.Tensor1D,
          h0: zeros,
          c0: a.cell === 'lstm' ? zeros : undefined,
          mask: a.maskPadding ? stepMask : undefined,
          reverse: d === 'backward',
          returnSequences: needSequences,
        };
        if (projectsInputs(kernel)) {
          return kernel.runWithProjection({
            ...recurrence,
            input,
            steps,
            inputKernel: w.inputKernel as tf.Tensor2D,
            inputBias: w.inputBias as tf.Tensor1D,
          });
        }
        const projected = tf.reshape(tf.add(tf.matMul(input, w.inputKernel), w.inputBias), [steps, rows, -1]) as tf.Tensor3D;
        return kernel.run({ ...recurrence, projected });
      });
      lastStates = results.map((r) => r.last);
      sequences = needSequences ? results.map((r) => r.sequence!) : [];
      if (l < a.layers - 1) {
        const joined = sequences.length === 1 ? sequences[0] : tf.concat(sequences, 2);
        input = tf.reshape(joined, [steps * rows, -1]);
      }
    }
    let pooled = this.pool(lastStates, sequences, stepMask, batch);
    if (training && this.dropoutRate > 0) pooled = tf.mul(pooled, this.dropoutMask(pooled.shape[0], pooled.shape[1]));
    return tf.add(tf.matMul(pooled, this.byName.get('dense.kernel')!), this.byName.get('dense.bias')!);
  }

  private direction(layer: number, dir: string): DirectionWeights {
    const p = `layer${layer}.${dir}`;
    const get = (n: string) => this.byName.get(`${p}.${n}`)!;
    return {
      inputKernel: get('inputKernel'),
      inputBias: get('inputBias'),
      recurrentKernel: get('recurrentKernel'),
      recurrentBias: get('recurrentBias'),
    };
  }

  /** [T, B, 1]: 1 where step t is one of row b's tokens. */
  private timeMask(batch: SequenceBatch): tf.Tensor3D {
    const { rows, steps, lengths } = batch;
    const values = new Float32Array(steps * rows);
    for (let t = 0; t < steps; t++) for (let b = 0; b < rows; b++) values[t * rows + b] = t < lengths[b] ? 1 : 0;
    return tf.tensor3d(values, [steps, rows, 1]);
  }

  private pool(lastStates: tf.Tensor2D[], sequences: tf.Tensor3D[], mask: tf.Tensor3D | undefined, batch: SequenceBatch): tf.Tensor2D {
    const join = (parts: tf.Tensor2D[]) => (parts.length === 1 ? parts[0] : (tf.concat(parts, 1) as tf.Tensor2D));
    if (this.arch.pooling === 'last') return join(lastStates);
    const seq = sequences.length === 1 ? sequences[0] : (tf.concat(sequences, 2) as tf.Tensor3D);
    const m = mask!;
    if (this.arch.pooling === 'mean') {
      // Rows with no tokens (empty texts) divide a zero sum by 1.
      const counts = tf.tensor2d(
        Array.from(batch.lengths, (n) => Math.max(n, 1)),
        [batch.rows, 1],
      );
      return tf.div(tf.sum(tf.mul(seq, m), 0), counts);
    }
    // max: padding steps are pushed far below any tanh-bounded state; rows with no tokens pool to zeros.
    const shifted = tf.add(seq, tf.mul(tf.sub(m, 1), 1e4));
    const hasTokens = tf.tensor2d(
      Array.from(batch.lengths, (n) => (n > 0 ? 1 : 0)),
      [batch.rows, 1],
    );
    return tf.mul(tf.max(shifted, 0), hasTokens);
  }

  /** PyTorch's inverted dropout: keep with probability 1 − rate and scale survivors by 1/(1 − rate). */
  private dropoutMask(rows: number, width: number): tf.Tensor2D {
    const keep = 1 - this.dropoutRate;
    const values = new Float32Array(rows * width);
    for (let i = 0; i < values.length; i++) values[i] = this.dropoutRng.uniform() < keep ? 1 / keep : 0;
    return tf.tensor2d(values, [rows, width]);
  }
}
