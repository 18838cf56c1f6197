/**
 * A sweep worker process (forked by the coordinator with an IPC channel): it loads the frozen plan
 * and spec from the state folder and the data once, picks its own TensorFlow.js backend, then runs
 * jobs one at a time as they arrive, streaming their per-epoch metrics back. It never writes
 * tracking or state: the coordinator is the only writer, so a crash leaves nothing half-logged.
 *
 * Ctrl-C in a terminal (or a SIGTERM to the process group) reaches every process of the group;
 * the worker ignores it and lets the coordinator end the sweep (and its MLflow runs) in order —
 * a worker that died first would have its job recorded as failed. When the coordinator dies, the
 * IPC channel closes and the worker exits.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createContainer, services } from '../container';
import type { Logger } from '../plugin';
import { readFrozenPlan } from '../plan';
import { ExperimentRunner } from '../run/runner';
import { JobRunner } from './job-runner';
import { toFailure, type FromWorker, type ToWorker } from './protocol';
import type { StopOrder } from './job-runner';
import { SPEC_COPY_FILE } from './state';

function send(message: FromWorker): void {
  process.send?.(message);
}

const ipcLogger: Logger = {
  info: (message) => send({ type: 'log', level: 'info', message }),
  warn: (message) => send({ type: 'log', level: 'warn', message }),
  debug: (message) => send({ type: 'log', level: 'debug', message }),
};

export function startWorker(): void {
  let jobs: JobRunner | undefined;
  let stop: { job: string; order?: StopOrder } | undefined;
  let queue = Promise.resolve();

  process.on('SIGINT', () => undefined);
  process.on('SIGTERM', () => undefined);
  process.on('disconnect', () => process.exit(0));

  const handle = async (message: ToWorker): Promise<void> => {
    switch (message.type) {
      case 'init': {
        try {
          if (message.recurrentThreads !== undefined) {
            const { setFusedRnnThreads } = await import('../kernels/fused-rnn');
            setFusedRnnThreads(message.recurrentThreads);
          }
          const container = createContainer({ logger: ipcLogger });
          const { registry, validator } = services(container);
          const plan = readFrozenPlan(message.stateDir);
          const specText = readFileSync(path.join(message.stateDir, SPEC_COPY_FILE), 'utf8');
          const runner = new ExperimentRunner(registry, ipcLogger, false);
          jobs = await JobRunner.open({ plan, specFile: message.specFile, specText, registry, validator, runner, logger: ipcLogger });
          send({ type: 'ready', backend: jobs.backend });
        } catch (error) {
          send({ type: 'init-failed', error: toFailure(error) });
        }
        return;
      }
      case 'job': {
        const { job } = message;
        stop = { job: job.key };
        try {
          if (!jobs) throw new Error('the worker was given a job before it was initialised');
          const outcome = await jobs.run(
            job,
            {
              metric: (key, value, step) => send({ type: 'metric', job: job.key, key, value, step }),
              stop: () => (stop?.job === job.key ? stop.order : undefined),
            },
            message.spec,
          );
          send({ type: 'done', job: job.key, outcome });
        } catch (error) {
          send({ type: 'failed', job: job.key, error: toFailure(error) });
        }
        return;
      }
      case 'stop':
        process.exit(0);
    }
  };

  process.on('message', (message: ToWorker) => {
    // Stop orders reach the running job at once (between its batches); everything else in order.
    if (message.type === 'stop-job') {
      if (stop?.job === message.job) stop.order = message.order;
      return;
    }
    queue = queue.then(() => handle(message));
  });
}

if (require.main === module) startWorker();
