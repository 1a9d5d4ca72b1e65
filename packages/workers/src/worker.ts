/**
 * `ferry worker`: a long-running process that takes splits from the queue
 * and runs each exactly as a channel of `ferry run` does (core's channel
 * module on a worker thread: reader -> convert -> rate limit -> writer),
 * with the plugins resolved on this host. A table writer's files are staged
 * in a local folder and streamed to the run's coordinator, or written into
 * the store directly when it is mounted here (`--shared-store`).
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, rmSync, statSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { CHANNEL_WORKER_URL, channelModuleUrl, createSharedState, C, Counters, resolvePluginUrl, type ChannelResult, type ChannelTask } from '@ferry/core/engine';
import { ErrorCodes, FerryError, rememberSecret, rememberSecrets, serializeError, type Logger } from '@ferry/core';
import { Worker, type Job } from 'bullmq';
import { Piscina } from 'piscina';
import { keys, PREFIX, QUEUE, WORKER_TTL_S, type ProgressReply, type ResultReply, type SplitJobData } from './protocol.js';
import { connectRedis, displayUrl, redisClient } from './redis.js';

export interface WorkerOptions {
  redis: string;
  /** Splits run at once (worker threads). */
  concurrency: number;
  /** How this worker is named in `ferry workers` (default host-pid). */
  name?: string;
  /** The embedder's built-in plugins (short name -> module). */
  plugins: Record<string, string>;
  /** The coordinators' store folder as mounted on this host: files are written there instead of uploaded. */
  sharedStore?: string;
  /** Local folder for staged files, dirty records and the channel log (default <tmp>/ferry-worker-<name>). */
  workDir?: string;
  log: Logger;
  signal: AbortSignal;
  /** BullMQ's lock (ms): a worker silent this long is taken for dead and its split is given to another. */
  lockMs?: number;
}

/** How often a running split reports its counters (and learns whether to stop). */
const REPORT_MS = 1000;
/** A coordinator unreachable this long ends the attempt (it is gone, or the network is). */
const COORDINATOR_LOST_MS = 20_000;

interface Running {
  runId: string;
  split: number;
  attempt: string;
  counters: Counters;
}

