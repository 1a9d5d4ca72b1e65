/**
 * Which jobs run their splits on `ferry worker` processes: `--workers URL`
 * of `ferry run`, else the job's `setting.workers` (also for workflow nodes
 * and the scheduler). `${env:NAME}` is filled when the run starts; the URL
 * is never printed. The queue's modules (BullMQ, ioredis) load only then.
 */
import { ErrorCodes, FerryError } from '@ferry/core';
import type { ChannelRunner } from '@ferry/core/engine';

/** The job's `setting.workers` as written, or undefined. */
function settingOf(job: unknown): string | undefined {
  const setting = (job as { setting?: { workers?: unknown } } | null)?.setting?.workers;
  if (setting === undefined) return undefined;
  if (typeof setting !== 'string' || setting === '') throw new FerryError(ErrorCodes.CONFIG, 'setting.workers: expected a Redis URL (redis://host:6379 or ${env:NAME})');
  return setting;
}

/**
 * The channel runner for a job that runs on the worker queue (`option`, else
 * `setting.workers`), or undefined (threads). A bad URL or a missing
 * environment variable is a usage error, thrown here.
 */
export async function workersRunner(job: unknown, option?: string, listen?: string): Promise<ChannelRunner | undefined> {
  const raw = option ?? settingOf(job);
  if (raw === undefined) {
    if (listen) throw new FerryError(ErrorCodes.USAGE, '--listen needs --workers URL (or setting.workers in the job)');
    return undefined;
  }
  const { queueRunner, resolveRedisUrl } = await import('@ferry/workers');
  const redis = resolveRedisUrl(raw, option ? '--workers' : 'setting.workers');
  return queueRunner({ redis, ...(listen ? { listen } : {}) });
}

/** For workflow nodes and the scheduler: the worker queue of a job that names one in `setting.workers` (its endpoint on FERRY_WORKERS_LISTEN, default loopback). */
export function nodeChannels(job: unknown): ChannelRunner | undefined {
  if (settingOf(job) === undefined) return undefined;
  return async (input) => {
    const runner = await workersRunner(job, undefined, process.env.FERRY_WORKERS_LISTEN || undefined);
    return runner!(input);
  };
}
