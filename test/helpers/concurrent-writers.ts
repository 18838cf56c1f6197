/**
 * Starts one writer process of test/integration/tracker-writer.js: it opens a Tracker on `store`
 * (a folder or a sqlite:/// URI), waits until `startAt` (so several writers race for real), logs
 * `runs` runs into `experiment` and prints their ids as JSON. Resolves with the ids; rejects when
 * the writer fails, prints anything on stderr (a "database is locked" warning counts), or outlives
 * `timeoutMs`.
 */
import { spawn } from 'child_process';
import * as path from 'path';
import { REPO_ROOT } from './mlflow-server';

const WRITER = path.join(REPO_ROOT, 'test', 'integration', 'tracker-writer.js');

export function startWriter(store: string, experiment: string, runs: number, startAt: number, label: string, timeoutMs: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [WRITER, store, experiment, String(runs), String(startAt), label], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => (out += chunk));
    child.stderr.on('data', (chunk) => (err += chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      if (code === 0 && err === '') resolve(JSON.parse(out) as string[]);
      else reject(new Error(`writer ${label} exited with ${code}:\n${err}`));
    });
  });
}
