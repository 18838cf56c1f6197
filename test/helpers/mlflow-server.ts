/**
 * Starts a real `mlflow server` for integration tests (SQLite backend store, artifact proxy on a
 * temporary folder, a free port on 127.0.0.1) and stops it again. The server runs in its own
 * process group so stopping it also ends the uvicorn workers it spawns; a process-exit hook kills
 * any server a failing test left behind.
 *
 * The Python environment is $MLSPEC_PYTHON_VENV, else <repo>/.venv.
 */
import { spawn, spawnSync, type ChildProcess } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');

export function venvDir(): string {
  return path.resolve(REPO_ROOT, process.env.MLSPEC_PYTHON_VENV ?? '.venv');
}

export function venvBin(name: string): string {
  return path.join(venvDir(), process.platform === 'win32' ? 'Scripts' : 'bin', name);
}

export function venvPython(): string {
  return venvBin('python');
}

/** Run a script with the venv's python; returns stdout, throws with stderr on failure. */
export function runPython(args: string[], options: { cwd?: string; timeoutMs?: number } = {}): string {
  // MLflow 3.13+ refuses to open a ./mlruns file store without this opt-out, which users of that store set too.
  const env = { ...process.env, MLFLOW_ALLOW_FILE_STORE: 'true' };
  const result = spawnSync(venvPython(), args, {
    cwd: options.cwd ?? REPO_ROOT,
    env,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 180_000,
    maxBuffer: 256 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`python ${args.join(' ')} exited with ${result.status}:\n${result.stderr}`);
  return result.stdout;
}

/** A port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface MlflowServer {
  /** http://127.0.0.1:<port> */
  readonly uri: string;
  readonly port: number;
  /** Holds mlflow.db, artifacts/ and server.log. */
  readonly dir: string;
  readonly backendStoreUri: string;
  readonly artifactsDir: string;
  /** SIGTERM, then SIGKILL if it lingers; removes `dir` unless the caller passed it in. */
  stop(): Promise<void>;
  /** SIGKILL at once: a server that dies mid-run. */
  kill(): Promise<void>;
  /** The server's output so far, for failure messages. */
  log(): string;
}

export interface StartOptions {
  /** Reuse a folder (and so its backend store and artifacts) from an earlier server. */
  dir?: string;
  port?: number;
  /** How long to wait for /health; server start takes 5–20 s on a quiet machine (MLflow 3.17), over a minute on a loaded one. */
  timeoutMs?: number;
  /** Extra arguments, e.g. ['--app-name', 'basic-auth']. */
  extraArgs?: string[];
  env?: Record<string, string>;
}

const running = new Set<ChildProcess>();

/** Signal the server's whole process group (`force`: even after the main process has exited, for its workers). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals, force = false): void {
  if (child.pid === undefined) return;
  if (!force && (child.exitCode !== null || child.signalCode !== null)) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

process.on('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL', true);
});

function exited(child: ChildProcess, timeoutMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(false), timeoutMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

export async function startMlflowServer(options: StartOptions = {}): Promise<MlflowServer> {
  const ownsDir = options.dir === undefined;
  const dir = options.dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-mlflow-'));
  const port = options.port ?? (await freePort());
  const artifactsDir = path.join(dir, 'artifacts');
  const backendStoreUri = `sqlite:///${path.join(dir, 'mlflow.db')}`;
  const logFile = path.join(dir, 'server.log');
  const logFd = fs.openSync(logFile, 'a');
  const args = [
    'server',
    '--host',
    '127.0.0.1',
    '--port',
    String(port),
    '--workers',
    '1',
    '--backend-store-uri',
    backendStoreUri,
    '--serve-artifacts',
    '--artifacts-destination',
    artifactsDir,
    ...(options.extraArgs ?? []),
  ];
  const child = spawn(venvBin('mlflow'), args, {
    cwd: dir,
    detached: true,
    stdio: ['ignore', logFd, logFd],
    env: { ...process.env, ...options.env, MLFLOW_TRACKING_URI: '' },
  });
  fs.closeSync(logFd);
  running.add(child);
  const uri = `http://127.0.0.1:${port}`;
  const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');

  const stopWith = async (signal: NodeJS.Signals): Promise<void> => {
    killGroup(child, signal);
    if (!(await exited(child, 10_000))) {
      killGroup(child, 'SIGKILL');
      await exited(child, 5_000);
    }
    // uvicorn's workers are in the same group; make sure none still holds the port.
    killGroup(child, 'SIGKILL', true);
    running.delete(child);
  };

  const deadline = Date.now() + (options.timeoutMs ?? 180_000);
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`mlflow server exited (${child.exitCode ?? child.signalCode}) before answering:\n${log().slice(-4000)}`);
    }
    try {
      const response = await fetch(`${uri}/health`, { signal: AbortSignal.timeout(1000) });
      if (response.ok) break;
    } catch {
      // Not listening yet.
    }
    if (Date.now() > deadline) {
      await stopWith('SIGKILL');
      throw new Error(`mlflow server did not answer ${uri}/health within ${options.timeoutMs ?? 180_000} ms:\n${log().slice(-4000)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }

  return {
    uri,
    port,
    dir,
    backendStoreUri,
    artifactsDir,
    stop: async () => {
      await stopWith('SIGTERM');
      if (ownsDir) fs.rmSync(dir, { recursive: true, force: true });
    },
    kill: () => stopWith('SIGKILL'),
    log,
  };
}
