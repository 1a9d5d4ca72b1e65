/**
 * The coordinator side of `ferry run --workers URL`: a channel runner for
 * core's engine. It enqueues one BullMQ job per split, opens the run's
 * endpoint (progress, results, staged files), sums the workers' counters
 * into the run's, stops every worker when the run must stop, and returns
 * one result per split. The engine then commits in this process: one
 * catalog transaction, as for a run on threads.
 *
 * Exactly one attempt per split is taken: the first complete result. A
 * split retried after its worker died (BullMQ's stalled-job check) has other
 * file names (the attempt id); files of attempts not taken are deleted by
 * the commit (or the abort) as staged files of the write nobody listed.
 */
import { appendFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { C, type ChannelResult, type ChannelRunner, type ChannelRunnerInput } from '@ferry/core/engine';
import { ErrorCodes, FerryError, rememberSecret, rememberSecrets, serializeError, type Logger } from '@ferry/core';
import { absPath, ensureDir, partitionDir, type TableWriteHandle } from '@ferry/writer-table';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { keys, PREFIX, QUEUE, RUN_TTL_S, type ProgressReport, type ResultReport, type SplitJobData } from './protocol.js';
import { connectRedis, displayUrl, redisClient, redisError } from './redis.js';
import { newToken, startUploadServer, type StagingPlace } from './upload-server.js';

export interface QueueRunnerOptions {
  /** redis://host:6379 (already resolved; it is remembered as a secret). */
  redis: string;
  /** Address the endpoint listens on, `host` or `host:port` (default 127.0.0.1, any port). Workers on other hosts need an address they reach. */
  listen?: string;
}

/** How often unfinished splits are looked up in the queue (a job that failed there, or vanished). */
const POLL_MS = 1000;
/** After a stop, how long running attempts get to report before the run gives up on them. */
const STOP_GRACE_MS = 5000;

interface Live {
  attempt: string;
  recordsRead: number;
  recordsWritten: number;
  bytesRead: number;
  dirty: number;
}

/** A channel runner that runs the splits on `ferry worker` processes through the queue at `opts.redis`. */
export function queueRunner(opts: QueueRunnerOptions): ChannelRunner {
  return (input) => runOnQueue(opts, input);
}

function parseListen(listen: string | undefined): { host: string; port: number } {
  if (!listen) return { host: '127.0.0.1', port: 0 };
  const m = /^(?:\[([^\]]+)\]|([^:]+))(?::(\d+))?$/.exec(listen);
  if (!m) throw new FerryError(ErrorCodes.USAGE, `--listen ${listen}: expected host or host:port`);
  return { host: m[1] ?? m[2]!, port: m[3] ? Number(m[3]) : 0 };
}

function tableHandle(handle: unknown): TableWriteHandle | undefined {
  const h = handle as Partial<TableWriteHandle> | null;
  return h && typeof h === 'object' && typeof h.storeDir === 'string' && typeof h.writeId === 'string' && h.def ? (h as TableWriteHandle) : undefined;
}

