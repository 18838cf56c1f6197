'use strict';
/**
 * bench/predict.js's measuring process (so MLSPEC_RECURRENT_THREADS applies from the start): loads
 * the saved LR and LSTM pipelines as `mlspec predict` does and times raw text → label at batch 1
 * and batch 256 over the notebook's tweets. Prints JSON.
 *
 *   node bench/predict-worker.js <saved-models-folder> <repeats>
 */
const path = require('node:path');
const { performance } = require('node:perf_hooks');

const root = path.resolve(__dirname, '..');
const dist = (p) => require(path.join(root, 'dist', p));

async function main() {
  const [saved, repeatsText] = process.argv.slice(2);
  const repeats = Number(repeatsText);
  const { readDelimited } = dist('plugins/datasets/shared/delimited-dataset');
  const { readSavedModel } = dist('core/model/saved-model');
  const { pipelineFromSaved } = dist('core/model/load-pipeline');
  const { silentLogger } = dist('core/logger');
  const table = readDelimited(path.join(root, 'data/ArSenTD-LEV.tsv'), '\t');
  const t = table.header.indexOf('Tweet');
  const c = table.header.indexOf('Country');
  const texts = table.rows.filter((r) => r[c] === 'lebanon').map((r) => r[t]);

  const throughput = (pipeline, batch, items) => {
    let best = Infinity;
    for (let k = 0; k < repeats; k++) {
      const start = performance.now();
      for (let i = 0; i < items.length; i += batch) pipeline.predict(items.slice(i, i + batch));
      best = Math.min(best, (performance.now() - start) / 1000);
    }
    return items.length / best;
  };
  const out = {};
  for (const [key, folder] of [
    ['lr', 'bow-logreg'],
    ['lstm', 'char-lstm'],
  ]) {
    const pipeline = await pipelineFromSaved(readSavedModel(path.join(saved, folder)), { logger: silentLogger });
    pipeline.predict(texts.slice(0, 8)); // warm-up: kernels compiled, tensors allocated once
    out[`${key}_batch1`] = throughput(pipeline, 1, key === 'lstm' ? texts.slice(0, 100) : texts);
    out[`${key}_batch256`] = throughput(pipeline, 256, texts);
    pipeline.dispose();
  }
  out.backend = dist('core/backend').backendInUse();
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
