/**
 * Sweeps on a real Redis (redis-server on 127.0.0.1, a random port, its own folder) with a
 * coordinator and workers as separate processes in separate folders, as on separate machines (run
 * `npm run build` first; `npm test` does). Each fault the queue claims to survive is caused for
 * real; every sweep must end with the leaderboard a local run prints, and MLflow (read back by
 * MLflow itself) with one run per trial and fold, none RUNNING, no step logged twice.
 *
 * Most sweeps use the test-only sleep model (test/fixtures/plugins/sleep-model.js): its fits
 * take a known time, so a worker can be killed mid-fit; its scores are a function of the fit, so
 * leaderboards compare exactly. One sweep trains real LSTMs with median pruning. Each sweep has its
 * own seed: a fit's id is its hash, which does not hold the sweep's name, so two sweeps that differ
 * only in name share their fits in Redis (as they should) and the second would run nothing.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { REPO, runCli } from '../helpers/cli';
import { freePort, runPython } from '../helpers/mlflow-server';
import { leaderboard, machine, mlspec, removeMachines, sleepSpec, startWorker, type Proc } from '../helpers/queue-machines';
import { startRedis, type RedisServer } from '../helpers/redis-server';

jest.setTimeout(180_000);

const readRuns = (dir: string, experiment: string): any[] =>
  JSON.parse(runPython([path.join(REPO, 'tools/mlflow/read_store.py'), `sqlite:///${path.join(dir, 'mlflow.db')}`])).experiments.find(
    (e: any) => e.name === experiment,
  ).runs;

/** One active run per trial and per trial and fold, one refit, one sweep; replaced runs deleted and named; none RUNNING. */
function expectOneRunPerFit(all: any[], trials: number, folds: number): void {
  const runs = all.filter((r) => r.lifecycle_stage === 'active');
  for (const deleted of all.filter((r) => r.lifecycle_stage !== 'active')) {
    expect(deleted.tags['mlspec.kind']).toBe('fold');
    expect(runs.filter((r) => r.tags['mlspec.replaces_run'] === deleted.run_id)).toHaveLength(1);
  }
  for (const run of runs)
    for (const [key, history] of Object.entries(run.metric_history as Record<string, { step: number }[]>)) {
      const steps = history.map((m) => m.step);
      if (new Set(steps).size !== steps.length) throw new Error(`${run.run_name} ${key}: steps logged twice: ${steps.join(' ')}`);
    }
  const kind = (k: string) => runs.filter((r) => r.tags['mlspec.kind'] === k);
  expect([kind('sweep').length, kind('trial').length, kind('fold').length, kind('refit').length]).toEqual([1, trials, trials * folds, 1]);
  expect(runs.map((r) => r.status)).toEqual(runs.map(() => 'FINISHED'));
  for (const fold of kind('fold')) expect(fold.metric_history.heldout_accuracy.map((m: any) => m.step)).toEqual([1, 2, 3]);
}

/** The leaderboard of a local run (one worker process) of the same spec, in a folder of its own. */
function localLeaderboard(name: string, text: string): string {
  const local = machine(`local-${name}`);
  const spec = local.spec(name, text);
  const result = runCli(['run', spec, '--workers', '1', '--no-tracking'], { cwd: local.dir });
  if (result.status !== 0) throw new Error(result.stderr);
  return leaderboard(result.stdout);
}

const allOutput = (...procs: Proc[]) => procs.map((p) => p.output()).join('\n');

