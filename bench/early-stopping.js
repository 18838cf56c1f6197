'use strict';
/**
 * Early stopping pays: the character-LSTM grid of experiments/arsentd-lev/sweep.yaml (units ×
 * embeddingDim × dropout × learning rate = 16 candidates, 15 epochs with early stopping, k-fold
 * cross-validation of the notebook's 800 training rows) run four times in one run, from a fresh
 * state folder each and without tracking: no pruning (the full grid), median (as sweep.yaml),
 * successive halving (ASHA, η 3, first rung 1 epoch) and Hyperband (η 3). Prints, for each, the
 * epochs spent (as recorded, and as trained: a fit keeps training while its decision waits for
 * earlier trials), the fits, the best candidate and its CV accuracy, and checks the target: ASHA
 * within one point of the full grid's best with at most a third of its epochs.
 *
 * CPU-heavy: BENCH_FOLDS (default 5), BENCH_WORKERS (default 2) and BENCH_SCHEDULERS
 * (default none,median,asha,hyperband) let a shared machine run less; the printout says what ran.
 */
const { mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./run');
const { timeSweep } = require('./timed-sweep');

const PRUNING = {
  none: '',
  median: '  pruning: { type: median, warmupEpochs: 3, startupTrials: 4 }\n',
  asha: '  pruning: { type: asha, reductionFactor: 3, minResource: 1 }\n',
  hyperband: '  pruning: { type: hyperband, reductionFactor: 3, minResource: 1 }\n',
};

/** sweep.yaml with its char-lstm pipeline and grid only, `folds` folds, and one pruning rule. */
function spec(folds, scheduler) {
  const text = readFileSync(path.join(root, 'experiments/arsentd-lev/sweep.yaml'), 'utf8');
  const pipeline = /( {2}char-lstm:\n(?: {4}.*\n)+)/.exec(text)[1];
  const grid = text
    .split('\n')
    .filter((l) => l.includes('pipelines.char-lstm.'))
    .join('\n');
  return `name: bench-early-stopping
seed: 42
backend: auto
data:
  type: tsv
  path: ${JSON.stringify(path.join(root, 'data/ArSenTD-LEV.tsv'))}
  text: Tweet
  label: Sentiment
  where: { Country: lebanon }
  classes: [very_negative, negative, neutral, positive, very_positive]
split: { type: stratified-holdout, test: 0.2 }
pipelines:
${pipeline}sweep:
  grid:
${grid}
  folds: ${folds}
  select: { metric: val_accuracy }
${PRUNING[scheduler]}`;
}

async function run() {
  const folds = Number(process.env.BENCH_FOLDS ?? 5);
  const workers = Number(process.env.BENCH_WORKERS ?? 2);
  const schedulers = (process.env.BENCH_SCHEDULERS ?? 'none,median,asha,hyperband').split(',');
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-bench-es-spec-'));
  console.log(
    `\nearly stopping: the char-LSTM grid of sweep.yaml (16 candidates, ≤ 15 epochs, early stopping), ${folds}-fold CV of 800 rows, ${workers} workers`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${os.availableParallelism()} cores)`,
  );
  const rows = [];
  try {
    for (const scheduler of schedulers) {
      const file = path.join(dir, `${scheduler}.yaml`);
      writeFileSync(file, spec(folds, scheduler));
      const { seconds, report } = await timeSweep(file, workers, 'early-stopping');
      const best = report.best;
      rows.push({
        scheduler,
        epochs: report.search.epochs,
        trained: report.search.epochsTrained,
        fits: report.search.fits,
        pruned: report.candidates.filter((c) => c.status === 'pruned').length,
        best: best ? best.metrics.val_accuracy.mean : NaN,
        label: best
          ? `${best.label} (${Object.entries(best.params)
              .map(([k, v]) => `${k.split('.').pop()}=${v}`)
              .join(' ')})`
          : '-',
        seconds,
        load: os.loadavg()[0],
      });
      const r = rows[rows.length - 1];
      console.log(
        `  ${scheduler.padEnd(9)} epochs ${String(r.epochs).padStart(4)} (trained ${String(r.trained).padStart(4)})  fits ${String(r.fits).padStart(3)}  pruned ${String(r.pruned).padStart(2)}/16  best CV accuracy ${(r.best * 100).toFixed(2)}%  ${r.label}  ${r.seconds.toFixed(0)} s  load ${r.load.toFixed(2)}`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const grid = rows.find((r) => r.scheduler === 'none');
  if (grid) {
    for (const r of rows.filter((x) => x !== grid)) {
      const share = r.epochs / grid.epochs;
      const gap = (grid.best - r.best) * 100;
      console.log(
        `  ${r.scheduler}: ${(share * 100).toFixed(1)}% of the grid's epochs (${((r.trained / grid.epochs) * 100).toFixed(1)}% trained), ${gap.toFixed(2)} points below its best${r.scheduler === 'asha' ? ` → target (≤ 1 point, ≤ 1/3 of the epochs): ${gap <= 1 && share <= 1 / 3 ? 'met' : 'NOT met'}` : ''}`,
      );
    }
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

module.exports = { run };
