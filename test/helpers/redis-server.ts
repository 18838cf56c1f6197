/**
 * Starts a real `redis-server` (Debian's 7.0 in CI) for tests: 127.0.0.1, a free port, its own
 * temporary folder (AOF and RDB files live there), never a shared or default Redis. Optional
 * password and TLS (a throwaway CA and server certificate made with `openssl` in the folder).
 * `restart()` stops it and starts it again on the same port and folder, so with `aof` on the data
 * comes back. A process-exit hook kills any server a failing test left behind.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { freePort } from './mlflow-server';

export const REDIS_SERVER = process.env.MLSPEC_REDIS_SERVER ?? '/usr/bin/redis-server';

export interface RedisOptions {
  password?: string;
  /** Serve TLS only (rediss://); the CA file is `caFile`. */
  tls?: boolean;
  /** Append-only file on (appendfsync always, so a restart loses nothing). */
  aof?: boolean;
}

export interface RedisServer {
  /** redis://[:password@]127.0.0.1:<port>/0 (rediss:// with TLS). */
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** The CA that signed the server's certificate (TLS only): NODE_EXTRA_CA_CERTS for clients. */
  readonly caFile?: string;
  stop(): Promise<void>;
  /** SIGKILL at once. */
  kill(): Promise<void>;
  /** Stop (SIGTERM: AOF flushed) and start again on the same port and folder. */
  restart(): Promise<void>;
  log(): string;
}

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const child of live) child.kill('SIGKILL');
});

function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const ca = path.join(dir, 'ca.crt');
  const caKey = path.join(dir, 'ca.key');
  const key = path.join(dir, 'server.key');
  const csr = path.join(dir, 'server.csr');
  const cert = path.join(dir, 'server.crt');
  const ext = path.join(dir, 'server.ext');
  fs.writeFileSync(ext, 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  const steps = [
    ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', caKey, '-out', ca, '-days', '1', '-subj', '/CN=mlspec test CA'],
    ['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', csr, '-subj', '/CN=127.0.0.1'],
    ['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', caKey, '-CAcreateserial', '-out', cert, '-days', '1', '-extfile', ext],
  ];
  for (const args of steps) {
    const r = spawnSync('openssl', args, { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`openssl ${args.join(' ')} failed:\n${r.stderr}`);
  }
  return { ca, cert, key };
}

function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      if (child.exitCode !== null) return reject(new Error(`redis-server exited with ${child.exitCode}:\n${output()}`));
      const socket = net.connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`redis-server did not listen on ${port} in ${timeoutMs} ms:\n${output()}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

export async function startRedis(options: RedisOptions = {}): Promise<RedisServer> {
  if (!fs.existsSync(REDIS_SERVER)) throw new Error(`${REDIS_SERVER} is missing: apt-get install redis-server (.ci/run does)`);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mlspec-redis-'));
  const port = await freePort();
  const certs = options.tls ? makeCertificates(dir) : undefined;
  const lines = [`bind 127.0.0.1`, `dir ${dir}`, `save ""`, `appendonly ${options.aof ? 'yes' : 'no'}`, `appendfsync always`, `daemonize no`];
  if (certs)
    lines.push(
      `port 0`,
      `tls-port ${port}`,
      `tls-cert-file ${certs.cert}`,
      `tls-key-file ${certs.key}`,
      `tls-ca-cert-file ${certs.ca}`,
      `tls-auth-clients no`,
    );
  else lines.push(`port ${port}`);
  if (options.password) lines.push(`requirepass ${options.password}`);
  const config = path.join(dir, 'redis.conf');
  fs.writeFileSync(config, `${lines.join('\n')}\n`);

  let output = '';
  let child: ChildProcess;
  const launch = async () => {
    child = spawn(REDIS_SERVER, [config], { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.stdout?.on('data', (d) => (output += d));
    child.stderr?.on('data', (d) => (output += d));
    child.once('exit', () => live.delete(child));
    await waitForPort(port, child, () => output, 20_000);
  };
  const end = (signal: NodeJS.Signals) =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill(signal);
    });
  await launch();
  const auth = options.password ? `:${encodeURIComponent(options.password)}@` : '';
  return {
    url: `${certs ? 'rediss' : 'redis'}://${auth}127.0.0.1:${port}/0`,
    port,
    dir,
    ...(certs ? { caFile: certs.ca } : {}),
    stop: async () => {
      await end('SIGTERM');
      fs.rmSync(dir, { recursive: true, force: true });
    },
    kill: () => end('SIGKILL'),
    restart: async () => {
      await end('SIGTERM');
      await launch();
    },
    log: () => output,
  };
}
