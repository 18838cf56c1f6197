#!/usr/bin/env node
'use strict';
/**
 * Benchmarks, each against its reference on the same machine in one run. `npm run bench` builds
 * first. Pick some with `npm run bench -- baseline`; default: all.
 */
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const benches = {
  baseline: () => require('./baseline').run(),
  recurrent: () => require('./recurrent').run(),
  parity: () => require('./parity').run(),
  sweep: () => require('./sweep').run(),
  scale: () => require('./scale').run(),
  'early-stopping': () => require('./early-stopping').run(),
  search: () => require('./search').run(),
  tracking: () => require('./tracking').run(),
  queue: () => require('./queue').run(),
  predict: () => require('./predict').run(),
};

async function main() {
  const wanted = process.argv.slice(2);
  // By name only: parity trains 30 models for 30 epochs each, scale runs corpora of millions of rows,
  // early-stopping trains the 16 LSTMs of sweep.yaml four times, search scores two logistic-regression grids.
  // queue starts redis-server and drains 10,000 simulated fits.
  const byNameOnly = new Set(['parity', 'scale', 'early-stopping', 'search', 'queue']);
  const names = wanted.length ? wanted : Object.keys(benches).filter((n) => !byNameOnly.has(n));
  for (const name of names) {
    if (!benches[name]) {
      console.error(`unknown benchmark "${name}"; known: ${Object.keys(benches).join(', ')}`);
      process.exit(2);
    }
    await benches[name]();
  }
}

/** Run a Python reference script from the project venv and return its JSON output. */
function python(script, args = []) {
  const venvPython = path.join(process.env.MLSPEC_PYTHON_VENV || path.join(root, '.venv'), 'bin', 'python');
  const r = spawnSync(venvPython, [path.join(root, script), ...args], { encoding: 'utf8', cwd: root, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${script} failed (run npm run setup first?):\n${r.stderr}`);
  return JSON.parse(r.stdout);
}

module.exports = { python, root };
if (require.main === module)
  main().catch((e) => {
    console.error(e);
    process.exit(1);
  });
