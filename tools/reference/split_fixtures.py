"""Write scikit-learn / numpy reference results for mlspec's random numbers and split plugins.

Outputs (committed, so the TypeScript tests run without Python):
  test/fixtures/splits/random-state.json       numpy legacy RandomState streams
  test/fixtures/splits/stratified-holdout.json  train_test_split(..., stratify=y) results
  test/fixtures/splits/stratified-kfold.json    StratifiedKFold(...).split results

Every case carries its own label vector, so the tests never parse the data file.
Run from the repository root:  .venv/bin/python tools/reference/split_fixtures.py
"""

from __future__ import annotations

import json
import re
import sys
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.model_selection import StratifiedKFold, train_test_split

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "ArSenTD-LEV.tsv"
OUT = ROOT / "test" / "fixtures" / "splits"

# The notebook's class order: label index = position in this list.
CLASSES = ["very_negative", "negative", "neutral", "positive", "very_positive"]


def versions() -> dict:
    return {"python": sys.version.split()[0], "numpy": np.__version__, "scikit-learn": sklearn.__version__}


def read_labels() -> dict[str, list[int]]:
    frame = pd.read_csv(DATA, sep="\t")
    code = {name: i for i, name in enumerate(CLASSES)}
    everything = frame["Sentiment"].map(code)
    if everything.isna().any():
        raise SystemExit(f"unknown sentiment values: {sorted(set(frame['Sentiment']) - set(CLASSES))}")
    lebanon = everything[frame["Country"] == "lebanon"]
    return {"lebanon": [int(v) for v in lebanon], "all": [int(v) for v in everything]}


def synthetic_labels() -> dict[str, list[int]]:
    """Label vectors with awkward class counts, in a scrambled (seeded) row order."""
    order = np.random.RandomState(2024)

    def scrambled(counts: list[int]) -> list[int]:
        labels = np.repeat(np.arange(len(counts)), counts)
        order.shuffle(labels)
        return [int(v) for v in labels]

    return {
        # Equal classes: every remainder in _approximate_mode ties, so rng.choice breaks the tie.
        "four-equal-3": scrambled([3, 3, 3, 3]),
        "five-equal-2": scrambled([2, 2, 2, 2, 2]),
        # Several distinct remainders, some of them tied.
        "mixed-ties": scrambled([5, 5, 3, 3, 2, 2, 7]),
        "uneven-13-7-7-4-2": scrambled([13, 7, 7, 4, 2]),
        # Very small classes next to a large one.
        "tiny-classes": scrambled([2, 2, 50]),
        "binary-95-5": scrambled([95, 5]),
        "single-class": [0] * 12,
        # Class 2 of 4 never occurs; label 3 appears first (StratifiedKFold encodes by first appearance).
        "absent-class": [3, 0, 1, 3, 1, 0, 3, 1, 0, 3, 1, 0, 3, 3, 1, 0],
        # For StratifiedKFold: smallest class below k (a warning) and every class below k (an error).
        "kfold-small-class": scrambled([10, 8, 2]),
        "kfold-all-small": scrambled([2, 3, 1]),
        # For the holdout errors.
        "one-member-class": scrambled([5, 5, 1]),
        "five-classes-10-rows": scrambled([2, 2, 2, 2, 2]),
    }


