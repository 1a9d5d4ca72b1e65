/** `ferry run <job>`: runs one sync job and prints a DataX-style summary. */
import { ensureTableFromJob } from '../create-table/table-from-job.js';
import { loadJob } from '../job-setup.js';
import { Command, Option } from 'commander';
import { createLogger, ErrorCodes, FerryError, formatByteRate, isUsageError, describeRowSource, redactText } from '@ferry/core';
import { parseParamArgs, prepareJob, runJob, type RunResult } from '@ferry/core/engine';
import { applyDatasources, jobIdentity, parseBizdate } from '@ferry/workflow/job';
import { workersRunner } from '../job-workers.js';
import { engineOptions } from '../builtin-plugins.js';
import { bytes, counterLabel, int, localTime, seconds, table } from '../format.js';
import { createProgress } from '../progress.js';
import { expressionResolver, withSignals } from '../run-support.js';
import { resolveTarget, targetOptions, type TargetOptions } from '../workspace-target.js';

const collect = (v: string, prev: string[]) => [...prev, v];

/** True when the job's table writer asks for its table to be created. */
function wantsCreateTable(job: unknown): boolean {
  const w = (job as { writer?: { plugin?: unknown; createTable?: unknown } } | null)?.writer;
  return w?.plugin === 'table' && w.createTable === true;
}

export function runCommand(): Command {
  const cmd = new Command('run')
    .description('run a sync job (JSON or YAML job file)')
    .argument('<job>', 'job file')
    .option('-p, --param <name=value>', 'fill ${name} placeholders (repeatable)', collect, [])
    .option('--bizdate <date>', 'business date, yyyymmdd or yyyy-mm-dd: sets ${bizdate} and scheduling expressions like ${yyyymmdd-1}')
    .option('--json', 'print one JSON object with the result on stdout')
    .option('--workers <url>', 'run the splits on `ferry worker` processes through the Redis queue at URL (redis://host:6379, or ${env:NAME}); default setting.workers of the job')
    .option('--listen <host[:port]>', 'with --workers: the address the workers send files and progress to (default 127.0.0.1, any port; give one they reach)')
    .option('--full-refresh', 'incremental jobs: ignore the saved high-water mark, read every row (or from "start") and save the new mark')
    .option('--resume [run]', 'run only the unfinished splits of a failed, cancelled or killed run of this job (default: its latest run into the same destination), then commit everything at once')
    .option('--keep-staged <days>', `days a failed run keeps the staged data of its finished splits for --resume (0: none; default $FERRY_KEEP_STAGED_DAYS, else ${DEFAULT_KEEP_DAYS})`)
    .addOption(new Option('--quiet', 'no progress output'));
  return targetOptions(cmd).action(
    async (
      jobPath: string,
      opts: TargetOptions & {
        param: string[];
        bizdate?: string;
        json?: boolean;
        quiet?: boolean;
        fullRefresh?: boolean;
        workers?: string;
        listen?: string;
        resume?: string | boolean;
        keepStaged?: string;
      },
      command: Command,
    ) => {
      const debug = Boolean(command.optsWithGlobals().debug);
      const params = parseParamArgs(opts.param);
      if (opts.bizdate !== undefined) {
        opts.bizdate = parseBizdate(opts.bizdate);
        params.bizdate ??= opts.bizdate;
      }
      const keepDays = keepStagedDays(opts.keepStaged);
      const target = await resolveTarget(opts);
      const prepared = await prepareJob(jobPath, {
        params,
        expressions: expressionResolver(opts.bizdate),
        displayName: jobPath,
        datasources: (job, file) => {
          if (target.workspace) return applyDatasources(job, target.workspace, target.env, file);
          if (/"datasource"\s*:/.test(JSON.stringify(job))) {
            throw new FerryError(ErrorCodes.CONFIG, `${file}: the job names a data source, which needs a workspace (ferry.yaml in this folder or above, or --workspace FILE)`);
          }
          return job;
        },
      });
      if (wantsCreateTable(prepared.job)) {
        const made = await withSignals(async (signal) => ensureTableFromJob(await loadJob(jobPath, opts, signal)));
        if (made.created) process.stderr.write(`ferry: created table ${made.table} (writer.createTable):\n${made.ddl}\n`);
      }
      const channels = await workersRunner(prepared.job, opts.workers, opts.listen);
      const progress = opts.json || opts.quiet ? undefined : createProgress();
      const log = createLogger({ debug, write: (line) => process.stderr.write(`${progress ? '\r\x1b[K' : ''}${line}\n`) });
      const result = await withSignals((signal) =>
        runJob(prepared.job, {
          params,
          expressions: expressionResolver(opts.bizdate),
          ...engineOptions(target),
          baseDir: prepared.baseDir,
          source: prepared.file,
          job: jobIdentity(prepared.file, target.workspace?.dir),
          stateTemplate: prepared.template,
          fullRefresh: Boolean(opts.fullRefresh),
          ...(channels ? { channels } : {}),
          resumable: { retentionMs: keepDays * DAY_MS },
          ...(opts.resume ? { resume: typeof opts.resume === 'string' ? { runId: opts.resume } : {} } : {}),
          signal,
          log: debug ? log : { info: () => {}, warn: log.warn, debug: () => {} },
          onProgress: progress ? (p) => progress.update(p) : undefined,
          progressIntervalMs: progress?.intervalMs,
        }),
      );
      progress?.done();
      if (opts.json) process.stdout.write(redactText(JSON.stringify(jsonResult(result))) + '\n');
      // A job that failed before any data moved (config, missing table, unreachable source) gets its one error line, no summary of zeros.
      else if (result.status === 'succeeded' || result.splits > 0 || result.recordsRead > 0) process.stdout.write(redactText(summary(result)) + '\n');
      if (result.status === 'failed') {
        if (!opts.json) process.stderr.write(redactText(`ferry: job ${cancelled(result) ? 'cancelled' : 'failed'}: ${result.error?.message}`) + '\n');
        if (!opts.json && result.kept) {
          process.stderr.write(
            redactText(
              `ferry: ${result.kept.splits} of ${result.splits} split(s) finished and are kept until ${localTime(result.kept.until)}; to run only the others: ferry run ${jobPath} --resume ${result.runId}${resumeArgs(opts)}`,
            ) + '\n',
          );
        }
        if (debug && result.error?.stack) process.stderr.write(redactText(result.error.stack) + '\n');
        process.exitCode = exitCodeFor(result);
      } else process.exitCode = 0;
    },
  );
}

