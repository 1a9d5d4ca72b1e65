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
import type { ChannelBase, ChannelResult, ChannelTask, SettleTask, WorkerPreload } from './channel-task.js';
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
import { channelModuleUrl, loadPlugin, resolvePluginUrl } from './resolve-plugin.js';
import { findRunToResume, checkSameJob, runIdentity } from './resume.js';
import { appendLineDurable, DONE_FILE, hashOf, RESULT_FILE, RESUME_FILE, RESUMED_FILE, writeJsonDurable, type DoneSplit, type ResumeRecord } from './run-record.js';
import type { DirtySample, Progress, RunOptions, RunResult } from './run-types.js';
import { selfIdentity } from './process-identity.js';
import { schemaToBytes } from './schema-bytes.js';
import { C, Counters, createSharedState } from './shared-state.js';

function newRunId(): string {
  const d = new Date();
  const stamp = d
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, '')
    .replace('T', '-');
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
  const runsDir = resolve(options.runsDir ?? join(tmpdir(), 'ferry-runs'));
  const runDir = resolve(options.runDir ?? join(runsDir, runId));
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
    status: 'failed',
    runId,
    runDir,
    startedAt: started.toISOString(),
    endedAt: '',
    elapsedMs: 0,
    recordsRead: 0,
    recordsWritten: 0,
    bytesRead: 0,
    dirtyRecords: 0,
    channels: 0,
    splits: 0,
    dirtySamples: [],
    counters: {},
  };
  let pool: Piscina | undefined;
  let startedThreads = 0;
  let progressTimer: NodeJS.Timeout | undefined;
  let progressLogTimer: NodeJS.Timeout | undefined;
  let writerState: { abort: () => Promise<void>; release?: () => Promise<void> } | undefined;
  const segments: unknown[] = [];
  // Recording for `ferry runs` and resume: on when asked for, or when resuming.
  const record = options.resumable !== undefined || options.resume !== undefined;
  let recording = record;
  let kept = false;
  let keepUntil = 0;
  const done = new Map<number, DoneSplit>();
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
    const r = { url: resolvePluginUrl(job.reader.plugin, resolveOpts) };
    const w = { url: resolvePluginUrl(job.writer.plugin, resolveOpts) };
    // What channel threads load: the plugins' channel modules where they have one (no config schemas, no zod).
    const channelUrls = { reader: channelModuleUrl(r.url), writer: channelModuleUrl(w.url) };
    // The channel threads start now and load the engine and both plugins (~0.3 s per thread) while this
    // thread loads them too and asks the reader for its schema and splits. Fewer splits than channels
    // leaves threads idle. Splits run elsewhere (the worker queue): no threads here.
    if (!options.channels) {
      startedThreads = channelThreads(channel, Number.POSITIVE_INFINITY);
      const preload: WorkerPreload = {
        preload: [
          { url: channelUrls.reader, kind: 'reader' },
          { url: channelUrls.writer, kind: 'writer' },
        ],
      };
      pool = new Piscina({ filename: CHANNEL_WORKER_URL, minThreads: startedThreads, maxThreads: startedThreads, idleTimeout: 1000, workerData: preload });
    }
    // The two plugins load, and below answer for their schemas, side by side (the reader's
    // connection and the writer's catalog read overlap): ~40 ms less before the first split runs.
    const [reader, writer] = await bothInOrder(loadPlugin(r.url, 'reader', job.reader.plugin), loadPlugin(w.url, 'writer', job.writer.plugin));
    // Each plugin sees only what the embedder gives it.
    const readerSettings = options.settings?.[reader.name] ?? {};
    const writerSettings = options.settings?.[writer.name] ?? {};
    const rctx: JobContext = { ...ctx, settings: readerSettings };
    const wctx: JobContext = { ...ctx, settings: writerSettings };
    const readerConfig = validate(reader.config, readerRest, 'reader');
    const writerConfig = validate(writer.config, writerRest, 'writer');
    const hook = async <T>(plugin: string, name: string, fn: () => T | Promise<T>): Promise<T> => {
      try {
        return await fn();
      } catch (err) {
        throw wrapPluginError(err, plugin, name);
      }
    };
    const [sourceSchema, destSchema] = await bothInOrder(
      hook(reader.name, 'schema', () => reader.schema(readerConfig, rctx)),
      hook(writer.name, 'schema', () => writer.schema(writerConfig, wctx)),
    );
    const plan = planConvert(sourceSchema, destSchema);
    const jobName = options.job ?? options.source ?? 'job';
    const identity = runIdentity(substituted, ctx.params, options.settings);
    const destination = hashOf({ writer: writer.name, settings: writerSettings, config: writerConfig, job: jobName });
    const planHash = hashOf({ source: schemaToBytes(sourceSchema), dest: destSchema ? schemaToBytes(destSchema) : null, plan });
    const prior = options.resume ? findRunToResume(runsDir, options.resume.runId, jobName, destination) : undefined;
    const refuse = (why: string) => new FerryError(ErrorCodes.USAGE, `cannot resume run ${prior!.runId}: ${why}`);
    if (prior) {
      if (!writer.resume) throw refuse(`the ${writer.name} writer keeps no staged data to resume`);
      if (options.channels) throw new FerryError(ErrorCodes.USAGE, '--resume runs the unfinished splits in this process; it does not go with --workers');
      if (options.fullRefresh) throw new FerryError(ErrorCodes.USAGE, '--full-refresh and --resume do not go together: a resume reads the range its run started with');
      checkSameJob(prior, { identity, destination, plan: planHash, reader: reader.name, writer: writer.name });
    } // Incremental readers: the writer keeps their state; the reader plans from the saved value.
    let stateRef: StateRef | undefined;
    let stateOut: { value: unknown; range: string } | undefined;
    let stateCtx: ReaderStateContext | undefined;
    let stateBase: unknown;
    const readerKey = reader.stateKey ? await hook(reader.name, 'stateKey', () => reader.stateKey!(readerConfig)) : undefined;
    if (readerKey !== undefined) {
      if (options.refuseState) throw new FerryError(ErrorCodes.USAGE, `${options.source ?? 'the job'} reads incrementally (${readerKey}): ${options.refuseState}`);
      if (!writer.loadState)
        throw new FerryError(
          ErrorCodes.CONFIG,
          `the ${reader.name} reader reads incrementally (${readerKey}), but the ${writer.name} writer cannot keep its state; write into a table, or remove "incremental" from the reader`,
        );
      stateRef = { job: options.job ?? options.source ?? 'job', reader: readerKey, template: options.stateTemplate ?? writerTemplate(rawJob) };
      const ref = stateRef;
      const saved = options.fullRefresh ? undefined : await hook(writer.name, 'loadState', () => writer.loadState!(writerConfig, { ...wctx, state: ref }));
      stateBase = saved;
      if (prior && (!prior.resume.state || hashOf(saved) !== hashOf(prior.resume.state.base))) {
        throw refuse('the saved incremental state moved since it started (another run committed): its kept rows would be read twice or missed; run the job without --resume');
      }
      stateCtx = { saved, fullRefresh: Boolean(options.fullRefresh), save: (value, range) => void (stateOut = { value, range }) };
    }
    // A resume reads the plan its run made (the same splits, the same incremental range).
    let splits: unknown[];
    if (prior?.resume.splits) splits = prior.resume.splits;
    else {
      splits = await hook(reader.name, 'split', () => reader.split(readerConfig, { ...rctx, advice: channel, ...(stateCtx ? { state: stateCtx } : {}) }));
      if (prior && hashOf(splits) !== prior.resume.splitsHash) throw refuse('the source now cuts into other splits than it did (its files or size changed); run the job without --resume');
    }
    const notReproducible = reader.resumable ? await hook(reader.name, 'resumable', () => reader.resumable!(readerConfig, splits)) : undefined;
    if (prior) {
      if (notReproducible) throw refuse(notReproducible);
      if (prior.resume.state) stateOut = { value: prior.resume.state.value, range: prior.resume.state.range };
      for (const d of prior.done) if (d.split < splits.length) done.set(d.split, d);
    }
    result.splits = splits.length;
    const todo = splits.map((_, i) => i).filter((i) => !done.has(i));
    const recordsTotal = await estimateRecords(reader, readerConfig, { ...ctx, splits: todo.map((i) => splits[i]) }, log);
    if (stateRef && stateOut) {
      result.state = { job: stateRef.job, reader: stateRef.reader, range: stateOut.range, saved: false };
      log.info(`incremental: reading ${stateOut.range}`);
    }
    log.info(`job: ${reader.name} -> ${writer.name}, ${splits.length} split(s), ${channel} channel(s), ${sourceSchema.fields.length} column(s)`);
    if (stopController.signal.aborted) throw stopController.signal.reason;
    let handle: unknown;
    if (prior) {
      const keptSegments = [...done.values()].flatMap((d) => d.segments);
      handle = await hook(writer.name, 'resume.adopt', () => writer.resume!.adopt(prior.resume.handle, keptSegments, wctx));
      kept = true;
      writeJsonDurable(prior.dir, RESUMED_FILE, { by: runId, at: new Date().toISOString() });
      const k = [...done.values()];
      result.resumed = {
        runId: prior.runId,
        splits: k.length,
        recordsRead: sum(k, 'recordsRead'),
        recordsWritten: sum(k, 'recordsWritten'),
        bytesRead: sum(k, 'bytesRead'),
        dirtyRecords: sum(k, 'dirty'),
      };
      counters.add(C.splitsDone, k.length);
      log.info(`resuming run ${prior.runId}: ${k.length} of ${splits.length} split(s) kept, running the other ${todo.length}`);
    } else handle = await hook(writer.name, 'prepare', () => writer.prepare(writerConfig, { ...wctx, schema: destSchema ?? sourceSchema }));
    writerState = {
      abort: async () => void (await hook(writer.name, 'abort', () => writer.abort(handle, segments, wctx))),
      ...(writer.resume ? { release: async () => void (await hook(writer.name, 'resume.release', () => writer.resume!.release(handle, wctx))) } : {}),
    };
    // Staged data is kept for a resume only when it can be: the writer keeps it, the splits read the same rows again, and the run folder may name the handle and the splits.
    const splitsText = JSON.stringify(splits);
    const handleText = JSON.stringify(handle) ?? '';
    const keepWhy = !writer.resume
      ? `the ${writer.name} writer keeps no staged data`
      : options.channels
        ? 'its splits ran on ferry workers (their staged files are not kept for a resume)'
        : notReproducible
          ? notReproducible
          : redactText(handleText) !== handleText
            ? `the ${writer.name} writer's handle names a secret`
            : (options.resumable?.retentionMs ?? 0) <= 0 && !prior
              ? 'keeping staged data is turned off'
              : undefined;
    keepUntil = Date.now() + (options.resumable?.retentionMs ?? 0);
    if (record) {
      const rec: ResumeRecord = {
        version: 1,
        runId,
        job: jobName,
        ...(options.source ? { source: options.source } : {}),
        destination,
        identity,
        plan: planHash,
        pid: process.pid,
        proc: selfIdentity(),
        startedAt: started.toISOString(),
        reader: reader.name,
        writer: writer.name,
        splitsTotal: splits.length,
        splitsHash: hashOf(splits),
        // Splits that name a secret (a URL with a token) stay out of the record: a resume plans them again and compares.
        ...(redactText(splitsText) === splitsText ? { splits } : {}),
        handle: keepWhy ? null : handle,
        ...(stateRef && stateOut ? { state: { base: stateBase ?? null, value: stateOut.value, range: stateOut.range } } : {}),
        ...(prior ? { resumedFrom: prior.runId } : {}),
        ...(keepWhy ? { notResumable: keepWhy } : {}),
      };
      try {
        writeJsonDurable(runDir, RESUME_FILE, rec);
        for (const d of done.values()) appendLineDurable(runDir, DONE_FILE, d);
      } catch (err) {
        // The run goes on; it just cannot be resumed.
        recording = false;
        fileLog.warn(`could not record run ${runId} for a resume: ${(err as Error).message}`);
      }
    }
    let journal: Promise<void> = Promise.resolve();
    let keepCalled = false;
    const onDone = (res: ChannelResult): Promise<void> => {
      journal = journal.then(() => recordDone(res));
      return journal;
    };
    const recordDone = async (res: ChannelResult): Promise<void> => {
      const d: DoneSplit = {
        split: res.splitIndex,
        segments: res.segments,
        recordsRead: res.recordsRead,
        recordsWritten: res.recordsWritten,
        bytesRead: res.bytesRead ?? 0,
        dirty: res.dirty,
        counters: res.counters,
      };
      if (recording && !keepWhy) {
        // Before the first split is recorded as done, the writer must keep what it staged (a kill -9 follows any time).
        if (!keepCalled) await hook(writer.name, 'resume.keep', () => writer.resume!.keep(handle, keepUntil, wctx));
        keepCalled = kept = true;
        try {
          appendLineDurable(runDir, DONE_FILE, d);
        } catch (err) {
          recording = false;
          fileLog.warn(`could not record split ${d.split} as done: ${(err as Error).message}; a resume reads it again`);
        }
      }
      done.set(res.splitIndex, d);
      options.onSplitDone?.({
        split: d.split,
        recordsRead: d.recordsRead,
        recordsWritten: d.recordsWritten,
        bytesRead: d.bytesRead,
        dirty: d.dirty,
        splitsDone: done.size,
        splitsTotal: splits.length,
      });
    };

    const threads = channelThreads(channel, splits.length);
    const cores = availableParallelism();
    if (channel > THREADS_PER_CORE * cores) {
      log.warn(`setting.channel ${channel} is more than ${THREADS_PER_CORE} per core (${cores} core(s)): running ${threads} channel(s) at a time, the other splits wait their turn`);
    }
    const base: ChannelBase = {
      reader: { url: channelUrls.reader, spec: job.reader.plugin, name: reader.name, config: readerConfig, settings: readerSettings },
      writer: { url: channelUrls.writer, spec: job.writer.plugin, name: writer.name, handle, settings: writerSettings },
      sourceSchema: schemaToBytes(sourceSchema),
      destSchema: destSchema ? schemaToBytes(destSchema) : null,
      plan,
      shared,
      speed,
      dirtyLimit: errorLimit.records,
      baseDir: ctx.baseDir,
      logFile,
      dirtyFile,
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
      results = await runChannels(pool!, splits, todo, threads, base, counters, stopController.signal, onDone);
    }
    const samples: DirtySample[] = [];
    let failure: Error | undefined;
    const kept0 = prior ? prior.done.filter((d) => d.split < splits.length) : [];
    for (const res of [...kept0.map((d) => ({ splitIndex: d.split, segments: d.segments })), ...results].sort((a, b) => a.splitIndex - b.splitIndex)) segments.push(...res.segments);
    for (const res of results) {
      for (const [k, v] of Object.entries(res.counters)) result.counters[k] = (result.counters[k] ?? 0) + v;
      if (samples.length < SAMPLE_LIMIT) samples.push(...res.samples.slice(0, SAMPLE_LIMIT - samples.length));
      if (!res.ok && res.error && (!failure || (isFerryError(failure) && failure.code === ErrorCodes.ABORTED))) failure = deserializeError(res.error);
    }
    result.dirtySamples = samples.map((s) => ({ ...s, reason: redactText(s.reason) }));
    Object.assign(result, pick(snapshot()));
    if (stopController.signal.aborted) failure = stopController.signal.reason as Error;
    const dirty = counters.get(C.dirty) + (result.resumed?.dirtyRecords ?? 0);
    if (!failure && errorLimit.records !== undefined && dirty > errorLimit.records) {
      failure = new FerryError(ErrorCodes.DIRTY_LIMIT, `dirty records passed the limit of ${errorLimit.records} (errorLimit.records)`);
    }
    const read = counters.get(C.recordsRead) + (result.resumed?.recordsRead ?? 0);
    if (!failure && errorLimit.percentage !== undefined && read > 0 && dirty / read > errorLimit.percentage) {
      failure = new FerryError(
        ErrorCodes.DIRTY_LIMIT,
        `dirty records are ${((dirty / read) * 100).toFixed(2)}% of records read, over the limit of ${(errorLimit.percentage * 100).toFixed(2)}% (errorLimit.percentage)`,
      );
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
      // Finished splits stay staged for `--resume` when the writer was asked to keep them.
      const keep = kept && done.size > 0 && writerState.release;
      try {
        if (keep) {
          await writerState.release!();
          result.kept = { splits: done.size, until: new Date(keepUntil).toISOString() };
          log.info(`${done.size} of ${result.splits} split(s) finished and are kept until ${result.kept.until}: resume with --resume ${runId}`);
        } else await writerState.abort();
      } catch (abortErr) {
        log.warn(`writer ${keep ? 'release' : 'abort'} failed: ${(abortErr as Error).message}`);
      }
    }
  } finally {
    if (progressTimer) clearInterval(progressTimer);
    if (progressLogTimer) clearInterval(progressLogTimer);
    options.signal?.removeEventListener('abort', onAbort);
    if (pool) {
      // No thread may be terminated while it still loads modules (a job that failed during planning, or
      // threads that got no split): that could end the process with a signal instead of this result.
      await settleThreads(pool, startedThreads);
      await pool.destroy();
    }
    Object.assign(
      result,
      pick({ recordsRead: counters.get(C.recordsRead), recordsWritten: counters.get(C.recordsWritten), bytesRead: counters.get(C.bytesRead), dirtyRecords: counters.get(C.dirty) }),
    );
    if (result.status === 'failed' && result.recordsWritten > 0) result.recordsWritten = 0; // nothing was committed
    if (result.dirtyRecords > 0) result.dirtyFile = dirtyFile;
    const ended = new Date();
    result.endedAt = ended.toISOString();
    result.elapsedMs = Math.round(performance.now() - t0);
    saveResult(runDir, result, log);
  }
  return result;
}