def random_state_cases() -> list[dict]:
    """Each case replays `calls` on one fresh RandomState(seed); results are numpy's."""
    cases = []
    for seed in [0, 1, 42, 12345, 2**31 - 1, 2**31, 2**32 - 1]:
        rs = np.random.RandomState(seed)
        calls = [
            {"op": "randomSample", "count": 20, "result": [float(v) for v in rs.random_sample(20)]},
            {"op": "randint", "low": 0, "high": 10, "count": 20, "result": rs.randint(0, 10, size=20).tolist()},
            {"op": "randint", "low": -5, "high": 5, "count": 20, "result": rs.randint(-5, 5, size=20).tolist()},
            # A range of exactly 2**32 values: numpy's special case that reads one raw 32-bit word.
            {"op": "randint", "low": 0, "high": 2**32, "count": 20, "result": rs.randint(0, 2**32, size=20).tolist()},
            # Ranges wider than 32 bits: the 64-bit masked path.
            {"op": "randint", "low": 0, "high": 2**32 + 1, "count": 20, "result": rs.randint(0, 2**32 + 1, size=20).tolist()},
            {"op": "randint", "low": 7, "high": 2**40 + 7, "count": 20, "result": rs.randint(7, 2**40 + 7, size=20).tolist()},
            {"op": "randint", "low": 0, "high": 2**53 - 1, "count": 20, "result": rs.randint(0, 2**53 - 1, size=20).tolist()},
            {"op": "permutation", "n": 50, "result": rs.permutation(50).tolist()},
        ]
        shuffled = np.arange(1000)
        rs.shuffle(shuffled)
        calls.append({"op": "shuffleRange", "n": 1000, "result": shuffled.tolist()})
        calls.append({"op": "choice", "population": 10, "size": 4, "replace": False, "result": rs.choice(10, 4, replace=False).tolist()})
        items = [11, 22, 33, 44, 55, 66, 77]
        calls.append({"op": "choiceItems", "items": items, "size": 3, "replace": False, "result": rs.choice(items, 3, replace=False).tolist()})
        # size=0 still consumes a permutation of the population; the next draw shows it.
        calls.append({"op": "choice", "population": 6, "size": 0, "replace": False, "result": rs.choice(6, 0, replace=False).tolist()})
        calls.append({"op": "choice", "population": 10, "size": 5, "replace": True, "result": rs.choice(10, 5, replace=True).tolist()})
        calls.append({"op": "permutationItems", "items": items, "result": rs.permutation(items).tolist()})
        calls.append({"op": "randomSample", "count": 3, "result": [float(v) for v in rs.random_sample(3)]})
        cases.append({"seed": seed, "calls": calls})
    return cases


def holdout_case(name: str, label_set: str, labels: list[int], test, seed: int) -> dict:
    case = {"name": name, "labelSet": label_set, "test": test, "seed": seed}
    try:
        train, held_out = train_test_split(np.arange(len(labels)), test_size=test, random_state=seed, stratify=np.asarray(labels))
        case.update(train=train.tolist(), testRows=held_out.tolist())
    except ValueError as error:
        case["error"] = str(error)
    return case


def kfold_case(name: str, label_set: str, labels: list[int], k: int, shuffle: bool, seed) -> dict:
    case = {"name": name, "labelSet": label_set, "k": k, "shuffle": shuffle, "seed": seed}
    y = np.asarray(labels)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            splitter = StratifiedKFold(n_splits=k, shuffle=shuffle, random_state=seed)
            folds = [{"train": tr.tolist(), "test": te.tolist()} for tr, te in splitter.split(np.zeros(len(y)), y)]
        case["folds"] = folds
        case["warnings"] = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    except ValueError as error:
        case["error"] = str(error)
    return case


