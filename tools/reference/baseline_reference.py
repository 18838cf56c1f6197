"""The notebook's bag-of-words baseline, run with scikit-learn, written out as test fixtures.

mlspec's `logistic-regression` model and its metrics module are checked against these files, so
the TypeScript tests run without Python. Run from the repository root:

    .venv/bin/python tools/reference/baseline_reference.py

Writes test/fixtures/baseline/:
  vocabulary.json   CountVectorizer's vocabulary_ (term -> column)
  x_train.json      training features, CSR (rows, cols, indptr, indices, data)
  x_test.json       test features, CSR
  reference.json    labels, split positions, LogisticRegression's predictions, probabilities,
                    coefficients and intercepts, the classification report (text and dict),
                    fit timings, the predictions for C=0.1, C=10 and fit_intercept=False, and
                    fits on label subsets (two classes; a class missing from training)
  metrics_cases.json  hand-made label vectors with sklearn's metrics, for edge cases (a class
                    never predicted, a class absent from y_true, ...)
"""

import json
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import sklearn
from sklearn.exceptions import UndefinedMetricWarning
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import (
    accuracy_score,
    classification_report,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)
from sklearn.model_selection import train_test_split

REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "data" / "ArSenTD-LEV.tsv"
OUT = REPO / "test" / "fixtures" / "baseline"

CLASSES = ["very_negative", "negative", "neutral", "positive", "very_positive"]
LABEL_MAP = {name: i for i, name in enumerate(CLASSES)}
SEED = 42
# How many times the fit is repeated to time it; the fastest run is reported.
TIMING_REPEATS = 7


def csr_json(x):
    x = x.tocsr().copy()
    # mlspec's CsrMatrix requires sorted column indices within a row.
    x.sort_indices()
    return {
        "rows": int(x.shape[0]),
        "cols": int(x.shape[1]),
        "indptr": x.indptr.tolist(),
        "indices": x.indices.tolist(),
        "data": x.data.astype(float).tolist(),
    }


def write_json(name, value):
    OUT.mkdir(parents=True, exist_ok=True)
    with open(OUT / name, "w", encoding="utf-8") as f:
        json.dump(value, f, ensure_ascii=False)
        f.write("\n")


def notebook_split():
    df = pd.read_csv(DATA, sep="\t")
    df = df[df["Country"] == "lebanon"]
    x = df["Tweet"]
    y = df["Sentiment"].map(LABEL_MAP)
    # Positions into the Lebanese rows (0-based), so the split can be compared with mlspec's.
    positions = np.arange(len(df))
    x_train, x_test, y_train, y_test, pos_train, pos_test = train_test_split(
        x, y, positions, test_size=0.2, random_state=SEED, stratify=y
    )
    return df, x_train, x_test, y_train.to_numpy(), y_test.to_numpy(), pos_train, pos_test


def fit_logreg(x_train, y_train, c, **params):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(max_iter=1000, random_state=SEED, C=c, **params)
        model.fit(x_train, y_train)
    return model, [str(w.message) for w in caught]


def subset_case(x_train, y_train, x_test, keep, **params):
    """Fit on the training rows whose label is in `keep` (sklearn then knows only those classes)."""
    rows = np.flatnonzero(np.isin(y_train, keep))
    model = LogisticRegression(max_iter=1000, random_state=SEED, **params).fit(x_train[rows], y_train[rows])
    return {
        "trainRows": rows.tolist(),
        "classes": model.classes_.tolist(),
        "nIter": int(model.n_iter_[0]),
        "predictions": model.predict(x_test).tolist(),
        "proba": model.predict_proba(x_test).tolist(),
        "coef": model.coef_.tolist(),
        "intercept": model.intercept_.tolist(),
    }


def time_fit(x_train, y_train):
    best = float("inf")
    for _ in range(TIMING_REPEATS):
        start = time.perf_counter()
        LogisticRegression(max_iter=1000, random_state=SEED).fit(x_train, y_train)
        best = min(best, time.perf_counter() - start)
    return best


def time_vectorize_fit(texts_train, y_train):
    best = float("inf")
    for _ in range(TIMING_REPEATS):
        start = time.perf_counter()
        x = CountVectorizer(max_features=1000, ngram_range=(1, 2)).fit_transform(texts_train)
        LogisticRegression(max_iter=1000, random_state=SEED).fit(x, y_train)
        best = min(best, time.perf_counter() - start)
    return best


def metrics_of(y_true, y_pred, names):
    """sklearn's metrics with every class listed, as mlspec reports them."""
    labels = list(range(len(names)))
    with warnings.catch_warnings():
        # zero_division="warn" (the default) warns and scores 0.0; only the 0.0 matters here.
        warnings.simplefilter("ignore", UndefinedMetricWarning)
        p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=labels)
        return {
            "accuracy": float(accuracy_score(y_true, y_pred)),
            "macroF1": float(f1_score(y_true, y_pred, labels=labels, average="macro")),
            "weightedF1": float(f1_score(y_true, y_pred, labels=labels, average="weighted")),
            "precision": p.tolist(),
            "recall": r.tolist(),
            "f1": f.tolist(),
            "support": s.tolist(),
            "confusion": confusion_matrix(y_true, y_pred, labels=labels).tolist(),
            "reportDict": classification_report(
                y_true, y_pred, labels=labels, target_names=names, output_dict=True
            ),
            "reportText": classification_report(y_true, y_pred, labels=labels, target_names=names),
            "reportText4": classification_report(
                y_true, y_pred, labels=labels, target_names=names, digits=4
            ),
        }


