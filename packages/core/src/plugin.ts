/**
 * The plugin contract. A reader turns a config into a schema and splits (main
 * thread), then each split into RecordBatches (worker). A writer prepares a
 * serializable handle (main thread), writes batches into staged segments
 * (worker), then commits or aborts them all at once (main thread).
 */
import type { RecordBatch, Schema as ArrowSchema } from 'apache-arrow';
import type { Schema } from './config-schema.js';
import type { RowSource } from './row-source.js';

/** How plugins log; they never import a logger. */
export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  debug(message: string): void;
}

/** Context of the hooks that run on the main thread. */
export interface JobContext {
  log: Logger;
  signal: AbortSignal;
  /** The job's parameters after substitution (bizdate, ...). */
  params: Record<string, string>;
  /**
   * What whoever embeds the engine gives this plugin, outside the job file
   * (the CLI gives the `table` writer its store folder and project). Empty
   * when it gives nothing. Core never reads it.
   */
  settings: Readonly<Record<string, unknown>>;
  /** The folder of the job file: relative paths in configs resolve against it. */
  baseDir: string;
  /** The folder that holds this run's log and dirty records. */
  runDir: string;
}

/** Context of the hooks that run in a channel's worker. */
export interface ChannelContext {
  log: Logger;
  signal: AbortSignal;
  /** Index of the split this task handles. */
  splitIndex: number;
  /** Counts something the run summary reports (e.g. `invalidBytes`). */
  count(name: string, n: number): void;
  /**
   * Sets aside one malformed source record (a line with too few fields, a
   * line over the size limit) as a dirty record; it counts against the job's
   * errorLimit like a failed cast. Do not also emit it in a batch.
   */
  dirty(value: unknown, reason: string, source?: RowSource): void;
  /** The embedder's settings for this plugin, as in JobContext. */
  settings: Readonly<Record<string, unknown>>;
  /** The folder of the job file: relative paths in configs resolve against it. */
  baseDir: string;
}

/** What `check` reports: the connectivity test of `ferry datasource test`. */
export interface CheckReport {
  ok: boolean;
  /** One line: what was reached, or why not. */
  message: string;
  details?: Record<string, string | number | boolean>;
}

/**
 * What a reader's `baseline` hook read: the same data as the job, taken as
 * plainly as the source allows (no parsing, no Arrow). `ferry bench` times
 * the call and shows each channel setting as a ratio to it.
 */
export interface BaselineResult {
  /** One line: how it was read (`one connection, the job's SELECTs, rows counted not decoded`). */
  method: string;
  /** Rows read, when the plain read knows them. */
  records?: number;
  /** Bytes taken from the source. */
  bytes: number;
}

export interface ReaderPlugin<C = any, S = any> {
  readonly kind: 'reader';
  /** Short name used in job files (`mysql`, `httpfile`). */
  readonly name: string;
  /** One line for `ferry plugin list`. */
  readonly description?: string;
  /** The config's schema (the `plugin` key is removed before validation). */
  readonly config: Schema<C>;
  /** The source schema: one Arrow field per column the reader emits, in order. */
  schema(config: C, ctx: JobContext): Promise<ArrowSchema> | ArrowSchema;
  /** Cuts the work into independent, serializable splits; `advice` is the channel count. */
  split(config: C, ctx: JobContext & { advice: number }): Promise<S[]> | S[];
  /** Reads one split (in a worker). Batches are produced only when asked for: that is the backpressure. */
  read(split: S, ctx: ChannelContext & { config: C; schema: ArrowSchema }): AsyncIterable<RecordBatch>;
  /** Connectivity test. */
  check?(config: C, ctx: JobContext): Promise<CheckReport>;
  /** The source's own ceiling for `ferry bench`: the fastest plain read of the same data, on the main thread; honours ctx.signal. */
  baseline?(config: C, ctx: JobContext): Promise<BaselineResult>;
  /**
   * How many records the splits will give, when the reader knows up front
   * (a row count, a table estimate). Optional: it only adds % and ETA to
   * progress lines; a failure here is ignored.
   */
  estimateRecords?(config: C, ctx: JobContext & { splits: S[] }): Promise<number | undefined> | number | undefined;
}

/** A writer's per-channel sink (in a worker). */
export interface ChannelWriter<G = unknown> {
  write(batch: RecordBatch): Promise<void> | void;
  /** Flushes and returns the staged segments (serializable). */
  close(): Promise<G[]> | G[];
  /** Drops what this channel staged (on failure). */
  abort?(): Promise<void> | void;
}

export interface WriterPlugin<C = any, H = any, G = any> {
  readonly kind: 'writer';
  readonly name: string;
  readonly description?: string;
  readonly config: Schema<C>;
  /** The destination schema: its types drive the convert step; null takes the source schema as it is. */
  schema(config: C, ctx: JobContext): Promise<ArrowSchema | null> | ArrowSchema | null;
  /** Prepares a write (locks, staging area); the handle is sent to workers. */
  prepare(config: C, ctx: JobContext & { schema: ArrowSchema }): Promise<H> | H;
  /** Opens a sink for one split (in a worker). */
  open(handle: H, ctx: ChannelContext): Promise<ChannelWriter<G>> | ChannelWriter<G>;
  /** Publishes every segment at once. Returns optional figures for the summary. */
  commit(handle: H, segments: G[], ctx: JobContext): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Drops the staged segments; the destination stays as it was. */
  abort(handle: H, segments: G[], ctx: JobContext): Promise<void> | void;
}

export type Plugin = ReaderPlugin | WriterPlugin;

/** Declares a reader plugin (a module's default export). */
export function defineReader<C, S>(plugin: Omit<ReaderPlugin<C, S>, 'kind'>): ReaderPlugin<C, S> {
  return { kind: 'reader', ...plugin };
}

/** Declares a writer plugin (a module's default export). */
export function defineWriter<C, H, G>(plugin: Omit<WriterPlugin<C, H, G>, 'kind'>): WriterPlugin<C, H, G> {
  return { kind: 'writer', ...plugin };
}
