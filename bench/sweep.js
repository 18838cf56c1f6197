'use strict';
/**
 * A fixed sweep — 16 TF-IDF + logistic-regression trials (8 values of C × word 1–2-grams or
 * 1–3-grams) × 5 folds of the notebook's 800 Lebanese training rows, then the refit — run with 1
 * worker process and with 2, in one run, from a fresh state folder each time and without tracking.
 * Each worker loads the data once and runs many jobs (a job is 0.2–0.9 s: tol 1e-6 makes L-BFGS
 * go on past scikit-learn's default), so start-up is paid once per worker. Prints both times, the
 * speedup (the target is 1.8× or more on 2 cores), and what two independent processes gain on
 * this machine at that moment: other load on the machine caps the speedup at that.
 */
const { mkdtempSync, rmSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { root } = require('./run');
const { timeSweep } = require('./timed-sweep');

const SPEC = `name: bench-sweep
seed: 42
data:
  type: tsv
  path: ${JSON.stringify(path.join(root, 'data/ArSenTD-LEV.tsv'))}
  text: Tweet
  label: Sentiment
  where: { Country: lebanon }
  classes: [very_negative, negative, neutral, positive, very_positive]
split: { type: stratified-holdout, test: 0.2 }
pipelines:
  bow:
    tokenizer: { type: words }
    featurizer: { type: tfidf, ngramRange: [1, 2], sublinearTf: true }
    model: { type: logistic-regression, C: 1.0, maxIter: 1000, tol: 1.0e-6 }
sweep:
  grid:
    pipelines.bow.featurizer.ngramRange: [[1, 2], [1, 3]]
    pipelines.bow.model.C: [0.03, 0.1, 0.3, 1, 3, 10, 30, 100]
  folds: 5
`;

/**
 * What 2 processes can gain on this machine right now: a pure-JS loop run twice in parallel against
 * twice in a row. Other load on the machine (or cores that are not really two) caps the sweep's
 * speedup at this ratio.
 */
function machineParallelism() {
  const { spawnSync, spawn } = require('node:child_process');
  const loop = 'let x = 0; for (let i = 0; i < 2e8; i++) x += Math.sqrt(i); if (x < 0) console.log(x);';
  const start = performance.now();
  spawnSync(process.execPath, ['-e', loop]);
  spawnSync(process.execPath, ['-e', loop]);
  const serial = performance.now() - start;
  const parallelStart = performance.now();
  const both = [0, 1].map(() => new Promise((resolve) => spawn(process.execPath, ['-e', loop]).on('exit', resolve)));
  return Promise.all(both).then(() => serial / (performance.now() - parallelStart));
}

async function run() {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-bench-sweep-'));
  const file = path.join(dir, 'bench-sweep.yaml');
  writeFileSync(file, SPEC);
  try {
    const ceiling = await machineParallelism();
    const one = await timeSweep(file, 1);
    const two = await timeSweep(file, 2);
    const jobs = one.report.candidates.reduce((n, c) => n + c.jobs.total, 0);
    const same = JSON.stringify(one.report.candidates.map((c) => c.metrics)) === JSON.stringify(two.report.candidates.map((c) => c.metrics));
    const best = two.report.best;
    console.log(
      `sweep: ${one.report.candidates.length} trials (tfidf + logistic regression: C × word n-grams) × 5 folds = ${jobs} jobs + refit, 800 Lebanese training rows, ${os.availableParallelism()} cores`,
    );
    console.log(`  1 worker   ${one.seconds.toFixed(2)} s`);
    console.log(`  2 workers  ${two.seconds.toFixed(2)} s`);
    console.log(
      `  speedup    ${(one.seconds / two.seconds).toFixed(2)}× (target ≥ 1.8× on 2 cores); same scores with 1 and 2 workers: ${same ? 'yes' : 'NO'}`,
    );
    console.log(
      `  machine    2 processes of pure JS ran ${ceiling.toFixed(2)}× faster together than one after the other (load average ${os.loadavg()[0].toFixed(1)}): the ceiling here`,
    );
    if (best) {
      const m = best.metrics[two.report.select.metric];
      console.log(
        `  best ${best.label} (${JSON.stringify(best.params)}): ${two.report.select.metric} ${m.mean.toFixed(4)} ± ${m.sd.toFixed(4)}; test accuracy ${(two.report.refit.test.accuracy * 100).toFixed(2)}%`,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run, SPEC, machineParallelism };
if (require.main === module)
  run().catch((e) => {
    console.error(e);
    process.exit(1);
  });
