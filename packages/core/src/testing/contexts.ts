/**
 * Plugin contexts for tests, as the engine builds them: a logger that keeps
 * its lines, counters and dirty records that are collected, a signal the
 * test controls.
 */
import { tmpdir } from 'node:os';
import type { ChannelContext, JobContext, Logger } from '../plugin.js';

/** A logger that keeps what it was told. */
export interface MemoryLogger extends Logger {
  lines: { level: 'info' | 'warn' | 'debug'; message: string }[];
}

/** A logger that keeps its lines in `lines`. */
export function memoryLogger(): MemoryLogger {
  const lines: MemoryLogger['lines'] = [];
  return {
    lines,
    info: (message) => void lines.push({ level: 'info', message }),
    warn: (message) => void lines.push({ level: 'warn', message }),
    debug: (message) => void lines.push({ level: 'debug', message }),
  };
}

/** Overrides for the context factories. */
export interface ContextOptions {
  signal?: AbortSignal;
  log?: Logger;
  params?: Record<string, string>;
  /** What the embedder gives the plugin (`ctx.settings`). */
  settings?: Record<string, unknown>;
  /** Folder relative paths in a config resolve against; default the current folder. */
  baseDir?: string;
  runDir?: string;
}

/** A main-thread context (schema, split, prepare, commit, abort, check). */
export function jobContext(opts: ContextOptions = {}): JobContext {
  return {
    log: opts.log ?? memoryLogger(),
    signal: opts.signal ?? new AbortController().signal,
    params: opts.params ?? {},
    settings: opts.settings ?? {},
    baseDir: opts.baseDir ?? process.cwd(),
    runDir: opts.runDir ?? tmpdir(),
  };
}

/** A channel context plus what it collected: counters and dirty records. */
export interface CollectingChannelContext extends ChannelContext {
  counters: Record<string, number>;
  dirtyRecords: { value: unknown; reason: string }[];
}

/** A worker-side context (read, open) for split `splitIndex`. */
export function channelContext(splitIndex = 0, opts: ContextOptions = {}): CollectingChannelContext {
  const counters: Record<string, number> = {};
  const dirtyRecords: { value: unknown; reason: string }[] = [];
  return {
    log: opts.log ?? memoryLogger(),
    signal: opts.signal ?? new AbortController().signal,
    splitIndex,
    settings: opts.settings ?? {},
    baseDir: opts.baseDir ?? process.cwd(),
    counters,
    dirtyRecords,
    count: (name, n) => void (counters[name] = (counters[name] ?? 0) + n),
    dirty: (value, reason) => void dirtyRecords.push({ value, reason }),
  };
}
