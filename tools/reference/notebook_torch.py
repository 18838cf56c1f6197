"""The notebook's character-level models in PyTorch, for parity and speed references.

Reproduces ../shared/seed's Part 3-6 exactly (Lebanese rows, split test_size=0.2 random_state=42
stratified, character vocabulary from all texts with 0 = padding, max_length 140, Embedding(…, 64,
padding_idx=0) -> RNN/LSTM/GRU(64, 128) -> last hidden state -> Dropout(0.5) -> Linear(128, 5),
Adam(lr=0.001, weight_decay=1e-5), batch 32, 30 epochs), for several seeds.

    python tools/reference/notebook_torch.py --seeds 0 1 2 3 4 --epochs 30 [--cells rnn lstm gru] [--threads 2]
    python tools/reference/notebook_torch.py --bench --epochs 3      # seconds per epoch only

Prints JSON on stdout: per cell and seed, per-epoch train/test accuracy (%) and seconds.
"""
import argparse
import json
import sys
import time

import numpy as np
import pandas as pd
import torch
import torch.nn as nn
import torch.optim as optim
from sklearn.model_selection import train_test_split
from torch.utils.data import DataLoader, TensorDataset

LABELS = {'very_negative': 0, 'negative': 1, 'neutral': 2, 'positive': 3, 'very_positive': 4}


def load(path='data/ArSenTD-LEV.tsv', max_length=140):
    df = pd.read_csv(path, sep='\t')
    df = df[df['Country'] == 'lebanon'].copy()
    X = df['Tweet'].values
    y = df['Sentiment'].map(LABELS).values
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=42, stratify=y)
    chars = sorted(set(' '.join(X)))
    index = {ch: i + 1 for i, ch in enumerate(chars)}

    def encode(text):
        ids = [index.get(ch, 0) for ch in text[:max_length]]
        return ids + [0] * (max_length - len(ids))

    return (np.array([encode(t) for t in X_train]), y_train, np.array([encode(t) for t in X_test]), y_test, len(index) + 1)


class Model(nn.Module):
    def __init__(self, cell, vocab_size, embedding_dim=64, hidden_dim=128, output_dim=5, dropout=0.5):
        super().__init__()
        self.embedding = nn.Embedding(vocab_size, embedding_dim, padding_idx=0)
        self.rnn = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}[cell](embedding_dim, hidden_dim, batch_first=True)
        self.dropout = nn.Dropout(dropout)
        self.fc = nn.Linear(hidden_dim, output_dim)

    def forward(self, x):
        _, hidden = self.rnn(self.embedding(x))
        if isinstance(hidden, tuple):
            hidden = hidden[0]
        return self.fc(self.dropout(hidden.squeeze(0)))


def run(cell, seed, epochs, data):
    X_train, y_train, X_test, y_test, vocab_size = data
    torch.manual_seed(seed)
    np.random.seed(seed)
    train_loader = DataLoader(TensorDataset(torch.LongTensor(X_train), torch.LongTensor(y_train)), batch_size=32, shuffle=True)
    test_loader = DataLoader(TensorDataset(torch.LongTensor(X_test), torch.LongTensor(y_test)), batch_size=32, shuffle=False)
    model = Model(cell, vocab_size)
    criterion = nn.CrossEntropyLoss()
    optimizer = optim.Adam(model.parameters(), lr=0.001, weight_decay=1e-5)
    history = {'train_acc': [], 'test_acc': [], 'train_loss': [], 'epoch_seconds': []}
    for _ in range(epochs):
        start = time.perf_counter()
        model.train()
        correct = total = 0
        loss_sum = 0.0
        for xb, yb in train_loader:
            optimizer.zero_grad()
            out = model(xb)
            loss = criterion(out, yb)
            loss.backward()
            optimizer.step()
            loss_sum += loss.item()
            correct += (out.argmax(1) == yb).sum().item()
            total += yb.size(0)
        history['epoch_seconds'].append(time.perf_counter() - start)
        history['train_acc'].append(100.0 * correct / total)
        history['train_loss'].append(loss_sum / len(train_loader))
        model.eval()
        correct = total = 0
        with torch.no_grad():
            for xb, yb in test_loader:
                correct += (model(xb).argmax(1) == yb).sum().item()
                total += yb.size(0)
        history['test_acc'].append(100.0 * correct / total)
    return history


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seeds', type=int, nargs='+', default=[0, 1, 2, 3, 4])
    parser.add_argument('--epochs', type=int, default=30)
    parser.add_argument('--cells', nargs='+', default=['rnn', 'lstm', 'gru'])
    parser.add_argument('--threads', type=int, default=2)
    parser.add_argument('--bench', action='store_true', help='one seed; report seconds per epoch only')
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    data = load()
    seeds = args.seeds[:1] if args.bench else args.seeds
    out = {'torch': torch.__version__, 'threads': args.threads, 'vocab_size': data[4], 'cells': {}}
    for cell in args.cells:
        out['cells'][cell] = {str(seed): run(cell, seed, args.epochs, data) for seed in seeds}
        print(f'{cell} done', file=sys.stderr)
    import resource
    out['peak_rss_mb'] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(out))


if __name__ == '__main__':
    main()
