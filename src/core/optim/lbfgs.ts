/**
 * Limited-memory BFGS for smooth unconstrained minimisation over Float64Array parameters.
 *
 * It follows scipy's L-BFGS-B (Byrd, Lu, Nocedal & Zhu; Morales & Nocedal 2011) with no bounds,
 * which is what scikit-learn's `solver='lbfgs'` runs: the same first step (1/‖g‖ along -g), the
 * same Moré–Thuente line search and constants, the same scaling of the initial inverse Hessian
 * (s'y / y'y of the newest pair), the same rule for skipping a curvature pair, the same restart
 * after a failed line search and the same stopping tests. Without bounds L-BFGS-B's subspace step
 * is the quasi-Newton step -H·g, computed here by the two-loop recursion instead of the compact
 * representation (equal in exact arithmetic). On Rosenbrock and on scikit-learn's logistic loss
 * it takes the same iterations as scipy 1.15.
 *
 * One deliberate difference: after each step the tolerance tests run before the iteration limit,
 * so a step that both converges and reaches `maxIterations` counts as converged (scipy reports
 * the limit).
 */
import { moreThuenteSearch } from './line-search';

/** Value of the objective at `x`; the gradient is written into `gradient` (same length as `x`). */
export type Objective = (x: Float64Array, gradient: Float64Array) => number;

export interface LbfgsOptions {
  /** Curvature pairs kept (scipy's `maxcor`). Default 10. */
  memory?: number;
  /** Iterations (accepted steps) allowed. Default 15000, as scipy. */
  maxIterations?: number;
  /** Objective evaluations allowed (scipy's `maxfun`). Default 15000. */
  maxEvaluations?: number;
  /** Stop when max |gradient_i| <= gtol (scipy's `pgtol`/`gtol`). Default 1e-5, as scipy. */
  gtol?: number;
  /**
   * Stop when (f_k - f_{k+1}) / max(|f_k|, |f_{k+1}|, 1) <= ftol (scipy's `ftol`, i.e.
   * factr·eps). Default 1e7·eps ≈ 2.2e-9, as scipy.
   */
  ftol?: number;
  /** Evaluations allowed in one line search (scipy's `maxls`). Default 20. */
  maxLineSearchSteps?: number;
}

export type LbfgsStopReason =
  /** The gradient's largest component is within `gtol`. */
  | 'gtol'
  /** The relative decrease of the objective fell within `ftol`. */
  | 'ftol'
  | 'maxIterations'
  | 'maxEvaluations'
  /** A line search found no acceptable step even along the steepest-descent direction. */
  | 'lineSearchFailed'
  /** The objective or its gradient became NaN or infinite. */
  | 'nonFinite';

export interface LbfgsResult {
  /** The last accepted point (the starting point when no step was accepted). */
  x: Float64Array;
  f: number;
  gradient: Float64Array;
  /** Largest |gradient_i| at `x`. */
  gradientNorm: number;
  /** Accepted steps (scipy's `nit`). */
  iterations: number;
  /** Objective evaluations (scipy's `nfev`). */
  evaluations: number;
  /** True when a tolerance test (`gtol` or `ftol`) stopped the search. */
  converged: boolean;
  reason: LbfgsStopReason;
  message: string;
}

const EPS = 2.220446049250313e-16;
/** L-BFGS-B's line-search constants and the largest step it tries without bounds. */
const LINE_SEARCH = { ftol: 1e-3, gtol: 0.9, xtol: 0.1, stpMin: 0, stpMax: 1e10 };

const MESSAGES: Record<LbfgsStopReason, string> = {
  gtol: 'converged: largest gradient component <= gtol',
  ftol: 'converged: relative reduction of f <= ftol',
  maxIterations: 'stopped: total number of iterations reached the limit',
  maxEvaluations: 'stopped: total number of function evaluations reached the limit',
  lineSearchFailed: 'abnormal termination in line search',
  nonFinite: 'stopped: the objective or its gradient is not finite',
};