/** Runs until `opts.signal` aborts; then finishes the running splits and closes. */
export async function runWorker(opts: WorkerOptions): Promise<void> {
  const name = opts.name ?? `${hostname()}-${process.pid}`;
  if (!/^[A-Za-z0-9._-]{1,64}$/.test(name)) throw new FerryError(ErrorCodes.USAGE, `--name ${name}: use letters, digits, '.', '_' and '-' (at most 64)`);
  rememberSecrets(opts.redis);
  const where = displayUrl(opts.redis);
  const workDir = resolve(opts.workDir ?? join(tmpdir(), `ferry-worker-${name}`));
  mkdirSync(workDir, { recursive: true });
  const redis = await connectRedis(opts.redis, { name: `ferry-worker-${name}` });
  const pool = new Piscina({ filename: CHANNEL_WORKER_URL, minThreads: 1, maxThreads: opts.concurrency, idleTimeout: 60_000 });
  const running = new Set<Running>();
  let done = 0;
  let recordsDone = 0;
  let lastTotal = 0;
  let lastAt = Date.now();
  const started = new Date().toISOString();

  const register = async () => {
    let total = recordsDone;
    for (const r of running) total += r.counters.get(C.recordsRead);
    const now = Date.now();
    const rate = Math.max(0, Math.round(((total - lastTotal) * 1000) / Math.max(1, now - lastAt)));
    lastTotal = total;
    lastAt = now;
    await redis
      .multi()
      .hset(keys.worker(name), {
        name,
        host: hostname(),
        pid: String(process.pid),
        concurrency: String(opts.concurrency),
        started,
        running: JSON.stringify([...running].map((r) => ({ run: r.runId, split: r.split, attempt: r.attempt, records: r.counters.get(C.recordsRead) }))),
        splitsDone: String(done),
        recordsRead: String(total),
        recordsPerSecond: String(rate),
        seen: new Date().toISOString(),
      })
      .expire(keys.worker(name), WORKER_TTL_S)
      .exec();
  };

  const processor = async (job: Job<SplitJobData>): Promise<ResultReply | { orphan: true }> => {
    const data = job.data;
    rememberSecret(data.token);
    rememberSecrets(data.base.reader.config);
    if (!(await redis.exists(keys.run(data.runId)))) {
      opts.log.warn(`run ${data.runId}: its coordinator is gone; split ${data.splitIndex} dropped`);
      return { orphan: true };
    }
    const tryNo = job.attemptsStarted ?? 1;
    const attempt = `${tryNo}${randomBytes(4).toString('hex')}`;
    const runDir = join(workDir, data.runId);
    const stageDir = join(runDir, `${data.splitIndex}-${attempt}`);
    mkdirSync(stageDir, { recursive: true });
    const shared = sharedStoreFor(opts.sharedStore, data, opts.log);
    const counters = new Counters(createSharedState());
    const me: Running = { runId: data.runId, split: data.splitIndex, attempt, counters };
    running.add(me);
    const client = new CoordinatorClient(data);
    const dirtyFile = join(stageDir, 'dirty.jsonl');
    let lastOk = Date.now();
    const report = async () => {
      try {
        const reply = (await client.post('progress', {
          splitIndex: data.splitIndex,
          attempt,
          worker: name,
          recordsRead: counters.get(C.recordsRead),
          recordsWritten: counters.get(C.recordsWritten),
          bytesRead: counters.get(C.bytesRead),
          dirty: counters.get(C.dirty),
        })) as ProgressReply;
        lastOk = Date.now();
        if (reply.stop) counters.stop();
      } catch (err) {
        // Nothing listening any more (connection refused): the coordinator is gone, the run with it.
        if (err instanceof RefusedError || causeCode(err) === 'ECONNREFUSED' || Date.now() - lastOk > COORDINATOR_LOST_MS) {
          opts.log.warn(`run ${data.runId} split ${data.splitIndex}: the coordinator is unreachable (${(err as Error).message}); stopping the split`);
          counters.stop();
        }
      }
    };
    const timer = setInterval(() => void report(), REPORT_MS);
    try {
      const table = data.base.writer.name === 'table' && data.base.writer.handle && typeof data.base.writer.handle === 'object';
      const task: ChannelTask = {
        ...data.base,
        split: data.split,
        splitIndex: data.splitIndex,
        sourceSchema: new Uint8Array(Buffer.from(data.base.sourceSchema, 'base64')),
        destSchema: data.base.destSchema === null ? null : new Uint8Array(Buffer.from(data.base.destSchema, 'base64')),
        reader: { ...data.base.reader, url: channelModuleUrl(resolvePluginUrl(data.base.reader.spec, { plugins: opts.plugins })) },
        writer: {
          ...data.base.writer,
          url: channelModuleUrl(resolvePluginUrl(data.base.writer.spec, { plugins: opts.plugins })),
          // Files to upload are temporary copies here: the coordinator fsyncs what it receives.
          handle: table ? { ...(data.base.writer.handle as object), stageDir: shared ?? stageDir, attempt, ...(shared ? {} : { stageTemporary: true }) } : data.base.writer.handle,
        },
        ...(data.base.limiter ? { limiter: { url: new URL('./limiter.js', import.meta.url).href, options: data.base.limiter.options } } : {}),
        shared: counters.state,
        logFile: join(runDir, 'channel.log'),
        dirtyFile,
        baseDir: process.cwd(),
      };
      const result = (await pool.run(task)) as ChannelResult;
      clearInterval(timer);
      await report();
      if (result.ok && table && !shared) {
        for (const seg of result.segments as { path: string }[]) {
          await client.put('file', { split: data.splitIndex, attempt, path: seg.path }, join(stageDir, ...seg.path.split('/')));
        }
      }
      if (existsSync(dirtyFile)) await client.put('dirty', { split: data.splitIndex, attempt }, dirtyFile);
      const reply = (await client.post('result', { splitIndex: data.splitIndex, attempt, worker: name, try: tryNo, result, bytesRead: counters.get(C.bytesRead) })) as ResultReply;
      if (!reply.accepted) opts.log.info(`run ${data.runId} split ${data.splitIndex}: another attempt was taken; this one's files are deleted at the commit`);
      done++;
      recordsDone += counters.get(C.recordsRead);
      return reply;
    } catch (err) {
      // The coordinator must know this attempt failed, if it can still hear it; the job fails in the queue either way.
      const e = err instanceof Error ? err : new Error(String(err));
      await client
        .post('result', {
          splitIndex: data.splitIndex,
          attempt,
          worker: name,
          try: tryNo,
          bytesRead: 0,
          result: {
            splitIndex: data.splitIndex,
            ok: false,
            segments: [],
            recordsRead: 0,
            recordsWritten: 0,
            dirty: 0,
            samples: [],
            counters: {},
            error: serializeError(new FerryError(ErrorCodes.WORKERS, `split ${data.splitIndex} on worker ${name}: ${e.message}`)),
          },
        })
        .catch(() => {});
      throw e;
    } finally {
      clearInterval(timer);
      running.delete(me);
      rmSync(stageDir, { recursive: true, force: true });
    }
  };

  const worker = new Worker<SplitJobData>(QUEUE, processor, {
    connection: redisClient(opts.redis, { blocking: true, name: `ferry-worker-${name}` }),
    prefix: PREFIX,
    concurrency: opts.concurrency,
    name,
    lockDuration: opts.lockMs ?? 10_000,
    stalledInterval: Math.max(1000, Math.round((opts.lockMs ?? 10_000) / 2)),
    maxStalledCount: 2,
    autorun: false,
  });
  let lastError = '';
  worker.on('error', (err) => {
    // ioredis reconnects by itself; say it once per distinct failure, the URL redacted.
    const msg = `${where}: ${err.message}`;
    if (msg !== lastError) opts.log.warn(`worker queue: ${msg}`);
    lastError = msg;
  });
  worker.on('failed', (job, err) => opts.log.warn(`split ${job?.data.splitIndex ?? '?'} of run ${job?.data.runId ?? '?'} failed: ${err.message}`));
  await register();
  const beat = setInterval(() => {
    register().catch(() => {});
  }, 2000);
  opts.log.info(`worker ${name}: taking splits from ${where} (${opts.concurrency} at a time)`);
  const stopped = new Promise<void>((ok) => opts.signal.addEventListener('abort', () => ok(), { once: true }));
  const runLoop = worker.run();
  await Promise.race([stopped, runLoop]);
  clearInterval(beat);
  // Graceful: no new split, the running ones finish (a second signal ends the process; the queue then gives them to others).
  if (running.size) opts.log.info(`worker ${name}: stopping after ${running.size} running split(s)`);
  await worker.close();
  await pool.destroy();
  await redis.del(keys.worker(name)).catch(() => {});
  redis.disconnect();
}

