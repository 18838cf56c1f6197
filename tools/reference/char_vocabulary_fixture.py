"""Write the notebook's character vocabulary and a few encoded rows, for the index-sequence featurizer test.

The notebook builds its vocabulary from every Lebanese tweet: sorted(set of characters), ids from 1
(0 is padding and unknown), and encodes each tweet as its first 140 character ids, padded with 0.

Output (committed): test/fixtures/sequences/char-vocabulary.json
Run from the repository root:  .venv/bin/python tools/reference/char_vocabulary_fixture.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "data" / "ArSenTD-LEV.tsv"
OUT = ROOT / "test" / "fixtures" / "sequences" / "char-vocabulary.json"
MAX_LENGTH = 140
SAMPLE_ROWS = [0, 1, 2, 137, 999]


def main() -> None:
    frame = pd.read_csv(DATA, sep="\t")
    texts = frame.loc[frame["Country"] == "lebanon", "Tweet"].tolist()
    chars = sorted(set("".join(texts)))
    char_to_id = {c: i + 1 for i, c in enumerate(chars)}

    def encode(text: str) -> list[int]:
        ids = [char_to_id.get(c, 0) for c in text][:MAX_LENGTH]
        return ids + [0] * (MAX_LENGTH - len(ids))

    out = {
        "generator": "tools/reference/char_vocabulary_fixture.py",
        "versions": {"python": sys.version.split()[0], "pandas": pd.__version__},
        "rows": len(texts),
        "maxLength": MAX_LENGTH,
        "vocabSize": len(chars) + 1,
        "codePoints": [ord(c) for c in chars],
        "samples": [{"row": r, "length": min(len(texts[r]), MAX_LENGTH), "ids": encode(texts[r])} for r in SAMPLE_ROWS],
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(out, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {out['vocabSize']} ids over {out['rows']} rows")


if __name__ == "__main__":
    main()
