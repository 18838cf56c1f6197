/**
 * The truncated normal distribution TPE's Parzen estimators are made of: its log density, its log
 * probability mass on an interval, and its inverse CDF (for sampling). Ported from Optuna 5.1's
 * `optuna/samplers/_tpe/_truncnorm.py` (itself after SciPy), working in log space so far tails
 * stay finite. JavaScript has no erf, so erf/erfc are the FreeBSD/fdlibm rational approximations
 * Optuna's `_erf.py` uses, with the matching erfc branches.
 */

// fdlibm s_erf.c coefficients (as in Optuna's _erf.py).
const ERX = 8.45062911510467529297e-1;
const EFX = 1.28379167095512586316e-1;
const PP = [1.28379167095512558561e-1, -3.2504210724700149937e-1, -2.84817495755985104766e-2, -5.77027029648944159157e-3, -2.37630166566501626084e-5];
const QQ = [1, 3.97917223959155352819e-1, 6.50222499887672944485e-2, 5.08130628187576562776e-3, 1.32494738004321644526e-4, -3.9602282787753681232e-6];
const PA = [
  -2.36211856075265944077e-3, 4.14856118683748331666e-1, -3.72207876035701323847e-1, 3.18346619901161753674e-1, -1.10894694282396677476e-1,
  3.54783043256182359371e-2, -2.166375594868790843e-3,
];
const QA = [
  1, 1.06420880400844228286e-1, 5.40397917702171048937e-1, 7.18286544141962662868e-2, 1.26171219808761642112e-1, 1.36370839120290507362e-2,
  1.1984499846799107417e-2,
];
const RA = [
  -9.86494403484714822705e-3, -6.93858572707181764372e-1, -1.05586262253232909814e1, -6.23753324503260060396e1, -1.62396669462573470355e2,
  -1.84605092906711035994e2, -8.12874355063065934246e1, -9.81432934416914548592,
];
const SA = [
  1, 1.96512716674392571292e1, 1.376577541435190426e2, 4.34565877475229228821e2, 6.45387271733267880336e2, 4.29008140027567833386e2,
  1.08635005541779435134e2, 6.57024977031928170135, -6.04244152148580987438e-2,
];
const RB = [
  -9.86494292470009928597e-3, -7.99283237680523006574e-1, -1.77579549177547519889e1, -1.60636384855821916062e2, -6.37566443368389627722e2,
  -1.02509513161107724954e3, -4.83519191608651397019e2,
];
const SB = [
  1, 3.03380607434824582924e1, 3.25792512996573918826e2, 1.53672958608443695994e3, 3.19985821950859553908e3, 2.55305040643316442583e3,
  4.74528541206955367215e2, -2.24409524465858183362e1,
];

function poly(coefficients: readonly number[], x: number): number {
  let value = 0;
  for (let i = coefficients.length - 1; i >= 0; i--) value = value * x + coefficients[i];
  return value;
}

/** erfc(x) for x >= 1.25: exp(-x² - 0.5625 + R(1/x²)/S(1/x²)) / x. */
function erfcTail(x: number): number {
  if (x >= 28) return 0;
  const s = 1 / (x * x);
  const ratio = x < 1 / 0.35 ? poly(RA, s) / poly(SA, s) : poly(RB, s) / poly(SB, s);
  return Math.exp(-x * x - 0.5625 + ratio) / x;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  let value: number;
  if (a < 2 ** -28) value = (1 + EFX) * a;
  else if (a < 0.84375) value = a * (1 + poly(PP, a * a) / poly(QQ, a * a));
  else if (a < 1.25) value = ERX + poly(PA, a - 1) / poly(QA, a - 1);
  else if (a < 6) value = 1 - erfcTail(a);
  else value = 1;
  return x < 0 ? -value : value;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  const a = Math.abs(x);
  if (a < 0.84375) return 1 - erf(x);
  let upper: number; // erfc(|x|)
  if (a < 1.25) upper = 1 - ERX - poly(PA, a - 1) / poly(QA, a - 1);
  else upper = erfcTail(a);
  return x < 0 ? 2 - upper : upper;
}

