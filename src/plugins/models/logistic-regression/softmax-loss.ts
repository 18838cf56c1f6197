/**
 * The L2-penalised logistic loss scikit-learn's `LogisticRegression(solver='lbfgs')` minimises,
 * over sparse CSR features:
 *
 *   mean_i [ logsumexp(raw_i) - raw_i[y_i] ] + (l2 / 2)·‖W‖²,   raw_i = W·x_i + b,  l2 = 1/(C·n)
 *
 * with the intercepts b not penalised (sklearn's LinearModelLoss with HalfMultinomialLoss). With
 * two classes sklearn fits one weight vector with the binomial loss log(1 + e^z) - y·z
 * (HalfBinomialLoss): the softmax over the logits [0, z]. `binary` below means that case: one
 * parameter row whose class-0 logit is fixed at 0.
 *
 * Parameter layout follows sklearn's (classes contiguous per feature, intercepts last):
 * w[j·P + p] is feature j's weight for parameter row p, w[F·P + p] the intercept of row p,
 * with P = 1 when binary, else the number of classes.
 *
 * An evaluation computes, as sklearn does, the scores (X·Wᵀ + b), the pointwise loss and its
 * residuals (probabilities minus one-hot targets), then the gradient (Xᵀ·residuals). For 3 to
 * MAX_FUSED_CLASSES classes it does all three in one pass over the rows, with the row's scores in
 * local variables (fusedKernelSource: the code is written out for the number of classes); otherwise
 * in three passes (the generic kernels below). Both add the same numbers in the same order, so they
 * give the same bits.
 */
import type { CsrMatrix } from '../../../core/features';

export interface SoftmaxProblem {
  x: CsrMatrix;
  /** Each row's class, 0 .. nClasses-1. */
  y: Int32Array;
  nClasses: number;
  fitIntercept: boolean;
  /** Penalty strength on the weights: sklearn's 1 / (C · n_samples). */
  l2: number;
}

/** Parameter rows: one for two classes (binomial), one per class otherwise. */
export function parameterRows(nClasses: number): number {
  return nClasses === 2 ? 1 : nClasses;
}

export function parameterCount(nFeatures: number, nClasses: number, fitIntercept: boolean): number {
  return (nFeatures + (fitIntercept ? 1 : 0)) * parameterRows(nClasses);
}

/** Builds the objective for the L-BFGS minimiser; its scratch buffer is allocated once here. */
export function softmaxObjective(problem: SoftmaxProblem): (w: Float64Array, gradient: Float64Array) => number {
  const { x, y, nClasses, fitIntercept, l2 } = problem;
  const P = parameterRows(nClasses);
  const kernel = blockKernel(P);
  const scores = scoresBuffer(x.rows, P);
  return (w, gradient) => {
    const total = kernel(w, x, y, P, fitIntercept, scores, gradient);
    return finishObjective(total, w, gradient, x.cols * P, x.rows, l2);
  };
}

/**
 * The data part of the objective over one block of rows: returns Σ_i loss_i and writes Σ_i of the
 * gradient (over the weights, then the intercepts) into `gradient`, unscaled. Self-contained (it
 * calls only the kernels below), so a worker thread can run it from its source text.
 */
export function blockLossAndGradient(
  w: Float64Array,
  x: CsrMatrix,
  y: Int32Array,
  P: number,
  fitIntercept: boolean,
  scores: Float64Array,
  gradient: Float64Array,
): number {
  scoreRows(w, x, P, fitIntercept, scores);
  const total = P === 1 ? binomialResiduals(scores, y) : multinomialResiduals(scores, y, P);
  gradient.fill(0);
  accumulateGradient(scores, x, P, gradient);
  if (fitIntercept) sumColumns(scores, P, gradient, x.cols * P, y.length);
  return total;
}

/** Mean over the n rows plus the penalty (l2 / 2)·‖W‖² on the first nWeights parameters. */
export function finishObjective(total: number, w: Float64Array, gradient: Float64Array, nWeights: number, rows: number, l2: number): number {
  const invN = 1 / rows;
  let norm2 = 0;
  for (let j = 0; j < nWeights; j++) {
    norm2 += w[j] * w[j];
    gradient[j] = gradient[j] * invN + l2 * w[j];
  }
  for (let j = nWeights; j < gradient.length; j++) gradient[j] *= invN;
  return total * invN + 0.5 * l2 * norm2;
}

/** The kernels' source, for a worker thread that evaluates blocks of rows (parallel-objective.ts). */
export function kernelSource(): string {
  return [blockLossAndGradient, scoreRows, accumulateGradient, sumColumns, multinomialResiduals, binomialResiduals, sigmoid]
    .map((f) => f.toString())
    .join('\n');
}

export type BlockKernel = typeof blockLossAndGradient;

