"""Reference values from Optuna's own TPE internals, written out as a test fixture.

mlspec's TPE (src/core/search/tpe-sampler.ts, parzen-estimator.ts, truncated-normal.ts) ports
Optuna 5.1's `optuna/samplers/_tpe/`. This script asks Optuna itself for the numbers the port must
reproduce: erf, the truncated normal's log mass, inverse CDF and log density, and the log density
of Parzen estimators (float, log float, stepped int, log int, stepped float, categorical, and all
of them jointly) built from fixed observations with Optuna's default parameters. Run from the
repository root (needs optuna==5.1.0, see requirements-bench.txt):

    .venv/bin/python tools/reference/tpe_fixture.py

Writes test/fixtures/search/tpe-reference.json.
"""
import json
import math
from pathlib import Path

import numpy as np
import optuna
from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution
from optuna.samplers._tpe import _truncnorm
from optuna.samplers._tpe.parzen_estimator import _ParzenEstimator, _ParzenEstimatorParameters
from optuna.samplers._tpe.sampler import default_gamma, default_weights

assert optuna.__version__ == "5.1.0", optuna.__version__

erf_x = [-7.0, -3.2, -1.0, -0.5, -1e-9, 0.0, 0.3, 0.9, 1.1, 2.0, 3.0, 5.5, 8.0]
mass_ab = [[-1.0, 1.0], [-30.0, -25.0], [25.0, 30.0], [0.5, 2.0], [-2.0, -0.5], [-40.0, 40.0], [3.0, 3.5]]
ppf_cases = [[q, a, b] for q in (1e-6, 0.1, 0.5, 0.9, 0.999999) for a, b in ((-1.0, 1.0), (-0.2, 3.0), (1.0, 6.0), (-8.0, -2.0))]
logpdf_cases = [[0.3, -1.0, 2.0, 0.1, 0.5], [1.9, -1.0, 2.0, 1.0, 0.05], [-3.0, -4.0, 0.0, 2.0, 0.3]]

spaces = {
    "float": {"x": FloatDistribution(-5.0, 10.0)},
    "log-float": {"lr": FloatDistribution(1e-4, 1e-1, log=True)},
    "int-step": {"units": IntDistribution(8, 64, step=8)},
    "log-int": {"batch": IntDistribution(1, 256, log=True)},
    "float-step": {"dropout": FloatDistribution(0.0, 0.5, step=0.1)},
    "categorical": {"kind": CategoricalDistribution(["a", "b", "c", "d"])},
}
spaces["joint"] = {k: v for space in spaces.values() for k, v in space.items()}

rng = np.random.RandomState(7)


def draw(dist, n):
    if isinstance(dist, CategoricalDistribution):
        return [float(i) for i in rng.randint(0, len(dist.choices), size=n)]
    if isinstance(dist, IntDistribution):
        k = (dist.high - dist.low) // dist.step
        if dist.log:
            return [float(v) for v in np.unique(np.round(np.exp(rng.uniform(0, math.log(dist.high), size=n))).clip(dist.low, dist.high))[:n]]
        return [float(dist.low + dist.step * i) for i in rng.randint(0, k + 1, size=n)]
    if dist.step is not None:
        k = int(round((dist.high - dist.low) / dist.step))
        return [round(dist.low + dist.step * i, 10) for i in rng.randint(0, k + 1, size=n)]
    if dist.log:
        return [float(v) for v in np.exp(rng.uniform(math.log(dist.low), math.log(dist.high), size=n))]
    return [float(v) for v in rng.uniform(dist.low, dist.high, size=n)]


params = _ParzenEstimatorParameters(prior_weight=1.0, consider_magic_clip=True, consider_endpoints=False, weights=default_weights, multivariate=True)
estimators = []
for name, space in spaces.items():
    for n in (0, 1, 5, 30):
        count = n
        columns = {}
        for param, dist in space.items():
            columns[param] = draw(dist, n)
            count = min(count, len(columns[param]))
        observations = {param: np.asarray(values[:count]) for param, values in columns.items()}
        points = {param: np.asarray(draw(dist, 6)[:4]) for param, dist in space.items()}
        k = min(len(v) for v in points.values())
        points = {param: v[:k] for param, v in points.items()}
        pe = _ParzenEstimator(observations, space, params)
        estimators.append({
            "space": name,
            "observations": {p: v.tolist() for p, v in observations.items()},
            "points": {p: v.tolist() for p, v in points.items()},
            "logPdf": pe.log_pdf(points).tolist(),
        })

fixture = {
    "optuna": optuna.__version__,
    "erf": [[x, math.erf(x)] for x in erf_x],
    "logGaussMass": [[a, b, float(_truncnorm._log_gauss_mass(np.array([a]), np.array([b]))[0])] for a, b in mass_ab],
    "ppf": [[q, a, b, float(_truncnorm.ppf(np.array([q]), a, b)[0])] for q, a, b in ppf_cases],
    "logPdf": [[x, lo, hi, loc, scale, float(_truncnorm.logpdf(np.array([x]), (lo - loc) / scale, (hi - loc) / scale, loc, scale)[0])] for x, lo, hi, loc, scale in logpdf_cases],
    "gamma": [[n, default_gamma(n)] for n in (0, 1, 9, 10, 11, 100, 249, 250, 251, 1000)],
    "weights": [[n, default_weights(n).tolist()] for n in (0, 3, 25, 26, 40)],
    "estimators": estimators,
}
out = Path("test/fixtures/search/tpe-reference.json")
out.write_text(json.dumps(fixture, indent=1) + "\n")
print(f"wrote {out}")