def metrics_cases():
    rng = np.random.default_rng(SEED)
    cases = []

    def add(name, y_true, y_pred, names):
        y_true = [int(v) for v in y_true]
        y_pred = [int(v) for v in y_pred]
        cases.append(
            {"name": name, "classes": names, "yTrue": y_true, "yPred": y_pred, **metrics_of(y_true, y_pred, names)}
        )

    y_true = rng.integers(0, 5, size=60)
    y_pred = np.where(rng.random(60) < 0.5, y_true, rng.integers(0, 5, size=60))
    add("random five classes", y_true, y_pred, CLASSES)

    y_pred_never = np.where(y_pred == 2, 1, y_pred)
    add("class 2 never predicted", y_true, y_pred_never, CLASSES)

    y_true_absent = np.where(y_true == 4, 3, y_true)
    add("class 4 absent from y_true", y_true_absent, y_pred, CLASSES)

    y_true_both = np.where(y_true == 0, 1, y_true)
    y_pred_both = np.where(y_pred == 0, 1, y_pred)
    add("class 0 absent from both", y_true_both, y_pred_both, CLASSES)

    add("binary, long names", [0, 0, 1, 1, 1, 0, 1, 1], [0, 1, 1, 1, 0, 0, 1, 1],
        ["a rather long class name", "b"])
    # Values that sit exactly halfway between two 2-digit roundings (0.125, 0.375, 0.625, 0.875):
    # Python rounds the exact binary value half-to-even.
    add("exact halves", [0] * 8 + [1] * 8, [0] + [1] * 7 + [1] * 5 + [0] * 3, ["x", "y"])
    return cases


def main():
    df, text_train, text_test, y_train, y_test, pos_train, pos_test = notebook_split()

    vectorizer = CountVectorizer(max_features=1000, ngram_range=(1, 2))
    x_train = vectorizer.fit_transform(text_train)
    x_test = vectorizer.transform(text_test)

    model, fit_warnings = fit_logreg(x_train, y_train, 1.0)
    y_pred = model.predict(x_test)
    proba = model.predict_proba(x_test)

    variants = {}
    for c in (0.1, 10.0):
        other, other_warnings = fit_logreg(x_train, y_train, c)
        variants[str(c)] = {
            "C": c,
            "nIter": int(other.n_iter_[0]),
            "predictions": other.predict(x_test).tolist(),
            "accuracy": float(accuracy_score(y_test, other.predict(x_test))),
            "warnings": other_warnings,
        }

    no_intercept, _ = fit_logreg(x_train, y_train, 1.0, fit_intercept=False)
    variants["noIntercept"] = {
        "C": 1.0,
        "fitIntercept": False,
        "nIter": int(no_intercept.n_iter_[0]),
        "predictions": no_intercept.predict(x_test).tolist(),
        "accuracy": float(accuracy_score(y_test, no_intercept.predict(x_test))),
    }
    subsets = {
        # Two classes: sklearn fits a single (binomial) weight vector.
        "binary": subset_case(x_train, y_train, x_test, [1, 3]),
        # A class absent from the training rows: sklearn fits the other four only.
        "withoutClass4": subset_case(x_train, y_train, x_test, [0, 1, 2, 3]),
    }

    metrics = metrics_of(y_test.tolist(), y_pred.tolist(), CLASSES)

    write_json("vocabulary.json", {term: int(col) for term, col in sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])})
    write_json("x_train.json", csr_json(x_train))
    write_json("x_test.json", csr_json(x_test))
    write_json(
        "reference.json",
        {
            "sklearnVersion": sklearn.__version__,
            "numpyVersion": np.__version__,
            "classes": CLASSES,
            "lebaneseRows": int(len(df)),
            "trainPositions": pos_train.tolist(),
            "testPositions": pos_test.tolist(),
            "yTrain": y_train.tolist(),
            "yTest": y_test.tolist(),
            "model": {
                "C": 1.0,
                "maxIter": 1000,
                "nIter": int(model.n_iter_[0]),
                "warnings": fit_warnings,
                "predictions": y_pred.tolist(),
                "proba": proba.tolist(),
                "coef": model.coef_.tolist(),
                "intercept": model.intercept_.tolist(),
            },
            "variants": variants,
            "subsets": subsets,
            "metrics": metrics,
            "timing": {
                "note": "fastest of %d runs on the machine that wrote this file; for information only" % TIMING_REPEATS,
                "fitSeconds": time_fit(x_train, y_train),
                "vectorizeFitSeconds": time_vectorize_fit(text_train, y_train),
            },
        },
    )
    write_json("metrics_cases.json", metrics_cases())
    print(
        "accuracy %.4f, n_iter %d, C=0.1 n_iter %d, C=10 n_iter %d"
        % (metrics["accuracy"], model.n_iter_[0], variants["0.1"]["nIter"], variants["10.0"]["nIter"])
    )


if __name__ == "__main__":
    main()
