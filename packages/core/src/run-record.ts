/**
 * What a run keeps in its folder, so that a failed, cancelled or killed run
 * can be listed (`ferry runs`) and resumed (`runJob(job, { resume })`):
 *
 * - `resume.json`: who the run is (job, destination, identity hashes), its
 *   plan (the splits, or their hash when they name a secret), the writer's
 *   handle; written durably before any channel starts.
 * - `done.jsonl`: one line per finished split with its staged segments and
 *   counts, appended and fsynced as each split finishes (so it survives
 *   kill -9 and power loss).
 * - `result.json`: the run's RunResult, saved when it ends. None: still running, or killed.
 * - `resumed.json`: the run that took this one's staged data over.
 *
 * Core writes and reads these; it never looks inside the handle or the
 * segments (the writer's).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, closeSync, fsyncSync, openSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from './errors.js';
import { ownerAlive, type ProcIdentity } from './process-identity.js';
import type { RunResult } from './run-types.js';

export const RESUME_FILE = 'resume.json';
export const DONE_FILE = 'done.jsonl';
export const RESULT_FILE = 'result.json';
export const RESUMED_FILE = 'resumed.json';

/** Who a run is and what it planned: enough to run its unfinished splits later. */
export interface ResumeRecord {
  version: 1;
  runId: string;
  /** The job's identity (the CLI: its file relative to the workspace). */
  job: string;
  /** The job file, for people. */
  source?: string;
  /** Hash of the writer, its settings and its config: "the same destination". */
  destination: string;
  /** Hashes of the job (after substitution), of each parameter, and of the plugins' settings. */
  identity: { job: string; params: Record<string, string>; settings: string };
  /** Hash of the schemas and the convert plan. */
  plan: string;
  pid: number;
  proc?: ProcIdentity;
  startedAt: string;
  reader: string;
  writer: string;
  splitsTotal: number;
  splitsHash: string;
  /** The splits themselves, when they hold no secret; else the resume plans them again and compares the hash. */
  splits?: unknown[];
  /** The writer's handle (prepare's, or adopt's). */
  handle: unknown;
  /** Incremental readers: the state the run started from and the one it commits. */
  state?: { base: unknown; value: unknown; range: string };
  /** The run whose staged data this one took over. */
  resumedFrom?: string;
  /** Why this run's staged data is not kept for a resume (the reader cannot read its splits again the same way, ...). */
  notResumable?: string;
}

/** One finished split. */
export interface DoneSplit {
  split: number;
  segments: unknown[];
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  dirty: number;
  counters: Record<string, number>;
}

/** How a run ended, from its `result.json` (the RunResult the engine saves at the end of every run). */
export interface RunEnd {
  status: 'succeeded' | 'failed' | 'cancelled';
  startedAt: string;
  endedAt: string;
  recordsRead: number;
  recordsWritten: number;
  dirtyRecords: number;
  error?: { code: string; message: string };
  /** The writer kept the staged data of the finished splits for a resume. */
  kept?: boolean;
}

export type RunStatus = RunEnd['status'] | 'running' | 'killed';

/** A run folder, as read back. */
export interface RunRecord {
  runId: string;
  dir: string;
  status: RunStatus;
  startedAt?: string;
  resume?: ResumeRecord;
  done: DoneSplit[];
  end?: RunEnd;
  /** The run that resumed this one. */
  resumedBy?: string;
}

/** sha256 of a value's JSON with object keys sorted (so key order does not change it). */
export function hashOf(value: unknown): string {
  return createHash('sha256').update(stableJson(value)).digest('hex');
}

