/** Run the built CLI (`node bin/mlspec.js`) as a user does, in a given folder. */
import { spawnSync } from 'node:child_process';
import path from 'node:path';

export const REPO = path.resolve(__dirname, '../..');
export const CLI = path.join(REPO, 'bin/mlspec.js');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; input?: string } = {}): CliResult {
  const env = { ...process.env, ...options.env };
  delete env.MLFLOW_TRACKING_URI;
  if (options.env?.MLFLOW_TRACKING_URI) env.MLFLOW_TRACKING_URI = options.env.MLFLOW_TRACKING_URI;
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: options.cwd ?? REPO,
    env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 300_000,
    maxBuffer: 64 << 20,
    input: options.input,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
