import { minimizeLbfgs, type Objective } from './lbfgs';

/** Σ 100(x_{i+1} - x_i²)² + (1 - x_i)², minimum 0 at (1, …, 1). */
const rosenbrock: Objective = (x, g) => {
  g.fill(0);
  let f = 0;
  for (let i = 0; i < x.length - 1; i++) {
    const a = x[i + 1] - x[i] * x[i];
    const b = 1 - x[i];
    f += 100 * a * a + b * b;
    g[i] += -400 * x[i] * a - 2 * b;
    g[i + 1] += 200 * a;
  }
  return f;
};

/** The classic start (-1.2, 1, -1.2, 1, …). */
const rosenbrockStart = (n: number) => Array.from({ length: n }, (_, i) => (i % 2 === 0 ? -1.2 : 1));

const maxAbsError = (x: ArrayLike<number>, target: (i: number) => number) => {
  let e = 0;
  for (let i = 0; i < x.length; i++) e = Math.max(e, Math.abs(x[i] - target(i)));
  return e;
};

describe('minimizeLbfgs on Rosenbrock', () => {
  // Iterations scipy 1.15's L-BFGS-B takes from the same start, with gtol=1e-8 and ftol=0:
  //   minimize(rosen, x0, jac=rosen_der, method='L-BFGS-B', options={'gtol': 1e-8, 'ftol': 0}).nit
  // The minimiser follows L-BFGS-B's algorithm, so its iteration counts should be scipy's (up to
  // rounding differences that accumulate over hundreds of iterations in 100 dimensions).
  it.each([
    [2, 38],
    [5, 55],
    [10, 78],
    [100, 538],
  ])('%i dimensions: reaches (1, …, 1) in about as many iterations as scipy (%i)', (n, scipyIterations) => {
    const result = minimizeLbfgs(rosenbrock, rosenbrockStart(n), { gtol: 1e-8, ftol: 0 });
    expect(result.converged).toBe(true);
    expect(result.reason).toBe('gtol');
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-8);
    expect(maxAbsError(result.x, () => 1)).toBeLessThan(1e-8);
    expect(result.f).toBeLessThan(1e-16);
    expect(Math.abs(result.iterations - scipyIterations)).toBeLessThanOrEqual(Math.ceil(0.02 * scipyIterations));
    // A strong-Wolfe line search rarely needs more than one or two evaluations per iteration.
    expect(result.evaluations).toBeLessThan(1.3 * result.iterations + 10);
  });

  it('stops on the relative reduction of f with scipy’s default tolerances', () => {
    const result = minimizeLbfgs(rosenbrock, rosenbrockStart(10));
    expect(result.reason).toBe('ftol');
    expect(result.converged).toBe(true);
    // scipy with defaults: nit = 71, f ≈ 1.04e-11.
    expect(Math.abs(result.iterations - 71)).toBeLessThanOrEqual(2);
    expect(result.f).toBeLessThan(1e-9);
  });
});

