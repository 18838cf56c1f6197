/**
 * The queue's command entries, typed and free of argument parsing (src/cli/commands maps its flags here):
 * `mlspec worker` and `mlspec sweep status`. `mlspec run --queue` goes through sweepCommand.
 */
import { BACKEND_CHOICES, type BackendChoice } from '../backend';
import { EXIT_OK, InputError } from '../errors';
import type { Logger } from '../plugin';
import { parseQueueTarget } from './connection';
import { startQueueWorker } from './queue-worker';
import { formatQueueStatus, queueStatus } from './status';

export interface WorkerFlags {
  queue?: string;
  queueName?: string;
  concurrency?: string;
  backend?: string;
  dir?: string;
  stallSeconds?: string;
}

function positive(name: string, value: string | undefined, whole: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (whole && !Number.isInteger(n)))
    throw new InputError('CLI_USAGE', `--${name} takes a ${whole ? 'whole number, 1 or more' : 'number of seconds above 0'}; got "${value}"`);
  return n;
}

/**
 * Serve the queue until SIGINT/SIGTERM: the first lets running fits finish, a second exits at once
 * (the fits then count as stalled and run again on another worker).
 */
export async function workerCommand(flags: WorkerFlags, logger: Logger): Promise<number> {
  const target = parseQueueTarget(flags.queue, flags.queueName);
  const concurrency = positive('concurrency', flags.concurrency, true);
  const stallSeconds = positive('stall-seconds', flags.stallSeconds, false);
  if (flags.backend !== undefined && !(BACKEND_CHOICES as readonly string[]).includes(flags.backend))
    throw new InputError('CLI_USAGE', `--backend takes one of ${BACKEND_CHOICES.join(', ')}; got "${flags.backend}"`);
  const worker = await startQueueWorker({
    target,
    logger,
    ...(concurrency ? { concurrency } : {}),
    ...(stallSeconds ? { stallSeconds } : {}),
    ...(flags.backend ? { backend: flags.backend as BackendChoice } : {}),
    ...(flags.dir ? { dir: flags.dir } : {}),
  });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const onSignal = () => {
      if (stopping) process.exit(130);
      stopping = true;
      logger.info(`worker ${worker.id}: finishing its running fits, then exiting (again to stop now: they rerun elsewhere)`);
      void worker.close().then(resolve);
      // With nothing running there is nothing to wait for, even when Redis is gone.
      if (worker.running === 0) setTimeout(() => process.exit(EXIT_OK), 5000).unref();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
  return EXIT_OK;
}

export async function sweepStatusCommand(flags: { queue?: string; queueName?: string }, write: (text: string) => void): Promise<number> {
  const target = parseQueueTarget(flags.queue, flags.queueName);
  write(formatQueueStatus(await queueStatus(target)));
  return EXIT_OK;
}
