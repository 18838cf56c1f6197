/**
 * Moré–Thuente line search: finds a step satisfying the strong Wolfe conditions
 *
 *   f(stp) <= f(0) + ftol·stp·f'(0)        (sufficient decrease)
 *   |f'(stp)| <= gtol·|f'(0)|               (curvature)
 *
 * by safeguarded cubic/quadratic interpolation on an interval known to contain such a step.
 * This follows MINPACK-2's dcsrch/dcstep (Moré & Thuente, ACM TOMS 20(3), 1994) step for step,
 * because it is the search scipy's L-BFGS-B uses: taking the same trial steps is what lets the
 * L-BFGS minimiser reproduce scipy's (and so scikit-learn's) iterates.
 */

export interface LineSearchParams {
  /** Sufficient-decrease constant (L-BFGS-B: 1e-3). */
  ftol: number;
  /** Curvature constant (L-BFGS-B: 0.9). */
  gtol: number;
  /** Relative width of the bracketing interval below which the search gives up (L-BFGS-B: 0.1). */
  xtol: number;
  stpMin: number;
  stpMax: number;
  /** Evaluations allowed; the search fails when they are used up without an acceptable step. */
  maxEvaluations: number;
}

/** The line function φ(stp) = f(x + stp·d): its value and derivative φ'(stp) = ∇f(x + stp·d)·d. */
export type LineFunction = (stp: number) => { f: number; g: number };

export type LineSearchStatus =
  /** Both Wolfe conditions hold at `stp`. */
  | 'converged'
  /** No better step can be found (rounding, interval too small, or a step bound reached); `stp` is the last point evaluated, which MINPACK-2 (and L-BFGS-B) accept. */
  | 'warning'
  /** The evaluation budget ran out first. */
  | 'maxEvaluations'
  /** φ or φ' was NaN or infinite at `stp`. */
  | 'nonFinite';

export interface LineSearchResult {
  status: LineSearchStatus;
  /** The last step evaluated; `f` and `g` are φ and φ' there. */
  stp: number;
  f: number;
  g: number;
  evaluations: number;
  message: string;
}

/** The bracketing interval [stx, sty] with φ and φ' at both ends; `stx` is the best step so far. */
interface Bracket {
  stx: number;
  fx: number;
  dx: number;
  sty: number;
  fy: number;
  dy: number;
  brackt: boolean;
}

const P5 = 0.5;
const P66 = 0.66;
const XTRAPL = 1.1;
const XTRAPU = 4.0;

/**
 * Search along a descent direction from φ(0) = f0, φ'(0) = g0 < 0, starting with step `stp0`.
 * Every evaluation goes through `phi`, so the caller's point and gradient end at the returned step.
 */
export function moreThuenteSearch(phi: LineFunction, f0: number, g0: number, stp0: number, params: LineSearchParams): LineSearchResult {
  const { ftol, gtol, xtol, stpMin, stpMax, maxEvaluations } = params;
  if (!(g0 < 0)) throw new RangeError(`line search needs a descent direction (initial derivative ${g0} is not negative)`);
  if (!(stp0 >= stpMin && stp0 <= stpMax)) throw new RangeError(`initial step ${stp0} is outside [${stpMin}, ${stpMax}]`);
  if (ftol < 0 || gtol < 0 || xtol < 0 || stpMin < 0 || stpMax < stpMin)
    throw new RangeError('line search tolerances and step bounds must be non-negative and ordered');
  if (!(maxEvaluations >= 1)) throw new RangeError('line search needs at least one evaluation');

  const finit = f0;
  const ginit = g0;
  const gtest = ftol * ginit;
  let stage = 1;
  let width = stpMax - stpMin;
  let width1 = width / P5;
  const b: Bracket = { stx: 0, fx: finit, dx: ginit, sty: 0, fy: finit, dy: ginit, brackt: false };
  let stmin = 0;
  let stmax = stp0 + XTRAPU * stp0;
  let stp = stp0;

  for (let evaluations = 1; ; evaluations++) {
    const { f, g } = phi(stp);
    const done = (status: LineSearchStatus, message: string): LineSearchResult => ({ status, stp, f, g, evaluations, message });
    if (!Number.isFinite(f) || !Number.isFinite(g)) return done('nonFinite', `the objective is not finite at step ${stp}`);

    const ftest = finit + stp * gtest;
    // Once a step with ψ(stp) <= 0 and φ'(stp) >= 0 is seen, the search works on φ itself (stage 2).
    if (stage === 1 && f <= ftest && g >= 0) stage = 2;

    let warning: string | undefined;
    if (b.brackt && (stp <= stmin || stp >= stmax)) warning = 'rounding errors prevent progress';
    if (b.brackt && stmax - stmin <= xtol * stmax) warning = 'xtol test satisfied';
    if (stp === stpMax && f <= ftest && g <= gtest) warning = 'step is at its upper bound';
    if (stp === stpMin && (f > ftest || g >= gtest)) warning = 'step is at its lower bound';
    if (f <= ftest && Math.abs(g) <= gtol * -ginit) return done('converged', 'strong Wolfe conditions hold');
    if (warning) return done('warning', warning);
    if (evaluations >= maxEvaluations) return done('maxEvaluations', `no acceptable step in ${evaluations} evaluations`);

    if (stage === 1 && f <= b.fx && f > ftest) {
      // A lower value without sufficient decrease: interpolate the modified function
      // ψ(stp) = φ(stp) - φ(0) - ftol·stp·φ'(0), whose minimisers satisfy the conditions.
      b.fx -= b.stx * gtest;
      b.fy -= b.sty * gtest;
      b.dx -= gtest;
      b.dy -= gtest;
      stp = safeguardedStep(b, stp, f - stp * gtest, g - gtest, stmin, stmax);
      b.fx += b.stx * gtest;
      b.fy += b.sty * gtest;
      b.dx += gtest;
      b.dy += gtest;
    } else {
      stp = safeguardedStep(b, stp, f, g, stmin, stmax);
    }

    // Bisect when the interval has not shrunk enough over the last two steps.
    if (b.brackt) {
      if (Math.abs(b.sty - b.stx) >= P66 * width1) stp = b.stx + P5 * (b.sty - b.stx);
      width1 = width;
      width = Math.abs(b.sty - b.stx);
    }
    if (b.brackt) {
      stmin = Math.min(b.stx, b.sty);
      stmax = Math.max(b.stx, b.sty);
    } else {
      stmin = stp + XTRAPL * (stp - b.stx);
      stmax = stp + XTRAPU * (stp - b.stx);
    }
    stp = Math.min(Math.max(stp, stpMin), stpMax);
    // When no further progress is possible, go back to the best step found.
    if ((b.brackt && (stp <= stmin || stp >= stmax)) || (b.brackt && stmax - stmin <= xtol * stmax)) stp = b.stx;
  }
}

