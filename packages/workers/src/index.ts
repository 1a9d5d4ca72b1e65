/**
 * `@ferry/workers`: a job's splits as BullMQ jobs on Redis. `queueRunner`
 * is the coordinator's channel runner for core's engine (`RunOptions.channels`);
 * `runWorker` is the `ferry worker` process; `queueStatus` is `ferry workers`.
 */
export { queueRunner, cleanDeadRuns, type QueueRunnerOptions } from './coordinator.js';
export { runWorker, type WorkerOptions } from './worker.js';
export { queueStatus, type QueueStatus, type WorkerInfo } from './status.js';
export { resolveRedisUrl, connectRedis, displayUrl } from './redis.js';
export { stagedPath, type StagingPlace } from './upload-server.js';
export { GCRA_SCRIPT, redisLimiter } from './limiter.js';
export { QUEUE, PREFIX } from './protocol.js';
