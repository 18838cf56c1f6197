'use strict';
/**
 * Early stopping pays: the character-LSTM grid of experiments/arsentd-lev/sweep.yaml (units ×
 * embeddingDim × dropout × learning rate = 16 candidates, ≤ 15 epochs with early stopping, the
 * spec's 5-fold cross-validation of the notebook's 800 training rows), under no pruning (the full
 * grid), median (as sweep.yaml), successive halving (ASHA) and Hyperband. Prints, for each, the
 * epochs spent, the fits, the best candidate and its CV accuracy, and checks the target: ASHA
 * within one point of the full grid's best with at most a third of its epochs.
 *
 * How (BENCH_ES_MODE):
 * - `replay` (default): the full grid is trained once, for real (its state folder is kept in
 *   BENCH_ES_STATE, default $TMPDIR/mlspec-bench-es-<folds>f, and a finished one is reused), then
 *   each pruning rule is replayed over the grid's recorded learning curves through mlspec's own
 *   scheduler (src/core/sweep/scheduler.ts, the code a sweep runs): it asks for jobs in plan order,
 *   receives each recorded fit's per-epoch held-out scores, stops a fit where the rule says, and
 *   runs the other folds only of candidates it keeps. A fit is a deterministic function of its
 *   spec, fold and seed, so a pruned sweep trains exactly the fits (and epochs) the grid recorded
 *   up to the point each is stopped: the replay is exact, and costs milliseconds. Then
 *   BENCH_ES_CONFIRM (default asha; empty: none) runs for real, end to end, and is compared with
 *   its replay: same epochs, same statuses, same best.
 * - `real`: every rule runs as a real sweep (about the grid's time for each).
 *
 * The rules use the defaults a user would write, not settings tuned to this grid: ASHA and
 * Hyperband with reduction factor 3 (Optuna's, Ray Tune's and the ASHA paper's η) and a minimum
 * resource of 1 epoch (Optuna's default `min_resource: auto` comes to about an epoch here; rungs
 * at 1, 3 and 9 of the 15 epochs); median as sweep.yaml has it.
 *
 * CPU-heavy (the grid: 80 fits of ≤ 15 epochs): BENCH_FOLDS (default 5, the spec's) and
 * BENCH_WORKERS (default 2) let a shared machine run less; the printout says what ran.
 */
const { mkdirSync, readdirSync, readFileSync, writeFileSync } = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./run');
const { timeSweep } = require('./timed-sweep');

const PRUNING = {
  none: '',
  median: '  pruning: { type: median, warmupEpochs: 3, startupTrials: 4 }\n',
  asha: '  pruning: { type: asha, reductionFactor: 3, minResource: 1 }\n',
  hyperband: '  pruning: { type: hyperband, reductionFactor: 3, minResource: 1 }\n',
};
const SCHEDULERS = Object.keys(PRUNING);

const dist = (p) => require(path.join(root, 'dist', p));

/** sweep.yaml with its char-lstm pipeline and grid only, `folds` folds, and one pruning rule. */
function spec(folds, scheduler) {
  const text = readFileSync(path.join(root, 'experiments/arsentd-lev/sweep.yaml'), 'utf8');
  const pipeline = /( {2}char-lstm:\n(?: {4}.*\n)+)/.exec(text)[1];
  const grid = text
    .split('\n')
    .filter((l) => l.includes('pipelines.char-lstm.'))
    .join('\n');
  return `name: bench-early-stopping
seed: 42
backend: auto
data:
  type: tsv
  path: ${JSON.stringify(path.join(root, 'data/ArSenTD-LEV.tsv'))}
  text: Tweet
  label: Sentiment
  where: { Country: lebanon }
  classes: [very_negative, negative, neutral, positive, very_positive]
split: { type: stratified-holdout, test: 0.2 }
pipelines:
${pipeline}sweep:
  grid:
${grid}
  folds: ${folds}
  select: { metric: val_accuracy }
${PRUNING[scheduler]}`;
}