export function minimizeLbfgs(objective: Objective, x0: ArrayLike<number>, options: LbfgsOptions = {}): LbfgsResult {
  const m = options.memory ?? 10;
  const maxIterations = options.maxIterations ?? 15000;
  const maxEvaluations = options.maxEvaluations ?? 15000;
  const gtol = options.gtol ?? 1e-5;
  const ftol = options.ftol ?? 1e7 * EPS;
  const maxLineSearchSteps = options.maxLineSearchSteps ?? 20;
  if (!Number.isInteger(m) || m < 1) throw new RangeError(`memory must be a positive integer, got ${m}`);
  if (!(maxIterations >= 1 && maxEvaluations >= 1 && maxLineSearchSteps >= 1))
    throw new RangeError('iteration, evaluation and line-search limits must be at least 1');
  if (!(gtol >= 0 && ftol >= 0)) throw new RangeError('gtol and ftol must be non-negative');

  const n = x0.length;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const d = new Float64Array(n);
  // The point and gradient where the current line search started, to restore after a failure.
  const xStart = new Float64Array(n);
  const gStart = new Float64Array(n);
  const history = new CurvatureHistory(n, m);

  let evaluations = 1;
  let f = objective(x, g);
  let iterations = 0;
  const finish = (reason: LbfgsStopReason): LbfgsResult => ({
    x,
    f,
    gradient: g,
    gradientNorm: maxAbs(g),
    iterations,
    evaluations,
    converged: reason === 'gtol' || reason === 'ftol',
    reason,
    message: MESSAGES[reason],
  });
  if (!Number.isFinite(f) || !allFinite(g)) return finish('nonFinite');
  if (maxAbs(g) <= gtol) return finish('gtol');

  // Evaluates the objective at xStart + stp·d, leaving x, g and f there.
  const phi = (stp: number) => {
    for (let i = 0; i < n; i++) x[i] = xStart[i] + stp * d[i];
    f = objective(x, g);
    evaluations++;
    return { f, g: dot(g, d) };
  };

  for (;;) {
    history.direction(g, d);
    const gd0 = dot(g, d);
    const fStart = f;
    xStart.set(x);
    gStart.set(g);

    let search: ReturnType<typeof moreThuenteSearch> | undefined;
    if (gd0 < 0) {
      // The first step along -g is scaled to unit length, as L-BFGS-B does; later steps try the
      // full quasi-Newton step first.
      const stp0 = iterations === 0 ? Math.min(1 / Math.sqrt(dot(d, d)), LINE_SEARCH.stpMax) : 1;
      search = moreThuenteSearch(phi, f, gd0, stp0, { ...LINE_SEARCH, maxEvaluations: maxLineSearchSteps });
      if (search.status === 'nonFinite') {
        x.set(xStart);
        g.set(gStart);
        f = fStart;
        return finish('nonFinite');
      }
    }
    if (!search || search.status === 'maxEvaluations') {
      // Not a descent direction, or no acceptable step: drop the curvature pairs and retry from
      // steepest descent; when that already was steepest descent, give up.
      x.set(xStart);
      g.set(gStart);
      f = fStart;
      if (history.size === 0) {
        iterations++; // L-BFGS-B counts the failed attempt as an iteration
        return finish('lineSearchFailed');
      }
      history.clear();
      continue;
    }

    iterations++;
    if (maxAbs(g) <= gtol) return finish('gtol');
    if (fStart - f <= ftol * Math.max(Math.abs(fStart), Math.abs(f), 1)) return finish('ftol');
    if (iterations >= maxIterations) return finish('maxIterations');
    if (evaluations > maxEvaluations) return finish('maxEvaluations');

    // The step s = stp·d and gradient change y = g - gStart; the pair is kept only when the
    // curvature s'y is clearly positive, which keeps the inverse-Hessian estimate positive definite.
    const stp = search.stp;
    const sy = (search.g - gd0) * stp;
    if (sy > EPS * -gd0 * stp) history.push(d, stp, g, gStart, sy);
  }
}