/** The run's RunResult (redacted), in its folder; `ferry runs` and the ui read it. */
export const RUN_RESULT_FILE = RESULT_FILE;

/** Writes the result next to run.log (whole or not at all); a failure to write it does not fail the run. */
function saveResult(runDir: string, result: RunResult, log: Logger): void {
  const file = join(runDir, RUN_RESULT_FILE);
  try {
    writeFileSync(`${file}.tmp`, redactText(JSON.stringify(result)));
    renameSync(`${file}.tmp`, file);
  } catch (err) {
    // A failed run already says why (a full disk fails the job and this file alike): one line, not two.
    const say = result.status === 'succeeded' ? log.warn : log.debug;
    say(`could not save the run summary ${file}: ${(err as Error).message}`);
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

function sum<T extends object>(list: T[], field: keyof T): number {
  let n = 0;
  for (const x of list) n += Number(x[field]) || 0;
  return n;
}

function pick(p: { recordsRead: number; recordsWritten: number; bytesRead: number; dirtyRecords: number }) {
  return { recordsRead: p.recordsRead, recordsWritten: p.recordsWritten, bytesRead: p.bytesRead, dirtyRecords: p.dirtyRecords };
}

/** Both values; when either fails, the reader's (first) failure is the one reported, whichever came first. */
async function bothInOrder<A, B>(a: Promise<A>, b: Promise<B>): Promise<[A, B]> {
  const [ra, rb] = await Promise.allSettled([a, b]);
  if (ra.status === 'rejected') throw ra.reason;
  if (rb.status === 'rejected') throw rb.reason;
  return [ra.value, rb.value];
}

/** Returns once each of the pool's `threads` threads has loaded and taken a settle task (gives up after 15 s). */
async function settleThreads(pool: Piscina, threads: number): Promise<void> {
  const task: SettleTask = { settle: new SharedArrayBuffer(4), threads };
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, 15_000);
  });
  try {
    await Promise.race([Promise.allSettled(Array.from({ length: threads }, () => pool.run(task))), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs every split, `threads` at a time; after a failure or a stop, starts no more and waits for the running ones (ending them after a grace period). */
async function runChannels(
  pool: Piscina,
  splits: unknown[],
  todo: number[],
  threads: number,
  base: ChannelBase,
  counters: Counters,
  stop: AbortSignal,
  onDone: (res: ChannelResult) => Promise<void>,
): Promise<ChannelResult[]> {
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
    while (next < todo.length && !counters.stopped) {
      const splitIndex = todo[next++]!;
      const task: ChannelTask = { ...base, split: splits[splitIndex], splitIndex };
      try {
        const res = (await pool.run(task, { signal: kill.signal })) as ChannelResult;
        if (res.ok) {
          try {
            await onDone(res);
          } catch (err) {
            res.ok = false;
            res.error = serializeError(err);
          }
        }
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
          splitIndex,
          ok: false,
          segments: [],
          recordsRead: 0,
          recordsWritten: 0,
          bytesRead: 0,
          dirty: 0,
          samples: [],
          counters: {},
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
