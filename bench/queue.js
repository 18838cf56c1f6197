'use strict';
/**
 * The sweep queue (Redis + BullMQ, `mlspec worker`), against local worker processes in the same run.
 * Starts its own redis-server (a temporary folder, a free port on 127.0.0.1) and stops it.
 *
 *   throughput  the 80-fit sweep of bench/sweep.js (16 TF-IDF + logistic-regression trials × 5
 *               folds, then the refit): 1 local worker process vs 2 queue workers (target ≥ 1.8×).
 *               The queue workers are started before the clock (they are long-lived servers); each
 *               loads the data on its first fit, inside the timing, as a local worker does.
 *   overhead    200 no-op fits (the test-only sleep model with 0 s), one at a time: the median time
 *               from handing a fit out to its result, through the queue and through a forked local
 *               worker; the difference is what the queue adds per fit (enqueue → start → result).
 *   simulation  64 simulated workers (8 processes × concurrency 8: real processes capped) drain
 *               10,000 sleep fits (0.5 s mean, drawn ± 50%); reports the drain time against the
 *               ideal, the coordinator's CPU per fit, Redis memory per job (INFO memory), and the
 *               scaling efficiency to expect at 100 machines, with the arithmetic.
 *
 *   node bench/queue.js [throughput|overhead|simulation]...   (default: all three; `npm run bench -- queue`)
 * MLSPEC_BENCH_SIM_FITS changes the simulation's fit count, MLSPEC_BENCH_SIM_PROCESSES its processes
 * (64 / processes fits each at once; default 8).
 */
const { spawn } = require('node:child_process');
const { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } = require('node:fs');
const net = require('node:net');
const os = require('node:os');
const path = require('node:path');
const { root } = require('./run');
const { SPEC: SWEEP_SPEC, machineParallelism } = require('./sweep');
const { timeSweep } = require('./timed-sweep');

const CLI = path.join(root, 'bin/mlspec.js');
const REDIS_SERVER = process.env.MLSPEC_REDIS_SERVER || '/usr/bin/redis-server';

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

async function startRedis(dir) {
  const port = await freePort();
  const child = spawn(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: 'ignore',
  });
  for (let i = 0; i < 200; i++) {
    const up = await new Promise((resolve) => {
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => (socket.destroy(), resolve(false)));
    });
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://127.0.0.1:${port}/0`,
    stop: () => new Promise((resolve) => (child.exitCode !== null ? resolve() : (child.once('exit', resolve), child.kill('SIGTERM')))),
  };
}

/** `mlspec worker` processes, resolved once each serves the queue. */
async function startWorkers(count, url, queueName, cwd, args = [], env = {}) {
  const workers = [];
  for (let i = 0; i < count; i++) {
    const child = spawn(process.execPath, [CLI, 'worker', '--queue', url, '--queue-name', queueName, ...args], {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, ...env },
    });
    let output = '';
    await new Promise((resolve, reject) => {
      child.stderr.on('data', (d) => {
        output += d;
        if (/serving queue/.test(output)) resolve();
      });
      child.once('exit', () => reject(new Error(`worker exited:\n${output}`)));
    });
    workers.push(child);
  }
  return {
    /** CPU seconds the worker processes used so far (Linux /proc; 100 ticks per second). */
    cpuSeconds: () =>
      workers.reduce((sum, w) => {
        try {
          const fields = readFileSync(`/proc/${w.pid}/stat`, 'utf8').split(') ')[1].split(' ');
          return sum + (Number(fields[11]) + Number(fields[12])) / 100;
        } catch {
          return NaN;
        }
      }, 0),
    stop: () =>
      Promise.all(workers.map((w) => new Promise((resolve) => (w.exitCode !== null ? resolve() : (w.once('exit', resolve), w.kill('SIGKILL')))))),
  };
}

