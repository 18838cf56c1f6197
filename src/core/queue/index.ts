/** Sweeps across machines: fits as BullMQ jobs on Redis, run by `mlspec worker` anywhere. */
export { checkRedis, DEFAULT_QUEUE_NAME, KEY_PREFIX, parseQueueTarget, redisClients, shownUrl, type QueueTarget } from './connection';
export { contextKey, stopKey, type FitJobData, type FitProgress, type FitReturn, type SweepContext } from './protocol';
export { QueuePool, type QueuePoolOptions } from './queue-pool';
export { startQueueWorker, type QueueWorkerOptions, type RunningWorker } from './queue-worker';
export { formatQueueStatus, queueStatus, type QueueStatus, type SweepCounts } from './status';
