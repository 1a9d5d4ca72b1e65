/**
 * One sync run: load and check everything on the main thread, run the
 * splits as channels on a worker pool, then commit all segments at once or
 * abort them all.
 */
import { setMaxListeners } from 'node:events';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Piscina } from 'piscina';
import type { ChannelBase, ChannelResult, ChannelTask, WorkerPreload } from './channel-task.js';
import { validate } from './config-schema.js';
import { planConvert } from './convert.js';
import { checkDataxShape } from './datax-hints.js';
import { describeRowSource } from './row-source.js';
import { deserializeError, ErrorCodes, FerryError, isFerryError, serializeError, wrapPluginError } from './errors.js';
import { substitute, validateJob, type JobConfig } from './job-config.js';
import { createLogger } from './log.js';
import type { JobContext, Logger, ReaderPlugin, ReaderStateContext, StateRef } from './plugin.js';
import { formatProgress } from './progress-format.js';
import { redactError, redactText, rememberSecrets } from './redact.js';
import { resolvePlugin } from './resolve-plugin.js';
import type { DirtySample, Progress, RunOptions, RunResult } from './run-types.js';
import { schemaToBytes } from './schema-bytes.js';
import { C, Counters, createSharedState } from './shared-state.js';

function newRunId(): string {
  const d = new Date();
  const stamp = d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, '').replace('T', '-');
  return `${stamp}-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
}

/** The module a channel runs in (a piscina worker's `filename`): its default export runs one `ChannelTask`. */
export const CHANNEL_WORKER_URL = new URL('./worker.js', import.meta.url).href;

/** How long stopped channels get to finish cleanly before their threads are ended. */
const STOP_GRACE_MS = 5000;
const SAMPLE_LIMIT = 20;
/** How often the run log (and a workflow node's log) gets a progress line. */
const PROGRESS_LOG_MS = 10_000;
/**
 * Channel threads per core. Past this, more threads only add memory (each
 * is a V8 isolate with its own heap, plugin modules and buffers) and
 * context switches: the extra channels wait their turn as queued tasks.
 */
export const THREADS_PER_CORE = 4;

/**
 * How many channels run at once: `setting.channel`, but no more than there
 * are splits and no more than THREADS_PER_CORE per core, so threads and
 * memory stay bounded whatever the channel count.
 */
export function channelThreads(channel: number, splits: number, cores = availableParallelism()): number {
  return Math.max(1, Math.min(channel, splits, THREADS_PER_CORE * Math.max(1, cores)));
}

/**
 * Runs a job object (as parsed from a job file). Never throws for job
 * failures: the result says `failed` with the error. Throws only for bugs.
 */
export async function runJob(rawJob: unknown, options: RunOptions = {}): Promise<RunResult> {
  const started = new Date();
  // Before anything can log or fail: the job's secrets are masked in every output from here on.
  rememberSecrets(rawJob);
  rememberSecrets(options.params);
  const t0 = performance.now();
  const runId = newRunId();
  const runDir = resolve(options.runDir ?? join(options.runsDir ?? join(tmpdir(), 'ferry-runs'), runId));
  mkdirSync(runDir, { recursive: true });
  const logFile = join(runDir, 'run.log');
  const dirtyFile = join(runDir, 'dirty.jsonl');
  const userLog = options.log;
  const fileLog = createLogger({ file: logFile, write: () => {} });
  const log: Logger = {
    info: (m) => (fileLog.info(m), userLog?.info(m)),
    warn: (m) => (fileLog.warn(m), userLog?.warn(m)),
    debug: (m) => (fileLog.debug(m), userLog?.debug(m)),
  };
  const shared = createSharedState();
  const counters = new Counters(shared);
  const stopController = new AbortController();
  const onAbort = () => {
    counters.stop();
    stopController.abort(new FerryError(ErrorCodes.ABORTED, 'the job was cancelled'));
  };
  if (options.signal?.aborted) onAbort();
  options.signal?.addEventListener('abort', onAbort, { once: true });

  const ctx: JobContext = {
    log,
    signal: stopController.signal,
    params: options.params ?? {},
    settings: {},
    baseDir: resolve(options.baseDir ?? process.cwd()),
    runDir,
  };
  const result: RunResult = {
    status: 'failed', runId, runDir, startedAt: started.toISOString(), endedAt: '', elapsedMs: 0,
    recordsRead: 0, recordsWritten: 0, bytesRead: 0, dirtyRecords: 0, channels: 0, splits: 0,
    dirtySamples: [], counters: {},
  };
  let pool: Piscina | undefined;
  let progressTimer: NodeJS.Timeout | undefined;
  let progressLogTimer: NodeJS.Timeout | undefined;
  let writerState: { abort: () => Promise<void> } | undefined;
  const segments: unknown[] = [];
  try {
    checkDataxShape(rawJob, options.source);
    const substituted = substitute(rawJob, ctx.params, options.expressions);
    rememberSecrets(substituted);
    const job: JobConfig = validateJob(substituted);
    const { channel, speed, errorLimit } = job.setting;
    result.channels = channel;
    const resolveOpts = { baseDir: ctx.baseDir, plugins: options.plugins, resolveFrom: options.resolveFrom };
    const { plugin: _rp, ...readerRest } = job.reader;
    const { plugin: _wp, ...writerRest } = job.writer;
    const r = await resolvePlugin(job.reader.plugin, 'reader', resolveOpts);
    const w = await resolvePlugin(job.writer.plugin, 'writer', resolveOpts);
    const reader = r.plugin;
    const writer = w.plugin;
    // Each plugin sees only what the embedder gives it.
    const readerSettings = options.settings?.[reader.name] ?? {};
    const writerSettings = options.settings?.[writer.name] ?? {};
    const rctx: JobContext = { ...ctx, settings: readerSettings };
    const wctx: JobContext = { ...ctx, settings: writerSettings };
    const readerConfig = validate(reader.config, readerRest, 'reader');
    const writerConfig = validate(writer.config, writerRest, 'writer');
    // The channel threads start now, loading the engine and both plugins while this thread asks the reader
    // for its schema and splits (about 0.3 s of module loading per thread, otherwise spent after planning).
    // Fewer splits than channels leaves the extra threads idle.
    const startedThreads = channelThreads(channel, Number.POSITIVE_INFINITY);
    const preload: WorkerPreload = { preload: [{ url: r.url, kind: 'reader' }, { url: w.url, kind: 'writer' }] };
    // Splits run elsewhere (the worker queue): no threads here.
    if (!options.channels) pool = new Piscina({ filename: CHANNEL_WORKER_URL, minThreads: startedThreads, maxThreads: startedThreads, idleTimeout: 1000, workerData: preload });
    const hook = async <T>(plugin: string, name: string, fn: () => T | Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        throw wrapPluginError(err, plugin, name);
      }
    };
    const sourceSchema = await hook(reader.name, 'schema', () => reader.schema(readerConfig, rctx));
    const destSchema = await hook(writer.name, 'schema', () => writer.schema(writerConfig, wctx));
    const plan = planConvert(sourceSchema, destSchema);
    // Incremental readers: the writer keeps their state; the reader plans from the saved value.
    let stateRef: StateRef | undefined;
    let stateOut: { value: unknown; range: string } | undefined;
    let stateCtx: ReaderStateContext | undefined;
    const readerKey = reader.stateKey ? await hook(reader.name, 'stateKey', () => reader.stateKey!(readerConfig)) : undefined;
    if (readerKey !== undefined) {
      if (options.refuseState) throw new FerryError(ErrorCodes.USAGE, `${options.source ?? 'the job'} reads incrementally (${readerKey}): ${options.refuseState}`);
      if (!writer.loadState) throw new FerryError(ErrorCodes.CONFIG, `the ${reader.name} reader reads incrementally (${readerKey}), but the ${writer.name} writer cannot keep its state; write into a table, or remove "incremental" from the reader`);
      stateRef = { job: options.job ?? options.source ?? 'job', reader: readerKey, template: options.stateTemplate ?? writerTemplate(rawJob) };
      const ref = stateRef;
      const saved = options.fullRefresh ? undefined : await hook(writer.name, 'loadState', () => writer.loadState!(writerConfig, { ...wctx, state: ref }));
      stateCtx = { saved, fullRefresh: Boolean(options.fullRefresh), save: (value, range) => void (stateOut = { value, range }) };
    }
    const splits = await hook(reader.name, 'split', () => reader.split(readerConfig, { ...rctx, advice: channel, ...(stateCtx ? { state: stateCtx } : {}) }));
    result.splits = splits.length;
    const recordsTotal = await estimateRecords(reader, readerConfig, { ...ctx, splits }, log);
    if (stateRef && stateOut) {
      result.state = { job: stateRef.job, reader: stateRef.reader, range: stateOut.range, saved: false };
      log.info(`incremental: reading ${stateOut.range}`);
    }
    log.info(`job: ${reader.name} -> ${writer.name}, ${splits.length} split(s), ${channel} channel(s), ${sourceSchema.fields.length} column(s)`);
    if (stopController.signal.aborted) throw stopController.signal.reason;
    const handle = await hook(writer.name, 'prepare', () => writer.prepare(writerConfig, { ...wctx, schema: destSchema ?? sourceSchema }));
    writerState = { abort: async () => void (await hook(writer.name, 'abort', () => writer.abort(handle, segments, wctx))) };

    const threads = channelThreads(channel, splits.length);
    const cores = availableParallelism();
    if (channel > THREADS_PER_CORE * cores) {
      log.warn(`setting.channel ${channel} is more than ${THREADS_PER_CORE} per core (${cores} core(s)): running ${threads} channel(s) at a time, the other splits wait their turn`);
    }
    if (threads < startedThreads) log.debug(`${splits.length} split(s): ${startedThreads - threads} of the ${startedThreads} started thread(s) stay idle`);
    const base: ChannelBase = {
      reader: { url: r.url, spec: job.reader.plugin, name: reader.name, config: readerConfig, settings: readerSettings },
      writer: { url: w.url, spec: job.writer.plugin, name: writer.name, handle, settings: writerSettings },
      sourceSchema: schemaToBytes(sourceSchema),
      destSchema: destSchema ? schemaToBytes(destSchema) : null,
      plan, shared, speed,
      dirtyLimit: errorLimit.records,
      baseDir: ctx.baseDir, logFile, dirtyFile,
      sampleLimit: SAMPLE_LIMIT,
      debug: /\bferry\b/.test(process.env.NODE_DEBUG ?? ''),
    };
    const snapshot = (): Progress => ({
      elapsedMs: performance.now() - t0,
      recordsRead: counters.get(C.recordsRead),
      recordsWritten: counters.get(C.recordsWritten),
      bytesRead: counters.get(C.bytesRead),
      dirtyRecords: counters.get(C.dirty),
      splitsDone: counters.get(C.splitsDone),
      splitsTotal: splits.length,
      ...(recordsTotal !== undefined ? { recordsTotal } : {}),
    });
    if (options.onProgress) progressTimer = setInterval(() => options.onProgress!(snapshot()), options.progressIntervalMs ?? 1000);
    const logEvery = options.progressLogIntervalMs ?? (Number(process.env.FERRY_PROGRESS_LOG_MS) || PROGRESS_LOG_MS);
    if (logEvery > 0) progressLogTimer = setInterval(() => log.info(`progress: ${formatProgress(snapshot())}`), logEvery);

    let results: ChannelResult[];
    if (options.channels) {
      results = await options.channels({ runId, runDir, splits, base, counters, signal: stopController.signal, log });
    } else {
      results = await runChannels(pool!, splits, threads, base, counters, stopController.signal);
    }
    const samples: DirtySample[] = [];
    let failure: Error | undefined;
    for (const res of results) {
      segments.push(...res.segments);
      for (const [k, v] of Object.entries(res.counters)) result.counters[k] = (result.counters[k] ?? 0) + v;
      if (samples.length < SAMPLE_LIMIT) samples.push(...res.samples.slice(0, SAMPLE_LIMIT - samples.length));
      if (!res.ok && res.error && (!failure || (isFerryError(failure) && failure.code === ErrorCodes.ABORTED))) failure = deserializeError(res.error);
    }
    result.dirtySamples = samples.map((s) => ({ ...s, reason: redactText(s.reason) }));
    Object.assign(result, pick(snapshot()));
    if (stopController.signal.aborted) failure = stopController.signal.reason as Error;
    const dirty = counters.get(C.dirty);
    if (!failure && errorLimit.records !== undefined && dirty > errorLimit.records) {
      failure = new FerryError(ErrorCodes.DIRTY_LIMIT, `dirty records passed the limit of ${errorLimit.records} (errorLimit.records)`);
    }
    const read = counters.get(C.recordsRead);
    if (!failure && errorLimit.percentage !== undefined && read > 0 && dirty / read > errorLimit.percentage) {
      failure = new FerryError(ErrorCodes.DIRTY_LIMIT, `dirty records are ${((dirty / read) * 100).toFixed(2)}% of records read, over the limit of ${(errorLimit.percentage * 100).toFixed(2)}% (errorLimit.percentage)`);
    }
    if (failure) throw failure;
    const commitState = stateRef && stateOut ? { ...stateRef, ...stateOut, runId } : undefined;
    result.commit = (await hook(writer.name, 'commit', () => writer.commit(handle, segments, commitState ? { ...wctx, state: commitState } : wctx))) ?? undefined;
    if (result.state) result.state.saved = true;
    writerState = undefined;
    result.status = 'succeeded';
    log.info(`job succeeded: ${result.recordsWritten} record(s) written, ${result.dirtyRecords} dirty`);
  } catch (err) {
    const e = redactError(err instanceof Error ? err : new Error(String(err)));
    if (isFerryError(e) && e.code === ErrorCodes.DIRTY_LIMIT && result.dirtySamples.length) {
      const s = result.dirtySamples[0]!;
      e.message += `; first: ${s.reason} (${s.source ? describeRowSource(s.source) : `split ${s.split}, row ${s.row}`}); all dirty records: ${dirtyFile} (ferry dirty show ${runId})`;
    }
    const ser = serializeError(e);
    result.error = { ...ser, code: ser.code ?? ErrorCodes.INTERNAL };
    fileLog.warn(`job failed: ${e.message}`);
    if ((!isFerryError(e) || e.code === ErrorCodes.INTERNAL) && e.stack) log.debug(e.stack);
    if (writerState) {
      try {
        await writerState.abort();
      } catch (abortErr) {
        log.warn(`writer abort failed: ${(abortErr as Error).message}`);
      }
    }
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    if (progressLogTimer) clearInterval(progressLogTimer);
    options.signal?.removeEventListener('abort', onAbort);
    await pool?.destroy();
    Object.assign(result, pick({ recordsRead: counters.get(C.recordsRead), recordsWritten: counters.get(C.recordsWritten), bytesRead: counters.get(C.bytesRead), dirtyRecords: counters.get(C.dirty) }));
    if (result.status === 'failed' && result.recordsWritten > 0) result.recordsWritten = 0; // nothing was committed
    if (result.dirtyRecords > 0) result.dirtyFile = dirtyFile;
    const ended = new Date();
    result.endedAt = ended.toISOString();
    result.elapsedMs = Math.round(performance.now() - t0);
    saveResult(runDir, result, log);
  }
  return result;
}

/** The name of the run's summary in its folder: the result as JSON, secrets masked (what `ferry ui` shows for a node). */
export const RUN_RESULT_FILE = 'result.json';

/** Writes the result next to run.log (whole or not at all); a failure to write it does not fail the run. */
function saveResult(runDir: string, result: RunResult, log: Logger): void {
  const file = join(runDir, RUN_RESULT_FILE);
  try {
    writeFileSync(`${file}.tmp`, redactText(JSON.stringify(result)));
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    log.warn(`could not save the run summary ${file}: ${(err as Error).message}`);
  }
}

/** The reader's record count for % and ETA, if it gives one; progress is no reason to fail a job. */
async function estimateRecords(reader: ReaderPlugin, config: unknown, ctx: JobContext & { splits: unknown[] }, log: Logger): Promise<number | undefined> {
  if (!reader.estimateRecords) return undefined;
  try {
    const n = await reader.estimateRecords(config, ctx);
    return typeof n === 'number' && Number.isFinite(n) && n > 0 ? n : undefined;
  } catch (err) {
    log.debug(`${reader.name}: no record estimate: ${(err as Error).message}`);
    return undefined;
  }
}

/** The writer block as written in the job (before substitution), without `plugin`: the state key keeps `dt=${bizdate}` as it is. */
function writerTemplate(rawJob: unknown): unknown {
  const w = (rawJob as { writer?: unknown } | null)?.writer;
  if (!w || typeof w !== 'object') return undefined;
  const { plugin: _p, ...rest } = w as Record<string, unknown>;
  return rest;
}

function pick(p: { recordsRead: number; recordsWritten: number; bytesRead: number; dirtyRecords: number }) {
  return { recordsRead: p.recordsRead, recordsWritten: p.recordsWritten, bytesRead: p.bytesRead, dirtyRecords: p.dirtyRecords };
}

/** Runs every split, `threads` at a time; after a failure or a stop, starts no more and waits for the running ones (ending them after a grace period). */
async function runChannels(pool: Piscina, splits: unknown[], threads: number, base: ChannelBase, counters: Counters, stop: AbortSignal): Promise<ChannelResult[]> {
  const results: ChannelResult[] = [];
  let next = 0;
  const kill = new AbortController();
  // One listener per running channel: many channels are expected, not a leak.
  setMaxListeners(threads + 10, kill.signal);
  let graceTimer: NodeJS.Timeout | undefined;
  const startGrace = () => {
    graceTimer ??= setTimeout(() => kill.abort(), STOP_GRACE_MS);
  };
  stop.addEventListener('abort', startGrace, { once: true });
  const lane = async () => {
    while (next < splits.length && !counters.stopped) {
      const splitIndex = next++;
      const task: ChannelTask = { ...base, split: splits[splitIndex], splitIndex };
      try {
        const res = (await pool.run(task, { signal: kill.signal })) as ChannelResult;
        results.push(res);
        if (!res.ok) {
          counters.stop();
          startGrace();
        }
      } catch (err) {
        counters.stop();
        startGrace();
        const aborted = kill.signal.aborted;
        results.push({
          splitIndex, ok: false, segments: [], recordsRead: 0, recordsWritten: 0, dirty: 0, samples: [], counters: {},
          error: serializeError(aborted ? new FerryError(ErrorCodes.ABORTED, 'the job was stopped (channel ended after the grace period)') : err),
        });
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: threads }, lane));
  } finally {
    if (graceTimer) clearTimeout(graceTimer);
    stop.removeEventListener('abort', startGrace);
  }
  // In split order, whatever channel finished first: writers commit files in this order and readers of the table see rows in it.
  return results.sort((a, b) => a.splitIndex - b.splitIndex);
}
