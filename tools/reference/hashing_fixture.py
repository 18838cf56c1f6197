"""Write the scikit-learn reference fixture for the `hashing` featurizer
(test/fixtures/featurizers/hashing.json): HashingVectorizer's matrices on the notebook split's
200 test texts (test/fixtures/featurizers/notebook-split.json), for
settings that exercise collisions (few features), the alternate sign, both norms and binary.

scikit-learn keeps entries whose colliding terms cancel (+1 and -1) as stored zeros; they are
removed here (eliminate_zeros) since mlspec does not store zeros. With binary=True scikit-learn
sets every stored entry to 1 before normalizing, stored zeros included, so there they are kept.

Run from anywhere:  .venv/bin/python tools/reference/hashing_fixture.py
"""

from __future__ import annotations

import json
import platform
from pathlib import Path

import numpy as np
import sklearn
from sklearn.feature_extraction.text import HashingVectorizer

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "test" / "fixtures" / "featurizers"

CONFIGS = [
    {"n_features": 2**20, "ngram_range": (1, 2), "alternate_sign": True, "norm": "l2", "binary": False},
    {"n_features": 1024, "ngram_range": (1, 2), "alternate_sign": True, "norm": None, "binary": False},
    {"n_features": 64, "ngram_range": (1, 3), "alternate_sign": False, "norm": "l1", "binary": False},
    {"n_features": 16, "ngram_range": (1, 1), "alternate_sign": True, "norm": "l2", "binary": True},
]


def csr(matrix) -> dict:
    matrix = matrix.tocsr()
    matrix.sort_indices()
    return {
        "rows": int(matrix.shape[0]),
        "cols": int(matrix.shape[1]),
        "indptr": matrix.indptr.tolist(),
        "indices": matrix.indices.tolist(),
        "data": [float(v) for v in matrix.data],
    }


def main() -> None:
    split = json.loads((FIXTURES / "notebook-split.json").read_text(encoding="utf-8"))
    texts = split["test"]
    cases = []
    for config in CONFIGS:
        vectorizer = HashingVectorizer(**config)
        matrix = vectorizer.transform(texts)
        if not config["binary"]:
            matrix.eliminate_zeros()
        cases.append({"params": {**config, "ngram_range": list(config["ngram_range"])}, "matrix": csr(matrix)})
    out = {
        "generatedBy": {
            "script": "tools/reference/hashing_fixture.py",
            "python": platform.python_version(),
            "sklearn": sklearn.__version__,
            "numpy": np.__version__,
        },
        "texts": "notebook-split.json test texts, in order",
        "cases": cases,
    }
    (FIXTURES / "hashing.json").write_text(json.dumps(out, separators=(",", ":")) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
