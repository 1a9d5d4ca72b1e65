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
  /**
   * True when whoever calls the sink's `write` gives up each batch it passes
   * (the engine does): a writer may then hand a batch's memory back for
   * reuse (`recycleColumns`) once it is done with it. Unset for callers that
   * keep their batches (`@ferry/core/testing`'s drivers, embedders).
   */
  batchesHandedOver?: boolean;
}

/**
 * Saved incremental state, as the engine hands it around. Core never reads
 * the values: the reader makes and reads them, the writer keeps them (in the
 * same transaction as its commit, so a failed run leaves them as they were).
 */
export interface StateRef {
  /** Who the state belongs to: the job (its name or file), as the embedder names it. */
  job: string;
  /** The reader's part of the key (`reader.stateKey(config)`, e.g. `mysql:db.orders:updated_at`). */
  reader: string;
  /** The writer's config as written in the job file, before `${...}` substitution (a partition pattern stays `dt=${bizdate}`). */
  template: unknown;
}

/** What `split` gets when the reader declared a state key (see `ReaderPlugin.stateKey`). */
export interface ReaderStateContext {
  /** The value saved by the last successful run; undefined on the first run or with a full refresh. */
  saved: unknown;
  /** True when the user asked to ignore the saved value (`ferry run --full-refresh`). */
  fullRefresh: boolean;
  /**
   * Sets the value to save when this run commits, and a one-line text of the
   * range read (`updated_at > '2024-06-01 00:00:00' AND <= '2024-06-02 10:00:00'`) for the summary.
   */
  save(value: unknown, range: string): void;
}

/** The state a run commits, as the writer's commit gets it. */
export interface CommitState extends StateRef {
  value: unknown;
  /** The range read, for the record. */
  range: string;
  /** The run that saved it. */
  runId: string;
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
  /**
   * Incremental readers: the reader's part of the state key when this config
   * reads incrementally (it names the source and the cursor), else undefined.
   * When it returns a key, `split` gets `ctx.state` and the writer must keep state.
   */
  stateKey?(config: C): string | undefined;
  /** Cuts the work into independent, serializable splits; `advice` is the channel count. `state` is set when `stateKey` gave a key. */
  split(config: C, ctx: JobContext & { advice: number; state?: ReaderStateContext }): Promise<S[]> | S[];
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
  /**
   * Why reading these splits again would not give the same rows (a query
   * without a key to cut it by), or undefined. A run of such splits is not
   * kept for a resume. Without this hook, splits are taken to be
   * reproducible, as the plugin contract asks.
   */
  resumable?(config: C, splits: S[]): string | undefined;
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
  /**
   * Writers that keep incremental state: the value saved for `state` by the
   * last successful commit (the writer scopes the key by its destination),
   * or undefined. A writer without it cannot take an incremental reader.
   */
  loadState?(config: C, ctx: JobContext & { state: StateRef }): Promise<unknown> | unknown;
  /**
   * Publishes every segment at once. Returns optional figures for the
   * summary. `ctx.state`, when set, must be saved in the same atomic step as
   * the data (a writer with `loadState` only gets it).
   */
  commit(handle: H, segments: G[], ctx: JobContext & { state?: CommitState }): Promise<Record<string, unknown> | void> | Record<string, unknown> | void;
  /** Drops the staged segments; the destination stays as it was. */
  abort(handle: H, segments: G[], ctx: JobContext): Promise<void> | void;
  /** Writers whose staged data can outlive a failed run, so that a later run resumes it (`ferry run --resume`). */
  resume?: WriterResume<H, G>;
}

/**
 * How a writer keeps a failed run's staged data for a resume. The engine
 * records which splits finished (with their segments) in the run folder;
 * the writer keeps the segments and the write they belong to.
 */
export interface WriterResume<H = unknown, G = unknown> {
  /**
   * Called once, when the first split has finished: from now on the staged
   * data must survive this process failing or being killed (kill -9),
   * until `until` (ms since the epoch); after that it may be reclaimed.
   */
  keep(handle: H, until: number, ctx: JobContext): Promise<void> | void;
  /** The run failed or was cancelled after `keep`: release the destination (locks) but keep the staged data. Instead of `abort`. */
  release(handle: H, ctx: JobContext): Promise<void> | void;
  /** Why the kept write cannot be resumed now (its data reclaimed, the destination written since), or undefined. Reads only. */
  check(handle: H, segments: G[], ctx: JobContext): Promise<string | undefined> | string | undefined;
  /** Takes a kept write over for this run (after the same checks as `check`, throwing a FerryError with the reason); returns the handle channels get. */
  adopt(handle: H, segments: G[], ctx: JobContext): Promise<H> | H;
}

export type Plugin = ReaderPlugin | WriterPlugin;

/**
 * A plugin's channel module: what a channel thread needs of a reader. A
 * plugin module `x.js` may have a sibling `x.channel.js` whose default export
 * is this (`{ kind: 'reader', name, read }`, the same `read`); channel
 * threads then load it instead of `x.js`, and with it only the reading code:
 * not the config schema (zod), the planning or the checks. It imports
 * `@ferry/core/channel`, not `@ferry/core`.
 */
export interface ReaderChannel<C = any, S = any> {
  readonly kind: 'reader';
  readonly name: string;
  read: ReaderPlugin<C, S>['read'];
}

/** A writer's channel module (`x.channel.js` beside `x.js`, see `ReaderChannel`): `{ kind: 'writer', name, open }`. */
export interface WriterChannel<H = any, G = any> {
  readonly kind: 'writer';
  readonly name: string;
  open: WriterPlugin<any, H, G>['open'];
}

/** Declares a reader plugin (a module's default export). */
export function defineReader<C, S>(plugin: Omit<ReaderPlugin<C, S>, 'kind'>): ReaderPlugin<C, S> {
  return { kind: 'reader', ...plugin };
}

/** Declares a writer plugin (a module's default export). */
export function defineWriter<C, H, G>(plugin: Omit<WriterPlugin<C, H, G>, 'kind'>): WriterPlugin<C, H, G> {
  return { kind: 'writer', ...plugin };
}
