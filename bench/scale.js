'use strict';
/**
 * Real corpora at scale (issue #17): deterministic corpora of 40k, 400k and 4M rows
 * (bench/scale-corpus.js: ArSenTD-LEV's rows repeated with shuffled word order), each run end to
 * end by `mlspec run` (read, split 80/20, 1-2-gram counts with 1,000 features, logistic
 * regression, scores, plots) and by scikit-learn (tools/reference/bench_scale.py) in the same run,
 * one process at a time. Wall time and peak RSS of each process come from getrusage (a Python
 * wrapper waits for the child). Then one LSTM epoch at the two smaller sizes, by `mlspec run` (its
 * process peak RSS at 400k rows must stay within 1.5× the one at 40k) and alone in
 * bench/scale-recurrent-worker.js (what the epoch itself adds).
 *
 *   npm run bench -- scale              BENCH_SCALE_ROWS=40000,400000 to choose sizes (empty: none),
 *   BENCH_SCALE_REFERENCE_MAX_ROWS=400000 to run scikit-learn only up to a size, BENCH_SCALE_RECURRENT_ROWS= for no LSTM epochs
 * Corpora are written under the system temp folder and deleted after each size. A size whose
 * mlspec run could not fit in the free memory (12 GB for 4M rows) is skipped with a note.
 */
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { spawnSync } = require('node:child_process');
const { root } = require('./run');
const { writeCorpus } = require('./scale-corpus');

const SIZES = (process.env.BENCH_SCALE_ROWS ?? '40000,400000,4000000').split(',').filter(Boolean).map(Number);
const RECURRENT_SIZES = (process.env.BENCH_SCALE_RECURRENT_ROWS ?? '40000,400000').split(',').filter(Boolean).map(Number);
/** Largest size scikit-learn is also run on (all by default): its 4M run takes as long as mlspec's. */
const REFERENCE_MAX_ROWS = Number(process.env.BENCH_SCALE_REFERENCE_MAX_ROWS || Infinity);
const CLASSES = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'];
/** Memory a size needs free before it is run: mlspec's bound at 4M rows is 12 GB. */
const NEEDED_GB = (rows) => (rows >= 4_000_000 ? 12 : rows >= 400_000 ? 3 : 1);

const python = path.join(process.env.MLSPEC_PYTHON_VENV || path.join(root, '.venv'), 'bin', 'python');

/** Runs a command to completion; returns its wall seconds, peak RSS (MB) and stdout. */
function measured(command, args, cwd) {
  const wrapper = [
    'import json, resource, subprocess, sys, time',
    't = time.perf_counter()',
    'r = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)',
    'wall = time.perf_counter() - t',
    'peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024',
    'print(json.dumps({"status": r.returncode, "wall": wall, "peakMb": peak, "stdout": r.stdout, "stderr": r.stderr[-4000:]}))',
  ].join('\n');
  const r = spawnSync(python, ['-c', wrapper, command, ...args], { cwd, encoding: 'utf8', maxBuffer: 256 << 20 });
  if (r.status !== 0) throw new Error(`measuring ${command} failed:\n${r.stderr}`);
  const out = JSON.parse(r.stdout);
  if (out.status !== 0) throw new Error(`${command} ${args.join(' ')} exited with ${out.status}:\n${out.stderr}`);
  return out;
}

const load = () =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');
const gb = (mb) => `${(mb / 1024).toFixed(2)} GB`;

/** One LSTM epoch as `mlspec run` does it: chars, index sequences of 140, a small LSTM (its memory, not its arithmetic, is measured). */
function lstmSpecFor(dir, corpus, rows) {
  const file = path.join(dir, `lstm-spec-${rows}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: scale-lstm-${rows}`,
      'seed: 42',
      `data: { type: tsv, path: ${path.basename(corpus)}, text: Tweet, label: Sentiment, classes: [${CLASSES.join(', ')}] }`,
      'split: { type: stratified-holdout, test: 0.2 }',
      'pipelines:',
      '  lstm:',
      '    tokenizer: { type: chars }',
      '    featurizer: { type: index-sequence, maxLength: 140 }',
      '    model: { type: lstm, embeddingDim: 16, units: 16 }',
      '    training: { epochs: 1, batchSize: 64, progress: false }',
      '',
    ].join('\n'),
  );
  return file;
}