/** Up to this many classes the one-pass kernel is written out; its scores live in registers. */
export const MAX_FUSED_CLASSES = 16;

/**
 * The source text of the block kernel for P parameter rows, defining `blockLossAndGradient` with
 * blockLossAndGradient's signature (a worker thread compiles the same text as the main thread).
 */
export function blockKernelSource(P: number): string {
  return P >= 3 && P <= MAX_FUSED_CLASSES ? fusedKernelSource(P) : kernelSource();
}

const compiledKernels = new Map<number, BlockKernel>();

/** The block kernel for P parameter rows, compiled once per P. */
export function blockKernel(P: number): BlockKernel {
  let kernel = compiledKernels.get(P);
  if (!kernel) {
    kernel = new Function(`${blockKernelSource(P)}\nreturn blockLossAndGradient;`)() as BlockKernel;
    compiledKernels.set(P, kernel);
  }
  return kernel;
}

/** Length of the scratch scores the generic kernels need (the fused one keeps them in registers). */
export function scoresLength(rows: number, P: number): number {
  return P >= 3 && P <= MAX_FUSED_CLASSES ? 0 : rows * P;
}

export function scoresBuffer(rows: number, P: number): Float64Array {
  return new Float64Array(scoresLength(rows, P));
}

/**
 * One pass over the rows for P (3 to MAX_FUSED_CLASSES) classes: the row's scores in P local
 * variables, its loss and residuals, then its gradient while the row is in cache. The arithmetic
 * is the generic kernels' in the same order (scores summed over the row's values then the
 * intercept; the softmax less the largest score; gradient and intercept sums in row order).
 */
function fusedKernelSource(P: number): string {
  const each = (f: (p: number) => string, sep = ' ') => Array.from({ length: P }, (_, p) => f(p)).join(sep);
  return `function blockLossAndGradient(w, x, y, P, fitIntercept, scores, gradient) {
  const rows = x.rows, indptr = x.indptr, indices = x.indices, data = x.data;
  const interceptBase = x.cols * ${P};
  ${each((p) => `const b${p} = fitIntercept ? w[interceptBase + ${p}] : 0;`)}
  ${each((p) => `let g${p} = 0;`)}
  gradient.fill(0);
  let total = 0;
  for (let i = 0; i < rows; i++) {
    const start = indptr[i];
    const end = indptr[i + 1];
    ${each((p) => `let s${p} = 0;`)}
    for (let k = start; k < end; k++) {
      const v = data[k];
      const c = indices[k] * ${P};
      ${each((p) => `s${p} += v * w[c + ${p}];`)}
    }
    if (fitIntercept) { ${each((p) => `s${p} += b${p};`)} }
    const yi = y[i];
    const scoreY = ${each((p) => (p < P - 1 ? `yi === ${p} ? s${p} :` : `s${p}`))};
    let max = s0;
    ${each((p) => (p === 0 ? '' : `if (s${p} > max) max = s${p};`))}
    let sum = 0;
    ${each((p) => `s${p} = Math.exp(s${p} - max); sum += s${p};`)}
    total += max + Math.log(sum) - scoreY;
    const inv = 1 / sum;
    ${each((p) => `s${p} *= inv;`)}
    switch (yi) { ${each((p) => `case ${p}: s${p} -= 1; break;`)} }
    for (let k = start; k < end; k++) {
      const v = data[k];
      const c = indices[k] * ${P};
      ${each((p) => `gradient[c + ${p}] += v * s${p};`)}
    }
    ${each((p) => `g${p} += s${p};`)}
  }
  if (fitIntercept) { ${each((p) => `gradient[interceptBase + ${p}] += g${p};`)} }
  return total;
}`;
}

/**
 * Class probabilities, row-major [rows × nClasses], for parameters in the layout above (with
 * intercepts when `fitIntercept`). The softmax subtracts each row's largest score before
 * exponentiating, so it cannot overflow.
 */
export function softmaxProbabilities(w: Float64Array, x: CsrMatrix, nClasses: number, fitIntercept: boolean): Float64Array {
  const P = parameterRows(nClasses);
  const scores = new Float64Array(x.rows * P);
  scoreRows(w, x, P, fitIntercept, scores);
  if (P === 1) {
    // sklearn: [1 - expit(z), expit(z)].
    const out = new Float64Array(x.rows * 2);
    for (let i = 0; i < x.rows; i++) {
      const p1 = sigmoid(scores[i]);
      out[2 * i] = 1 - p1;
      out[2 * i + 1] = p1;
    }
    return out;
  }
  for (let o = 0; o < scores.length; o += P) {
    let max = scores[o];
    for (let p = 1; p < P; p++) if (scores[o + p] > max) max = scores[o + p];
    let sum = 0;
    for (let p = 0; p < P; p++) {
      const e = Math.exp(scores[o + p] - max);
      scores[o + p] = e;
      sum += e;
    }
    for (let p = 0; p < P; p++) scores[o + p] /= sum;
  }
  return scores;
}

