/**
 * "Machines" for the sweep-queue tests: each a temporary folder with its own copy of the data (and
 * the test-only sleep plugin), where a coordinator (`mlspec run --queue`) or a worker
 * (`mlspec worker`) runs as a separate process, as on separate hosts. Every process started here
 * is killed when the test process exits; removeMachines() removes their folders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLI, REPO } from './cli';

export const TINY_CLASSES = '[very_negative, negative, neutral, positive, very_positive]';

/** A sweep of the sleep model: `tags` trials × `folds` folds, each fit sleeping ~`seconds`. */
export function sleepSpec(options: { name: string; tags: number; folds?: number; seconds?: number; seed?: number }): string {
  return [
    `name: ${options.name}`,
    `seed: ${options.seed ?? 3}`,
    'plugins: [../../plugins/sleep-model.js]',
    'data:',
    '  type: tsv',
    '  path: ../../data/ArSenTD-LEV.tsv',
    '  text: Tweet',
    '  label: Sentiment',
    '  where: { Country: lebanon, Topic: [sports, religions, entertainment] }',
    `  classes: ${TINY_CLASSES}`,
    'split: { type: stratified-holdout, test: 0.25 }',
    'pipelines:',
    '  p:',
    '    tokenizer: { type: words }',
    '    featurizer: { type: counts, maxFeatures: 50 }',
    `    model: { type: sleep, seconds: ${options.seconds ?? 1}, epochs: 3 }`,
    'sweep:',
    '  grid:',
    `    pipelines.p.model.tag: [${Array.from({ length: options.tags }, (_, i) => i).join(', ')}]`,
    `  folds: ${options.folds ?? 2}`,
    '',
  ].join('\n');
}

export interface Machine {
  dir: string;
  /** Writes experiments/queue/<name>.yaml; returns its path relative to `dir`. */
  spec(name: string, text: string): string;
}

/** A folder laid out like a checkout: data/, plugins/, experiments/. `data`: other rows than the repo's. */
export function machine(label: string, data?: string): Machine {
  const dir = mkdtempSync(path.join(os.tmpdir(), `mlspec-queue-${label}-`));
  machines.push(dir);
  mkdirSync(path.join(dir, 'data'));
  mkdirSync(path.join(dir, 'plugins'));
  mkdirSync(path.join(dir, 'experiments/queue'), { recursive: true });
  if (data) writeFileSync(path.join(dir, 'data/ArSenTD-LEV.tsv'), data);
  else copyFileSync(path.join(REPO, 'data/ArSenTD-LEV.tsv'), path.join(dir, 'data/ArSenTD-LEV.tsv'));
  copyFileSync(path.join(REPO, 'test/fixtures/plugins/sleep-model.js'), path.join(dir, 'plugins/sleep-model.js'));
  return {
    dir,
    spec: (name, text) => {
      writeFileSync(path.join(dir, 'experiments/queue', `${name}.yaml`), text);
      return `experiments/queue/${name}.yaml`;
    },
  };
}

export interface Proc {
  child: ChildProcess;
  output(): string;
  stdout(): string;
  /** Resolves when the combined output matches `pattern` (rejects on exit or timeout). */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  exit(): Promise<number | null>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

const started = new Set<ChildProcess>();
const machines: string[] = [];
process.on('exit', () => {
  for (const child of started) child.kill('SIGKILL');
});

/** Remove the machines' folders (call in afterAll: jest's sandbox may not see the process exit). */
export function removeMachines(): void {
  for (const dir of machines.splice(0)) rmSync(dir, { recursive: true, force: true });
}

export function mlspec(args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): Proc {
  const fullEnv: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete fullEnv.MLFLOW_TRACKING_URI;
  const child = spawn(process.execPath, [CLI, ...args], { cwd, env: fullEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  started.add(child);
  let output = '';
  let stdout = '';
  const listeners = new Set<() => void>();
  const onData = (chunk: Buffer) => {
    output += chunk;
    for (const l of listeners) l();
  };
  child.stdout!.on('data', (chunk: Buffer) => {
    stdout += chunk;
    onData(chunk);
  });
  child.stderr!.on('data', onData);
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      started.delete(child);
      for (const l of listeners) l();
      resolve(code);
    }),
  );
  return {
    child,
    output: () => output,
    stdout: () => stdout,
    waitFor: (pattern, timeoutMs = 90_000) =>
      new Promise((resolve, reject) => {
        const check = () => {
          const match = output.match(pattern);
          if (match) {
            listeners.delete(check);
            clearTimeout(timer);
            resolve(match);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            listeners.delete(check);
            clearTimeout(timer);
            reject(new Error(`mlspec ${args.join(' ')} exited before ${pattern}:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          listeners.delete(check);
          reject(new Error(`no ${pattern} from mlspec ${args.join(' ')} in ${timeoutMs} ms:\n${output}`));
        }, timeoutMs);
        listeners.add(check);
        check();
      }),
    exit: () => exited,
    kill: (signal = 'SIGKILL') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

/**
 * `mlspec worker` in `dir`, resolved once it serves the queue. Only a test that kills a worker
 * should pass a short `--stall-seconds`: on a loaded machine a live worker can miss a short lock
 * renewal, and its fit then runs twice (same result, but not the fit counts a test expects).
 */
export async function startWorker(dir: string, url: string, args: string[] = [], env: NodeJS.ProcessEnv = {}): Promise<Proc> {
  const worker = mlspec(['worker', '--queue', url, ...args], dir, env);
  await worker.waitFor(/serving queue/);
  return worker;
}

/** The leaderboard: the table at the top of `mlspec run`'s stdout. */
export function leaderboard(stdout: string): string {
  return stdout.split('\n\n')[0];
}
