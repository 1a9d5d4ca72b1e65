/**
 * The process one bench trial runs in. Each trial gets a fresh process so
 * its peak RSS and CPU seconds are its own (a process's peak RSS never goes
 * down, and worker threads' CPU is only visible per process). It receives a
 * TrialRequest over IPC, runs the job (or the reader's baseline) the way
 * `ferry run` does, and sends back a TrialOutcome with its resource usage.
 */
import { readFileSync } from 'node:fs';
import { createLogger, ErrorCodes, FerryError, serializeError, validate, wrapPluginError, type BaselineResult, type JobContext, type Logger } from '@ferry/core';
import { resolvePlugin, runJob, substitute, validateJob } from '@ferry/core/engine';
import { engineOptions } from '../builtin-plugins.js';
import { expressionResolver } from '../run-support.js';
import { failedTrial, type TrialOutcome, type TrialRequest, type TrialUsage } from './trial-types.js';

/** CPU seconds of the main thread (its tid is the pid), from /proc; undefined elsewhere. */
function mainThreadCpuS(): number | undefined {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // Fields 14 and 15 of stat (utime, stime) in clock ticks; Linux reports them at USER_HZ = 100.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

function sample(): { cpuS: number; mainCpuS?: number; maxRssKb: number } {
  const r = process.resourceUsage();
  const main = mainThreadCpuS();
  return { cpuS: (r.userCPUTime + r.systemCPUTime) / 1e6, maxRssKb: r.maxRSS, ...(main !== undefined ? { mainCpuS: main } : {}) };
}

function usageSince(before: ReturnType<typeof sample>): TrialUsage {
  const after = sample();
  const usage: TrialUsage = { cpuS: after.cpuS - before.cpuS, peakRssBytes: after.maxRssKb * 1024 };
  if (after.mainCpuS !== undefined && before.mainCpuS !== undefined) usage.mainCpuS = Math.min(usage.cpuS, after.mainCpuS - before.mainCpuS);
  return usage;
}

async function runBaseline(req: TrialRequest, log: Logger, signal: AbortSignal): Promise<Omit<TrialOutcome, 'usage'>> {
  const expressions = expressionResolver(req.bizdate);
  const job = validateJob(substitute(req.job, req.params, expressions));
  const { plugin: spec, ...rest } = job.reader;
  const engine = engineOptions({ storeDir: req.storeDir, project: req.project });
  const { plugin: reader } = await resolvePlugin(spec, 'reader', { baseDir: req.baseDir, plugins: engine.plugins });
  if (!reader.baseline) throw new FerryError(ErrorCodes.USAGE, `reader ${reader.name} has no baseline hook`);
  const config = validate(reader.config, rest, 'reader');
  const ctx: JobContext = { log, signal, params: req.params, settings: engine.settings?.[reader.name] ?? {}, baseDir: req.baseDir, runDir: req.runDir };
  const t0 = performance.now();
  let r: BaselineResult;
  try {
    r = await reader.baseline(config, ctx);
  } catch (err) {
    throw wrapPluginError(err, reader.name, 'baseline');
  }
  const wallMs = performance.now() - t0;
  return { ok: true, wallMs, records: r.records ?? 0, recordsKnown: r.records !== undefined, bytes: r.bytes, dirty: 0, splits: 0, method: r.method };
}

async function runTrial(req: TrialRequest, signal: AbortSignal): Promise<TrialOutcome> {
  const log = createLogger({ debug: req.debug, write: (line) => process.stderr.write(line + '\n') });
  const quiet: Logger = req.debug ? log : { info: () => {}, warn: log.warn, debug: () => {} };
  const before = sample();
  try {
    if (req.kind === 'baseline') {
      const out = await runBaseline(req, quiet, signal);
      return { ...out, usage: usageSince(before) };
    }
    const r = await runJob(req.job, {
      params: req.params,
      expressions: expressionResolver(req.bizdate),
      // The same plugins and table store settings as `ferry run`; the run folder is the bench's, never the store's.
      ...engineOptions({ storeDir: req.storeDir, project: req.project }),
      baseDir: req.baseDir,
      runDir: req.runDir,
      signal,
      log: quiet,
    });
    return {
      ok: r.status === 'succeeded',
      wallMs: r.elapsedMs,
      records: r.recordsRead,
      recordsKnown: true,
      bytes: r.bytesRead,
      dirty: r.dirtyRecords,
      splits: r.splits,
      usage: usageSince(before),
      ...(r.error ? { error: { code: r.error.code, message: r.error.message, ...(r.error.stack ? { stack: r.error.stack } : {}) } } : {}),
    };
  } catch (err) {
    const e = serializeError(err);
    return failedTrial({ code: e.code ?? 'FERRY_ERR_INTERNAL', message: e.message, ...(e.stack ? { stack: e.stack } : {}) }, usageSince(before));
  }
}

const controller = new AbortController();
// Ctrl-C reaches this process from the terminal and again from the bench: one stop is enough.
const stop = () => controller.abort(new FerryError(ErrorCodes.ABORTED, 'the bench was stopped'));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
// The bench process is gone: stop too, so no orphan keeps writing.
process.on('disconnect', stop);
process.once('message', (req: TrialRequest) => {
  void runTrial(req, controller.signal).then((outcome) => {
    if (!process.connected) process.exit(0);
    process.send!(outcome, () => process.exit(0));
  });
});
