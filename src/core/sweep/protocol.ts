/** Messages between the sweep coordinator and its worker processes (Node IPC, JSON). */
import type { ExperimentSpec } from '../spec/validate';
import type { StopOrder } from './job-runner';
import type { Job, JobFailure, JobOutcome } from './types';

export type ToWorker =
  /** Load the frozen plan and spec from the state folder, the data, the backend. */
  | {
      type: 'init';
      stateDir: string;
      specFile: string;
      /** Threads of the fused recurrent kernels in this worker, decided once by the coordinator. */ recurrentThreads?: number;
    }
  /** `spec`: the trial's resolved spec when the frozen plan does not hold it (adaptive search). */
  | { type: 'job'; job: Job; spec?: ExperimentSpec }
  /** Stop the running job at this epoch (the coordinator's pruning decision). */
  | { type: 'stop-job'; job: string; order: StopOrder }
  | { type: 'stop' };

export type FromWorker =
  | { type: 'ready'; backend?: string }
  | { type: 'init-failed'; error: JobFailure }
  | { type: 'metric'; job: string; key: string; value: number; step?: number }
  | { type: 'done'; job: string; outcome: JobOutcome }
  | { type: 'failed'; job: string; error: JobFailure }
  | { type: 'log'; level: 'info' | 'warn' | 'debug'; message: string };

/** An error as a job failure: its code when mlspec raised it on purpose, the message without a stack. */
export function toFailure(error: unknown): JobFailure {
  const e = error as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' && /^[A-Z][A-Z0-9_]*$/.test(e.code) ? e.code : 'ERROR';
  const message = error instanceof Error ? error.message : String(error);
  return { code, message };
}