describe('a sweep on a queue', () => {
  let redis: RedisServer;
  const workers: Proc[] = [];
  const worker = async (dir: string, url = redis.url, args: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const w = await startWorker(dir, url, args, env);
    workers.push(w);
    return w;
  };

  beforeAll(async () => {
    redis = await startRedis({ aof: true });
  });
  afterEach(async () => {
    await Promise.all(workers.splice(0).map((w) => w.kill()));
  });
  afterAll(async () => {
    await redis?.stop();
    removeMachines();
  });

  it('two workers on other machines give the leaderboard of a local run; a re-enqueue adds nothing; sweep status counts it', async () => {
    const text = sleepSpec({ name: 'parity', seed: 11, tags: 3, seconds: 0.6 });
    const expected = localLeaderboard('parity', text);
    const [a, b] = [await worker(machine('wa').dir), await worker(machine('wb').dir)];
    const coordinator = machine('coord');
    const spec = coordinator.spec('parity', text);
    const run = mlspec(['run', spec, '--queue', redis.url], coordinator.dir);
    expect(await run.exit()).toBe(0);
    expect(leaderboard(run.stdout())).toBe(expected);
    // Both workers ran fits (3 trials × 2 folds + the refit = 7).
    const fits = (w: Proc) => (w.output().match(/ started/g) ?? []).length;
    expect(fits(a) + fits(b)).toBe(7);
    expect(Math.min(fits(a), fits(b))).toBeGreaterThan(0);
    expectOneRunPerFit(readRuns(coordinator.dir, 'parity'), 3, 2);

    // A second coordinator with a fresh state folder enqueues the same fits: their jobs exist, nothing reruns.
    const again = mlspec(['run', spec, '--queue', redis.url, '--state', 'other-state', '--no-tracking'], coordinator.dir);
    expect(await again.exit()).toBe(0);
    expect(leaderboard(again.stdout())).toBe(expected);
    expect(fits(a) + fits(b)).toBe(7);

    const status = runCli(['sweep', 'status', '--queue', redis.url], { cwd: coordinator.dir });
    expect(status.status).toBe(0);
    expect(status.stdout).toMatch(/^queue "sweeps" on redis:\/\/127\.0\.0\.1:\d+\/0: 2 workers$/m);
    expect(status.stdout).toMatch(/^parity-[0-9a-f]+ +0 +0 +0 +7 +0$/m);
  });

  it('median pruning reaches fits running on a worker: the recurrent sweep ends as it does locally', async () => {
    const text = readFileSync(path.join(REPO, 'experiments/tiny/sweep-recurrent.yaml'), 'utf8');
    const expected = localLeaderboard('recurrent', text);
    expect(expected).toMatch(/pruned/);
    await worker(machine('wr').dir, redis.url, [], { MLSPEC_RECURRENT_THREADS: '1' });
    const coordinator = machine('coord-rec');
    const run = mlspec(['run', coordinator.spec('recurrent', text), '--queue', redis.url], coordinator.dir);
    expect(await run.exit()).toBe(0);
    expect(leaderboard(run.stdout())).toBe(expected);
  });

  it('kill -9 of a worker mid-fit: the fit reruns on the other worker and MLflow keeps one run for it', async () => {
    const text = sleepSpec({ name: 'killworker', seed: 12, tags: 2, seconds: 1.5 });
    const expected = localLeaderboard('killworker', text);
    // Locks of 3 s: the fit of a dead worker is handed on 3–6 s later.
    const stall = ['--stall-seconds', '3'];
    const victim = await worker(machine('victim').dir, redis.url, stall);
    const coordinator = machine('coord-kill');
    const run = mlspec(['run', coordinator.spec('killworker', text), '--queue', redis.url], coordinator.dir);
    const [, label] = await victim.waitFor(/: (trial-\d+ fold-\d+) started/);
    // Past its first epoch (its metrics reached the coordinator's MLflow run), then killed.
    await new Promise((resolve) => setTimeout(resolve, 900));
    await victim.kill('SIGKILL');
    const survivor = await worker(machine('survivor').dir, redis.url, stall);
    expect(await run.exit()).toBe(0);
    expect(survivor.output()).toContain(`${label} started`);
    expect(leaderboard(run.stdout())).toBe(expected);
    const runs = readRuns(coordinator.dir, 'killworker');
    expectOneRunPerFit(runs, 2, 2);
    // The cut-short run was deleted and named by its replacement.
    expect(runs.filter((r) => r.lifecycle_stage === 'deleted').map((r) => r.run_name)).toEqual([label.replace(' ', '/')]);
  });

  it('the coordinator killed mid-sweep: the same command continues from Redis and its state, results and runs complete', async () => {
    const text = sleepSpec({ name: 'killcoord', seed: 13, tags: 3, seconds: 0.8 });
    const expected = localLeaderboard('killcoord', text);
    const w = await worker(machine('wk').dir);
    const coordinator = machine('coord-restart');
    const spec = coordinator.spec('killcoord', text);
    const first = mlspec(['run', spec, '--queue', redis.url], coordinator.dir);
    await first.waitFor(/^\[2\/6\]/m);
    await first.kill('SIGKILL');
    const second = mlspec(['run', spec, '--queue', redis.url], coordinator.dir);
    expect(await second.exit()).toBe(0);
    expect(second.output()).toMatch(/sweep: continuing/);
    expect(leaderboard(second.stdout())).toBe(expected);
    // Every fit ran once: the second coordinator found the fits the worker ran meanwhile in Redis.
    expect((w.output().match(/ started/g) ?? []).length).toBe(7);
    expectOneRunPerFit(readRuns(coordinator.dir, 'killcoord'), 3, 2);
  });

  it('Redis restarted mid-sweep (AOF on): nothing is lost, the sweep finishes as locally', async () => {
    const text = sleepSpec({ name: 'redisrestart', seed: 14, tags: 3, seconds: 0.8 });
    const expected = localLeaderboard('redisrestart', text);
    await worker(machine('wrr').dir);
    const coordinator = machine('coord-rr');
    const run = mlspec(['run', coordinator.spec('redisrestart', text), '--queue', redis.url, '--no-tracking'], coordinator.dir);
    await run.waitFor(/^\[2\/6\]/m);
    await redis.restart();
    expect(await run.exit()).toBe(0);
    expect(leaderboard(run.stdout())).toBe(expected);
  });

  it('a worker whose data differs refuses the fits, which run on a worker with the right data', async () => {
    const text = sleepSpec({ name: 'datadiff', seed: 15, tags: 2, seconds: 0.5 });
    const expected = localLeaderboard('datadiff', text);
    // One word added to the first tweet the spec keeps (Lebanon, sports).
    const rows = readFileSync(path.join(REPO, 'data/ArSenTD-LEV.tsv'), 'utf8').split('\n');
    const kept = rows.findIndex((r) => /\tlebanon\tsports\t/.test(r));
    const changed = rows.map((r, i) => (i === kept ? `extra ${r}` : r)).join('\n');
    const wrong = await worker(machine('wrong', changed).dir);
    const coordinator = machine('coord-diff');
    const run = mlspec(['run', coordinator.spec('datadiff', text), '--queue', redis.url, '--no-tracking'], coordinator.dir);
    await wrong.waitFor(/refuses sweep datadiff-[0-9a-f]+: its rows differ/);
    await worker(machine('right').dir);
    expect(await run.exit()).toBe(0);
    expect(leaderboard(run.stdout())).toBe(expected);
    expect(wrong.output()).not.toMatch(/ started/);
  });

  it('Redis unreachable: exit 2 naming the URL without its password, for the coordinator and the worker', async () => {
    const url = `redis://:hunter2secret@127.0.0.1:${await freePort()}/0`;
    const coordinator = machine('coord-down');
    const spec = coordinator.spec('down', sleepSpec({ name: 'down', seed: 17, tags: 1 }));
    for (const args of [
      ['run', spec, '--queue', url],
      ['worker', '--queue', url],
      ['sweep', 'status', '--queue', url],
    ]) {
      const r = runCli(args, { cwd: coordinator.dir });
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/QUEUE_UNREACHABLE: cannot use Redis at redis:\/\/\*\*\*@127\.0\.0\.1:\d+\/0/);
      expect(r.stderr + r.stdout).not.toContain('hunter2secret');
    }
    expect(readdirSync(coordinator.dir)).not.toContain('.mlspec-sweeps');
  });
});

