'use strict';
/**
 * The notebook's baseline — featurize (1–2-gram counts, 1,000 features) + fit (logistic regression)
 * on the 800 training rows — timed in mlspec and in scikit-learn, same machine, same run.
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { python, root } = require('./run');

const REPEATS = 15;

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function run() {
  const ctx = { seed: 42, baseDir: root, logger: { info() {}, warn() {}, debug() {} }, log() {} };
  const dist = (p) => require(path.join(root, 'dist', p));
  const { createContainer, services } = dist('core/container');
  const { silentLogger } = dist('core/logger');
  const { validator } = services(createContainer({ logger: silentLogger }));
  const make = (def, options) => def.create(validator.resolveOptions(def, options), ctx);
  const { readDelimited } = dist('plugins/datasets/shared/delimited-dataset');
  const split = dist('plugins/splits/stratified-holdout').default;
  const words = dist('plugins/tokenizers/words').default;
  const counts = dist('plugins/featurizers/counts').default;
  const logreg = dist('plugins/models/logistic-regression').default;

  const table = readDelimited(path.join(root, 'data/ArSenTD-LEV.tsv'), '\t');
  const classes = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'];
  const t = table.header.indexOf('Tweet');
  const c = table.header.indexOf('Country');
  const s = table.header.indexOf('Sentiment');
  const rows = table.rows.filter((r) => r[c] === 'lebanon');
  const texts = rows.map((r) => r[t]);
  const labels = rows.map((r) => classes.indexOf(r[s]));
  const [fold] = make(split, { test: 0.2 }).split(labels, 5);
  const trainTexts = fold.train.map((i) => texts[i]);
  const y = Int32Array.from(fold.train, (i) => labels[i]);

  const times = [];
  let accuracy = 0;
  for (let k = 0; k < REPEATS; k++) {
    const start = performance.now();
    const tokenizer = make(words, {});
    const featurizer = make(counts, { ngramRange: [1, 2], maxFeatures: 1000 });
    const docs = trainTexts.map((x) => tokenizer.tokenize(x));
    featurizer.fit(docs);
    const x = featurizer.transform(docs);
    const model = make(logreg, { C: 1, maxIter: 1000 });
    await model.fit({ train: { x, y }, nClasses: 5 }, ctx);
    times.push((performance.now() - start) / 1000);
    if (k === 0) {
      const xTest = featurizer.transform(fold.test.map((i) => tokenizer.tokenize(texts[i])));
      const p = model.predictProba(xTest);
      let correct = 0;
      fold.test.forEach((row, r) => {
        let best = 0;
        for (let j = 1; j < 5; j++) if (p[r * 5 + j] > p[r * 5 + best]) best = j;
        if (best === labels[row]) correct++;
      });
      accuracy = correct / fold.test.length;
    }
  }
  const reference = python('tools/reference/bench_baseline.py', [String(REPEATS)]);
  const ours = median(times);
  const first = times[0];
  console.log('baseline: featurize (1-2-gram counts, 1000 features) + fit (logistic regression), 800 rows');
  console.log(
    `  mlspec        median ${ours.toFixed(4)} s over ${REPEATS} runs, first run ${first.toFixed(4)} s  (test accuracy ${(accuracy * 100).toFixed(2)}%)`,
  );
  console.log(
    `  scikit-learn  median ${reference.median_seconds.toFixed(4)} s over ${REPEATS} runs, first run ${reference.first_seconds.toFixed(4)} s  (test accuracy ${(reference.accuracy * 100).toFixed(2)}%, sklearn ${reference.sklearn})`,
  );
  console.log(`  ratio mlspec / scikit-learn: ${(ours / reference.median_seconds).toFixed(2)}`);
}

module.exports = { run };