/** The figures of a finished sweep (real or replayed), as its report's search summary counts them. */
function figures(scheduler, report) {
  const best = report.best;
  return {
    scheduler,
    epochs: report.search.epochs,
    trained: report.search.epochsTrained,
    fits: report.search.fits,
    pruned: report.candidates.filter((c) => c.status === 'pruned').length,
    best: best ? best.metrics.val_accuracy.mean : NaN,
    bestKey: best?.key,
    label: best
      ? `${best.label} (${Object.entries(best.params)
          .map(([k, v]) => `${k.split('.').pop()}=${v}`)
          .join(' ')})`
      : '-',
    statuses: Object.fromEntries(report.candidates.map((c) => [c.key, c.status])),
  };
}

/**
 * Replays the sweep of `file` over `recorded` (job key → the grid's record) through the real
 * scheduler, one job at a time: what a sweep of that spec records, without training anything.
 */
async function replay(file, recorded) {
  const { createContainer, services } = dist('core/container');
  const { silentLogger } = dist('core/logger');
  const { loadSpec } = dist('core/spec/load');
  const { planSweep } = dist('core/plan');
  const { loadSweepData } = dist('core/sweep/executor');
  const { SweepScheduler } = dist('core/sweep/scheduler');
  const { rankCandidates } = dist('core/sweep/aggregate');
  const { registry, validator } = services(createContainer({ logger: silentLogger }));
  const loaded = loadSpec(file, registry, validator);
  const data = await loadSweepData(loaded, registry, silentLogger);
  const plan = planSweep(loaded, { registry, validator, dataDigest: data.digest });
  const records = new Map();
  const scheduler = new SweepScheduler(plan, records, false);
  const watched = plan.select.metric === 'val_loss' ? 'heldout_loss' : 'heldout_accuracy';
  let trained = 0;
  for (let job = scheduler.next(); job; job = scheduler.next()) {
    const grid = recorded.get(job.key);
    if (!grid || grid.status !== 'finished') throw new Error(`the grid has no finished record of job ${job.key} (${job.candidate})`);
    scheduler.start(job);
    const epochs = grid.outcome.epochs ?? [];
    let stopAt;
    for (const e of epochs) {
      scheduler.metric(job.key, watched, e[watched], e.epoch);
      if (scheduler.poll().stops.some((s) => s.job.key === job.key)) {
        stopAt = e.epoch;
        break;
      }
    }
    // A worker told to stop ends after that epoch; the scheduler cuts its record there.
    const outcome = stopAt === undefined ? grid.outcome : { ...grid.outcome, epochs: epochs.filter((e) => e.epoch <= stopAt) };
    trained += outcome.epochs?.length ?? 0;
    scheduler.finish(job, { ok: true, outcome }, grid.seconds);
    scheduler.poll();
  }
  scheduler.refresh();
  const summaries = scheduler.candidates.map((c) => scheduler.summary(c));
  const ranked = rankCandidates(summaries, plan.select.metric, plan.select.goal);
  const kept = scheduler.jobs.map((j) => records.get(j.key)).filter((r) => r && !r.notRun);
  return {
    search: { epochs: kept.reduce((n, r) => n + (r.outcome?.epochs?.length ?? 0), 0), epochsTrained: trained, fits: kept.length },
    candidates: ranked,
    best: ranked.find((c) => c.rank === 1),
  };
}

/** The job records a sweep wrote to its state folder, by job key. */
function readRecords(stateDir) {
  const dir = path.join(stateDir, 'jobs');
  const out = new Map();
  for (const name of readdirSync(dir)) {
    if (!name.endsWith('.json')) continue;
    const record = JSON.parse(readFileSync(path.join(dir, name), 'utf8'));
    out.set(record.key, record);
  }
  return out;
}

