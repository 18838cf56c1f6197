/**
 * `mlspec sweep status --queue redis://…`: per sweep in the queue, its fits queued, running,
 * stalled (active, but its worker stopped renewing the lock: it died and the fit will run again),
 * finished and failed; and the workers connected now.
 */
import { Queue } from 'bullmq';
import { checkRedis, KEY_PREFIX, redisClients, shownUrl, type QueueTarget } from './connection';
import { lockKey, type FitJobData } from './protocol';

export interface SweepCounts {
  sweep: string;
  queued: number;
  running: number;
  stalled: number;
  finished: number;
  failed: number;
}

export interface QueueStatus {
  url: string;
  queue: string;
  workers: string[];
  sweeps: SweepCounts[];
}

const STATES = ['waiting', 'delayed', 'prioritized', 'waiting-children', 'active', 'completed', 'failed'] as const;

export async function queueStatus(target: QueueTarget): Promise<QueueStatus> {
  await checkRedis(target);
  const clients = redisClients(target);
  const redis = clients.connect();
  const connection = clients.connect();
  const queue = new Queue(target.name, { connection, prefix: KEY_PREFIX });
  queue.on('error', () => undefined);
  try {
    const sweeps = new Map<string, SweepCounts>();
    const counts = (sweep: string) => {
      let c = sweeps.get(sweep);
      if (!c) sweeps.set(sweep, (c = { sweep, queued: 0, running: 0, stalled: 0, finished: 0, failed: 0 }));
      return c;
    };
    for (const state of STATES) {
      const jobs = await queue.getJobs(state, 0, -1);
      for (const job of jobs) {
        if (!job) continue;
        const c = counts((job.data as FitJobData).sweep ?? '(unknown)');
        if (state === 'completed') c.finished++;
        else if (state === 'failed') c.failed++;
        else if (state === 'active') {
          if (await redis.exists(lockKey(target.name, job.id!))) c.running++;
          else c.stalled++;
        } else c.queued++;
      }
    }
    // A worker holds more than one connection; each carries the worker's name (host:pid).
    // BullMQ names each connection <prefix>:<queue>:w:<worker name>.
    const names = (await queue.getWorkers()).map((w) => {
      const raw = String(w.rawname ?? '');
      return raw.includes(':w:') ? raw.slice(raw.indexOf(':w:') + 3) : String(w.addr ?? '?');
    });
    const workers = [...new Set(names)];
    return { url: shownUrl(target.url), queue: target.name, workers, sweeps: [...sweeps.values()].sort((a, b) => a.sweep.localeCompare(b.sweep)) };
  } finally {
    await queue.close();
    clients.disconnect();
  }
}

export function formatQueueStatus(status: QueueStatus): string {
  const lines = [`queue "${status.queue}" on ${status.url}: ${status.workers.length} worker${status.workers.length === 1 ? '' : 's'}`];
  if (!status.sweeps.length) return `${lines[0]}; no fits\n`;
  const width = Math.max(5, ...status.sweeps.map((s) => s.sweep.length));
  lines.push(`${'sweep'.padEnd(width)}  queued  running  stalled  finished  failed`);
  for (const s of status.sweeps)
    lines.push(
      `${s.sweep.padEnd(width)}  ${String(s.queued).padStart(6)}  ${String(s.running).padStart(7)}  ${String(s.stalled).padStart(7)}  ${String(s.finished).padStart(8)}  ${String(s.failed).padStart(6)}`,
    );
  return `${lines.join('\n')}\n`;
}