const DAY_MS = 86_400_000;
/** How long a failed run's finished splits are kept for --resume, unless told. */
export const DEFAULT_KEEP_DAYS = 7;

/** --keep-staged, else FERRY_KEEP_STAGED_DAYS, else the default. */
function keepStagedDays(opt: string | undefined): number {
  const text = opt ?? process.env.FERRY_KEEP_STAGED_DAYS;
  if (text === undefined || text === '') return DEFAULT_KEEP_DAYS;
  const n = Number(text);
  if (!Number.isFinite(n) || n < 0) throw new FerryError(ErrorCodes.USAGE, `${opt === undefined ? 'FERRY_KEEP_STAGED_DAYS' : '--keep-staged'} ${text}: expected a number of days (0 keeps nothing)`);
  return n;
}

/** The options a resume needs again (the same parameters and destination). */
function resumeArgs(opts: TargetOptions & { param: string[]; bizdate?: string }): string {
  const q = (v: string) => (/^[\w@%+=:,./-]+$/.test(v) ? v : `'${v.replace(/'/g, "'\\''")}'`);
  const args: string[] = [];
  if (opts.bizdate) args.push('--bizdate', opts.bizdate);
  for (const p of opts.param) args.push('-p', p.includes('=') && /pass|secret|token|key/i.test(p.slice(0, p.indexOf('='))) ? `${p.slice(0, p.indexOf('='))}=...` : p);
  for (const k of ['store', 'project', 'env', 'workspace'] as const) if (opts[k]) args.push(`--${k}`, opts[k]!);
  return args.length ? ' ' + args.map(q).join(' ') : '';
}