function specFor(dir, corpus, rows) {
  const file = path.join(dir, `spec-${rows}.yaml`);
  fs.writeFileSync(
    file,
    [
      `name: scale-${rows}`,
      'seed: 42',
      `data: { type: tsv, path: ${path.basename(corpus)}, text: Tweet, label: Sentiment, classes: [${CLASSES.join(', ')}] }`,
      'split: { type: stratified-holdout, test: 0.2 }',
      'pipelines:',
      '  bow-logreg:',
      '    tokenizer: { type: words }',
      '    featurizer: { type: counts, ngramRange: [1, 2], maxFeatures: 1000 }',
      '    model: { type: logistic-regression, C: 1.0, maxIter: 1000 }',
      '',
    ].join('\n'),
  );
  return file;
}

async function run() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-scale-'));
  const results = [];
  try {
    console.log(`scale: ${os.cpus().length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GB; corpora in ${dir}`);
    for (const rows of SIZES) {
      const freeGb = os.freemem() / 2 ** 30;
      if (freeGb < NEEDED_GB(rows)) {
        console.log(`  ${rows} rows: skipped, ${freeGb.toFixed(1)} GB free, ${NEEDED_GB(rows)} GB needed`);
        continue;
      }
      const corpus = writeCorpus(root, path.join(dir, `corpus-${rows}.tsv`), rows);
      const spec = specFor(dir, corpus, rows);
      const report = path.join(dir, `report-${rows}`, 'report.json');
      const loadBefore = load();
      const ours = measured(process.execPath, [path.join(root, 'bin/mlspec.js'), 'run', spec, '--no-tracking', '--quiet', '--report', report], dir);
      const fit = JSON.parse(fs.readFileSync(report, 'utf8')).folds[0].pipelines[0];
      const loadBetween = load();
      const r = {
        rows,
        ours: { wall: ours.wall, peakMb: ours.peakMb, accuracy: fit.evaluation.accuracy, iterations: fit.info.iterations },
        load: [loadBefore, loadBetween],
      };
      const line = `  ${String(rows).padStart(8)} rows  mlspec ${r.ours.wall.toFixed(1)} s / ${gb(r.ours.peakMb)} (accuracy ${(r.ours.accuracy * 100).toFixed(2)}%, ${r.ours.iterations} iterations)`;
      if (rows <= REFERENCE_MAX_ROWS) {
        const reference = measured(python, [path.join(root, 'tools/reference/bench_scale.py'), corpus], dir);
        const sk = JSON.parse(reference.stdout);
        r.sklearn = { wall: reference.wall, peakMb: reference.peakMb, accuracy: sk.accuracy, iterations: sk.iterations, version: sk.sklearn };
        r.load.push(load());
        console.log(
          `${line}  scikit-learn ${sk.sklearn} ${r.sklearn.wall.toFixed(1)} s / ${gb(r.sklearn.peakMb)} (accuracy ${(sk.accuracy * 100).toFixed(2)}%, ${sk.iterations} iterations)` +
            `  ratio wall ${(r.ours.wall / r.sklearn.wall).toFixed(2)}x, peak RSS ${(r.ours.peakMb / r.sklearn.peakMb).toFixed(2)}x  [load ${r.load.join(' | ')}]`,
        );
      } else console.log(`${line}  (scikit-learn not run above ${REFERENCE_MAX_ROWS} rows)  [load ${r.load.join(' | ')}]`);
      results.push(r);
      fs.rmSync(corpus, { force: true });
      fs.rmSync(path.dirname(report), { recursive: true, force: true });
    }
    for (let i = 1; i < results.length; i++) {
      const a = results[i - 1];
      const b = results[i];
      const k = b.rows / a.rows;
      const reference =
        a.sklearn && b.sklearn
          ? `; scikit-learn wall ×${(b.sklearn.wall / a.sklearn.wall).toFixed(2)}, peak RSS ×${(b.sklearn.peakMb / a.sklearn.peakMb).toFixed(2)}`
          : '';
      console.log(
        `  ${a.rows} → ${b.rows} rows (×${k}): mlspec wall ×${(b.ours.wall / a.ours.wall).toFixed(2)}, peak RSS ×${(b.ours.peakMb / a.ours.peakMb).toFixed(2)}${reference}`,
      );
    }

    const verdict = (ok) => (ok ? 'met' : 'MISSED');
    const at400k = results.find((r) => r.rows === 400_000 && r.sklearn);
    if (at400k) {
      const wall = at400k.ours.wall / at400k.sklearn.wall;
      const rss = at400k.ours.peakMb / at400k.sklearn.peakMb;
      console.log(
        `  target at 400000 rows, wall and peak RSS ≤ 1.00× scikit-learn's: wall ${wall.toFixed(2)}× ${verdict(wall <= 1)}, peak RSS ${rss.toFixed(2)}× ${verdict(rss <= 1)}`,
      );
    }
    const at4m = results.find((r) => r.rows === 4_000_000);
    if (at4m)
      console.log(`  target at 4000000 rows, mlspec within 12 GB: peak RSS ${gb(at4m.ours.peakMb)} ${verdict(at4m.ours.peakMb <= 12 * 1024)}`);

    // One LSTM epoch at each size, twice: `mlspec run` end to end (its process peak RSS is the
    // figure), then the epoch alone in a worker that says what the epoch itself adds.
    const epochs = [];
    for (const rows of RECURRENT_SIZES) {
      const corpus = writeCorpus(root, path.join(dir, `corpus-${rows}.tsv`), rows);
      const loadBefore = load();
      const run = measured(
        process.execPath,
        [path.join(root, 'bin/mlspec.js'), 'run', lstmSpecFor(dir, corpus, rows), '--no-tracking', '--quiet'],
        dir,
      );
      const loadBetween = load();
      const r = spawnSync(process.execPath, ['--expose-gc', path.join(__dirname, 'scale-recurrent-worker.js'), corpus], {
        encoding: 'utf8',
        maxBuffer: 64 << 20,
      });
      fs.rmSync(corpus, { force: true });
      if (r.status !== 0) throw new Error(`scale-recurrent-worker failed:\n${r.stderr}`);
      const e = { ...JSON.parse(r.stdout), runPeakMb: run.peakMb, runWall: run.wall };
      epochs.push(e);
      console.log(
        `  LSTM epoch, ${rows} rows (${e.trainRows} trained, ${e.backend}): mlspec run ${e.runWall.toFixed(1)} s, process peak RSS ${e.runPeakMb.toFixed(0)} MB  [load ${loadBefore} | ${loadBetween}]\n` +
          `    the epoch alone: ${e.epochSeconds.toFixed(1)} s; RSS before it ${e.rssBeforeEpochMb.toFixed(0)} MB, peak during it ${e.peakDuringEpochMb.toFixed(0)} MB` +
          ` (+${e.epochGrowthMb.toFixed(0)} MB RSS, +${e.epochLiveGrowthMb.toFixed(0)} MB live heap and external after GC); worker process peak ${e.peakRssMb.toFixed(0)} MB  [load ${load()}]`,
      );
    }
    if (epochs.length >= 2) {
      const [a, b] = [epochs[0], epochs[epochs.length - 1]];
      const ratio = b.runPeakMb / a.runPeakMb;
      console.log(
        `  target: LSTM epoch, mlspec run's process peak RSS ×${ratio.toFixed(2)} from ${a.rows} to ${b.rows} rows, ≤ 1.50: ${verdict(ratio <= 1.5)}\n` +
          `  LSTM epoch ${a.rows} → ${b.rows} rows, the epoch alone: RSS it adds ×${(Math.max(b.epochGrowthMb, 1) / Math.max(a.epochGrowthMb, 1)).toFixed(2)}, live memory it adds ×${(Math.max(b.epochLiveGrowthMb, 1) / Math.max(a.epochLiveGrowthMb, 1)).toFixed(2)}, peak during it ×${(b.peakDuringEpochMb / a.peakDuringEpochMb).toFixed(2)}, worker process peak ×${(b.peakRssMb / a.peakRssMb).toFixed(2)}`,
      );
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
