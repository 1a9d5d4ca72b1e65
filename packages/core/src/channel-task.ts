/** What the main thread sends to a channel worker, and what comes back. Plain data only. */
import type { ConvertPlan } from './convert.js';
import type { SerializedError } from './errors.js';
import type { DirtySample } from './run-types.js';
import type { SharedState } from './shared-state.js';

export interface ChannelTask {
  splitIndex: number;
  split: unknown;
  reader: { url: string; name: string; config: unknown; settings: Readonly<Record<string, unknown>> };
  writer: { url: string; name: string; handle: unknown; settings: Readonly<Record<string, unknown>> };
  sourceSchema: Uint8Array;
  destSchema: Uint8Array | null;
  plan: ConvertPlan;
  shared: SharedState;
  speed: { bytes: number; records: number };
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
  dirty: number;
  samples: DirtySample[];
  counters: Record<string, number>;
  error?: SerializedError;
}

/** What the engine gives each thread when it starts (piscina's workerData): the job's plugins, loaded before the thread says it is ready. */
export interface WorkerPreload {
  preload?: { url: string; kind: 'reader' | 'writer' }[];
}
