/** `ferry workers`: the worker processes connected to a queue, what they run, and the queue's counts. */
import { Queue } from 'bullmq';
import { keys, PREFIX, QUEUE } from './protocol.js';
import { connectRedis, redisClient } from './redis.js';

export interface WorkerInfo {
  name: string;
  host: string;
  pid: number;
  concurrency: number;
  started: string;
  /** Splits running now: run id, split index, attempt id, records read so far. */
  running: { run: string; split: number; attempt: string; records: number }[];
  splitsDone: number;
  recordsRead: number;
  recordsPerSecond: number;
  seen: string;
}

export interface QueueStatus {
  workers: WorkerInfo[];
  /** Splits by queue state (waiting, active, delayed, failed). */
  splits: Record<string, number>;
}

/** Reads the worker registry and the queue's counts at `url`. */
export async function queueStatus(url: string): Promise<QueueStatus> {
  const redis = await connectRedis(url, { name: 'ferry-status' });
  const conn = redisClient(url, { name: 'ferry-status-queue' });
  const queue = new Queue(QUEUE, { connection: conn, prefix: PREFIX });
  // Failures surface through the calls that fail; an 'error' event without a listener would end the process.
  queue.on('error', () => {});
  try {
    const workers: WorkerInfo[] = [];
    let cursor = '0';
    do {
      const [next, found] = await redis.scan(cursor, 'MATCH', keys.workerPattern, 'COUNT', 100);
      cursor = next;
      for (const key of found) {
        const h = await redis.hgetall(key);
        if (!h.name) continue;
        workers.push({
          name: h.name,
          host: h.host ?? '',
          pid: Number(h.pid),
          concurrency: Number(h.concurrency),
          started: h.started ?? '',
          running: JSON.parse(h.running ?? '[]') as WorkerInfo['running'],
          splitsDone: Number(h.splitsDone ?? 0),
          recordsRead: Number(h.recordsRead ?? 0),
          recordsPerSecond: Number(h.recordsPerSecond ?? 0),
          seen: h.seen ?? '',
        });
      }
    } while (cursor !== '0');
    workers.sort((a, b) => a.name.localeCompare(b.name));
    const splits = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
    return { workers, splits };
  } finally {
    await queue.close().catch(() => {});
    conn.disconnect();
    redis.disconnect();
  }
}
