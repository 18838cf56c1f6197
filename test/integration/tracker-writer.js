/**
 * A separate process writing runs into one tracking store (an ./mlruns folder or a sqlite:// URI),
 * for the concurrency tests. Each metric step is flushed on its own, so writers contend for the
 * store many times per run.
 *
 *   node tracker-writer.js <store> <experiment> <runs> <start-at-ms> <label>
 *
 * Loads the TypeScript sources directly (transpiled on require, no build step) and waits until
 * <start-at-ms> so that all writers hit the store at the same moment. Prints the run ids it made
 * as JSON.
 */
const fs = require('fs');
const ts = require('typescript');

require.extensions['.ts'] = (module, filename) => {
  const { outputText } = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true },
  });
  module._compile(outputText, filename);
};

const { openTracker } = require('../../src/core/tracking/open-tracker.ts');

async function main() {
  const [store, experiment, runs, startAt, label] = process.argv.slice(2);
  while (Date.now() < Number(startAt)) await new Promise((resolve) => setTimeout(resolve, 1));
  const tracker = openTracker(store, {});
  const ids = [];
  for (let i = 0; i < Number(runs); i++) {
    const experimentId = await tracker.getOrCreateExperiment(experiment);
    const run = await tracker.startRun({ experimentId, runName: `${label}-${i}`, tags: { writer: label } });
    run.logParams({ writer: label, index: i });
    for (let step = 0; step < 50; step++) {
      run.logMetric('shared_key', step + i / 1000, step);
      await run.flush();
    }
    await run.logInputs([{ name: 'same-dataset', digest: 'same-digest', sourcePath: 'data.tsv', context: 'training', rows: 10 }]);
    await run.logArtifact({ bytes: `${label}-${i}` }, 'who.txt');
    await run.end('FINISHED');
    ids.push(run.runId);
  }
  process.stdout.write(`${JSON.stringify(ids)}\n`);
}

main().catch((error) => {
  process.stderr.write(`${error.stack}\n`);
  process.exit(1);
});