function stableJson(v: unknown): string {
  if (v === undefined) return 'null';
  if (v === null || typeof v !== 'object') return JSON.stringify(typeof v === 'bigint' ? String(v) : v) ?? 'null';
  if (ArrayBuffer.isView(v)) return JSON.stringify(Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64'));
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  const keys = Object.keys(v)
    .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
}

function fsyncPath(path: string, flags = 'r'): void {
  const fd = openSync(path, flags);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Writes a JSON file whole or not at all (temp file, fsync, rename, fsync of the folder). */
export function writeJsonDurable(dir: string, name: string, value: unknown): void {
  const tmp = join(dir, `.${name}.tmp`);
  writeFileSync(tmp, JSON.stringify(value, null, 1) + '\n', { mode: 0o600 });
  fsyncPath(tmp, 'r+');
  renameSync(tmp, join(dir, name));
  fsyncPath(dir);
}

/** Appends one line and fsyncs it before returning. */
export function appendLineDurable(dir: string, name: string, value: unknown): void {
  const path = join(dir, name);
  appendFileSync(path, JSON.stringify(value) + '\n', { mode: 0o600 });
  fsyncPath(path, 'r+');
}

function readJson<T>(path: string): T | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The finished splits of a run (a torn last line, from a crash mid-append, is ignored). */
export function readDone(dir: string): DoneSplit[] {
  let text: string;
  try {
    text = readFileSync(join(dir, DONE_FILE), 'utf8');
  } catch {
    return [];
  }
  const bySplit = new Map<number, DoneSplit>();
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const d = JSON.parse(line) as DoneSplit;
      bySplit.set(d.split, d);
    } catch {
      // torn write: that split is run again
    }
  }
  return [...bySplit.values()].sort((a, b) => a.split - b.split);
}

function endOf(r: RunResult | undefined): RunEnd | undefined {
  if (!r || typeof r.status !== 'string') return undefined;
  return {
    status: r.status === 'succeeded' ? 'succeeded' : r.error?.code === ErrorCodes.ABORTED ? 'cancelled' : 'failed',
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    recordsRead: r.recordsRead,
    recordsWritten: r.recordsWritten,
    dirtyRecords: r.dirtyRecords,
    ...(r.error ? { error: { code: r.error.code, message: r.error.message } } : {}),
    ...(r.kept ? { kept: true } : {}),
  };
}

/** Reads a run folder; undefined when it holds no run record (a run that failed before its writer was prepared has only `result.json`). */
export function readRunRecord(dir: string, runId: string): RunRecord | undefined {
  const resume = readJson<ResumeRecord>(join(dir, RESUME_FILE));
  const end = endOf(readJson<RunResult>(join(dir, RESULT_FILE)));
  if (!resume && !end) return undefined;
  const resumedBy = readJson<{ by: string }>(join(dir, RESUMED_FILE))?.by;
  const status: RunStatus = end ? end.status : resume && ownerAlive(resume.pid, resume.proc) ? 'running' : 'killed';
  return { runId, dir, status, startedAt: resume?.startedAt ?? end?.startedAt, resume, done: readDone(dir), ...(end ? { end } : {}), ...(resumedBy ? { resumedBy } : {}) };
}

/** Every run under `runsDir`, newest first (run ids start with their start time). */
export function listRunRecords(runsDir: string): RunRecord[] {
  let names: string[];
  try {
    names = readdirSync(runsDir);
  } catch {
    return [];
  }
  const out: RunRecord[] = [];
  for (const name of names) {
    const r = readRunRecord(join(runsDir, name), name);
    if (r) out.push(r);
  }
  // Run ids hold the second they started; two runs in one second are told apart by the recorded time.
  return out.sort((a, b) => (b.startedAt ?? '').localeCompare(a.startedAt ?? '') || b.runId.localeCompare(a.runId));
}

/**
 * Why a run cannot be resumed, as far as its folder tells (the writer may
 * know more: its staged files gone, the destination written since), or
 * undefined when it can.
 */
export function notResumable(r: RunRecord): string | undefined {
  if (r.status === 'succeeded') return 'it succeeded';
  if (r.status === 'running') return `it is still running (pid ${r.resume?.pid})`;
  if (r.resumedBy) return `run ${r.resumedBy} resumed it`;
  if (!r.resume) return 'it failed before its destination was prepared: nothing was staged';
  if (r.resume.notResumable) return r.resume.notResumable;
  if (r.end && !r.end.kept) return 'its staged data was not kept (the writer cannot keep it, or it was started without keeping)';
  if (r.done.length === 0) return 'no split had finished: nothing was kept';
  return undefined;
}