/** 2 for mistakes in the job or command line, 1 for failed work. */
export function exitCodeFor(result: RunResult): number {
  if (result.status === 'succeeded') return 0;
  return isUsageError(result.error?.code) ? 2 : 1;
}

/** The --json object. */
export function jsonResult(r: RunResult) {
  return {
    status: r.status,
    recordsRead: r.recordsRead,
    recordsWritten: r.recordsWritten,
    bytesRead: r.bytesRead,
    dirtyRecords: r.dirtyRecords,
    elapsedMs: r.elapsedMs,
    channels: r.channels,
    splits: r.splits,
    runId: r.runId,
    runDir: r.runDir,
    ...(r.resumed ? { resumed: r.resumed } : {}),
    ...(r.kept ? { kept: r.kept } : {}),
    ...(r.dirtyFile ? { dirtyFile: r.dirtyFile } : {}),
    ...(Object.keys(r.counters).length ? { counters: r.counters } : {}),
    ...(r.commit ? { commit: r.commit } : {}),
    ...(r.state ? { incremental: r.state } : {}),
    ...(r.error ? { error: { code: r.error.code, message: r.error.message, ...pluginFields(r.error) } } : {}),
  };
}

/** The plugin, hook and original code of a failure, when it has them. */
function pluginFields(e: NonNullable<RunResult['error']>) {
  return { ...(e.plugin ? { plugin: e.plugin } : {}), ...(e.hook ? { hook: e.hook } : {}), ...(e.originalCode ? { originalCode: e.originalCode } : {}) };
}

/** Stopped by Ctrl-C / SIGTERM rather than failed. */
function cancelled(r: RunResult): boolean {
  return r.status === 'failed' && r.error?.code === ErrorCodes.ABORTED;
}

/** The DataX-style summary. */
export function summary(r: RunResult): string {
  const secs = Math.max(r.elapsedMs / 1000, 0.001);
  const rows: [string, string][] = [
    ['Job start time', localTime(r.startedAt)],
    ['Job end time', localTime(r.endedAt)],
    ['Elapsed', seconds(r.elapsedMs)],
    ['Status', cancelled(r) ? 'CANCELLED' : r.status.toUpperCase()],
    ['Channels / splits', `${r.channels} / ${r.splits}`],
    ['Records read', int(r.recordsRead)],
    ['Records written', int(r.recordsWritten)],
    ['Bytes read', bytes(r.bytesRead)],
    ['Average speed', `${formatByteRate(r.bytesRead, r.elapsedMs)}, ${int(r.recordsRead / secs)} records/s`],
    ['Dirty records', int(r.dirtyRecords)],
  ];
  if (r.resumed) rows.push(['Resumed run', `${r.resumed.runId}: ${r.resumed.splits} of ${r.splits} split(s) kept (${int(r.resumed.recordsWritten)} records, not counted above)`]);
  if (r.kept) rows.push(['Kept for --resume', `${r.kept.splits} of ${r.splits} split(s), until ${localTime(r.kept.until)}`]);
  if (r.state) rows.push(['Incremental range', `${r.state.range}${r.state.saved ? ' (saved)' : ' (not saved)'}`]);
  for (const [k, v] of Object.entries(r.counters)) rows.push([counterLabel(k), int(v)]);
  if (r.dirtyFile) rows.push(['Dirty records file', r.dirtyFile]);
  const first = r.dirtySamples[0];
  if (first) rows.push(['First dirty record', `${first.source ? describeRowSource(first.source) : `split ${first.split} row ${first.row}`}: ${first.reason}`]);
  rows.push(['Run log', `${r.runDir}/run.log`]);
  let out = table(rows);
  if (r.dirtySamples.length) {
    out +=
      '\nDirty record samples:\n' +
      r.dirtySamples
        .slice(0, 5)
        .map((s) => `  ${s.source ? describeRowSource(s.source) : `split ${s.split} row ${s.row}`}: ${s.reason}  ${JSON.stringify(s.value)}`)
        .join('\n');
    out += `\nAll dirty records: ferry dirty show ${r.runId}`;
  }
  return out;
}