def holdout_cases(label_sets: dict[str, list[int]]) -> list[dict]:
    leb = label_sets["lebanon"]
    cases = [holdout_case("notebook: lebanon test 0.2 seed 42", "lebanon", leb, 0.2, 42)]
    for seed in [0, 1, 7, 12345, 2**32 - 1]:
        cases.append(holdout_case(f"lebanon test 0.2 seed {seed}", "lebanon", leb, 0.2, seed))
    for test in [0.1, 0.25, 0.33, 150]:
        for seed in [42, 7]:
            cases.append(holdout_case(f"lebanon test {test} seed {seed}", "lebanon", leb, test, seed))
    cases.append(holdout_case("all rows test 0.2 seed 42", "all", label_sets["all"], 0.2, 42))
    synthetic = [
        ("four-equal-3", 0.34), ("four-equal-3", 0.5), ("five-equal-2", 0.5), ("mixed-ties", 0.3),
        ("mixed-ties", 0.45), ("mixed-ties", 9), ("uneven-13-7-7-4-2", 0.2), ("uneven-13-7-7-4-2", 0.37),
        ("tiny-classes", 0.1), ("tiny-classes", 0.5), ("binary-95-5", 0.2), ("binary-95-5", 3),
        ("single-class", 0.25), ("absent-class", 0.25), ("absent-class", 0.5),
    ]
    for label_set, test in synthetic:
        for seed in [0, 42, 99]:
            cases.append(holdout_case(f"{label_set} test {test} seed {seed}", label_set, label_sets[label_set], test, seed))
    # Inputs scikit-learn rejects; mlspec must reject them too.
    errors = [
        ("one-member-class", 0.25),  # a class with a single row
        ("five-classes-10-rows", 10),  # test count >= rows
        ("five-classes-10-rows", 0.95),  # ceil(0.95 * 10) = 10 leaves the training set empty
        ("five-classes-10-rows", 0.3),  # 3 test rows < 5 classes
        ("five-classes-10-rows", 0.7),  # 3 training rows < 5 classes
        ("five-classes-10-rows", 4),  # 4 test rows < 5 classes
    ]
    for label_set, test in errors:
        cases.append(holdout_case(f"error: {label_set} test {test}", label_set, label_sets[label_set], test, 0))
    return cases


def kfold_cases(label_sets: dict[str, list[int]]) -> list[dict]:
    leb = label_sets["lebanon"]
    cases = []
    for k in [5, 3]:
        for seed in [42, 7]:
            cases.append(kfold_case(f"lebanon k {k} shuffle seed {seed}", "lebanon", leb, k, True, seed))
        cases.append(kfold_case(f"lebanon k {k} no shuffle", "lebanon", leb, k, False, None))
    cases.append(kfold_case("lebanon k 10 shuffle seed 0", "lebanon", leb, 10, True, 0))
    cases.append(kfold_case("all rows k 5 shuffle seed 42", "all", label_sets["all"], 5, True, 42))
    synthetic = [("four-equal-3", 2), ("four-equal-3", 3), ("mixed-ties", 2), ("mixed-ties", 3), ("uneven-13-7-7-4-2", 4),
                 ("tiny-classes", 2), ("binary-95-5", 5), ("single-class", 4), ("absent-class", 3),
                 ("kfold-small-class", 3), ("kfold-small-class", 5)]
    for label_set, k in synthetic:
        for shuffle, seed in [(True, 0), (True, 42), (False, None)]:
            cases.append(kfold_case(f"{label_set} k {k} shuffle {shuffle} seed {seed}", label_set, label_sets[label_set], k, shuffle, seed))
    cases.append(kfold_case("error: every class smaller than k", "kfold-all-small", label_sets["kfold-all-small"], 4, True, 0))
    cases.append(kfold_case("error: k greater than rows", "single-class", label_sets["single-class"], 13, True, 0))
    return cases


def dump(path: Path, payload: dict) -> None:
    text = json.dumps(payload, indent=2)
    # Keep number lists on one line: the files stay readable and their diffs small.
    text = re.sub(r"\[\s+([-0-9.e,\s]+?)\s+\]", lambda m: "[" + re.sub(r",\s+", ",", m.group(1)) + "]", text)
    path.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    label_sets = {**read_labels(), **synthetic_labels()}
    source = "tools/reference/split_fixtures.py"
    dump(OUT / "random-state.json", {"generator": source, "versions": versions(), "cases": random_state_cases()})
    holdout = holdout_cases(label_sets)
    kfold = kfold_cases(label_sets)
    used = {c["labelSet"] for c in holdout + kfold}
    labels = {name: values for name, values in label_sets.items() if name in used}
    dump(OUT / "stratified-holdout.json", {"generator": source, "versions": versions(), "classes": CLASSES, "labelSets": labels, "cases": holdout})
    dump(OUT / "stratified-kfold.json", {"generator": source, "versions": versions(), "classes": CLASSES, "labelSets": labels, "cases": kfold})


if __name__ == "__main__":
    main()
