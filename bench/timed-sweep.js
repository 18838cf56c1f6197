'use strict';
/**
 * Runs one sweep spec file through mlspec's SweepExecutor quietly (no plots, no progress) and times
 * it: what the sweep benchmarks share. By default in a scratch folder removed afterwards; with
 * `stateDir`, the sweep's state folder is kept there (and a sweep already recorded there resumes,
 * so a finished one costs nothing the second time).
 */
const { mkdtempSync, readdirSync, readFileSync, rmSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { root } = require('./run');

/**
 * `extra`: more SweepExecutor options (e.g. `queue`, or `stateDir` to keep the state folder); the
 * result also holds the job records (each with the seconds from handing the job out to its result)
 * and the coordinator's CPU seconds.
 */
async function timeSweep(file, workers, label = 'sweep', extra = {}) {
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
      workers,
      plots: false,
      quiet: true,
      progress: { write: () => true },
      ...extra,
    });
    const start = performance.now();
    const cpu = process.cpuUsage();
    const { report } = await executor.run();
    const seconds = (performance.now() - start) / 1000;
    const used = process.cpuUsage(cpu);
    const jobsDir = path.join(executor.stateDir, 'jobs');
    const jobs = readdirSync(jobsDir).map((f) => JSON.parse(readFileSync(path.join(jobsDir, f), 'utf8')));
    return { seconds, report, jobs, cpuSeconds: (used.user + used.system) / 1e6, stateDir: executor.stateDir };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { timeSweep };