describe('minimizeLbfgs on a convex quadratic', () => {
  // f(x) = ½ xᵀAx - bᵀx with A = QᵀQ + I (symmetric positive definite) and b = A·x*, so the
  // minimiser is x*.
  const n = 40;
  // Park–Miller generator: products stay below 2^53, so the matrix is the same everywhere.
  let seed = 7;
  const random = () => {
    seed = (seed * 16807) % 2147483647;
    return seed / 2147483647 - 0.5;
  };
  const Q = Array.from({ length: n }, () => Array.from({ length: n }, random));
  const A = Array.from({ length: n }, (_, i) =>
    Array.from({ length: n }, (_, j) => Q.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? 1 : 0)),
  );
  const xStar = Array.from({ length: n }, (_, i) => (i % 3) - 1 + 0.25 * i);
  const b = A.map((row) => row.reduce((s, a, j) => s + a * xStar[j], 0));
  const quadratic: Objective = (x, g) => {
    let f = 0;
    for (let i = 0; i < n; i++) {
      let ax = 0;
      for (let j = 0; j < n; j++) ax += A[i][j] * x[j];
      g[i] = ax - b[i];
      f += 0.5 * x[i] * ax - b[i] * x[i];
    }
    return f;
  };

  it('finds the known minimiser', () => {
    // f is about -4300 here, so gradients much below 1e-6 are lost in f's rounding.
    const result = minimizeLbfgs(quadratic, new Float64Array(n), { gtol: 1e-6, ftol: 0 });
    expect(result.reason).toBe('gtol');
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-6);
    expect(maxAbsError(result.x, (i) => xStar[i])).toBeLessThan(1e-5);
    // Exact BFGS would need at most n steps with exact line searches; L-BFGS with 10 pairs and
    // inexact steps needs more, but still a small multiple of n.
    expect(result.iterations).toBeLessThan(3 * n);
  });

  it('returns at once when the start already satisfies gtol', () => {
    const result = minimizeLbfgs(quadratic, xStar, { gtol: 1e-6 });
    expect(result.iterations).toBe(0);
    expect(result.evaluations).toBe(1);
    expect(result.reason).toBe('gtol');
    expect(Array.from(result.x)).toEqual(xStar);
  });

  it('does not modify the starting point it was given', () => {
    const x0 = new Float64Array(n);
    minimizeLbfgs(quadratic, x0, { maxIterations: 3 });
    expect(Array.from(x0)).toEqual(new Array(n).fill(0));
  });
});

describe('minimizeLbfgs stopping', () => {
  it('reports an iteration limit as not converged', () => {
    const result = minimizeLbfgs(rosenbrock, rosenbrockStart(10), { maxIterations: 5 });
    expect(result.iterations).toBe(5);
    expect(result.converged).toBe(false);
    expect(result.reason).toBe('maxIterations');
    expect(result.message).toMatch(/iterations reached the limit/);
    // Every accepted step decreases f.
    expect(result.f).toBeLessThan(rosenbrock(Float64Array.from(rosenbrockStart(10)), new Float64Array(10)));
  });

  it('reports an evaluation limit', () => {
    const result = minimizeLbfgs(rosenbrock, rosenbrockStart(10), { maxEvaluations: 8 });
    expect(result.reason).toBe('maxEvaluations');
    expect(result.converged).toBe(false);
    expect(result.evaluations).toBeGreaterThan(8);
  });

  it('stops with nonFinite, at the last finite point, when the objective blows up', () => {
    // Unbounded below along x₀, and NaN past x₀ = 3: the line search extrapolates into the NaN.
    const objective: Objective = (x, g) => {
      g[0] = -1;
      g[1] = 2 * x[1];
      return x[0] > 3 ? NaN : -x[0] + x[1] * x[1];
    };
    const result = minimizeLbfgs(objective, [0, 1]);
    expect(result.reason).toBe('nonFinite');
    expect(result.converged).toBe(false);
    expect(Number.isFinite(result.f)).toBe(true);
    expect(result.x[0]).toBeLessThanOrEqual(3);
  });

  it('stops with nonFinite when the starting point is not finite', () => {
    const result = minimizeLbfgs(
      (x, g) => {
        g.fill(0);
        return Infinity;
      },
      [1, 2],
    );
    expect(result.reason).toBe('nonFinite');
    expect(result.iterations).toBe(0);
  });

  it('gives up when steepest descent finds no acceptable step', () => {
    // The gradient claims descent along +x but f rises: no step satisfies sufficient decrease.
    const result = minimizeLbfgs(
      (x, g) => {
        g[0] = -1;
        return Math.abs(x[0]);
      },
      [0],
      { maxLineSearchSteps: 5 },
    );
    expect(result.reason).toBe('lineSearchFailed');
    expect(result.converged).toBe(false);
    expect(result.x[0]).toBe(0);
  });

  it('rejects invalid options', () => {
    expect(() => minimizeLbfgs(rosenbrock, [0, 0], { memory: 0 })).toThrow(/memory/);
    expect(() => minimizeLbfgs(rosenbrock, [0, 0], { gtol: -1 })).toThrow(/gtol/);
    expect(() => minimizeLbfgs(rosenbrock, [0, 0], { maxIterations: 0 })).toThrow(/limits/);
  });
});
