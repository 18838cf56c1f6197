'use strict';
/**
 * One measurement of the scale benchmark, in its own process: one LSTM epoch on a generated corpus
 * (bench/scale-corpus.js), read with the tsv dataset, tokenized into characters, index sequences of
 * 140, 80% of the rows trained on. Prints JSON: the memory before the epoch, the peak during it
 * (sampled every 50 ms), the most live memory it adds (after a full GC, every half second), and the
 * process's peak RSS. Run with --expose-gc.
 *   node bench/scale-recurrent-worker.js corpus.tsv
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
const dist = (p) => require(path.join(root, 'dist', p));

async function main() {
  const [file] = process.argv.slice(2);
  const { createContainer, services } = dist('core/container');
  const { silentLogger } = dist('core/logger');
  const { selectBackend } = dist('core/backend');
  const { resolveTrainingOptions } = dist('core/train/options');
  const { registry, validator } = services(createContainer({ logger: silentLogger }));
  const backend = await selectBackend('auto', silentLogger);
  const ctx = { seed: 42, baseDir: path.dirname(file), logger: silentLogger, log: () => {} };
  const make = (kind, name, options) => {
    const def = registry.get(kind, name);
    return def.create(validator.resolveOptions(def, options), ctx);
  };
  const classes = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'];
  const data = await make('dataset', 'tsv', { path: path.basename(file), text: 'Tweet', label: 'Sentiment', classes }).load();
  const [fold] = make('split', 'stratified-holdout', { test: 0.2 }).split(data.labels, classes.length);
  const chars = make('tokenizer', 'chars', {});
  // Tokenized and featurized as the runner does it: token ids in one typed array, the texts
  // released once tokenized, the token ids once featurized.
  const { TokenCache } = dist('core/run/runner');
  const { selectDocs } = dist('core/tokenized-docs');
  const tokens = new TokenCache(data.texts, data.rowNumbers, { expectedKeys: new Set(['chars']), release: () => (data.texts.length = 0) });
  // In a function of its own, as the runner does it: nothing but the features outlives it.
  const featurize = () => {
    const docs = tokens.get('chars', (t) => chars.tokenize(t));
    const featurizer = make('featurizer', 'index-sequence', { maxLength: 140 });
    const trainDocs = selectDocs(docs, fold.train);
    featurizer.fitTokenized(trainDocs);
    const features = featurizer.transformTokenized(trainDocs);
    tokens.release('chars');
    return features;
  };
  const x = featurize();
  const y = Int32Array.from(fold.train, (i) => data.labels[i]);
  // A small LSTM: the epoch's memory, not its arithmetic, is measured.
  const net = make('model', 'lstm', { embeddingDim: 16, units: 16 });
  global.gc?.();
  const before = process.memoryUsage().rss;
  const heapBefore = process.memoryUsage();
  let peak = before;
  // Live memory: every half second (between batches: the loop yields after each) a full GC, then
  // the JS heap in use plus the memory outside it (tensors, typed arrays), over what was there
  // before the epoch. RSS alone also counts garbage not yet collected, which grows with the
  // epoch's length rather than with what it holds.
  let peakLive = 0;
  let samples = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
    if (++samples % 10 !== 0 || !global.gc) return;
    global.gc();
    const m = process.memoryUsage();
    peakLive = Math.max(peakLive, m.heapUsed + m.external - heapBefore.heapUsed - heapBefore.external);
  }, 50);
  const started = performance.now();
  await net.fit(
    {
      train: { x, y },
      nClasses: classes.length,
      training: resolveTrainingOptions({ epochs: 1, batchSize: 64, optimizer: { type: 'adam', learningRate: 0.001 }, progress: false }),
    },
    ctx,
  );
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const mb = (b) => b / 2 ** 20;
  process.stdout.write(
    `${JSON.stringify({ rows: data.labels.length, trainRows: x.rows, backend, epochSeconds: (performance.now() - started) / 1000, rssBeforeEpochMb: mb(before), peakDuringEpochMb: mb(peak), epochGrowthMb: mb(peak - before), epochLiveGrowthMb: mb(peakLive), peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`,
  );
  net.dispose?.();
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