// The sparse kernels below carry four classes at a time in local variables: V8 keeps them in
// registers, which makes these passes about twice as fast as a plain loop over classes.

/** scores[i·P + p] = Σ_k data[k]·w[indices[k]·P + p] over row i (+ intercept p). */
function scoreRows(w: Float64Array, x: CsrMatrix, P: number, fitIntercept: boolean, scores: Float64Array): void {
  const { rows, cols, indptr, indices, data } = x;
  const interceptBase = cols * P;
  for (let i = 0; i < rows; i++) {
    const start = indptr[i];
    const end = indptr[i + 1];
    const o = i * P;
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      let r0 = 0;
      let r1 = 0;
      let r2 = 0;
      let r3 = 0;
      for (let k = start; k < end; k++) {
        const v = data[k];
        const b = indices[k] * P + p;
        r0 += v * w[b];
        r1 += v * w[b + 1];
        r2 += v * w[b + 2];
        r3 += v * w[b + 3];
      }
      scores[o + p] = r0;
      scores[o + p + 1] = r1;
      scores[o + p + 2] = r2;
      scores[o + p + 3] = r3;
    }
    for (; p < P; p++) {
      let r = 0;
      for (let k = start; k < end; k++) r += data[k] * w[indices[k] * P + p];
      scores[o + p] = r;
    }
    if (fitIntercept) for (let q = 0; q < P; q++) scores[o + q] += w[interceptBase + q];
  }
}

/** gradient[indices[k]·P + p] += data[k]·residuals[i·P + p] over every row i. */
function accumulateGradient(residuals: Float64Array, x: CsrMatrix, P: number, gradient: Float64Array): void {
  const { rows, indptr, indices, data } = x;
  for (let i = 0; i < rows; i++) {
    const start = indptr[i];
    const end = indptr[i + 1];
    const o = i * P;
    let p = 0;
    for (; p + 4 <= P; p += 4) {
      const e0 = residuals[o + p];
      const e1 = residuals[o + p + 1];
      const e2 = residuals[o + p + 2];
      const e3 = residuals[o + p + 3];
      for (let k = start; k < end; k++) {
        const v = data[k];
        const b = indices[k] * P + p;
        gradient[b] += v * e0;
        gradient[b + 1] += v * e1;
        gradient[b + 2] += v * e2;
        gradient[b + 3] += v * e3;
      }
    }
    for (; p < P; p++) {
      const e = residuals[o + p];
      for (let k = start; k < end; k++) gradient[indices[k] * P + p] += data[k] * e;
    }
  }
}

/** The intercepts' gradient: out[offset + p] += Σ_i residuals[i·P + p] over the first `rows` rows. */
function sumColumns(residuals: Float64Array, P: number, out: Float64Array, offset: number, rows: number): void {
  const end = rows * P;
  for (let o = 0; o < end; o += P) for (let p = 0; p < P; p++) out[offset + p] += residuals[o + p];
}

/**
 * Σ_i [logsumexp(scores_i) - scores_i[y_i]]; replaces the scores with the residuals
 * softmax(scores_i) - onehot(y_i). The largest score is taken out before exponentiating.
 */
function multinomialResiduals(scores: Float64Array, y: Int32Array, P: number): number {
  let total = 0;
  for (let i = 0, o = 0; i < y.length; i++, o += P) {
    const yi = y[i];
    const scoreY = scores[o + yi];
    let max = scores[o];
    for (let p = 1; p < P; p++) if (scores[o + p] > max) max = scores[o + p];
    let sum = 0;
    for (let p = 0; p < P; p++) {
      const e = Math.exp(scores[o + p] - max);
      scores[o + p] = e;
      sum += e;
    }
    total += max + Math.log(sum) - scoreY;
    const inv = 1 / sum;
    for (let p = 0; p < P; p++) scores[o + p] *= inv;
    scores[o + yi] -= 1;
  }
  return total;
}

/** Σ_i [log(1 + e^z_i) - y_i·z_i]; replaces each z_i with the residual expit(z_i) - y_i. */
function binomialResiduals(scores: Float64Array, y: Int32Array): number {
  let total = 0;
  for (let i = 0; i < y.length; i++) {
    const z = scores[i];
    // log(1 + e^z) without overflow for large |z|.
    total += (z > 0 ? z + Math.log1p(Math.exp(-z)) : Math.log1p(Math.exp(z))) - (y[i] === 1 ? z : 0);
    scores[i] = sigmoid(z) - y[i];
  }
  return total;
}

function sigmoid(z: number): number {
  if (z >= 0) return 1 / (1 + Math.exp(-z));
  const e = Math.exp(z);
  return e / (1 + e);
}