/**
 * MINPACK-2's dcstep: from the bracket `b` and the trial step `stp` with value `fp` and derivative
 * `dp`, compute the next trial step and update the bracket in place.
 */
function safeguardedStep(b: Bracket, stp: number, fp: number, dp: number, stpmin: number, stpmax: number): number {
  const { stx, fx, dx, sty, fy, dy } = b;
  const sgnd = dp * Math.sign(dx);
  let stpf: number;

  if (fp > fx) {
    // Case 1: a higher value; the minimum is bracketed. Take the cubic step if it is closer to
    // stx than the quadratic one, else their average.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp < stx) gamma = -gamma;
    const p = gamma - dx + theta;
    const q = gamma - dx + gamma + dp;
    const stpc = stx + (p / q) * (stp - stx);
    const stpq = stx + (dx / ((fx - fp) / (stp - stx) + dx) / 2) * (stp - stx);
    stpf = Math.abs(stpc - stx) < Math.abs(stpq - stx) ? stpc : stpc + (stpq - stpc) / 2;
    b.brackt = true;
  } else if (sgnd < 0) {
    // Case 2: a lower value and derivatives of opposite sign; the minimum is bracketed. Take
    // the cubic step if it is farther from stp than the secant step, else the secant step.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dx / s) * (dp / s));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dx;
    const stpc = stp + (p / q) * (stx - stp);
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
    b.brackt = true;
  } else if (Math.abs(dp) < Math.abs(dx)) {
    // Case 3: a lower value, derivatives of the same sign, and the derivative's magnitude
    // decreases. The cubic step is used only if the cubic tends to infinity in the direction of
    // the step or its minimum lies beyond stp; otherwise the step goes to the bound.
    const theta = (3 * (fx - fp)) / (stp - stx) + dx + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dx), Math.abs(dp));
    let gamma = s * Math.sqrt(Math.max(0, (theta / s) ** 2 - (dx / s) * (dp / s)));
    if (stp > stx) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma + (dx - dp) + gamma;
    const r = p / q;
    let stpc: number;
    if (r < 0 && gamma !== 0) stpc = stp + r * (stx - stp);
    else if (stp > stx) stpc = stpmax;
    else stpc = stpmin;
    const stpq = stp + (dp / (dp - dx)) * (stx - stp);
    if (b.brackt) {
      stpf = Math.abs(stpc - stp) < Math.abs(stpq - stp) ? stpc : stpq;
      stpf = stp > stx ? Math.min(stp + P66 * (sty - stp), stpf) : Math.max(stp + P66 * (sty - stp), stpf);
    } else {
      stpf = Math.abs(stpc - stp) > Math.abs(stpq - stp) ? stpc : stpq;
      stpf = Math.max(stpmin, Math.min(stpmax, stpf));
    }
  } else if (b.brackt) {
    // Case 4: a lower value, derivatives of the same sign, and the derivative's magnitude does
    // not decrease: take the cubic step between stp and sty.
    const theta = (3 * (fp - fy)) / (sty - stp) + dy + dp;
    const s = Math.max(Math.abs(theta), Math.abs(dy), Math.abs(dp));
    let gamma = s * Math.sqrt((theta / s) ** 2 - (dy / s) * (dp / s));
    if (stp > sty) gamma = -gamma;
    const p = gamma - dp + theta;
    const q = gamma - dp + gamma + dy;
    stpf = stp + (p / q) * (sty - stp);
  } else {
    stpf = stp > stx ? stpmax : stpmin;
  }

  // Update the interval that contains a step satisfying the conditions.
  if (fp > fx) {
    b.sty = stp;
    b.fy = fp;
    b.dy = dp;
  } else {
    if (sgnd < 0) {
      b.sty = stx;
      b.fy = fx;
      b.dy = dx;
    }
    b.stx = stp;
    b.fx = fp;
    b.dx = dp;
  }
  return stpf;
}
