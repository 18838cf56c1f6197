"""Optuna's samplers on the same problems as bench/search.js drives mlspec's, for comparison.

Test functions (minimised; the same definitions as bench/search.js): Branin, Hartmann-6, and a
mixed categorical/conditional function. For each, `--seeds` studies of `--trials` trials with
Optuna's TPESampler (its defaults: 10 startup trials, multivariate, constant liar) and its
RandomSampler; prints the best value after each budget. Then the sampler overhead: a study
pre-filled with N finished random trials on Hartmann-6, timing ask() plus the six suggestions.
Seeds are --first-seed .. --first-seed + --seeds - 1. Then the BoW + logistic-regression space of
experiments/arsentd-lev/sweep.yaml (tokens words or characters, counts or TF-IDF, n-grams (1, 2) or (2, 4), C in 0.1 .. 10), scored by scikit-learn's
same pipeline with 5-fold stratified CV (shuffled, seed 42) of the notebook's 800 training rows;
each configuration is scored once and remembered, so studies only pay for lookups. The `table`
part searches a table of that space's scores passed in (mlspec's), so both libraries' samplers
search the very same objective. The `next` part gives TPESampler's next suggestion after a fixed
history (--history), once per seed.

    .venv/bin/python tools/reference/bench_search_optuna.py [--seeds 10] [--first-seed 0] [--trials 100] [--parts functions,overhead,logreg,table,next] [--table FILE] [--history FILE]

Run it with OMP_NUM_THREADS=1 (bench/search.js does): on a busy machine, BLAS threads fighting
over the cores make each scikit-learn fit many times slower.

Prints one JSON object. Needs requirements.txt and requirements-bench.txt (optuna==5.1.0).
"""
import argparse
import json
import math
import time

import numpy as np
import optuna
import pandas as pd
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold, train_test_split

optuna.logging.set_verbosity(optuna.logging.ERROR)

BUDGETS = [20, 50, 100]


def branin(trial):
    x1 = trial.suggest_float("x1", -5, 10)
    x2 = trial.suggest_float("x2", 0, 15)
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1**2 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


H6_A = [[10, 3, 17, 3.5, 1.7, 8], [0.05, 10, 17, 0.1, 8, 14], [3, 3.5, 1.7, 10, 17, 8], [17, 8, 0.05, 10, 0.1, 14]]
H6_P = [[1312, 1696, 5569, 124, 8283, 5886], [2329, 4135, 8307, 3736, 1004, 9991], [2348, 1451, 3522, 2883, 3047, 6650], [4047, 8828, 8732, 5743, 1091, 381]]
H6_ALPHA = [1.0, 1.2, 3.0, 3.2]


def hartmann6_value(x):
    total = 0.0
    for i in range(4):
        inner = sum(H6_A[i][j] * (x[j] - H6_P[i][j] * 1e-4) ** 2 for j in range(6))
        total -= H6_ALPHA[i] * math.exp(-inner)
    return total


def hartmann6(trial):
    return hartmann6_value([trial.suggest_float(f"x{j}", 0, 1) for j in range(6)])


def mixed(trial):
    kind = trial.suggest_categorical("kind", ["quadratic", "sinusoid", "flat"])
    x = trial.suggest_float("x", -5, 5)
    lr = trial.suggest_float("lr", 1e-5, 1, log=True)
    shift = (math.log10(lr) + 3) ** 2
    if kind == "quadratic":
        a = trial.suggest_int("a", 0, 20)
        return (x - 1) ** 2 + shift + (a - 7) ** 2 / 10
    if kind == "sinusoid":
        b = trial.suggest_float("b", 0, 1, step=0.05)
        return 0.7 + 0.5 * math.sin(3 * x) + 10 * (b - 0.35) ** 2 + 0.5 * shift
    return 3 + 0.1 * shift


def best_after(values, direction):
    pick = min if direction == "minimize" else max
    return [pick(values[:b]) for b in BUDGETS]


