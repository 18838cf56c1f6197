"""Step-by-step parity fixtures: PyTorch's recurrent classifiers trained for 20 optimizer steps.

For every cell (rnn, lstm, gru) and every case of tools/reference/parity_cases.json (1 or 2 layers,
one or two directions, last/mean/max pooling, padding run through or packed; Adam with coupled
weight decay, AdamW, SGD with momentum, RMSprop with momentum), writes test/fixtures/parity/<cell>.json:

  - the initial weights (PyTorch's own default initialisation, float32), in mlspec's names and layouts
    (W_ih and W_hh transposed to [in, gates·H] and [H, gates·H], fc.weight to [H', classes]);
  - the 20 batches (token ids with padding, lengths, labels);
  - per step (all 20): the loss, and the L2 norm of every gradient and of every weight after the step;
  - at the case's checkpoint steps (parity_cases.json): every gradient and every weight in full.
    (Every tensor at every step would make ~2 MB of fixtures; the norms keep it to a few hundred KB.)

The model mirrors mlspec's network (network.ts): Embedding(padding_idx=0) → nn.RNN/LSTM/GRU →
pooling → Linear, dropout off. "last" is h_n of the last layer (both directions concatenated);
"mean"/"max" pool the real tokens only (mlspec's definition: PyTorch has no built-in); maskPadding
runs the layers over pack_padded_sequence, so states stop at each row's last token.

The reference runs in float64 from float32 initial weights, so it is the exact arithmetic that
mlspec's float32 must stay close to. Every fixture records the SHA-256 of this script and of the
cases file; a test fails when either changes without the fixtures being made again.

Also writes test/fixtures/parity/notebook-scale.json: a few Adam steps of each cell at the
notebook's sizes (140 steps, batch 32, 128 units), from weights and batches both sides compute from
a formula, so only losses and norms are stored. And test/fixtures/parity/init.json: PyTorch's default initialisation of large layers
(embedding, each cell's weights and biases, the dense layer) as empirical CDFs on a fixed grid.

    .venv/bin/python tools/reference/parity_fixtures.py     # writes test/fixtures/parity/*.json
"""
import base64
import hashlib
import json
import os
import sys

import numpy as np
import torch
import torch.nn as nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
CASES_FILE = os.path.join(ROOT, 'tools/reference/parity_cases.json')
OUT_DIR = os.path.join(ROOT, 'test/fixtures/parity')
MODULES = {'rnn': nn.RNN, 'lstm': nn.LSTM, 'gru': nn.GRU}


def sha256_of(path):
    with open(path, 'rb') as f:
        return hashlib.sha256(f.read()).hexdigest()


def f32(array):
    """float32 little-endian bytes, base64 (what mlspec's model state uses too)."""
    return base64.b64encode(np.ascontiguousarray(array, dtype='<f4').tobytes()).decode('ascii')


class Classifier(nn.Module):
    def __init__(self, cell, case, dims):
        super().__init__()
        self.case = case
        self.embedding = nn.Embedding(dims['vocabSize'], dims['embeddingDim'], padding_idx=0)
        self.rnn = MODULES[cell](dims['embeddingDim'], dims['units'], num_layers=case['layers'],
                                 bidirectional=case['bidirectional'], batch_first=True)
        directions = 2 if case['bidirectional'] else 1
        self.fc = nn.Linear(dims['units'] * directions, dims['nClasses'])

    def forward(self, ids, lengths):
        case = self.case
        x = self.embedding(ids)
        if case['maskPadding']:
            packed = pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, hidden = self.rnn(packed)
            out, _ = pad_packed_sequence(out, batch_first=True, total_length=ids.shape[1])
        else:
            out, hidden = self.rnn(x)
        if isinstance(hidden, tuple):
            hidden = hidden[0]
        mask = (torch.arange(ids.shape[1])[None, :] < lengths[:, None]).to(out.dtype)[:, :, None]
        if case['pooling'] == 'last':
            pooled = torch.cat([hidden[-2], hidden[-1]], 1) if case['bidirectional'] else hidden[-1]
        elif case['pooling'] == 'mean':
            pooled = (out * mask).sum(1) / lengths.clamp(min=1)[:, None].to(out.dtype)
        else:
            has_tokens = (lengths > 0).to(out.dtype)[:, None]
            pooled = (out + (mask - 1) * 1e4).max(1).values * has_tokens
        return self.fc(pooled)


