/**
 * A channel: reads one split, converts, rate-limits and writes it, all in
 * this worker thread, so data never crosses threads. Only counters (shared
 * memory), segment descriptors and dirty samples go back.
 */
import { appendFileSync } from 'node:fs';
import { workerData } from 'node:worker_threads';
import type { ChannelLimiter, ChannelResult, ChannelTask, LimiterFactory, SettleTask, WorkerPreload } from './channel-task.js';
import { batchBytes } from './columns.js';
import { createConverter, type DirtyRow } from './convert.js';
import { ErrorCodes, FerryError, internalError, isFerryError, serializeError, wrapPluginError } from './errors.js';
import { fileLogger } from './log.js';
import { redactError, redactText, rememberSecrets } from './redact.js';
import type { ChannelContext, ChannelWriter, ReaderPlugin, WriterPlugin } from './plugin.js';
import { SharedRateLimiter } from './rate-limit.js';
import { loadPlugin } from './resolve-plugin.js';
import { rowSourceOf, type RowSource } from './row-source.js';
import { schemaFromBytes } from './schema-bytes.js';
import { C, Counters } from './shared-state.js';
import type { DirtySample } from './run-types.js';

// The pool starts while the main thread still plans the job: loading the plugins here, before the thread
// says it is ready, overlaps that work. A plugin that fails to load fails again, with its message, in the
// task that uses it.
const preload = (workerData as WorkerPreload | null | undefined)?.preload;
if (preload) await Promise.allSettled(preload.map((p) => loadPlugin(p.url, p.kind)));

export default async function runChannel(task: ChannelTask | SettleTask): Promise<ChannelResult | null> {
  if ('settle' in task) return settle(task);
  return runSplit(task);
}

/** Holds this thread until every thread of the pool holds a settle task (each thread gets exactly one). */
async function settle(task: SettleTask): Promise<null> {
  const arrived = new Int32Array(task.settle);
  Atomics.add(arrived, 0, 1);
  const deadline = Date.now() + 10_000;
  while (Atomics.load(arrived, 0) < task.threads && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 2));
  return null;
}

