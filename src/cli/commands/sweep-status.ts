/** `mlspec sweep status --queue redis://…`: fits queued, running, stalled, finished and failed per sweep. */
import { sweepStatusCommand as showStatus } from '../../core/queue/commands';
import { defineCommand } from '../command';
import { QUEUE_FLAGS } from './worker';

export const sweepStatusCommand = defineCommand({
  name: 'sweep status',
  summary: 'fits queued, running, stalled, finished and failed per sweep on a queue',
  args: '',
  positionals: { min: 0, max: 0 },
  flags: QUEUE_FLAGS,
  example: 'mlspec sweep status --queue redis://127.0.0.1:6379/0',
  inject: [],
  create:
    () =>
    ({ flags }) =>
      showStatus({ queue: flags.queue, queueName: flags['queue-name'] }, (text) => process.stdout.write(text)),
});
