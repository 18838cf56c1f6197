import { moreThuenteSearch, type LineFunction } from './line-search';

/** Test functions (5.1) and (5.2) of Moré & Thuente (1994). */
const function1: LineFunction = (a) => {
  const beta = 2;
  return { f: -a / (a * a + beta), g: (a * a - beta) / (a * a + beta) ** 2 };
};
const function2: LineFunction = (a) => {
  const beta = 0.004;
  const t = a + beta;
  return { f: t ** 5 - 2 * t ** 4, g: 5 * t ** 4 - 8 * t ** 3 };
};

const params = (ftol: number, gtol: number) => ({ ftol, gtol, xtol: 1e-10, stpMin: 0, stpMax: 1e10, maxEvaluations: 50 });

function counted(phi: LineFunction): { phi: LineFunction; calls: number[] } {
  const calls: number[] = [];
  return { phi: (a) => (calls.push(a), phi(a)), calls };
}

describe('moreThuenteSearch', () => {
  it.each([1e-3, 1e-1, 10, 1000])('function (5.1) from step %p: the result satisfies the strong Wolfe conditions', (stp0) => {
    const { ftol, gtol } = { ftol: 1e-3, gtol: 0.1 };
    const { f: f0, g: g0 } = function1(0);
    const { phi, calls } = counted(function1);
    const r = moreThuenteSearch(phi, f0, g0, stp0, params(ftol, gtol));
    expect(r.status).toBe('converged');
    expect(r.f).toBeLessThanOrEqual(f0 + ftol * r.stp * g0);
    expect(Math.abs(r.g)).toBeLessThanOrEqual(gtol * Math.abs(g0));
    // The returned values are the last evaluation, so a caller's buffers hold that point.
    expect(calls[calls.length - 1]).toBe(r.stp);
    expect(r.evaluations).toBe(calls.length);
    expect(r.evaluations).toBeLessThanOrEqual(8);
  });

  it.each([1e-3, 1e-1, 10, 1000])('function (5.2) from step %p: converges near its minimiser 1.6', (stp0) => {
    const { f: f0, g: g0 } = function2(0);
    const r = moreThuenteSearch(function2, f0, g0, stp0, params(0.1, 0.1));
    expect(r.status).toBe('converged');
    expect(Math.abs(r.g)).toBeLessThanOrEqual(0.1 * Math.abs(g0));
    expect(Math.abs(r.stp - 1.596)).toBeLessThan(0.1);
    expect(r.evaluations).toBeLessThanOrEqual(12);
  });

  it('accepts the first step when it already satisfies the conditions', () => {
    const quadratic: LineFunction = (a) => ({ f: (a - 1) ** 2, g: 2 * (a - 1) });
    const r = moreThuenteSearch(quadratic, 1, -2, 1, params(1e-3, 0.9));
    expect(r).toMatchObject({ status: 'converged', stp: 1, evaluations: 1 });
  });

  it('reports a spent evaluation budget', () => {
    const { f: f0, g: g0 } = function2(0);
    const r = moreThuenteSearch(function2, f0, g0, 1e-3, { ...params(0.1, 0.1), maxEvaluations: 2 });
    expect(r.status).toBe('maxEvaluations');
    expect(r.evaluations).toBe(2);
  });

  it('reports non-finite values', () => {
    const r = moreThuenteSearch((a) => ({ f: a > 0.5 ? NaN : -a, g: -1 }), 0, -1, 1, params(1e-3, 0.9));
    expect(r.status).toBe('nonFinite');
  });

  it('stops with a warning at the step bound on an unbounded function', () => {
    const r = moreThuenteSearch((a) => ({ f: -a, g: -1 }), 0, -1, 1, { ...params(1e-3, 0.9), stpMax: 100 });
    expect(r.status).toBe('warning');
    expect(r.stp).toBe(100);
  });

  it('refuses an ascent direction or a step outside its bounds', () => {
    expect(() => moreThuenteSearch(function1, 0, 0.5, 1, params(1e-3, 0.9))).toThrow(/descent/);
    expect(() => moreThuenteSearch(function1, 0, -0.5, 1e11, params(1e-3, 0.9))).toThrow(/outside/);
  });
});
