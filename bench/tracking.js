'use strict';
/**
 * Logging throughput of the three tracking stores, in one run on this machine: the SQLite database
 * (mlflow.db, the default), the ./mlruns file store (the reference it replaces as the default), and
 * a local MLflow server over REST (its own SQLite backend). Two workloads, each through mlspec's
 * Tracker as the listener and the sweep use it:
 *   - one run: 30 epochs × 20 metrics, flushed every epoch (what a live view needs);
 *   - a 280-fit sweep's records: a sweep run, 280 fold runs under it, each with 8 params, 8 tags,
 *     30 epochs × 6 metrics and 8 summary metrics, then ended (the tracker's own buffering).
 * Prints metrics per second per store, the ratio to the file store, and the load average.
 */
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { performance } = require('node:perf_hooks');
const { root } = require('./run');

const dist = (p) => require(path.join(root, 'dist', p));

async function oneRun(tracker) {
  const experimentId = await tracker.getOrCreateExperiment('bench-one-run');
  const run = await tracker.startRun({ experimentId, runName: 'one-run' });
  for (let epoch = 1; epoch <= 30; epoch++) {
    for (let m = 0; m < 20; m++) run.logMetric(`metric_${m}`, Math.sin(epoch + m), epoch);
    await run.flush();
  }
  await run.end('FINISHED');
  return 30 * 20;
}

async function sweepRecords(tracker, fits = 280) {
  const experimentId = await tracker.getOrCreateExperiment('bench-sweep');
  const parent = await tracker.startRun({ experimentId, runName: 'sweep', tags: { 'mlspec.kind': 'sweep' } });
  let metrics = 0;
  for (let fit = 0; fit < fits; fit++) {
    const run = await tracker.startRun({ experimentId, runName: `trial-${fit >> 2}/fold-${fit & 3}`, parentRunId: parent.runId });
    const params = {};
    const tags = {};
    for (let i = 0; i < 8; i++) {
      params[`param_${i}`] = fit * 10 + i;
      tags[`mlspec.tag_${i}`] = `value-${fit}-${i}`;
    }
    run.logParams(params);
    run.setTags(tags);
    // As the sweep coordinator logs: per-epoch metrics as they come, written by the tracker's own
    // buffering (size or interval), everything left at the run's end.
    for (let epoch = 1; epoch <= 30; epoch++) {
      for (let m = 0; m < 6; m++) run.logMetric(`curve_${m}`, Math.cos(fit + epoch + m), epoch);
    }
    for (let s = 0; s < 8; s++) run.logMetric(`summary_${s}`, fit + s / 10);
    await run.end('FINISHED');
    metrics += 30 * 6 + 8;
  }
  await parent.end('FINISHED');
  return metrics;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

async function startServer(dir) {
  const venv = process.env.MLSPEC_PYTHON_VENV || path.join(root, '.venv');
  const port = await freePort();
  const child = spawn(
    path.join(venv, 'bin', 'mlflow'),
    [
      'server',
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      '--workers',
      '1',
      '--backend-store-uri',
      `sqlite:///${path.join(dir, 'server.db')}`,
      '--artifacts-destination',
      path.join(dir, 'artifacts'),
    ],
    {
      cwd: dir,
      detached: true,
      stdio: 'ignore',
      env: { ...process.env, MLFLOW_TRACKING_URI: '' },
    },
  );
  const uri = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    try {
      if ((await fetch(`${uri}/health`)).ok) return { uri, stop: () => process.kill(-child.pid, 'SIGTERM') };
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  process.kill(-child.pid, 'SIGKILL');
  throw new Error('mlflow server did not start within 2 minutes');
}

async function measure(open, workload) {
  const tracker = open();
  const start = performance.now();
  const metrics = await workload(tracker);
  const seconds = (performance.now() - start) / 1000;
  tracker.close?.();
  return { metrics, seconds, perSecond: metrics / seconds };
}

async function run() {
  const { openTracker } = dist('core/tracking/open-tracker');
  const { silentLogger } = dist('core/logger');
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-bench-tracking-'));
  const server = await startServer(work);
  try {
    const stores = {
      'sqlite (mlflow.db)': (name) => () => openTracker(`sqlite:///${path.join(work, `${name}.db`)}`, { cwd: work, logger: silentLogger }),
      'file store (./mlruns)': (name) => () => openTracker(path.join(work, `${name}-mlruns`), { logger: silentLogger }),
      'REST (local mlflow server)': () => () => openTracker(server.uri, { logger: silentLogger, env: {}, spoolDir: path.join(work, 'spool') }),
    };
    const workloads = { 'one run, 30 epochs × 20 metrics': oneRun, '280-fit sweep records': sweepRecords };
    const lines = [
      `tracking: metrics logged per second (${os.cpus().length} cores; load average before: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')})`,
    ];
    for (const [workloadName, workload] of Object.entries(workloads)) {
      const results = {};
      for (const [storeName, store] of Object.entries(stores)) {
        // The one-run workload is short: the median of three.
        const repeats = workload === oneRun ? 3 : 1;
        const runs = [];
        for (let i = 0; i < repeats; i++) runs.push(await measure(store(`${workload.name}-${i}`), workload));
        runs.sort((a, b) => a.perSecond - b.perSecond);
        results[storeName] = runs[Math.floor(runs.length / 2)];
      }
      const reference = results['file store (./mlruns)'].perSecond;
      lines.push(`  ${workloadName}:`);
      for (const [storeName, r] of Object.entries(results)) {
        lines.push(
          `    ${storeName.padEnd(28)} ${r.perSecond.toFixed(0).padStart(8)} metrics/s  (${r.metrics} metrics in ${r.seconds.toFixed(2)} s; ${(r.perSecond / reference).toFixed(2)}× the file store)`,
        );
      }
    }
    lines.push(
      `  load average after: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(', ')}  (${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()})`,
    );
    console.log(lines.join('\n'));
  } finally {
    server.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

module.exports = { run };