it('a Redis password and TLS (rediss://) work, and the password is never printed or written', async () => {
  const password = 'tls-pass-7f3e9a';
  const redis = await startRedis({ password, tls: true });
  const env = { NODE_EXTRA_CA_CERTS: redis.caFile! };
  const procs: Proc[] = [];
  try {
    expect(redis.url).toMatch(/^rediss:\/\//);
    const text = sleepSpec({ name: 'tls', seed: 16, tags: 2, seconds: 0.3 });
    const expected = localLeaderboard('tls', text);
    const w = await startWorker(machine('wtls').dir, redis.url, [], env);
    procs.push(w);
    const coordinator = machine('coord-tls');
    const run = mlspec(['run', coordinator.spec('tls', text), '--queue', redis.url], coordinator.dir, env);
    procs.push(run);
    expect(await run.exit()).toBe(0);
    expect(leaderboard(run.stdout())).toBe(expected);
    const status = runCli(['sweep', 'status', '--queue', redis.url], { cwd: coordinator.dir, env });
    expect(status.stdout).toMatch(/^tls-[0-9a-f]+ +0 +0 +0 +5 +0$/m);
    expect(allOutput(...procs) + status.stdout + status.stderr).not.toContain(password);
    expect(allOutput(...procs)).toContain('rediss://***@127.0.0.1');
    // Nothing the coordinator wrote holds it either (state folder, mlflow.db).
    const files = (dir: string): string[] =>
      readdirSync(dir).flatMap((f) => (statSync(path.join(dir, f)).isDirectory() ? files(path.join(dir, f)) : [path.join(dir, f)]));
    for (const file of files(coordinator.dir)) expect(readFileSync(file).includes(password)).toBe(false);
    // Without the CA the TLS handshake fails: exit 2, the URL redacted.
    const untrusted = runCli(['sweep', 'status', '--queue', redis.url], { cwd: coordinator.dir });
    expect(untrusted.status).toBe(2);
    expect(untrusted.stderr).not.toContain(password);
  } finally {
    await Promise.all(procs.map((p) => p.kill()));
    await redis.stop();
    removeMachines();
  }
});
