/**
 * Weight initialisation as PyTorch does it, drawn from a seeded stream:
 *   nn.Embedding: N(0, 1), with the padding row (id 0) zeroed;
 *   nn.RNN / nn.LSTM / nn.GRU: every weight and bias U(−1/√H, 1/√H);
 *   nn.Linear: weight and bias U(−1/√fan_in, 1/√fan_in) (kaiming_uniform with a = √5 reduces to this).
 */
import type { Rng } from '../../../core/train/random';

export function normalValues(rng: Rng, size: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.normal();
  return out;
}

export function uniformValues(rng: Rng, size: number, bound: number): Float32Array {
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) out[i] = rng.uniformIn(-bound, bound);
  return out;
}

/** [vocabSize × dim] N(0, 1) rows, row 0 (padding) all zeros. */
export function embeddingValues(rng: Rng, vocabSize: number, dim: number): Float32Array {
  const out = normalValues(rng, vocabSize * dim);
  out.fill(0, 0, dim);
  return out;
}