async function runSplit(task: ChannelTask): Promise<ChannelResult> {
  const counters = new Counters(task.shared);
  const controller = new AbortController();
  const poll = setInterval(() => {
    if (counters.stopped) controller.abort(new FerryError(ErrorCodes.ABORTED, 'the job was stopped'));
  }, 25);
  // This thread has its own memory of secrets: the reader's config is where they are.
  rememberSecrets(task.reader.config);
  const log = fileLogger(task.logFile, task.debug);
  const result: ChannelResult = { splitIndex: task.splitIndex, ok: false, segments: [], recordsRead: 0, recordsWritten: 0, bytesRead: 0, dirty: 0, samples: [], counters: {} };
  const samples: DirtySample[] = result.samples;
  let dirtyLines: string[] = [];
  const recordDirty = (row: number, column: string, why: string, value: unknown, rowSource?: RowSource) => {
    // A reason or a source position (a URL) may name a secret of the reader's config.
    const reason = redactText(why);
    const source = rowSource && Object.fromEntries(Object.entries(rowSource).map(([k, v]) => [k, typeof v === 'string' ? redactText(v) : v]));
    result.dirty++;
    counters.add(C.dirty, 1);
    if (samples.length < task.sampleLimit) samples.push({ split: task.splitIndex, row, column, reason, value, ...(source ? { source } : {}) });
    dirtyLines.push(JSON.stringify({ split: task.splitIndex, row, ...(source ? { source } : {}), column, reason, record: value }));
  };
  const flushDirty = () => {
    if (dirtyLines.length === 0) return;
    appendFileSync(task.dirtyFile, dirtyLines.join('\n') + '\n');
    dirtyLines = [];
    if (task.dirtyLimit !== undefined && counters.get(C.dirty) > task.dirtyLimit) {
      counters.stop();
      throw new FerryError(ErrorCodes.DIRTY_LIMIT, `dirty records passed the limit of ${task.dirtyLimit} (errorLimit.records)`);
    }
  };
  let sink: ChannelWriter | undefined;
  // The stage that is running: a failure names it. `convert` and `limit` are the engine's own, not a plugin's.
  let stage: 'load' | 'open' | 'read' | 'convert' | 'limit' | 'write' | 'close' = 'load';
  let rowInSplit = 0;
  const blame = (err: unknown): FerryError => {
    if (stage === 'read') return wrapPluginError(err, task.reader.name, 'read');
    if (stage === 'open' || stage === 'write' || stage === 'close') return wrapPluginError(err, task.writer.name, stage);
    return internalError(err, `${stage === 'load' ? 'loading the plugins' : stage} failed in split ${task.splitIndex}`, { hook: stage });
  };
  try {
    // The plugins' channel modules where they have one (`ReaderChannel`, `WriterChannel`): only read/open are used here.
    const reader = (await loadPlugin(task.reader.url, 'reader', task.reader.name)) as ReaderPlugin;
    const writer = (await loadPlugin(task.writer.url, 'writer', task.writer.name)) as WriterPlugin;
    for (const [p, side] of [
      [reader, task.reader],
      [writer, task.writer],
    ] as const) {
      if (p.name !== side.name) throw new FerryError(ErrorCodes.PLUGIN, `plugin "${side.name}": its channel module ${side.url} names itself "${p.name}"`);
    }
    const source = schemaFromBytes(task.sourceSchema);
    const dest = task.destSchema ? schemaFromBytes(task.destSchema) : null;
    const convert = createConverter(task.plan, source, dest);
    const records = await limiterFor(task, 'records', counters);
    const bytes = await limiterFor(task, 'bytes', counters);
    const ctx: ChannelContext = {
      log,
      signal: controller.signal,
      splitIndex: task.splitIndex,
      settings: {},
      baseDir: task.baseDir,
      count: (name, n) => {
        result.counters[name] = (result.counters[name] ?? 0) + n;
      },
      dirty: (value, reason, source) => {
        result.recordsRead++;
        counters.add(C.recordsRead, 1);
        recordDirty(rowInSplit++, '', reason, value, source);
      },
    };
    stage = 'open';
    // The loop below never touches a batch after writing it: the writer may reuse its memory.
    sink = await writer.open(task.writer.handle, { ...ctx, settings: task.writer.settings, batchesHandedOver: true });
    stage = 'read';
    for await (const batch of reader.read(task.split, { ...ctx, settings: task.reader.settings, config: task.reader.config, schema: source })) {
      if (controller.signal.aborted) break;
      const n = batch.numRows;
      const size = batchBytes(batch);
      result.recordsRead += n;
      counters.add(C.recordsRead, n);
      counters.add(C.bytesRead, size);
      result.bytesRead = (result.bytesRead ?? 0) + size;
      stage = 'convert';
      const { batch: good, dirty } = convert(batch);
      const locate = dirty.length ? rowSourceOf(batch) : undefined;
      for (const d of dirty) recordDirty(rowInSplit + d.row, d.column, d.reason, (d as DirtyRow).record, locate?.(d.row));
      rowInSplit += n;
      flushDirty();
      stage = 'limit';
      await records.take(n, controller.signal);
      await bytes.take(size, controller.signal);
      if (good.numRows > 0) {
        stage = 'write';
        await sink.write(good);
        result.recordsWritten += good.numRows;
        counters.add(C.recordsWritten, good.numRows);
      }
      stage = 'read';
    }
    stage = 'convert';
    flushDirty();
    if (controller.signal.aborted) throw new FerryError(ErrorCodes.ABORTED, 'the job was stopped');
    stage = 'close';
    result.segments = await sink.close();
    sink = undefined;
    counters.add(C.splitsDone, 1);
    result.ok = true;
  } catch (err) {
    const stopped = controller.signal.aborted && !(isFerryError(err) && err.code !== ErrorCodes.ABORTED);
    const e = stopped ? new FerryError(ErrorCodes.ABORTED, 'the job was stopped') : blame(err);
    result.error = serializeError(redactError(e));
    if (!stopped) counters.stop();
    try {
      flushDirty();
    } catch {
      // the limit error is already the failure being reported
    }
    try {
      await sink?.abort?.();
    } catch (abortErr) {
      log.warn(`split ${task.splitIndex}: writer abort failed: ${(abortErr as Error).message}`);
    }
  } finally {
    clearInterval(poll);
  }
  return result;
}

/** The job-wide limiter of one kind: the shared-memory bucket, or the task's limiter module (channels in other processes). */
async function limiterFor(task: ChannelTask, kind: 'records' | 'bytes', counters: Counters): Promise<ChannelLimiter> {
  const rate = task.speed[kind];
  if (!task.limiter || !(rate > 0)) return new SharedRateLimiter(counters, kind === 'records' ? C.recordsNext : C.bytesNext, rate);
  const mod = (await import(task.limiter.url)) as { default: LimiterFactory };
  return mod.default(task.limiter.options, kind, rate);
}
