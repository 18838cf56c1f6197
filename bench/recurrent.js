'use strict';
/**
 * Seconds per training epoch of the notebook's character models (800 sequences × 140 steps,
 * batch 32, embedding 64, 128 units, Adam), mlspec per cell × backend against the notebook's
 * PyTorch models, in one run, each measurement in its own process (peak memory included).
 * Options (env): BENCH_BACKENDS=wasm,cpu,tensorflow  BENCH_EPOCHS=3  BENCH_TORCH_THREADS=2
 * The first epoch includes warm-up (kernel compilation, allocation), so the figure is the median
 * of the later epochs.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');
const { python, root } = require('./run');

const CELLS = [
  ['rnn', 'simple-rnn', 'SimpleRNN'],
  ['lstm', 'lstm', 'LSTM'],
  ['gru', 'gru', 'GRU'],
];

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.floor(s.length / 2)] : NaN;
}

function steady(epochSeconds) {
  return median(epochSeconds.length > 1 ? epochSeconds.slice(1) : epochSeconds);
}

function measure(model, backend, epochs) {
  const r = spawnSync(process.execPath, [path.join(__dirname, 'recurrent-worker.js'), model, backend, String(epochs)], {
    encoding: 'utf8',
    cwd: root,
    maxBuffer: 16 << 20,
  });
  if (r.status !== 0) return { error: (r.stderr || '').trim().split('\n').slice(-1)[0] };
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

async function run() {
  const epochs = Number(process.env.BENCH_EPOCHS || 3);
  const backends = (process.env.BENCH_BACKENDS || 'tensorflow,wasm,cpu').split(',');
  const threads = process.env.BENCH_TORCH_THREADS || '2';
  console.log(`recurrent: seconds per training epoch, notebook models, ${epochs} epochs each (median after the first)`);
  const torch = python('tools/reference/notebook_torch.py', ['--bench', '--epochs', String(epochs), '--threads', threads]);
  const rows = [];
  for (const [torchCell, model, label] of CELLS) {
    const t = torch.cells[torchCell][Object.keys(torch.cells[torchCell])[0]];
    const reference = steady(t.epoch_seconds);
    rows.push({ cell: label, impl: `PyTorch ${torch.torch} (${threads} threads)`, seconds: reference, ratio: 1, memory: torch.peak_rss_mb });
    for (const backend of backends) {
      const m = measure(model, backend, epochs);
      if (m.error) {
        rows.push({ cell: label, impl: `mlspec ${backend}`, error: m.error });
        continue;
      }
      const seconds = steady(m.epochSeconds);
      rows.push({ cell: label, impl: `mlspec ${m.backend} (${m.kernel})`, seconds, ratio: seconds / reference, memory: m.peakRssMb });
    }
  }
  console.log(`${'cell'.padEnd(10)}${'implementation'.padEnd(44)}${'s/epoch'.padStart(9)}${'× PyTorch'.padStart(11)}${'peak MB'.padStart(9)}`);
  for (const r of rows) {
    if (r.error) console.log(`${r.cell.padEnd(10)}${r.impl.padEnd(44)}  unavailable: ${r.error}`);
    else
      console.log(
        `${r.cell.padEnd(10)}${r.impl.padEnd(44)}${r.seconds.toFixed(3).padStart(9)}${r.ratio.toFixed(2).padStart(11)}${r.memory.toFixed(0).padStart(9)}`,
      );
  }
}

module.exports = { run };