def studies(objective, direction, seeds, trials, first_seed=0):
    out = {}
    for name, make in (("tpe", lambda s: optuna.samplers.TPESampler(seed=s)), ("random", lambda s: optuna.samplers.RandomSampler(seed=s))):
        rows = []
        start = time.perf_counter()
        for seed in range(first_seed, first_seed + seeds):
            study = optuna.create_study(direction=direction, sampler=make(seed))
            study.optimize(objective, n_trials=trials)
            rows.append(best_after([t.value for t in study.trials], direction))
        out[name] = {"best": rows, "seconds": time.perf_counter() - start}
    return out


def overhead(finished, repeats):
    rng = np.random.RandomState(0)
    dists = {f"x{j}": optuna.distributions.FloatDistribution(0, 1) for j in range(6)}
    study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=0))
    trials = []
    for _ in range(finished):
        params = {f"x{j}": float(rng.uniform()) for j in range(6)}
        trials.append(optuna.trial.create_trial(params=params, distributions=dists, value=hartmann6_value([params[f"x{j}"] for j in range(6)])))
    study.add_trials(trials)
    wall, cpu = [], []
    for _ in range(repeats):
        start, cpu_start = time.perf_counter(), time.process_time()
        trial = study.ask()
        x = [trial.suggest_float(f"x{j}", 0, 1) for j in range(6)]
        wall.append(time.perf_counter() - start)
        cpu.append(time.process_time() - cpu_start)
        study.tell(trial, hartmann6_value(x))
    return float(np.median(wall) * 1000), float(np.median(cpu) * 1000)


LOGREG_SPACE = [
    ("tokenizer.type", ["words", "chars"]),
    ("featurizer.type", ["counts", "tfidf"]),
    ("featurizer.ngramRange", ["1-2", "2-4"]),
    ("model.C", [0.1, 0.3, 1, 3, 10]),
]


def table_space(table_file, seeds, trials, first_seed=0):
    """Optuna's samplers on a table of scores of the logistic-regression space (a JSON list of
    [tokens, weighting, ngrams, C, score] rows, e.g. mlspec's own 5-fold CV accuracies): the same
    objective both samplers then search, so only the samplers differ."""
    with open(table_file) as f:
        table = {tuple(row[:-1]): row[-1] for row in json.load(f)}

    def objective(trial):
        return table[tuple(trial.suggest_categorical(name, choices) for name, choices in LOGREG_SPACE)]

    return studies(objective, "maximize", seeds, trials, first_seed)


def next_suggestions(history_file, seeds, first_seed=0):
    """TPESampler(seed=s)'s suggestion after a fixed history, for each seed: the distribution of
    the next suggestion, to compare with mlspec's given the same history. The history file holds
    mlspec's search space (parameters with dimension and `when`) and complete trials."""
    with open(history_file) as f:
        spec = json.load(f)
    parameters = spec["space"]["parameters"]

    def distribution(d):
        if d["type"] == "categorical":
            return optuna.distributions.CategoricalDistribution(d["choices"])
        if d["type"] == "int":
            return optuna.distributions.IntDistribution(d["low"], d["high"], log=d.get("log", False), step=d.get("step", 1))
        return optuna.distributions.FloatDistribution(d["low"], d["high"], log=d.get("log", False), step=d.get("step"))

    dists = {p["name"]: distribution(p["dimension"]) for p in parameters}
    history = [
        optuna.trial.create_trial(params=t["params"], distributions={k: dists[k] for k in t["params"]}, value=t["value"]) for t in spec["trials"]
    ]
    out = []
    for seed in range(first_seed, first_seed + seeds):
        study = optuna.create_study(sampler=optuna.samplers.TPESampler(seed=seed))
        study.add_trials(history)
        trial = study.ask()
        chosen = {}
        for p in parameters:
            when = p.get("when") or {}
            if not all(k in chosen and chosen[k] in allowed for k, allowed in when.items()):
                continue
            d = p["dimension"]
            if d["type"] == "categorical":
                chosen[p["name"]] = trial.suggest_categorical(p["name"], d["choices"])
            elif d["type"] == "int":
                chosen[p["name"]] = trial.suggest_int(p["name"], d["low"], d["high"], log=d.get("log", False), step=d.get("step", 1))
            else:
                chosen[p["name"]] = trial.suggest_float(p["name"], d["low"], d["high"], log=d.get("log", False), step=d.get("step"))
        out.append(chosen)
    return out


