/** `mlspec worker --queue redis://…`: run sweep fits from the queue (core/queue/queue-worker.ts). */
import { TOKENS } from '../../core/container';
import type { Logger } from '../../core/plugin';
import { workerCommand as runWorker } from '../../core/queue/commands';
import { defineCommand, QUIET_FLAG } from '../command';

export const QUEUE_FLAGS = {
  queue: { type: 'string', value: 'URL', help: 'the Redis of the sweep queue: redis://[:PASSWORD@]HOST:PORT/DB, rediss:// for TLS' },
  'queue-name': { type: 'string', value: 'NAME', help: 'the queue coordinators and workers meet on (default sweeps)' },
} as const;

export const workerCommand = defineCommand({
  name: 'worker',
  summary: 'run sweep fits from a Redis queue (any number, on any machine)',
  args: '',
  positionals: { min: 0, max: 0 },
  flags: {
    ...QUEUE_FLAGS,
    concurrency: { type: 'string', value: 'N', help: 'fits this process runs at once (default 1)' },
    backend: { type: 'string', value: 'B', help: "backend for models that need one, instead of each spec's (auto, tensorflow, wasm, cpu, …)" },
    dir: { type: 'string', value: 'DIR', help: 'the folder spec and data paths resolve against (default the current one)' },
    'stall-seconds': { type: 'string', value: 'S', help: "seconds before a silent worker's fit runs elsewhere (default 30)" },
    quiet: QUIET_FLAG,
  },
  example: 'mlspec worker --queue redis://:PASSWORD@redis-host:6379/0',
  details:
    'Run it in a checkout holding the same data files as the coordinator. Ctrl-C lets the running fits\nfinish; a second Ctrl-C stops at once (the fits then run again on another worker).',
  inject: [TOKENS.logger],
  create:
    (logger: Logger) =>
    ({ flags }) =>
      runWorker(
        {
          queue: flags.queue,
          queueName: flags['queue-name'],
          concurrency: flags.concurrency,
          backend: flags.backend,
          dir: flags.dir,
          stallSeconds: flags['stall-seconds'],
        },
        logger,
      ),
});
