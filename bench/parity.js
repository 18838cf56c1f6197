'use strict';
/**
 * Accuracy parity with PyTorch on the notebook's split: the three character models trained for
 * 30 epochs with 5 seeds each, in mlspec (notebook.yaml with the model seed varied and the split
 * seed held at 42) and in the notebook's own PyTorch code (tools/reference/notebook_torch.py).
 * Prints the mean ± sd final test accuracy and final train–test gap per cell.
 * Options (env): PARITY_SEEDS=0,1,2,3,4  PARITY_EPOCHS=30  PARITY_CELLS=rnn,lstm,gru  PARITY_TORCH_JSON=<reuse a saved run>
 */
const { spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const YAML = require('yaml');
const { root } = require('./run');

const CELLS = [
  ['rnn', 'char-rnn', 'SimpleRNN'],
  ['lstm', 'char-lstm', 'LSTM'],
  ['gru', 'char-gru', 'GRU'],
];

const mean = (xs) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / Math.max(1, xs.length - 1));
const fmt = (xs) => `${mean(xs).toFixed(2)} ± ${sd(xs).toFixed(2)}`;

async function mlspecRun(seed, epochs, work, cells) {
  const spec = YAML.parse(fs.readFileSync(path.join(root, 'experiments/arsentd-lev/notebook.yaml'), 'utf8'), { merge: true });
  spec.seed = seed;
  spec.split.seed = 42; // the notebook's split, whatever the model seed
  spec.data.path = path.join(root, 'data/ArSenTD-LEV.tsv');
  for (const name of Object.keys(spec.pipelines)) if (!cells.some(([, pipeline]) => pipeline === name)) delete spec.pipelines[name];
  for (const p of Object.values(spec.pipelines)) p.training = { ...p.training, epochs, progress: false };
  const file = path.join(work, `seed-${seed}.yaml`);
  fs.writeFileSync(file, YAML.stringify(spec));
  const report = path.join(work, `seed-${seed}.json`);
  const child = spawn(process.execPath, [path.join(root, 'bin/mlspec.js'), 'run', file, '--report', report, '--no-tracking', '--quiet'], {
    cwd: work,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const code = await new Promise((resolve, reject) => child.on('error', reject).on('close', resolve));
  if (code !== 0) throw new Error(`mlspec seed ${seed} failed:\n${stderr}`);
  return JSON.parse(fs.readFileSync(report, 'utf8'));
}

/**
 * The PyTorch side in the background (its JSON to a file), so it runs while mlspec's seeds run:
 * the two sides share the machine's cores instead of waiting for each other.
 */
function startTorch(seeds, epochs, cells, work) {
  const out = path.join(work, 'torch.json');
  const fd = fs.openSync(out, 'w');
  const venvPython = path.join(process.env.MLSPEC_PYTHON_VENV || path.join(root, '.venv'), 'bin', 'python');
  const args = [
    path.join(root, 'tools/reference/notebook_torch.py'),
    '--seeds',
    ...seeds.map(String),
    '--epochs',
    String(epochs),
    '--cells',
    ...cells.map(([c]) => c),
    '--threads',
    '1',
  ];
  const child = spawn(venvPython, args, { cwd: root, stdio: ['ignore', fd, 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => {
      fs.closeSync(fd);
      if (code !== 0) reject(new Error(`notebook_torch.py failed (npm run setup and tools/reference/requirements-torch.txt first?):\n${stderr}`));
      else resolve(JSON.parse(fs.readFileSync(out, 'utf8')));
    });
  });
}

async function run() {
  const seeds = (process.env.PARITY_SEEDS || '0,1,2,3,4').split(',').map(Number);
  const epochs = Number(process.env.PARITY_EPOCHS || 30);
  const wanted = (process.env.PARITY_CELLS || 'rnn,lstm,gru').split(',');
  const cells = CELLS.filter(([torchCell]) => wanted.includes(torchCell));
  if (cells.length !== wanted.length) throw new Error(`PARITY_CELLS: each of ${wanted} must be one of ${CELLS.map(([c]) => c)}`);
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-parity-'));
  const torchDone = process.env.PARITY_TORCH_JSON
    ? Promise.resolve(JSON.parse(fs.readFileSync(process.env.PARITY_TORCH_JSON, 'utf8')))
    : startTorch(seeds, epochs, cells, work);
  const reports = [];
  for (const seed of seeds) reports.push(await mlspecRun(seed, epochs, work, cells));
  const torch = await torchDone;
  const backend = reports[0].folds[0].pipelines[0].info.backend;
  console.log(`parity: final test accuracy (%) and final train-test gap (points), ${seeds.length} seeds, ${epochs} epochs, mlspec on ${backend}`);
  console.log(`${'cell'.padEnd(10)}${'PyTorch acc'.padEnd(16)}${'mlspec acc'.padEnd(16)}${'Δ mean'.padEnd(9)}${'PyTorch gap'.padEnd(16)}mlspec gap`);
  const perCell = {};
  for (const [torchCell, pipeline, label] of cells) {
    const t = Object.values(torch.cells[torchCell]);
    const tAcc = t.map((h) => h.test_acc[h.test_acc.length - 1]);
    const tGap = t.map((h) => h.train_acc[h.train_acc.length - 1] - h.test_acc[h.test_acc.length - 1]);
    const ours = reports.map((r) => r.folds[0].pipelines.find((p) => p.name === pipeline));
    const oAcc = ours.map((p) => p.evaluation.accuracy * 100);
    const oGap = ours.map((p) => {
      const last = p.epochs[p.epochs.length - 1];
      return (last.train_accuracy - last.curve_accuracy) * 100;
    });
    perCell[label] = { torchAcc: tAcc, mlspecAcc: oAcc, torchGap: tGap, mlspecGap: oGap };
    console.log(
      `${label.padEnd(10)}${fmt(tAcc).padEnd(16)}${fmt(oAcc).padEnd(16)}${(mean(oAcc) - mean(tAcc)).toFixed(2).padEnd(9)}${fmt(tGap).padEnd(16)}${fmt(oGap)}`,
    );
  }
  const saved = path.join(work, 'parity.json');
  fs.writeFileSync(saved, JSON.stringify({ seeds, epochs, backend, torch, perCell }));
  console.log(`per-seed figures and PyTorch's histories: ${saved}`);
}

module.exports = { run };