def named_parameters(model, cell, case):
    """(mlspec name, PyTorch parameter, transpose?) in mlspec's weightLayout order."""
    out = [('embedding', model.embedding.weight, False)]
    for layer in range(case['layers']):
        for direction, suffix in [('forward', '')] + ([('backward', '_reverse')] if case['bidirectional'] else []):
            p = f'layer{layer}.{direction}'
            get = lambda n: getattr(model.rnn, f'{n}_l{layer}{suffix}')
            out += [(f'{p}.inputKernel', get('weight_ih'), True), (f'{p}.inputBias', get('bias_ih'), False),
                    (f'{p}.recurrentKernel', get('weight_hh'), True), (f'{p}.recurrentBias', get('bias_hh'), False)]
    out += [('dense.kernel', model.fc.weight, True), ('dense.bias', model.fc.bias, False)]
    return out


def host(tensor, transpose):
    t = tensor.detach()
    return (t.t() if transpose else t).contiguous().numpy()


def make_optimizer(params, spec):
    o, wd = spec['optimizer'], spec['weightDecay']
    if o['type'] == 'adam':
        return torch.optim.Adam(params, lr=o['learningRate'], betas=(o['beta1'], o['beta2']), eps=o['epsilon'], weight_decay=wd['value'])
    if o['type'] == 'adamw':
        return torch.optim.AdamW(params, lr=o['learningRate'], betas=(o['beta1'], o['beta2']), eps=o['epsilon'], weight_decay=wd['value'])
    if o['type'] == 'sgd':
        return torch.optim.SGD(params, lr=o['learningRate'], momentum=o['momentum'], weight_decay=wd['value'])
    if o['type'] == 'rmsprop':
        return torch.optim.RMSprop(params, lr=o['learningRate'], alpha=o['rho'], eps=o['epsilon'], momentum=o['momentum'], weight_decay=wd['value'])
    raise ValueError(o['type'])


def make_batches(generator, dims):
    """Rows of random lengths 1..T (one full-length row per batch), ids 1..V-1 with an occasional 0
    (an unknown character reads as padding) inside, padding 0 after the last token."""
    T, B, V = dims['steps'], dims['rows'], dims['vocabSize']
    batches = []
    for _ in range(dims['optimizerSteps']):
        lengths = torch.randint(1, T + 1, (B,), generator=generator)
        lengths[torch.randint(0, B, (1,), generator=generator)] = T
        ids = torch.randint(1, V, (B, T), generator=generator)
        ids[torch.rand((B, T), generator=generator) < 0.1] = 0
        ids[torch.arange(T)[None, :] >= lengths[:, None]] = 0
        labels = torch.randint(0, dims['nClasses'], (B,), generator=generator)
        batches.append((ids, lengths, labels))
    return batches


def run_case(cell, cell_index, case_index, case, spec, dims, checkpoints):
    seed = 1000 * cell_index + case_index
    torch.manual_seed(seed)
    model = Classifier(cell, case, dims)  # PyTorch's default initialisation, in float32
    params = named_parameters(model, cell, case)
    initial = {name: f32(host(p, t)) for name, p, t in params}
    model.double()  # the reference arithmetic: float64 from the float32 starting point
    params = named_parameters(model, cell, case)
    batches = make_batches(torch.Generator().manual_seed(seed), dims)
    optimizer = make_optimizer(model.parameters(), spec)
    criterion = nn.CrossEntropyLoss()
    names = [name for name, _, _ in params]
    steps, checkpoint_values = [], {}
    for k, (ids, lengths, labels) in enumerate(batches, start=1):
        optimizer.zero_grad()
        loss = criterion(model(ids, lengths), labels)
        loss.backward()
        grads = [host(p.grad, t) for _, p, t in params]
        optimizer.step()
        weights = [host(p, t) for _, p, t in params]
        steps.append({
            'loss': loss.item(),
            'gradNorms': [significant(np.linalg.norm(g)) for g in grads],
            'weightNorms': [significant(np.linalg.norm(w)) for w in weights],
        })
        if k in checkpoints:
            checkpoint_values[str(k)] = {'grads': [f32(g) for g in grads], 'weights': [f32(w) for w in weights]}
    return {
        'inputs': {**case, 'cell': cell, 'seed': seed, **spec, 'dims': dims, 'checkpoints': sorted(checkpoints)},
        'names': names,
        'initial': [{'shape': list(host(p, t).shape), 'float32': initial[name]} for name, p, t in params],
        # Row-major [rows × steps] ids per batch.
        'batches': [{'ids': ids.flatten().tolist(), 'lengths': lengths.tolist(), 'labels': labels.tolist()} for ids, lengths, labels in batches],
        # steps[k − 1]: the loss of batch k and the norms of its gradients and of the weights after step k.
        'steps': steps,
        # At the checkpoint steps, every gradient (of that step's batch) and weight (after the step) in full.
        'checkpoints': checkpoint_values,
    }


