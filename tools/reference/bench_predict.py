"""Reference for bench/predict.js: prediction throughput (texts per second, from raw text to label)
of the notebook's baseline in scikit-learn (CountVectorizer 1-2-grams, 1,000 features, then
LogisticRegression.predict) and of its character LSTM in PyTorch (encode, pad, forward, argmax;
random weights: the time of a forward pass does not depend on them), at batch 1 and batch 256.

    python tools/reference/bench_predict.py <repeats> <threads>   → JSON on stdout
"""
import json
import sys
import time

import numpy as np
import pandas as pd
import sklearn
import torch
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

sys.path.insert(0, 'tools/reference')
from notebook_torch import Model  # noqa: E402

repeats = int(sys.argv[1])
threads = int(sys.argv[2])
torch.set_num_threads(threads)

df = pd.read_csv('data/ArSenTD-LEV.tsv', sep='\t')
df = df[df['Country'] == 'lebanon']
texts = list(df['Tweet'].values)
y = df['Sentiment'].values
x_train, _, y_train, _ = train_test_split(texts, y, test_size=0.2, random_state=42, stratify=y)


def throughput(predict, batch, items):
    """Best of `repeats` passes over `items` in batches: texts per second."""
    best = float('inf')
    for _ in range(repeats):
        start = time.perf_counter()
        for i in range(0, len(items), batch):
            predict(items[i:i + batch])
        best = min(best, time.perf_counter() - start)
    return len(items) / best


baseline = make_pipeline(CountVectorizer(ngram_range=(1, 2), max_features=1000), LogisticRegression(C=1.0, max_iter=1000))
baseline.fit(x_train, y_train)

chars = sorted(set(' '.join(texts)))
index = {ch: i + 1 for i, ch in enumerate(chars)}
model = Model('lstm', len(index) + 1).eval()


def lstm_predict(batch):
    ids = np.zeros((len(batch), 140), dtype=np.int64)
    for r, text in enumerate(batch):
        row = [index.get(ch, 0) for ch in text[:140]]
        ids[r, :len(row)] = row
    with torch.no_grad():
        return model(torch.from_numpy(ids)).argmax(1).numpy()


out = {
    'sklearn': sklearn.__version__,
    'torch': torch.__version__,
    'threads': threads,
    'lr_batch1': throughput(baseline.predict, 1, texts),
    'lr_batch256': throughput(baseline.predict, 256, texts),
    'lstm_batch1': throughput(lstm_predict, 1, texts[:100]),
    'lstm_batch256': throughput(lstm_predict, 256, texts),
}
print(json.dumps(out))