async function runOnQueue(opts: QueueRunnerOptions, input: ChannelRunnerInput): Promise<ChannelResult[]> {
  const { runId, runDir, splits, base, counters, signal, log } = input;
  const url = opts.redis;
  rememberSecrets(url);
  const where = displayUrl(url);
  const redis = await connectRedis(url, { name: `ferry-coordinator-${runId}` });
  const token = newToken();
  rememberSecret(token);
  const th = tableHandle(base.writer.handle);
  const staging: StagingPlace | undefined = th ? { storeDir: th.storeDir, dir: partitionDir(th.project, th.table, th.partition), writeId: th.writeId } : undefined;
  let storeMarker: string | undefined;
  if (staging) {
    // A worker given --shared-store writes there directly only when it sees this file (the same store, this run).
    ensureDir(staging.storeDir, staging.dir);
    storeMarker = `${staging.dir}/${staging.writeId}-store-${runId}.check`;
    writeFileSync(absPath(staging.storeDir, storeMarker), runId);
  }

  const results = new Map<number, ChannelResult>();
  const live = new Map<number, Live>();
  /** Files that landed per split and attempt (path -> bytes). */
  const files = new Map<string, Map<string, number>>();
  const dirtyDir = join(runDir, 'worker-dirty');
  let stopping = false;
  let failure: Error | undefined;
  let firstReport: number | undefined;
  let uploaded = 0;
  let inPlace = 0;
  let wake: (() => void) | undefined;
  const poke = () => wake?.();
  const stop = (why?: Error) => {
    if (why && !failure) failure = why;
    if (!stopping) {
      stopping = true;
      counters.stop();
    }
    poke();
  };

  const apply = (from: Partial<Live> | undefined, to: Partial<Live>) => {
    counters.add(C.recordsRead, (to.recordsRead ?? 0) - (from?.recordsRead ?? 0));
    counters.add(C.recordsWritten, (to.recordsWritten ?? 0) - (from?.recordsWritten ?? 0));
    counters.add(C.bytesRead, (to.bytesRead ?? 0) - (from?.bytesRead ?? 0));
    counters.add(C.dirty, (to.dirty ?? 0) - (from?.dirty ?? 0));
  };
  const checkDirty = () => {
    // Counted here across every worker: a limit no single split passes still stops the job.
    if (base.dirtyLimit !== undefined && counters.get(C.dirty) > base.dirtyLimit) {
      stop(new FerryError(ErrorCodes.DIRTY_LIMIT, `dirty records passed the limit of ${base.dirtyLimit} (errorLimit.records)`));
    }
  };

  const server = await startUploadServer({
    runId,
    token,
    ...parseListen(opts.listen),
    ...(staging ? { staging } : {}),
    dirtyDir,
    log,
    onProgress(r: ProgressReport) {
      firstReport ??= Date.now();
      if (!results.has(r.splitIndex) && typeof r.splitIndex === 'number') {
        const prev = live.get(r.splitIndex);
        // Another attempt reporting means the earlier one was given up (its worker stalled): its counts go.
        if (prev && prev.attempt !== r.attempt)
          log.info(`workers: split ${r.splitIndex} runs again as attempt ${r.attempt} on ${r.worker} (attempt ${prev.attempt} stopped reporting; its files are not taken)`);
        const next: Live = { attempt: r.attempt, recordsRead: r.recordsRead, recordsWritten: r.recordsWritten, bytesRead: r.bytesRead, dirty: r.dirty };
        apply(prev, next);
        live.set(r.splitIndex, next);
        checkDirty();
      }
      return { stop: stopping };
    },
    onResult(r: ResultReport) {
      firstReport ??= Date.now();
      if (results.has(r.splitIndex) || r.splitIndex < 0 || r.splitIndex >= splits.length) return { accepted: false };
      const res = r.result;
      res.splitIndex = r.splitIndex;
      if (res.ok && staging) {
        const got = files.get(`${r.splitIndex}/${r.attempt}`) ?? new Map<string, number>();
        for (const seg of res.segments as { path: string; bytes: number }[]) {
          const landed = got.has(seg.path) || (existsSync(absPath(staging.storeDir, seg.path)) && statSync(absPath(staging.storeDir, seg.path)).size === seg.bytes);
          if (!landed || !seg.path.includes(`-${r.attempt}-`)) {
            log.warn(`workers: split ${r.splitIndex} attempt ${r.attempt} (${r.worker}) lists ${seg.path}, which did not arrive; not taken`);
            return { accepted: false };
          }
        }
      }
      if (res.ok && staging) {
        const got = files.get(`${r.splitIndex}/${r.attempt}`);
        for (const seg of res.segments as { path: string }[]) {
          if (got?.has(seg.path)) uploaded++;
          else inPlace++;
        }
      }
      results.set(r.splitIndex, res);
      apply(live.get(r.splitIndex), { recordsRead: res.recordsRead, recordsWritten: res.recordsWritten, bytesRead: r.bytesRead, dirty: res.dirty });
      live.delete(r.splitIndex);
      const dirtyPart = join(dirtyDir, `${r.splitIndex}-${r.attempt}.jsonl`);
      if (existsSync(dirtyPart)) appendFileSync(base.dirtyFile, readFileSync(dirtyPart));
      if (res.ok) counters.add(C.splitsDone, 1);
      else stop();
      checkDirty();
      log.debug(`workers: split ${r.splitIndex} ${res.ok ? 'done' : 'failed'} on ${r.worker} (attempt ${r.attempt}, ${res.recordsWritten} record(s))`);
      if (r.try > 1) log.info(`workers: split ${r.splitIndex} ${res.ok ? 'done' : 'failed'} on try ${r.try} (${r.worker}): a worker before stopped holding it; files of other tries are not taken`);
      poke();
      return { accepted: true };
    },
    onFile(split, attempt, path, bytes) {
      const k = `${split}/${attempt}`;
      let m = files.get(k);
      if (!m) {
        m = new Map();
        files.set(k, m);
      }
      m.set(path, bytes);
    },
  });

  // Liveness: workers drop the jobs of a run whose key expired (its coordinator died).
  const runKey = keys.run(runId);
  const heartbeat = async () => redis.set(runKey, JSON.stringify({ endpoint: server.endpoint, host: hostname(), pid: process.pid }), 'EX', RUN_TTL_S);
  const queueConn = redisClient(url, { name: `ferry-queue-${runId}` });
  const queue = new Queue(QUEUE, { connection: queueConn, prefix: PREFIX });
  // Failures surface through the calls that fail; an 'error' event without a listener would end the process.
  queue.on('error', () => {});
  const jobIds = splits.map((_s, i) => `${runId}-${i}`);
  let beat: NodeJS.Timeout | undefined;
  const onAbort = () => stop();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    await heartbeat();
    await redis.sadd(keys.runs, runId);
    await cleanDeadRuns(redis, queue, log);
    beat = setInterval(
      () => {
        heartbeat().catch((err: unknown) => stop(redisError(url, err, 'lost Redis (the worker queue)')));
      },
      (RUN_TTL_S * 1000) / 3,
    );
    const { limiter: _l, ...shareable } = base;
    const jobBase: SplitJobData['base'] = {
      ...withoutLocal(shareable),
      // Workers load their own copy of the limiter module; the coordinator's file URL means nothing there.
      ...(base.speed.records > 0 || base.speed.bytes > 0 ? { limiter: { url: '', options: { redis: url, runId } } } : {}),
    };
    await queue.addBulk(
      splits.map((split, i) => ({
        name: `split-${i}`,
        data: { runId, endpoint: server.endpoint, token, splitIndex: i, split, base: jobBase, ...(storeMarker ? { storeMarker } : {}) } satisfies SplitJobData,
        opts: { jobId: jobIds[i], attempts: 1, removeOnComplete: true, removeOnFail: { age: 3600 } },
      })),
    );
    log.info(`workers: ${splits.length} split(s) queued on ${where}; files and progress come to ${server.endpoint}`);
    await waitForSplits();
    if (results.size === splits.length && !failure) {
      log.info(`workers: all ${splits.length} split(s) done${staging ? `; ${uploaded} file(s) uploaded, ${inPlace} written in place (--shared-store)` : ''}`);
    }
  } catch (err) {
    stop(err instanceof FerryError ? err : redisError(url, err, 'lost Redis (the worker queue)'));
  } finally {
    clearInterval(beat);
    signal.removeEventListener('abort', onAbort);
    // Nothing of the run stays queued; a running attempt sees the run key gone or its next progress refused.
    await Promise.allSettled(jobIds.map((id) => queue.remove(id)));
    await Promise.allSettled([redis.del(runKey, keys.rate(runId, 'records'), keys.rate(runId, 'bytes')), redis.srem(keys.runs, runId)]);
    await server.close();
    await queue.close().catch(() => {});
    queueConn.disconnect();
    redis.disconnect();
    if (storeMarker && staging) rmSync(absPath(staging.storeDir, storeMarker), { force: true });
    rmSync(dirtyDir, { recursive: true, force: true });
  }
  if (failure) {
    // The failure takes the place of a split that has no result or was only stopped, so the engine reports it (and aborts the write).
    const i = splits.findIndex((_s, k) => {
      const r = results.get(k);
      return !r || (!r.ok && r.error?.code === ErrorCodes.ABORTED);
    });
    if (i >= 0) results.set(i, failedResult(i, failure));
  }
  return splits.map((_s, i) => results.get(i) ?? failedResult(i, new FerryError(ErrorCodes.ABORTED, 'the job was stopped before this split ran')));

  async function waitForSplits(): Promise<void> {
    let stopAt: number | undefined;
    let noWorkerWarned = false;
    const vanished = new Set<number>();
    const t0 = Date.now();
    for (;;) {
      if (results.size === splits.length) return;
      if (stopping) {
        stopAt ??= Date.now();
        if (live.size === 0 || Date.now() - stopAt > STOP_GRACE_MS) return;
      } else {
        await pollQueue(vanished);
        if (!noWorkerWarned && firstReport === undefined && Date.now() - t0 > 10_000) {
          noWorkerWarned = true;
          const n = (await redis.keys(keys.workerPattern)).length;
          if (n === 0) log.warn(`workers: no ferry worker is connected to ${where}; the splits wait (start one: ferry worker --redis URL)`);
        }
      }
      await new Promise<void>((ok) => {
        const t = setTimeout(ok, POLL_MS);
        wake = () => {
          clearTimeout(t);
          ok();
        };
      });
      wake = undefined;
    }
  }

  /** A split whose job failed in the queue (its stall limit passed) or vanished without a result fails the run. */
  async function pollQueue(vanished: Set<number>): Promise<void> {
    for (let i = 0; i < splits.length; i++) {
      if (results.has(i) || stopping) continue;
      const state = await queue.getJobState(jobIds[i]!);
      if (results.has(i)) continue;
      if (state === 'failed') {
        const job = await queue.getJob(jobIds[i]!);
        stop(new FerryError(ErrorCodes.WORKERS, `split ${i} failed on the workers: ${job?.failedReason ?? 'no reason given'}`));
      } else if (state === 'unknown') {
        // Seen twice: a result that was accepted in between is not taken for a loss.
        if (vanished.has(i)) stop(new FerryError(ErrorCodes.WORKERS, `split ${i} left the queue without a result (removed from Redis?)`));
        vanished.add(i);
      } else vanished.delete(i);
    }
  }
}