/** The store folder to write into directly, when --shared-store is given and holds this run's marker; else undefined (upload). */
function sharedStoreFor(dir: string | undefined, data: SplitJobData, log: Logger): string | undefined {
  if (!dir || !data.storeMarker) return undefined;
  const marker = join(dir, ...data.storeMarker.split('/'));
  try {
    if (statSync(marker).isFile()) return resolve(dir);
  } catch {
    // not there: fall through
  }
  log.warn(`--shared-store ${dir}: no ${data.storeMarker} there, so it is not the store of run ${data.runId}; uploading the files instead`);
  return undefined;
}

class RefusedError extends Error {}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: string } })?.cause;
  return cause?.code;
}

/** Requests to the run's endpoint, with the run's token. */
class CoordinatorClient {
  constructor(private readonly data: SplitJobData) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { authorization: `Bearer ${this.data.token}`, ...extra };
  }

  async post(what: string, body: unknown): Promise<unknown> {
    const res = await fetch(`${this.data.endpoint}/${what}`, {
      method: 'POST',
      headers: this.headers({ 'content-type': 'application/json' }),
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    return this.answer(res, what);
  }

  /** Streams a file; retried a few times (the coordinator replaces a partial upload atomically). */
  async put(what: 'file' | 'dirty', query: Record<string, string | number>, file: string): Promise<void> {
    const qs = new URLSearchParams(Object.entries(query).map(([k, v]): [string, string] => [k, String(v)]));
    let last: unknown;
    for (let i = 0; i < 3; i++) {
      try {
        const res = await fetch(`${this.data.endpoint}/${what}?${qs}`, {
          method: 'PUT',
          headers: this.headers({ 'content-type': 'application/octet-stream', 'content-length': String(statSync(file).size) }),
          body: createReadStream(file) as unknown as ReadableStream,
          duplex: 'half',
          signal: AbortSignal.timeout(600_000),
        } as RequestInit);
        await this.answer(res, what);
        return;
      } catch (err) {
        last = err;
        if (err instanceof RefusedError) throw err;
        await new Promise((r) => setTimeout(r, 500 * (i + 1)));
      }
    }
    throw last;
  }

  private async answer(res: Response, what: string): Promise<unknown> {
    const text = await res.text();
    if (res.status >= 400 && res.status < 500) throw new RefusedError(`the coordinator refused ${what}: ${res.status} ${text.trim()}`);
    if (!res.ok) throw new Error(`the coordinator answered ${what} with ${res.status} ${text.trim()}`);
    return JSON.parse(text);
  }
}