function line(r, seconds, how) {
  console.log(
    `  ${r.scheduler.padEnd(9)} epochs ${String(r.epochs).padStart(4)}  fits ${String(r.fits).padStart(3)}  pruned ${String(r.pruned).padStart(2)}/16  best CV accuracy ${(r.best * 100).toFixed(2)}%  ${r.label}  ${how}${seconds === undefined ? '' : ` ${seconds.toFixed(0)} s`}  load ${os.loadavg()[0].toFixed(2)}`,
  );
}

async function run() {
  const folds = Number(process.env.BENCH_FOLDS ?? 5);
  const workers = Number(process.env.BENCH_WORKERS ?? 2);
  const mode = process.env.BENCH_ES_MODE ?? 'replay';
  const confirm = (process.env.BENCH_ES_CONFIRM ?? 'asha').split(',').filter(Boolean);
  const stateDir = process.env.BENCH_ES_STATE ?? path.join(os.tmpdir(), `mlspec-bench-es-${folds}f`);
  const specDir = `${stateDir}-specs`;
  mkdirSync(specDir, { recursive: true });
  const files = Object.fromEntries(
    SCHEDULERS.map((s) => {
      const file = path.join(specDir, `${s}.yaml`);
      writeFileSync(file, spec(folds, s));
      return [s, file];
    }),
  );
  console.log(
    `\nearly stopping: the char-LSTM grid of sweep.yaml (16 candidates, ≤ 15 epochs, early stopping), ${folds}-fold CV of 800 rows, ${workers} workers, mode ${mode}`,
  );
  console.log(
    `load average before: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')} (${os.availableParallelism()} cores)`,
  );
  const rows = [];
  if (mode === 'real') {
    for (const scheduler of SCHEDULERS) {
      const { seconds, report } = await timeSweep(files[scheduler], workers, 'early-stopping');
      rows.push(figures(scheduler, report));
      line(rows[rows.length - 1], seconds, 'real');
    }
  } else {
    const grid = await timeSweep(files.none, workers, 'early-stopping', stateDir ? { stateDir } : {});
    rows.push(figures('none', grid.report));
    line(rows[0], grid.seconds, `real (state ${stateDir})`);
    const recorded = readRecords(stateDir);
    for (const scheduler of SCHEDULERS.filter((s) => s !== 'none')) {
      rows.push(figures(scheduler, await replay(files[scheduler], recorded)));
      line(rows[rows.length - 1], undefined, 'replayed over the grid’s curves');
    }
    for (const scheduler of confirm) {
      const replayed = rows.find((r) => r.scheduler === scheduler);
      const real = await timeSweep(files[scheduler], workers, `early-stopping-${scheduler}`);
      const r = figures(scheduler, real.report);
      line(r, real.seconds, 'real, end to end');
      const sameStatuses = Object.entries(r.statuses).every(([k, s]) => replayed.statuses[k] === s);
      const same = r.epochs === replayed.epochs && r.fits === replayed.fits && r.bestKey === replayed.bestKey && sameStatuses;
      console.log(
        `  ${scheduler} real vs replay: epochs ${r.epochs} vs ${replayed.epochs}, fits ${r.fits} vs ${replayed.fits}, best ${(r.best * 100).toFixed(2)}% vs ${(replayed.best * 100).toFixed(2)}%, candidate statuses ${sameStatuses ? 'identical' : 'DIFFER'} → ${same ? 'the replay matches' : 'MISMATCH'} (real trained ${r.trained} epochs: fits keep training while a decision waits)`,
      );
    }
  }
  const grid = rows.find((r) => r.scheduler === 'none');
  for (const r of rows.filter((x) => x !== grid)) {
    const share = r.epochs / grid.epochs;
    const gap = (grid.best - r.best) * 100;
    console.log(
      `  ${r.scheduler}: ${(share * 100).toFixed(1)}% of the grid's epochs, ${gap.toFixed(2)} points below its best${r.scheduler === 'asha' ? ` → target (≤ 1 point, ≤ 1/3 of the epochs): ${gap <= 1 && share <= 1 / 3 ? 'met' : 'NOT met'}` : ''}`,
    );
  }
  console.log(
    `load average after: ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
}

module.exports = { run, spec, replay };