/** The newest `m` pairs (s, y) and the two-loop recursion that applies the L-BFGS inverse Hessian. */
class CurvatureHistory {
  /** Ring buffers, allocated up front (as L-BFGS-B's workspace) so the hot path never allocates. */
  private readonly s: Float64Array[];
  private readonly y: Float64Array[];
  private readonly rho: Float64Array;
  private readonly alpha: Float64Array;
  /** Slot of the oldest pair in the ring. */
  private head = 0;
  size = 0;
  /** y'y / s'y of the newest pair: the initial Hessian is theta·I (L-BFGS-B's theta). */
  private theta = 1;

  constructor(
    private readonly n: number,
    private readonly m: number,
  ) {
    this.s = Array.from({ length: m }, () => new Float64Array(n));
    this.y = Array.from({ length: m }, () => new Float64Array(n));
    this.rho = new Float64Array(m);
    this.alpha = new Float64Array(m);
  }

  clear(): void {
    this.head = 0;
    this.size = 0;
    this.theta = 1;
  }

  /** Store s = stp·d and y = g - gOld, with s'y = `sy` (already checked positive). */
  push(d: Float64Array, stp: number, g: Float64Array, gOld: Float64Array, sy: number): void {
    let slot: number;
    if (this.size < this.m) {
      slot = (this.head + this.size) % this.m;
      this.size++;
    } else {
      slot = this.head;
      this.head = (this.head + 1) % this.m;
    }
    const s = this.s[slot];
    const y = this.y[slot];
    let yy = 0;
    for (let i = 0; i < this.n; i++) {
      s[i] = stp * d[i];
      const yi = g[i] - gOld[i];
      y[i] = yi;
      yy += yi * yi;
    }
    this.rho[slot] = 1 / sy;
    this.theta = yy / sy;
  }

  /** out = -H·g, the search direction (-g when no pairs are stored). */
  direction(g: Float64Array, out: Float64Array): void {
    for (let i = 0; i < out.length; i++) out[i] = -g[i];
    const size = this.size;
    if (size === 0) return;
    const slot = (k: number) => (this.head + k) % this.m;
    // Two-loop recursion. Each update of `out` is fused with the dot product the next step
    // needs, so every pair costs one pass over `out` instead of two; the arithmetic (and so the
    // result) is the same as separate dot and axpy passes.
    let dotS = dot(this.s[slot(size - 1)], out);
    for (let k = size - 1; k >= 0; k--) {
      const j = slot(k);
      const a = this.rho[j] * dotS;
      this.alpha[j] = a;
      if (k > 0) dotS = axpyDot(-a, this.y[j], out, this.s[slot(k - 1)]);
      else axpyDot(-a, this.y[j], out, undefined);
    }
    let dotY = scaleDot(1 / this.theta, out, this.y[slot(0)]);
    for (let k = 0; k < size; k++) {
      const j = slot(k);
      const c = this.alpha[j] - this.rho[j] * dotY;
      if (k + 1 < size) dotY = axpyDot(c, this.s[j], out, this.y[slot(k + 1)]);
      else axpyDot(c, this.s[j], out, undefined);
    }
  }
}

/** out += a·x; returns z·out (after the update), or 0 without z. */
function axpyDot(a: number, x: Float64Array, out: Float64Array, z: Float64Array | undefined): number {
  if (!z) {
    for (let i = 0; i < out.length; i++) out[i] += a * x[i];
    return 0;
  }
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const o = out[i] + a * x[i];
    out[i] = o;
    sum += z[i] * o;
  }
  return sum;
}

/** out *= a; returns z·out (after scaling). */
function scaleDot(a: number, out: Float64Array, z: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < out.length; i++) {
    const o = out[i] * a;
    out[i] = o;
    sum += z[i] * o;
  }
  return sum;
}

function dot(a: Float64Array, b: Float64Array): number {
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += a[i] * b[i];
  return sum;
}

function maxAbs(a: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) {
    const v = Math.abs(a[i]);
    if (v > max || v !== v) max = v;
  }
  return max;
}

function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}
