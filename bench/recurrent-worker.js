'use strict';
/**
 * One measurement, in its own process: train one of the notebook's character models for a few
 * epochs on one backend and print seconds per epoch and peak memory as JSON. Run by recurrent.js.
 *   node bench/recurrent-worker.js <simple-rnn|lstm|gru> <wasm|cpu|tensorflow> <epochs>
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
const dist = (p) => require(path.join(root, 'dist', p));

async function main() {
  const [model, backend, epochsArg] = process.argv.slice(2);
  const epochs = Number(epochsArg || 2);
  const { createContainer, services } = dist('core/container');
  const { silentLogger } = dist('core/logger');
  const { selectBackend } = dist('core/backend');
  const { readDelimited } = dist('plugins/datasets/shared/delimited-dataset');
  const { recurrenceFor } = dist('plugins/models/shared-recurrent/network');
  const { nativeKernels } = dist('core/kernels/fused-rnn');
  const { registry, validator } = services(createContainer({ logger: silentLogger }));
  const chosen = await selectBackend(backend, silentLogger);

  const table = readDelimited(path.join(root, 'data/ArSenTD-LEV.tsv'), '\t');
  const classes = ['very_negative', 'negative', 'neutral', 'positive', 'very_positive'];
  const col = (n) => table.header.indexOf(n);
  const rows = table.rows.filter((r) => r[col('Country')] === 'lebanon');
  const texts = rows.map((r) => r[col('Tweet')]);
  const labels = rows.map((r) => classes.indexOf(r[col('Sentiment')]));
  const epochTimes = [];
  const ctx = { seed: 42, baseDir: root, logger: silentLogger, log: () => {} };
  const make = (kind, name, options) => {
    const def = registry.get(kind, name);
    return def.create(validator.resolveOptions(def, options), ctx);
  };
  const [fold] = make('split', 'stratified-holdout', { test: 0.2 }).split(labels, 5);
  const chars = make('tokenizer', 'chars', {});
  const docs = texts.map((t) => chars.tokenize(t));
  const featurizer = make('featurizer', 'index-sequence', { maxLength: 140, vocabularyFrom: 'all', unknown: 'padding' });
  featurizer.fit(docs);
  const x = featurizer.transform(fold.train.map((i) => docs[i]));
  const y = Int32Array.from(fold.train, (i) => labels[i]);
  const net = make('model', model, { embeddingDim: 64, units: 128, dropout: 0.5 });
  const weightDecay = make('regularizer', 'weight-decay', { value: 1e-5 });
  let last = performance.now();
  let peakRss = process.memoryUsage().rss;
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, process.memoryUsage().rss)), 50);
  const context = {
    ...ctx,
    log: (key, _value, step) => {
      if (key === 'train_loss' && step !== undefined) {
        const now = performance.now();
        epochTimes.push((now - last) / 1000);
        last = now;
      }
    },
  };
  await net.fit(
    {
      train: { x, y },
      nClasses: 5,
      regularizers: [weightDecay],
      training: { epochs, batchSize: 32, optimizer: { type: 'adam', learningRate: 0.001 }, progress: false },
    },
    context,
  );
  clearInterval(sampler);
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
  // Which recurrence kernel ran: fused-wasm, fused-native (with its instruction set), or another.
  let kernel = recurrenceFor(chosen).name;
  if (kernel === 'fused-native') kernel += ` ${nativeKernels().isa}`;
  process.stdout.write(`${JSON.stringify({ model, backend: chosen, kernel, epochSeconds: epochTimes, peakRssMb: peakRss / 2 ** 20 })}\n`);
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
