/**
 * What the coordinator and `ferry worker` processes say to each other: the
 * BullMQ job's data (one per split), Redis key names, and the bodies of the
 * coordinator's HTTP endpoint (progress, results).
 */
import type { ChannelBase, ChannelResult } from '@ferry/core/engine';

/** The BullMQ queue every coordinator adds to and every worker takes from. */
export const QUEUE = 'ferry-splits';
/**
 * Prefix of every Redis key ferry keeps (BullMQ's included): FERRY_WORKERS_PREFIX,
 * default `ferry`. Coordinators and workers with another prefix share a Redis
 * without seeing each other (separate environments, tests).
 */
export const PREFIX = prefixFromEnv();

function prefixFromEnv(): string {
  const p = process.env.FERRY_WORKERS_PREFIX || 'ferry';
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(p)) throw new Error(`FERRY_WORKERS_PREFIX=${p}: use letters, digits, '.', '_' and '-' (at most 64)`);
  return p;
}

export const keys = {
  /** Exists (with a TTL the coordinator keeps refreshing) while the run's coordinator is alive. */
  run: (runId: string) => `${PREFIX}:run:${runId}`,
  /** Every run that added jobs: the next coordinator removes the waiting jobs of dead ones. */
  runs: `${PREFIX}:runs`,
  /** The job-wide rate bucket (GCRA: the theoretical arrival time, µs). */
  rate: (runId: string, kind: string) => `${PREFIX}:rate:${runId}:${kind}`,
  /** One hash per live worker process (TTL), for `ferry workers`. */
  worker: (name: string) => `${PREFIX}:worker:${name}`,
  workerPattern: `${PREFIX}:worker:*`,
};

/** Seconds a run's liveness key lives without a refresh (the coordinator refreshes it every third of that). */
export const RUN_TTL_S = 15;
/** Seconds a worker's registry entry lives without a refresh. */
export const WORKER_TTL_S = 10;

/** The data of one BullMQ job: one split of one run. */
export interface SplitJobData {
  runId: string;
  /** The coordinator's endpoint, e.g. http://10.0.0.5:7070/runs/<runId>. */
  endpoint: string;
  /** The run's secret: every request to the endpoint carries it. */
  token: string;
  splitIndex: number;
  split: unknown;
  /** The channel task without the per-process parts (shared memory, log and dirty files, baseDir); the schemas as base64 (job data is JSON). */
  base: Omit<ChannelBase, 'shared' | 'logFile' | 'dirtyFile' | 'baseDir' | 'sourceSchema' | 'destSchema'> & { sourceSchema: string; destSchema: string | null };
  /** The table writer's store, when its handle is one: relative marker file a worker with --shared-store checks for. */
  storeMarker?: string;
}

/** A worker's live counters for one attempt at a split. */
export interface ProgressReport {
  splitIndex: number;
  attempt: string;
  worker: string;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  dirty: number;
}

/** The coordinator's answer to a progress report. */
export interface ProgressReply {
  /** The run is over (failed, cancelled, errorLimit passed): stop the split. */
  stop: boolean;
}

/** A finished attempt. */
export interface ResultReport {
  splitIndex: number;
  attempt: string;
  worker: string;
  /** The queue's count of tries at this split, this one included (more than 1: a worker before stalled or died). */
  try: number;
  result: ChannelResult;
  /** Bytes the attempt read (the result has records only). */
  bytesRead: number;
}

/** The coordinator's answer to a result. */
export interface ResultReply {
  /** False when another attempt at the split was taken first (its files are deleted at the commit). */
  accepted: boolean;
}

/** An attempt id: lowercase letters and digits, unique per try at a split. */
export const ATTEMPT_RE = /^[a-z0-9]{1,32}$/;
