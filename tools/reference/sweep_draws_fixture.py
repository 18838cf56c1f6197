"""The random draws of a sweep block, computed with numpy, written out as a test fixture.

mlspec draws each `sweep.random` parameter, for each grid combination, from its own numpy
RandomState seeded through seedStream (sha256 of "mlspec-seed-stream\\0<seed>\\0<label>", first four
bytes big-endian) with the label "sweep-random:<path>:<the combination's values as canonical JSON>",
one draw per trial:

    uniform [lo, hi]      rs.uniform(lo, hi)
    loguniform [lo, hi]   exp(rs.uniform(log(lo), log(hi)))
    int [lo, hi]          rs.randint(lo, hi + 1)
    choice [v0, v1, ...]  values[rs.randint(0, len(values))]

Trials are the grid combinations (file order, the last path fastest), each followed by its
`random.trials` draws. This script follows that recipe with numpy itself for
test/fixtures/plan/sweep.yaml, so the TypeScript expansion is checked against numpy, not against
itself. Run from the repository root:

    .venv/bin/python tools/reference/sweep_draws_fixture.py

Writes test/fixtures/plan/random-draws.json.
"""

import hashlib
import itertools
import json
import math
from pathlib import Path

import numpy as np
import yaml

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "test/fixtures/plan/sweep.yaml"
OUT = ROOT / "test/fixtures/plan/random-draws.json"


def seed_stream(seed: int, label: str) -> int:
    digest = hashlib.sha256(f"mlspec-seed-stream\0{seed}\0{label}".encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big")


def canonical_json(value) -> str:
    """JSON with sorted keys and no spaces, numbers written as JavaScript's JSON.stringify does."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(k, ensure_ascii=False)}:{canonical_json(v)}" for k, v in sorted(value.items())) + "}"
    if isinstance(value, list):
        return "[" + ",".join(canonical_json(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def draws(seed: int, label: str, distribution: dict, count: int) -> list:
    rs = np.random.RandomState(seed_stream(seed, label))
    (name, args), = distribution.items()
    out = []
    for _ in range(count):
        if name == "uniform":
            out.append(float(rs.uniform(args[0], args[1])))
        elif name == "loguniform":
            out.append(float(math.exp(rs.uniform(math.log(args[0]), math.log(args[1])))))
        elif name == "int":
            out.append(int(rs.randint(args[0], args[1] + 1)))
        elif name == "choice":
            out.append(args[int(rs.randint(0, len(args)))])
        else:
            raise ValueError(name)
    return out


def main() -> None:
    spec = yaml.safe_load(SPEC.read_text(encoding="utf-8"))
    sweep = spec["sweep"]
    grid = sweep.get("grid", {})
    random = sweep["random"]
    trials = []
    for values in itertools.product(*grid.values()):
        combo = dict(zip(grid.keys(), values))
        drawn = {
            path: draws(spec["seed"], f"sweep-random:{path}:{canonical_json(combo)}", d, random["trials"])
            for path, d in random["params"].items()
        }
        for r in range(random["trials"]):
            trials.append({**combo, **{path: drawn[path][r] for path in random["params"]}})
    OUT.write_text(json.dumps({"spec": "sweep.yaml", "seed": spec["seed"], "trials": trials}, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT.relative_to(ROOT)}: {len(trials)} trials")


if __name__ == "__main__":
    main()
