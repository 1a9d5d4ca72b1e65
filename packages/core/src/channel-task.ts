/** What the main thread sends to a channel worker, and what comes back. Plain data only. */
import type { ConvertPlan } from './convert.js';
import type { SerializedError } from './errors.js';
import type { DirtySample } from './run-types.js';
import type { Logger } from './plugin.js';
import type { Counters, SharedState } from './shared-state.js';

export interface ChannelTask {
  splitIndex: number;
  split: unknown;
  /** `spec` is the plugin as the job names it: a process on another host resolves it there (`url` is this host's file). */
  reader: { url: string; spec: string; name: string; config: unknown; settings: Readonly<Record<string, unknown>> };
  writer: { url: string; spec: string; name: string; handle: unknown; settings: Readonly<Record<string, unknown>> };
  sourceSchema: Uint8Array;
  destSchema: Uint8Array | null;
  plan: ConvertPlan;
  shared: SharedState;
  speed: { bytes: number; records: number };
  /**
   * Where `speed` is enforced instead of the shared-memory buckets (channels
   * in several processes): a module whose default export makes a limiter.
   */
  limiter?: LimiterRef;
  /** errorLimit.records, checked in the worker too so the job stops at once. */
  dirtyLimit: number | undefined;
  baseDir: string;
  logFile: string;
  dirtyFile: string;
  sampleLimit: number;
  debug: boolean;
}

export interface ChannelResult {
  splitIndex: number;
  ok: boolean;
  segments: unknown[];
  recordsRead: number;
  recordsWritten: number;
  /** Bytes this split read (runners that do not count them leave it out). */
  bytesRead?: number;
  dirty: number;
  samples: DirtySample[];
  counters: Record<string, number>;
  error?: SerializedError;
}

/** What the engine gives each thread when it starts (piscina's workerData): the job's plugins, loaded before the thread says it is ready. */
export interface WorkerPreload {
  preload?: { url: string; kind: 'reader' | 'writer' }[];
}

/**
 * A task that returns once every one of `threads` threads holds one: sent
 * to each thread before the pool is destroyed, so that no thread is
 * terminated while it still loads modules (the threads start while the job
 * is being planned; a job refused during planning must not end them
 * half-loaded, which could end the process with a signal).
 */
export interface SettleTask {
  settle: SharedArrayBuffer;
  threads: number;
}

/** A rate-limiter module for channels of one job spread over processes (see `LimiterFactory`). */
export interface LimiterRef {
  /** File URL of a module default-exporting a `LimiterFactory`. */
  url: string;
  /** Plain data handed to the factory (where the shared bucket is). */
  options: unknown;
}

/** Reserves `n` units of a job-wide rate and resolves when they may be used. */
export interface ChannelLimiter {
  take(n: number, signal?: AbortSignal): Promise<void>;
}

/** What a limiter module default-exports: one limiter per kind (`records`, `bytes`) at `rate` units/s. */
export type LimiterFactory = (options: unknown, kind: 'records' | 'bytes', rate: number) => ChannelLimiter | Promise<ChannelLimiter>;

/** The task every split of a run gets; `split` and `splitIndex` are added per split. */
export type ChannelBase = Omit<ChannelTask, 'split' | 'splitIndex'>;

/** What a channel runner (`RunOptions.channels`) is given. */
export interface ChannelRunnerInput {
  runId: string;
  runDir: string;
  splits: unknown[];
  base: ChannelBase;
  /** The run's counters: the runner adds what its channels did, so progress and limits see it. */
  counters: Counters;
  /** Aborts when the run is cancelled. */
  signal: AbortSignal;
  log: Logger;
}

/**
 * Runs a run's splits somewhere else than this process's worker threads
 * (`ferry worker` processes): resolves to one result per split, in any
 * order; the engine commits or aborts as it does for its own channels.
 */
export type ChannelRunner = (input: ChannelRunnerInput) => Promise<ChannelResult[]>;
