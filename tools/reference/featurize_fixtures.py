"""Write the scikit-learn reference fixtures for the `words`/`chars` tokenizers and the
`counts`/`tfidf` featurizers (test/fixtures/featurizers/).

Everything is computed on the notebook's split: the Lebanese rows of data/ArSenTD-LEV.tsv, labels
mapped in the notebook's class order, train_test_split(test_size=0.2, random_state=42, stratify=y).

Run from anywhere:  .venv/bin/python tools/reference/featurize_fixtures.py
"""

from __future__ import annotations

import json
import platform
import re
import sys
import unicodedata
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp
import sklearn
from sklearn.feature_extraction.text import CountVectorizer, TfidfVectorizer
from sklearn.model_selection import train_test_split

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "ArSenTD-LEV.tsv"
OUT = ROOT / "test" / "fixtures" / "featurizers"

CLASSES = ["very_negative", "negative", "neutral", "positive", "very_positive"]

GENERATED_BY = {
    "script": "tools/reference/featurize_fixtures.py",
    "python": platform.python_version(),
    "unicode": unicodedata.unidata_version,
    "sklearn": sklearn.__version__,
    "numpy": np.__version__,
    "pandas": pd.__version__,
}


def write(name: str, payload: dict) -> None:
    path = OUT / name
    # ensure_ascii=False keeps Arabic at 2 bytes a character; floats are written with repr, which
    # round-trips exactly into a JavaScript number.
    text = json.dumps({"generatedBy": GENERATED_BY, **payload}, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")
    print(f"{path.relative_to(ROOT)}: {len(text.encode('utf-8')) / 1024:.0f} KiB")


def notebook_split():
    frame = pd.read_csv(DATA, sep="\t")
    lebanon = frame[frame["Country"] == "lebanon"]
    x = lebanon["Tweet"]
    y = lebanon["Sentiment"].map({label: i for i, label in enumerate(CLASSES)})
    x_train, x_test, y_train, y_test = train_test_split(x, y, test_size=0.2, random_state=42, stratify=y)
    return frame, x_train, x_test, y_train, y_test


def csr(matrix: sp.csr_matrix, as_float: bool) -> dict:
    matrix = sp.csr_matrix(matrix)
    matrix.sort_indices()
    data = [float(v) for v in matrix.data] if as_float else [int(v) for v in matrix.data]
    return {
        "rows": matrix.shape[0],
        "cols": matrix.shape[1],
        "indptr": [int(v) for v in matrix.indptr],
        "indices": [int(v) for v in matrix.indices],
        "data": data,
    }


def terms_by_column(vocabulary: dict) -> list[str]:
    terms = [""] * len(vocabulary)
    for term, column in vocabulary.items():
        terms[column] = term
    return terms


# ---- tokenization ----------------------------------------------------------------------------

# Hand-made texts for what tweets rarely hold: final sigma, dotted capital I (lowercases to i +
# combining dot), astral letters and digits, other number categories, decomposed accents, emoji
# sequences, CJK, zero-width non-joiner, empty and one-letter texts.
CONSTRUCTED = [
    "ΟΔΟΣ Σ ΣΑΣ",
    "İstanbul I İİ",
    "𝐀𝐁𝐂 math 𝟏𝟐 𝐱",
    "x² ½ ٣٤ ۵۶ Ⅻ",
    "a_b __ _x é e\u0301te",
    "👨\u200d👩\u200d👧 👍🏽 🇱🇧 😂😂",
    "مرحباً بِكُمْ ـــ",
    "中文字符 日本語",
    "a\u200cb ab\u200ccd",
    "",
    "   ",
    "a b c 1 2",
]

SAMPLE_RULES = [
    ("arabic diacritics", 6, lambda s: any("\u064b" <= c <= "\u0652" for c in s)),
    ("emoji", 6, lambda s: any(ord(c) > 0xFFFF for c in s)),
    ("emoji modifier", 2, lambda s: any(unicodedata.category(c) == "Sk" for c in s)),
    ("underscore", 5, lambda s: "_" in s),
    ("latin letters", 5, lambda s: any("a" <= c.lower() <= "z" for c in s)),
    ("uppercase latin", 3, lambda s: any("A" <= c <= "Z" for c in s)),
    ("url", 5, lambda s: "http" in s),
    ("ascii digits", 4, lambda s: any("0" <= c <= "9" for c in s)),
    ("arabic-indic digits", 3, lambda s: any("\u0660" <= c <= "\u0669" for c in s)),
    ("tatweel", 3, lambda s: "\u0640" in s),
    ("other numbers", 2, lambda s: any(unicodedata.category(c) == "No" for c in s)),
    ("format characters", 3, lambda s: any(unicodedata.category(c) == "Cf" for c in s)),
]


def pick_samples(texts: list[str]) -> list[tuple[str, str]]:
    chosen: list[tuple[str, str]] = []
    seen: set[str] = set()
    for reason, wanted, rule in SAMPLE_RULES:
        found = 0
        for text in texts:
            if found == wanted:
                break
            if text not in seen and rule(text):
                chosen.append((reason, text))
                seen.add(text)
                found += 1
    return chosen + [("constructed", text) for text in CONSTRUCTED]


def tokenization_fixture(all_texts: list[str]) -> dict:
    tokenizer = CountVectorizer().build_tokenizer()
    analyzer_12 = CountVectorizer(ngram_range=(1, 2)).build_analyzer()
    analyzer_23 = CountVectorizer(ngram_range=(2, 3)).build_analyzer()
    samples = []
    for reason, text in pick_samples(all_texts):
        samples.append(
            {
                "reason": reason,
                "text": text,
                # build_tokenizer() alone does not lowercase (that is the preprocessor's job).
                "tokens": tokenizer(text),
                "analyzed12": analyzer_12(text),
                "analyzed23": analyzer_23(text),
                "codePoints": len(text),
            }
        )
    return {"tokenPattern": CountVectorizer().token_pattern, "samples": samples}


def ranges(flags: list[bool]) -> list[list[int]]:
    """[first, last] code point runs where flags is true."""
    out: list[list[int]] = []
    start = None
    for cp, flag in enumerate(flags + [False]):
        if flag and start is None:
            start = cp
        elif not flag and start is not None:
            out.append([start, cp - 1])
            start = None
    return out


def unicode_fixture() -> dict:
    word = re.compile(r"\w")
    all_cps = range(0x110000)
    lower = {}
    for cp in all_cps:
        ch = chr(cp)
        if ch.lower() != ch:
            lower[str(cp)] = ch.lower()
    return {
        # What Python's re calls \w for str patterns, and what its Unicode database leaves
        # unassigned: newer JavaScript engines may know characters assigned since.
        "wordRanges": ranges([word.match(chr(cp)) is not None for cp in all_cps]),
        "unassignedRanges": ranges([unicodedata.category(chr(cp)) == "Cn" for cp in all_cps]),
        "lowercase": lower,
    }


# ---- vectorizers ------------------------------------------------------------------------------


def full_vocabulary_fixture(train: list[str]) -> dict:
    vectorizer = CountVectorizer(ngram_range=(1, 2))
    x = vectorizer.fit_transform(train)
    terms = terms_by_column(vectorizer.vocabulary_)
    counts = np.asarray(x.sum(axis=0)).ravel()
    dfs = np.bincount(x.indices, minlength=x.shape[1])
    return {
        "ngramRange": [1, 2],
        "terms": terms,
        "counts": [int(v) for v in counts],
        "documentFrequencies": [int(v) for v in dfs],
    }


DF_CONFIGS = [
    {"min_df": 3, "max_df": 0.05},
    {"min_df": 2, "max_df": 10},
    {"min_df": 0.01, "max_df": 0.5, "binary": True},
    {"min_df": 2, "max_features": 300, "binary": True},
]


def df_filtered_fixture(train: list[str]) -> dict:
    configs = []
    for params in DF_CONFIGS:
        vectorizer = CountVectorizer(ngram_range=(1, 2), **params)
        x = vectorizer.fit_transform(train)
        configs.append(
            {
                "params": params,
                "terms": terms_by_column(vectorizer.vocabulary_),
                # Ranking count of each kept term (binary counts when binary), to check cuts.
                "rankCounts": [int(v) for v in np.asarray(x.sum(axis=0)).ravel()],
            }
        )
    return {"ngramRange": [1, 2], "configs": configs}


def counts_fixture(train: list[str], test: list[str]) -> dict:
    vectorizer = CountVectorizer(max_features=1000, ngram_range=(1, 2))
    x_train = vectorizer.fit_transform(train)
    x_test = vectorizer.transform(test)
    return {
        "params": {"max_features": 1000, "ngram_range": [1, 2]},
        # term -> column, as scikit-learn chose them on this machine (its tie order at the
        # max_features cut comes from numpy's argsort and is machine dependent).
        "vocabulary": {term: int(col) for term, col in sorted(vectorizer.vocabulary_.items(), key=lambda kv: kv[1])},
        "train": csr(x_train, as_float=False),
        "test": csr(x_test, as_float=False),
    }


TFIDF_CONFIGS = [
    {},
    {"norm": "l1", "smooth_idf": False, "sublinear_tf": True},
    {"norm": None, "use_idf": False, "binary": True},
]

TFIDF_TEST_ROWS = 20


def tfidf_fixture(train: list[str], test: list[str]) -> dict:
    configs = []
    for params in TFIDF_CONFIGS:
        vectorizer = TfidfVectorizer(ngram_range=(1, 2), max_features=1000, **params)
        vectorizer.fit(train)
        configs.append(
            {
                "params": params,
                "terms": terms_by_column(vectorizer.vocabulary_),
                "idf": [float(v) for v in vectorizer.idf_] if vectorizer.use_idf else None,
                "test": csr(vectorizer.transform(test[:TFIDF_TEST_ROWS]), as_float=True),
            }
        )
    return {"ngramRange": [1, 2], "maxFeatures": 1000, "testRows": TFIDF_TEST_ROWS, "configs": configs}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    frame, x_train, x_test, y_train, y_test = notebook_split()
    train = x_train.tolist()
    test = x_test.tolist()
    write(
        "notebook-split.json",
        {
            "classes": CLASSES,
            # 0-based data-row numbers of data/ArSenTD-LEV.tsv (header excluded), in split order.
            "trainRows": [int(v) for v in x_train.index],
            "testRows": [int(v) for v in x_test.index],
            "trainLabels": [int(v) for v in y_train],
            "testLabels": [int(v) for v in y_test],
            "train": train,
            "test": test,
        },
    )
    write("tokenization-samples.json", tokenization_fixture(frame["Tweet"].tolist()))
    write("unicode-tables.json", unicode_fixture())
    write("vocabulary-ngram-1-2.json", full_vocabulary_fixture(train))
    write("df-filtered-vocabularies.json", df_filtered_fixture(train))
    write("counts-max-features-1000.json", counts_fixture(train, test))
    write("tfidf-max-features-1000.json", tfidf_fixture(train, test))


if __name__ == "__main__":
    sys.exit(main())