def logreg_space(seeds, trials, first_seed=0):
    df = pd.read_csv("data/ArSenTD-LEV.tsv", sep="\t")
    df = df[df["Country"] == "lebanon"]
    classes = ["very_negative", "negative", "neutral", "positive", "very_positive"]
    X = df["Tweet"].values
    y = df["Sentiment"].map({c: i for i, c in enumerate(classes)}).values
    X_train, _, y_train, _ = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    folds = list(StratifiedKFold(n_splits=5, shuffle=True, random_state=42).split(X_train, y_train))
    cache = {}

    def score(tokens, weighting, ngrams, C):
        key = (tokens, weighting, ngrams, C)
        if key not in cache:
            lo, hi = (1, 2) if ngrams == "1-2" else (2, 4)
            accuracies = []
            for train, test in folds:
                make = CountVectorizer if weighting == "counts" else TfidfVectorizer
                vectorizer = make(analyzer="word" if tokens == "words" else "char", ngram_range=(lo, hi))
                model = LogisticRegression(C=C, max_iter=1000)
                model.fit(vectorizer.fit_transform(X_train[train]), y_train[train])
                accuracies.append(float((model.predict(vectorizer.transform(X_train[test])) == y_train[test]).mean()))
            cache[key] = float(np.mean(accuracies))
        return cache[key]

    def objective(trial):
        return score(*(trial.suggest_categorical(name, choices) for name, choices in LOGREG_SPACE))

    start = time.perf_counter()
    for tokens in ("words", "chars"):
        for weighting in ("counts", "tfidf"):
            for ngrams in ("1-2", "2-4"):
                for C in (0.1, 0.3, 1, 3, 10):
                    score(tokens, weighting, ngrams, C)
    grid_seconds = time.perf_counter() - start
    result = studies(objective, "maximize", seeds, trials, first_seed)
    result["grid_best"] = max(cache.values())
    result["grid_seconds"] = grid_seconds
    return result


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=10)
    parser.add_argument("--trials", type=int, default=100)
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. first-seed + seeds - 1")
    parser.add_argument("--parts", default="functions,overhead,logreg", help="comma-separated: functions, overhead, logreg, table, next")
    parser.add_argument("--table", help="for the table part: a JSON file of [tokens, weighting, ngrams, C, score] rows")
    parser.add_argument("--history", help="for the next part: a JSON file of a search space and complete trials")
    args = parser.parse_args()
    parts = args.parts.split(",")
    out = {"optuna": optuna.__version__, "sklearn": sklearn.__version__, "budgets": BUDGETS}
    if "functions" in parts:
        out["functions"] = {}
        for name, objective in (("branin", branin), ("hartmann6", hartmann6), ("mixed", mixed)):
            out["functions"][name] = studies(objective, "minimize", args.seeds, args.trials, args.first_seed)
    if "overhead" in parts:
        measured = {str(n): overhead(n, 20 if n <= 100 else 10) for n in (100, 1000)}
        # wall time, and CPU time of the process (less inflated by other processes on a busy machine)
        out["overhead_ms"] = {n: wall for n, (wall, _) in measured.items()}
        out["overhead_cpu_ms"] = {n: cpu for n, (_, cpu) in measured.items()}
    if "logreg" in parts:
        out["logreg"] = logreg_space(args.seeds, args.trials, args.first_seed)
    if "next" in parts:
        out["next"] = next_suggestions(args.history, args.seeds, args.first_seed)
    if "table" in parts:
        out["table"] = table_space(args.table, args.seeds, args.trials, args.first_seed)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
