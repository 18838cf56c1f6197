'use strict';
/**
 * Runs one sweep spec file through mlspec's SweepExecutor quietly (no plots, no progress) and times
 * it: what the sweep benchmarks share. By default in a scratch folder removed afterwards; with
 * `stateDir`, the sweep's state folder is kept there (and a sweep already recorded there resumes,
 * so a finished one costs nothing the second time).
 */
const { mkdtempSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { root } = require('./run');

async function timeSweep(file, workers, label = 'sweep', stateDir = undefined) {
  const dist = (p) => require(path.join(root, 'dist', p));
  const { createContainer, services } = dist('core/container');
  const { silentLogger } = dist('core/logger');
  const { loadSpec } = dist('core/spec/load');
  const { SweepExecutor } = dist('core/sweep');
  const { registry, validator } = services(createContainer({ logger: silentLogger }));
  const loaded = loadSpec(file, registry, validator);
  const work = mkdtempSync(path.join(os.tmpdir(), `mlspec-bench-${label}-${workers}-`));
  try {
    const executor = new SweepExecutor({
      loaded,
      registry,
      validator,
      logger: silentLogger,
      mlspecVersion: 'bench',
      cwd: work,
      ...(stateDir ? { stateDir } : {}),
      workers,
      plots: false,
      quiet: true,
      progress: { write: () => true },
    });
    const start = performance.now();
    const { report } = await executor.run();
    return { seconds: (performance.now() - start) / 1000, report, stateDir: executor.stateDir };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { timeSweep };