function withoutLocal(b: Omit<ChannelRunnerInput['base'], 'limiter'>): SplitJobData['base'] {
  const { shared: _s, logFile: _l, dirtyFile: _d, baseDir: _b, sourceSchema, destSchema, ...rest } = b;
  return { ...rest, sourceSchema: Buffer.from(sourceSchema).toString('base64'), destSchema: destSchema ? Buffer.from(destSchema).toString('base64') : null };
}

function failedResult(splitIndex: number, err: Error): ChannelResult {
  return { splitIndex, ok: false, segments: [], recordsRead: 0, recordsWritten: 0, dirty: 0, samples: [], counters: {}, error: serializeError(err) };
}

/** Removes the queued splits of runs whose coordinator is gone (killed): they would wait forever otherwise. */
export async function cleanDeadRuns(redis: Redis, queue: Queue, log?: Logger): Promise<number> {
  const runs = await redis.smembers(keys.runs);
  const dead = new Set<string>();
  for (const id of runs) if (!(await redis.exists(keys.run(id)))) dead.add(id);
  if (dead.size === 0) return 0;
  let removed = 0;
  const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized', 'failed', 'completed'], 0, -1);
  for (const job of jobs) {
    const runId = (job?.data as SplitJobData | undefined)?.runId;
    if (runId && dead.has(runId)) {
      await job.remove().catch(() => {});
      removed++;
    }
  }
  for (const id of dead) await redis.srem(keys.runs, id);
  if (removed) log?.info(`workers: removed ${removed} queued split(s) of ${dead.size} run(s) whose coordinator died`);
  return removed;
}