const median = (values) => {
  const s = [...values].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

const load = () => `load average ${os.loadavg()[0].toFixed(1)}`;

/** A sweep of the test-only sleep model in `dir` (which gets plugins/ and the spec). */
function sleepSweep(dir, { name, tags, folds, seconds, epochs = 1 }) {
  mkdirSync(path.join(dir, 'plugins'), { recursive: true });
  copyFileSync(path.join(root, 'test/fixtures/plugins/sleep-model.js'), path.join(dir, 'plugins/sleep-model.js'));
  const file = path.join(dir, `${name}.yaml`);
  writeFileSync(
    file,
    [
      `name: ${name}`,
      'seed: 5',
      'plugins: [./plugins/sleep-model.js]',
      `data: { type: tsv, path: ${JSON.stringify(path.join(root, 'data/ArSenTD-LEV.tsv'))}, text: Tweet, label: Sentiment, where: { Country: lebanon, Topic: [sports, religions, entertainment] }, classes: [very_negative, negative, neutral, positive, very_positive] }`,
      'split: { type: stratified-holdout, test: 0.25 }',
      'pipelines:',
      '  p:',
      '    tokenizer: { type: words }',
      '    featurizer: { type: counts, maxFeatures: 50 }',
      `    model: { type: sleep, seconds: ${seconds}, epochs: ${epochs} }`,
      'sweep:',
      `  grid: { pipelines.p.model.tag: [${Array.from({ length: tags }, (_, i) => i).join(', ')}] }`,
      `  folds: ${folds}`,
      '',
    ].join('\n'),
  );
  return file;
}

async function throughput(redis, dir) {
  const file = path.join(dir, 'bench-sweep.yaml');
  writeFileSync(file, SWEEP_SPEC);
  const ceiling = await machineParallelism();
  const local = await timeSweep(file, 1, 'queue-local');
  const workers = await startWorkers(2, redis.url, 'bench-throughput', dir, [], { MLSPEC_RECURRENT_THREADS: '1' });
  let queued;
  try {
    queued = await timeSweep(file, undefined, 'queue-2', { queue: { url: redis.url, name: 'bench-throughput' } });
  } finally {
    await workers.stop();
  }
  const fits = local.report.candidates.reduce((n, c) => n + c.jobs.total, 0);
  const same = JSON.stringify(local.report.candidates.map((c) => c.metrics)) === JSON.stringify(queued.report.candidates.map((c) => c.metrics));
  console.log(`queue throughput: ${fits} fits + refit (bench/sweep.js's sweep), ${os.availableParallelism()} cores, ${load()}`);
  console.log(`  1 local worker    ${local.seconds.toFixed(2)} s`);
  console.log(`  2 queue workers   ${queued.seconds.toFixed(2)} s   (coordinator CPU ${queued.cpuSeconds.toFixed(2)} s)`);
  console.log(`  ratio             ${(local.seconds / queued.seconds).toFixed(2)}× (target ≥ 1.8×); same scores: ${same ? 'yes' : 'NO'}`);
  console.log(
    `  machine           2 processes of pure JS ran ${ceiling.toFixed(2)}× faster together than one after the other (${load()}): the ceiling here`,
  );
}

async function overhead(redis, dir) {
  const fits = 200;
  const file = sleepSweep(dir, { name: 'noop', tags: fits / 2, folds: 2, seconds: 0 });
  const local = await timeSweep(file, 1, 'noop-local');
  const workers = await startWorkers(1, redis.url, 'bench-overhead', dir);
  let queued;
  try {
    queued = await timeSweep(file, 1, 'noop-queue', { queue: { url: redis.url, name: 'bench-overhead' } });
  } finally {
    await workers.stop();
  }
  // Seconds from handing a fit out to its result, minus the fit's own work inside the worker.
  const handOff = (r) => r.seconds - (r.outcome ? r.outcome.fitSeconds + r.outcome.featurizeSeconds : 0);
  const [l, q] = [
    median(local.jobs.filter((j) => j.rows.kind !== 'refit').map(handOff)),
    median(queued.jobs.filter((j) => j.rows.kind !== 'refit').map(handOff)),
  ];
  console.log(`queue overhead: ${fits} no-op fits, one at a time, ${load()}`);
  console.log(
    `  local worker (IPC)   median ${(l * 1000).toFixed(1)} ms from hand-out to result beyond the fit; sweep ${local.seconds.toFixed(2)} s`,
  );
  console.log(
    `  queue (Redis)        median ${(q * 1000).toFixed(1)} ms; sweep ${queued.seconds.toFixed(2)} s; coordinator CPU ${((queued.cpuSeconds / fits) * 1000).toFixed(1)} ms per fit`,
  );
  console.log(`  the queue adds       ${((q - l) * 1000).toFixed(1)} ms per fit (enqueue → start → result)`);
  handOffSeconds = q;
}

/** The queue's hand-off per fit (the overhead part's median), for the 100-machine arithmetic; 5 ms when not measured in this run. */
let handOffSeconds;

async function redisMemory(url) {
  const { Redis } = require('ioredis');
  const client = new Redis(url);
  const info = await client.info('memory');
  client.disconnect();
  return Number(/used_memory:(\d+)/.exec(info)[1]);
}

async function simulation(redis, dir) {
  const fits = Number(process.env.MLSPEC_BENCH_SIM_FITS || 10000);
  // 8 × 8 by default; on a shared machine run fewer processes with more concurrency each (the brief: 2 × 32).
  const processes = Number(process.env.MLSPEC_BENCH_SIM_PROCESSES || 8);
  const concurrency = 64 / processes;
  const seconds = 0.5;
  const file = sleepSweep(dir, { name: 'sim', tags: fits / 4, folds: 4, seconds, epochs: 2 });
  const before = await redisMemory(redis.url);
  const workers = await startWorkers(processes, redis.url, 'bench-sim', dir, ['--concurrency', String(concurrency)]);
  let sim;
  const loadBefore = os.loadavg()[0];
  let workerCpu;
  // The coordinator's CPU at every tenth of the fits (from its progress lines): whether its work
  // per result stays flat as the sweep grows or climbs with the fits already done.
  const marks = [];
  const every = Math.max(1, Math.round(fits / 10));
  const progress = {
    write: (text) => {
      // Results can arrive faster than their lines are written: a line may skip a tenth's exact count.
      const done = /^\[(\d+)\//.exec(text);
      if (done && Number(done[1]) >= (marks.length ? marks[marks.length - 1].fits + every : every)) {
        const used = process.cpuUsage();
        marks.push({ fits: Number(done[1]), cpu: (used.user + used.system) / 1e6 });
      }
      return true;
    },
  };
  try {
    sim = await timeSweep(file, 256, 'sim', { queue: { url: redis.url, name: 'bench-sim' }, quiet: false, progress });
    workerCpu = workers.cpuSeconds();
  } finally {
    await workers.stop();
  }
  const after = await redisMemory(redis.url);
  const ran = sim.jobs.length;
  const slept = sim.jobs.reduce((s, j) => s + (j.outcome ? j.outcome.fitSeconds : 0), 0);
  const ideal = slept / (processes * concurrency);
  const cpuPerFit = sim.cpuSeconds / ran;
  const perJob = (after - before) / ran;
  console.log(
    `queue simulation: ${processes * concurrency} simulated workers (${processes} processes × concurrency ${concurrency}) drain ${ran} fits of ${seconds} s ± 50% sleep, ${load()} (before: ${loadBefore.toFixed(1)})`,
  );
  console.log(
    `  drained in ${sim.seconds.toFixed(1)} s; ideal ${ideal.toFixed(1)} s (fit seconds / workers): efficiency ${((ideal / sim.seconds) * 100).toFixed(0)}%`,
  );
  console.log(
    `  coordinator CPU ${sim.cpuSeconds.toFixed(1)} s = ${(cpuPerFit * 1000).toFixed(2)} ms per fit (planning, the refit and the report included)`,
  );
  if (marks.length > 1)
    console.log(
      `  coordinator CPU per result as the sweep goes on (ms per fit over each stretch): ${marks
        .slice(1)
        .map((m, i) => `${marks[i].fits}–${m.fits}: ${(((m.cpu - marks[i].cpu) / (m.fits - marks[i].fits)) * 1000).toFixed(2)}`)
        .join(', ')}`,
    );
  console.log(
    `  worker CPU ${workerCpu.toFixed(1)} s = ${((workerCpu / ran) * 1000).toFixed(1)} ms per fit (featurize, predict, score and the queue client; the sleep is free): ${((workerCpu + sim.cpuSeconds) / sim.seconds).toFixed(2)} cores busy of ${os.availableParallelism()}`,
  );
  console.log(
    `  Redis memory ${(before / 2 ** 20).toFixed(1)} MiB → ${(after / 2 ** 20).toFixed(1)} MiB: ${(perJob / 1024).toFixed(1)} KiB per finished job kept (INFO memory used_memory)`,
  );
  // 100 machines, one fit at a time each, fits of T seconds: they finish 100/T fits per second, and
  // the one coordinator spends cpuPerFit on each; it saturates when 100 × cpuPerFit / T reaches 1.
  // Each machine also idles for the queue's hand-off h per fit: efficiency = min(1, T / (100 × cpuPerFit)) × T / (T + h).
  const h = handOffSeconds ?? 0.005;
  console.log(
    `  100 machines (hand-off h = ${(h * 1000).toFixed(1)} ms per fit, ${handOffSeconds === undefined ? 'assumed: run the overhead part to measure it' : 'measured above'}):`,
  );
  for (const T of [1, 10, 60]) {
    const busy = (100 * cpuPerFit) / T;
    const efficiency = Math.min(1, 1 / busy) * (T / (T + h));
    console.log(
      `    fits of ${String(T).padStart(2)} s: coordinator busy 100 × ${(cpuPerFit * 1000).toFixed(2)} ms / ${T} s = ${(busy * 100).toFixed(1)}%; efficiency ≈ ${(Math.min(1, 1 / busy) * 100).toFixed(0)}% × ${T} / (${T} + ${h.toFixed(4)}) = ${(efficiency * 100).toFixed(1)}%`,
    );
  }
}

async function run(which = []) {
  const parts = which.length ? which : ['throughput', 'overhead', 'simulation'];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mlspec-bench-queue-'));
  const redis = await startRedis(dir);
  try {
    for (const part of parts) {
      if (part === 'throughput') await throughput(redis, dir);
      else if (part === 'overhead') await overhead(redis, dir);
      else if (part === 'simulation') await simulation(redis, dir);
      else throw new Error(`unknown part "${part}"; parts: throughput, overhead, simulation`);
    }
  } finally {
    await redis.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

module.exports = { run };
if (require.main === module)
  run(process.argv.slice(2)).catch((e) => {
    console.error(e);
    process.exit(1);
  });
