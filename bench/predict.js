'use strict';
/**
 * Using a trained model: prediction throughput (texts per second, raw text → label, tokenizing and
 * featurizing included) of the notebook's LR and LSTM pipelines at batch 1 and batch 256, against
 * scikit-learn's Pipeline.predict and PyTorch's forward pass on the same tweets; then `mlspec serve`
 * under 16 concurrent clients (one tweet per request): latency p50/p99, requests per second, and the
 * server's memory (resident set after loading, peak after the load).
 *
 * BENCH_THREADS (default 1) threads for PyTorch and for mlspec's recurrent kernel;
 * BENCH_REQUESTS (default 800) requests to the server; BENCH_REPEATS (default 3) passes, best kept.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { python, root } = require('./run');

const CLI = path.join(root, 'bin/mlspec.js');

function spec(work) {
  // The notebook's baseline and LSTM; one epoch (the speed of a forward pass does not depend on the weights).
  const text = fs
    .readFileSync(path.join(root, 'experiments/arsentd-lev/notebook.yaml'), 'utf8')
    .replace('../../data/ArSenTD-LEV.tsv', path.join(root, 'data/ArSenTD-LEV.tsv'));
  const file = path.join(work, 'spec.yaml');
  fs.writeFileSync(file, text);
  return file;
}

function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { rssMb: kb('VmRSS') / 1024, peakMb: kb('VmHWM') / 1024 };
}

async function serveLatency(model, texts, env) {
  const port = 5300 + Math.floor(Math.random() * 500);
  const server = spawn(process.execPath, [CLI, 'serve', model, '--port', String(port), '--concurrency', '16'], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  await new Promise((resolve, reject) => {
    server.stderr.on('data', (d) => {
      stderr += d;
      if (/serving .* at http/.test(stderr)) resolve();
    });
    server.on('exit', () => reject(new Error(`serve exited:\n${stderr}`)));
  });
  try {
    const url = `http://127.0.0.1:${port}/invocations`;
    const post = (text) =>
      fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ instances: [text] }) }).then((r) =>
        r.json(),
      );
    for (let i = 0; i < 20; i++) await post(texts[i]);
    const loaded = memory(server.pid);
    const total = Number(process.env.BENCH_REQUESTS ?? 800);
    const latencies = [];
    let next = 0;
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < total) {
          const text = texts[next++ % texts.length];
          const t0 = performance.now();
          const answer = await post(text);
          if (!answer.predictions) throw new Error(`bad answer: ${JSON.stringify(answer)}`);
          latencies.push(performance.now() - t0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    const at = (q) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))];
    return { p50: at(0.5), p99: at(0.99), perSecond: total / seconds, loaded, after: memory(server.pid) };
  } finally {
    server.kill('SIGTERM');
    await new Promise((resolve) => server.on('exit', resolve));
  }
}

async function run() {
  const threads = Number(process.env.BENCH_THREADS ?? 1);
  const repeats = Number(process.env.BENCH_REPEATS ?? 3);
  const env = { ...process.env, MLSPEC_RECURRENT_THREADS: String(threads) };
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-bench-predict-'));
  const file = spec(work);
  const text = fs.readFileSync(file, 'utf8').replace(/epochs: 30/g, 'epochs: 1');
  fs.writeFileSync(file, text);
  const trained = spawnSync(process.execPath, [CLI, 'run', file, '--no-tracking', '--quiet', '--save-model', path.join(work, 'saved')], {
    encoding: 'utf8',
    env,
    cwd: work,
    maxBuffer: 64 << 20,
  });
  if (trained.status !== 0) throw new Error(trained.stderr);
  const worker = spawnSync(process.execPath, [path.join(__dirname, 'predict-worker.js'), path.join(work, 'saved'), String(repeats)], {
    encoding: 'utf8',
    env,
    maxBuffer: 64 << 20,
  });
  if (worker.status !== 0) throw new Error(worker.stderr);
  const ours = JSON.parse(worker.stdout);
  const reference = python('tools/reference/bench_predict.py', [String(repeats), String(threads)]);

  const load = os.loadavg()[0].toFixed(1);
  console.log(
    `predict: texts per second, raw text → label (${threads} thread${threads === 1 ? '' : 's'}; mlspec backend ${ours.backend}; load average ${load})`,
  );
  const row = (name, key, ref, refName) =>
    console.log(
      `  ${name.padEnd(6)} batch ${key.padEnd(4)} mlspec ${ours[`${name.toLowerCase()}_batch${key}`].toFixed(0).padStart(7)}   ${refName.padEnd(12)} ${ref.toFixed(0).padStart(7)}   ratio ${(ours[`${name.toLowerCase()}_batch${key}`] / ref).toFixed(2)}`,
    );
  row('LR', '1', reference.lr_batch1, 'scikit-learn');
  row('LR', '256', reference.lr_batch256, 'scikit-learn');
  row('LSTM', '1', reference.lstm_batch1, 'PyTorch');
  row('LSTM', '256', reference.lstm_batch256, 'PyTorch');
  console.log(`  (scikit-learn ${reference.sklearn}, PyTorch ${reference.torch})`);

  const texts = fs
    .readFileSync(path.join(root, 'data/ArSenTD-LEV.tsv'), 'utf8')
    .split('\n')
    .slice(1, 400)
    .map((l) => l.split('\t')[0]);
  for (const [name, folder] of [
    ['LR', 'bow-logreg'],
    ['LSTM', 'char-lstm'],
  ]) {
    const s = await serveLatency(path.join(work, 'saved', folder), texts, env);
    console.log(
      `serve ${name}: 16 concurrent clients, one tweet per request: p50 ${s.p50.toFixed(1)} ms, p99 ${s.p99.toFixed(1)} ms, ${s.perSecond.toFixed(0)} requests/s; memory ${s.loaded.rssMb.toFixed(0)} MB resident once loaded, peak ${s.after.peakMb.toFixed(0)} MB (load average ${os.loadavg()[0].toFixed(1)})`,
    );
  }
  fs.rmSync(work, { recursive: true, force: true });
}

module.exports = { run };