/** The standard normal CDF. */
export function ndtr(a: number): number {
  const x = a / Math.SQRT2;
  if (x < -Math.SQRT1_2) return 0.5 * erfc(-x);
  if (x < Math.SQRT1_2) return 0.5 + 0.5 * erf(x);
  return 1 - 0.5 * erfc(x);
}

/** log(ndtr(a)), with an asymptotic series below -20 where ndtr underflows. */
export function logNdtr(a: number): number {
  if (a > 6) return -ndtr(-a);
  if (a > -20) return Math.log(ndtr(a));
  const logLeft = -0.5 * a * a - Math.log(-a) - 0.5 * Math.log(2 * Math.PI);
  let last = 0;
  let right = 1;
  let numerator = 1;
  let denominator = 1;
  const denominatorFactor = 1 / (a * a);
  let sign = 1;
  for (let i = 1; Math.abs(last - right) > Number.EPSILON && i < 200; i++) {
    last = right;
    sign = -sign;
    denominator *= denominatorFactor;
    numerator *= 2 * i - 1;
    right += sign * numerator * denominator;
  }
  return logLeft + Math.log(right);
}

export const LOG_SQRT_2PI = 0.5 * Math.log(2 * Math.PI);

function logSum(logP: number, logQ: number): number {
  const max = Math.max(logP, logQ);
  if (max === -Infinity) return -Infinity;
  return max + Math.log(Math.exp(logP - max) + Math.exp(logQ - max));
}

function logDiff(logP: number, logQ: number): number {
  return logP + Math.log1p(-Math.exp(logQ - logP));
}

/** log of the standard normal's mass on [a, b]. */
export function logGaussMass(a: number, b: number): number {
  if (b <= 0) return logDiff(logNdtr(b), logNdtr(a));
  if (a > 0) return logDiff(logNdtr(-a), logNdtr(-b));
  return Math.log1p(-ndtr(a) - ndtr(-b));
}

/** x with logNdtr(x) = y (y <= 0), by Newton's method from a tail or logistic first guess. */
function ndtriExp(y: number): number {
  const flipped = y > -1e-2;
  const z = flipped ? Math.log(-Math.expm1(y)) : y;
  let x = z < -5 ? -Math.sqrt(-2 * (z + LOG_SQRT_2PI)) : -(Math.sqrt(3) / Math.PI) * Math.log(Math.expm1(-z));
  for (let i = 0; i < 100; i++) {
    const logNdtrX = logNdtr(x);
    const logPdfX = -0.5 * x * x - LOG_SQRT_2PI;
    const dx = (logNdtrX - z) * Math.exp(logNdtrX - logPdfX);
    x -= dx;
    if (Math.abs(dx) < 1e-8 * Math.abs(x)) break;
  }
  return flipped ? -x : x;
}

/** The inverse CDF at q of the standard normal truncated to [a, b]. */
export function truncatedNormalPpf(q: number, a: number, b: number): number {
  if (a === b) return NaN;
  if (q === 0) return a;
  if (q === 1) return b;
  const logMass = logGaussMass(a, b);
  if (a < 0) return ndtriExp(logSum(logNdtr(a), Math.log(q) + logMass));
  return -ndtriExp(logSum(logNdtr(-b), Math.log1p(-q) + logMass));
}

/** log density at x of N(loc, scale²) truncated to [low, high] (bounds in x's units). */
export function truncatedNormalLogPdf(x: number, low: number, high: number, loc: number, scale: number): number {
  const a = (low - loc) / scale;
  const b = (high - loc) / scale;
  if (a === b) return NaN;
  const z = (x - loc) / scale;
  if (z < a || z > b) return -Infinity;
  return -(z * z) / 2 - LOG_SQRT_2PI - logGaussMass(a, b) - Math.log(scale);
}
