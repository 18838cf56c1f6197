/**
 * Redis connections for the sweep queue. The URL is `redis://[:password@]host:port/db` or
 * `rediss://…` (TLS; a private CA is trusted through NODE_EXTRA_CA_CERTS, as for any Node
 * client). It is shown only through redactUri, so a password never reaches a message or a log.
 */
import { Redis } from 'ioredis';
import { InputError } from '../errors';
import { redactText, redactUri } from '../tracking/redact';

/** The queue's BullMQ key prefix: every key mlspec writes starts with it. */
export const KEY_PREFIX = 'mlspec';
export const DEFAULT_QUEUE_NAME = 'sweeps';
/** BullMQ needs Redis 5; we test on 7.0 and document 6.2+ (Valkey included). */
const MIN_REDIS_MAJOR = 6;

export interface QueueTarget {
  /** redis:// or rediss:// URL, with its password if any (never printed: see `shown`). */
  url: string;
  /** The BullMQ queue name: coordinators and workers meet on it. */
  name: string;
}

/** The URL as it may be shown: without user and password. */
export function shownUrl(url: string): string {
  return redactUri(url);
}

/** Refuse anything but redis:// and rediss:// (with a host) before connecting. */
export function parseQueueTarget(url: string | undefined, name: string | undefined, flag = '--queue'): QueueTarget {
  if (!url) throw new InputError('CLI_USAGE', `${flag} needs a Redis URL, e.g. ${flag} redis://127.0.0.1:6379/0`);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InputError('QUEUE_URL', `${flag} ${shownUrl(url)} is not a URL; give redis://HOST:PORT/DB or rediss://HOST:PORT/DB (TLS)`);
  }
  if (!['redis:', 'rediss:'].includes(parsed.protocol) || !parsed.hostname)
    throw new InputError('QUEUE_URL', `${flag} ${shownUrl(url)} is not a Redis URL; give redis://HOST:PORT/DB or rediss://HOST:PORT/DB (TLS)`);
  const db = parsed.pathname.replace(/^\//, '');
  if (db && !/^\d+$/.test(db)) throw new InputError('QUEUE_URL', `${flag} ${shownUrl(url)}: the database after the port must be a number (e.g. /0)`);
  const queueName = name ?? DEFAULT_QUEUE_NAME;
  if (!/^[A-Za-z0-9_.-]+$/.test(queueName))
    throw new InputError('CLI_USAGE', `--queue-name "${queueName}" may hold only letters, digits, ".", "_" and "-"`);
  return { url, name: queueName };
}

/**
 * A client that retries for ever (BullMQ's requirement for its blocking connections): a Redis
 * restart pauses the sweep instead of failing it. The clients made by one `redisClients` report a
 * connection error once per outage through `onError`, with the URL redacted.
 */
export function redisClients(target: QueueTarget, onError?: (message: string) => void): { connect(): Redis; disconnect(): void } {
  const clients: Redis[] = [];
  let reported = false;
  return {
    connect: () => {
      const client = new Redis(target.url, { maxRetriesPerRequest: null, enableReadyCheck: true });
      client.on('error', (error: Error) => {
        if (reported) return;
        reported = true;
        onError?.(`Redis at ${shownUrl(target.url)}: ${redactText(error.message)}; retrying`);
      });
      client.on('ready', () => (reported = false));
      clients.push(client);
      return client;
    },
    disconnect: () => {
      for (const client of clients) client.disconnect();
    },
  };
}

/** Connect once, with no retries: unreachable, refused or too old is bad input (exit 2) naming the URL. */
export async function checkRedis(target: QueueTarget, timeoutMs = 5000): Promise<void> {
  const client = new Redis(target.url, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: timeoutMs, retryStrategy: () => null });
  client.on('error', () => undefined);
  try {
    await client.connect();
    const info = await client.info('server');
    const version = /redis_version:(\d+)\.(\d+)/.exec(info);
    if (version && Number(version[1]) < MIN_REDIS_MAJOR)
      throw new InputError(
        'QUEUE_REDIS_TOO_OLD',
        `Redis at ${shownUrl(target.url)} is ${version[1]}.${version[2]}; the sweep queue needs Redis 6.2 or later (or Valkey)`,
      );
  } catch (error) {
    if (error instanceof InputError) throw error;
    throw new InputError(
      'QUEUE_UNREACHABLE',
      `cannot use Redis at ${shownUrl(target.url)}: ${redactText((error as Error).message)}; start Redis there or fix the URL (redis://HOST:PORT/DB, rediss:// for TLS)`,
    );
  } finally {
    client.disconnect();
  }
}