def significant(x, digits=7):
    """A norm with 7 significant digits: float32's precision, a tenth of the test's tolerance is plenty."""
    return float(f'{x:.{digits - 1}e}')


def formula_uniform(count, stream):
    """count values in [-1, 1) from a multiplicative hash both sides compute the same way
    (test/parity/notebook-scale.test.ts), so a notebook-sized model needs no weights in the fixture."""
    i = np.arange(count, dtype=np.uint64)
    x = (i * np.uint64(2654435761) + np.uint64(stream) * np.uint64(40503) + np.uint64(12345)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(15)
    x = (x * np.uint64(2246822519)) & np.uint64(0xFFFFFFFF)
    x ^= x >> np.uint64(13)
    return x.astype(np.float64) / 2.0 ** 31 - 1.0


def notebook_scale(config, provenance):
    """The notebook's sizes (T = 140, batch 32, embedding 64, 128 units, 5 classes, Adam lr 0.001
    with weight decay 1e-5), a few steps per cell: long sequences, many rows per kernel call."""
    d = config['notebookScale']
    cells = {}
    for cell in config['cells']:
        case = {'layers': 1, 'bidirectional': False, 'pooling': 'last', 'maskPadding': False}
        model = Classifier(cell, case, d).double()
        params = named_parameters(model, cell, case)
        with torch.no_grad():
            for k, (name, p, transpose) in enumerate(params):
                shape = host(p, transpose).shape
                bound = 3.0 ** 0.5 if name == 'embedding' else d['scales'][name.split('.')[0] if name.startswith('dense') else 'recurrent'] / d['units'] ** 0.5
                values = (formula_uniform(int(np.prod(shape)), k) * bound).astype(np.float32).astype(np.float64).reshape(shape)
                if name == 'embedding':
                    values[0] = 0
                p.copy_(torch.from_numpy(values.T.copy() if transpose else values))
        optimizer = torch.optim.Adam(model.parameters(), lr=d['learningRate'], weight_decay=d['weightDecay'])
        steps = []
        for k in range(d['optimizerSteps']):
            ids, lengths, labels = formula_batch(d, k)
            optimizer.zero_grad()
            loss = nn.CrossEntropyLoss()(model(ids, lengths), labels)
            loss.backward()
            grads = [np.linalg.norm(host(p.grad, t)) for _, p, t in params]
            optimizer.step()
            steps.append({'loss': loss.item(), 'gradNorms': [significant(g) for g in grads],
                          'weightNorms': [significant(np.linalg.norm(host(p, t))) for _, p, t in params]})
        cells[cell] = {'names': [n for n, _, _ in params], 'steps': steps}
    path = os.path.join(OUT_DIR, 'notebook-scale.json')
    with open(path, 'w') as f:
        json.dump({**provenance, 'inputs': d, 'cells': cells}, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {os.path.getsize(path)} bytes', file=sys.stderr)


def formula_batch(d, k):
    """Batch k: row b has 1 + (37·b + 11·k) mod T tokens, ids from the hash (0 after the last token)."""
    T, B, V = d['steps'], d['rows'], d['vocabSize']
    lengths = torch.tensor([1 + (37 * b + 11 * k) % T for b in range(B)])
    u = formula_uniform(B * T, 1000 + k).reshape(B, T)
    ids = torch.from_numpy((1 + np.floor((u + 1) / 2 * (V - 1))).astype(np.int64))
    ids[torch.arange(T)[None, :] >= lengths[:, None]] = 0
    labels = torch.tensor([(7 * b + k) % d['nClasses'] for b in range(B)])
    return ids, lengths, labels


def init_distributions(config, provenance):
    """PyTorch's default initialisation on large layers, as empirical CDFs on a fixed grid: what
    mlspec's draws are compared with (two-sample, and both against the documented distributions)."""
    d = config['initDistributions']
    torch.manual_seed(d['seed'])
    groups = {}
    for cell in config['cells']:
        model = Classifier(cell, {'layers': 1, 'bidirectional': True, 'pooling': 'last', 'maskPadding': False},
                           {'vocabSize': d['vocabSize'], 'embeddingDim': d['embeddingDim'], 'units': d['units'], 'nClasses': d['nClasses']})
        groups[f'{cell}.recurrent'] = torch.cat([p.detach().flatten() for p in model.rnn.parameters()])
        if cell == config['cells'][0]:
            groups['embedding'] = model.embedding.weight.detach()[1:].flatten()  # the padding row is zeros
            groups['embedding.paddingRow'] = model.embedding.weight.detach()[0]
            groups['dense.kernel'] = model.fc.weight.detach().flatten()
            groups['dense.bias'] = model.fc.bias.detach().flatten()
    out = {}
    for name, values in groups.items():
        v = np.sort(values.numpy().astype(np.float64))
        grid = np.linspace(-3.5, 3.5, 57) if name.startswith('embedding') else np.linspace(v[0] * 1.02, v[-1] * 1.02, 41)
        out[name] = {'n': int(v.size), 'min': float(v[0]), 'max': float(v[-1]), 'mean': float(v.mean()), 'sd': float(v.std()),
                     'grid': [significant(x) for x in grid], 'cdf': [significant(np.searchsorted(v, x, side='right') / v.size) for x in grid]}
    # nn.Dropout in training: the share of zeros and the values of the survivors (of ones).
    dropout = {}
    for rate in d['dropoutRates']:
        y = nn.Dropout(rate).train()(torch.ones(d['dropoutDraws'], dtype=torch.float64))
        kept = y[y != 0]
        dropout[str(rate)] = {'n': d['dropoutDraws'], 'dropRate': float((y == 0).double().mean()),
                              'survivorMin': float(kept.min()), 'survivorMax': float(kept.max())}
    path = os.path.join(OUT_DIR, 'init.json')
    with open(path, 'w') as f:
        json.dump({**provenance, 'inputs': d, 'groups': out, 'dropout': dropout}, f, separators=(',', ':'))
        f.write('\n')
    print(f'{path}: {os.path.getsize(path)} bytes', file=sys.stderr)


def main():
    torch.set_num_threads(1)
    with open(CASES_FILE) as f:
        config = json.load(f)
    provenance = {
        'generator': 'tools/reference/parity_fixtures.py',
        'generatorSha256': sha256_of(__file__),
        'casesSha256': sha256_of(CASES_FILE),
        'versions': {'python': sys.version.split()[0], 'torch': torch.__version__, 'numpy': np.__version__},
    }
    os.makedirs(OUT_DIR, exist_ok=True)
    for cell_index, cell in enumerate(config['cells']):
        cases = []
        for case_index, case in enumerate(config['cases']):
            checkpoints = set(config['checkpoints'][case['record']])
            cases.append(run_case(cell, cell_index, case_index, case, config['optimizers'][case['optimizer']], config['dims'], checkpoints))
        path = os.path.join(OUT_DIR, f'{cell}.json')
        with open(path, 'w') as f:
            json.dump({**provenance, 'cell': cell, 'cases': cases}, f, separators=(',', ':'))
            f.write('\n')
        print(f'{path}: {os.path.getsize(path)} bytes', file=sys.stderr)
    init_distributions(config, provenance)
    notebook_scale(config, provenance)


if __name__ == '__main__':
    main()
