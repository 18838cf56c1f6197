/**
 * scikit-learn's TfidfTransformer, in the same arithmetic order so values agree to the last bits:
 * idf = ln(n / df) + 1 with n and df each plus one when smoothing; tf → ln(tf) + 1 when sublinear;
 * rows scaled to unit L2 or L1 norm, sums accumulated left to right as sklearn's Cython loop does.
 */
import type { CsrMatrix } from '../../../core/features';

export type TfidfNorm = 'l1' | 'l2' | null;

export interface TfidfWeighting {
  norm: TfidfNorm;
  sublinearTf: boolean;
  /** Per column, or null when idf is not used. */
  idf: Float64Array | null;
}

export function inverseDocumentFrequencies(documentFrequencies: readonly number[], documents: number, smooth: boolean): Float64Array {
  const extra = smooth ? 1 : 0;
  const idf = new Float64Array(documentFrequencies.length);
  for (let c = 0; c < idf.length; c++) idf[c] = Math.log((documents + extra) / (documentFrequencies[c] + extra)) + 1;
  return idf;
}

/** Weights the counts of `x` in place and returns it. */
export function applyTfidf(x: CsrMatrix, weighting: TfidfWeighting): CsrMatrix {
  const { data, indices, indptr } = x;
  if (weighting.sublinearTf) {
    for (let k = 0; k < data.length; k++) data[k] = Math.log(data[k]) + 1;
  }
  const idf = weighting.idf;
  if (idf) {
    for (let k = 0; k < data.length; k++) data[k] *= idf[indices[k]];
  }
  if (weighting.norm === null) return x;
  const l2 = weighting.norm === 'l2';
  for (let r = 0; r < x.rows; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    let sum = 0;
    for (let k = start; k < end; k++) sum += l2 ? data[k] * data[k] : Math.abs(data[k]);
    if (sum === 0) continue;
    const norm = l2 ? Math.sqrt(sum) : sum;
    for (let k = start; k < end; k++) data[k] /= norm;
  }
  return x;
}
