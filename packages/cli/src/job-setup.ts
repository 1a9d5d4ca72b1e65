/**
 * Loading a job for commands that look at it without running it (preview,
 * table create --from-job): the same steps runJob takes before data moves
 * (DataX hints, data sources, placeholders, validation, plugins), and nothing
 * written.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCodes, FerryError, redactText, validate, type JobContext, type ReaderPlugin, type WriterPlugin } from '@ferry/core';
import { parseParamArgs, prepareJob, resolvePlugin, validateJob, type JobConfig } from '@ferry/core/engine';
import { applyDatasources } from '@ferry/workflow/job';
import { engineOptions } from './builtin-plugins.js';
import { expressionResolver } from './run-support.js';
import { resolveTarget, type TargetOptions } from './workspace-target.js';

/** A job with its plugins loaded and their configs validated. */
export interface LoadedJob {
  path: string;
  job: JobConfig;
  reader: ReaderPlugin;
  writer: WriterPlugin;
  readerConfig: unknown;
  writerConfig: unknown;
  /** The reader's and the writer's contexts (each with its own settings). */
  ctx: JobContext;
  writerCtx: JobContext;
  /** Where `ferry run` keeps run folders (dirty records). */
  runsDir: string;
}

export interface LoadOptions extends TargetOptions {
  param?: string[];
  bizdate?: string;
  /** Fill placeholders without a value with `0` (to read a job's shape, not to run it). */
  anyParams?: boolean;
}

/** Reads, checks and resolves a job file the way `ferry run` does, up to the point where data would move. */
export async function loadJob(jobPath: string, opts: LoadOptions, signal: AbortSignal): Promise<LoadedJob> {
  const params = parseParamArgs(opts.param ?? []);
  if (opts.bizdate !== undefined) {
    if (!/^\d{8}$/.test(opts.bizdate)) throw new FerryError(ErrorCodes.USAGE, `--bizdate ${opts.bizdate}: expected yyyymmdd`);
    params.bizdate ??= opts.bizdate;
  }
  const target = await resolveTarget(opts);
  const expressions = expressionResolver(opts.bizdate);
  const resolveAny = opts.anyParams ? (body: string, bracket: '{' | '[') => expressions?.(body, bracket) ?? '0' : expressions;
  // The same preparation as ferry run: DataX hints, placeholders, then the workspace's data sources.
  const prepared = await prepareJob(jobPath, {
    params,
    ...(resolveAny ? { expressions: resolveAny } : {}),
    displayName: jobPath,
    datasources: (job, file) => (target.workspace ? applyDatasources(job, target.workspace, target.env, file) : job),
  });
  const path = prepared.file;
  const job = validateJob(prepared.job, jobPath);
  const baseDir = prepared.baseDir;
  const engine = engineOptions(target);
  const resolveOpts = { baseDir, plugins: engine.plugins, resolveFrom: [new URL('../..', import.meta.url).href + 'package.json'] };
  const { plugin: _r, ...readerRest } = job.reader;
  const { plugin: _w, ...writerRest } = job.writer;
  const reader = (await resolvePlugin(job.reader.plugin, 'reader', resolveOpts)).plugin;
  const writer = (await resolvePlugin(job.writer.plugin, 'writer', resolveOpts)).plugin;
  const quiet = { info: () => {}, debug: () => {}, warn: (m: string) => process.stderr.write(redactText(`ferry: ${m}`) + '\n') };
  const ctx: JobContext = {
    log: quiet,
    signal,
    params,
    settings: engine.settings?.[reader.name] ?? {},
    baseDir,
    // Nothing is written: the run folder is never created.
    runDir: join(tmpdir(), 'ferry-no-run'),
  };
  return {
    path,
    job,
    reader,
    writer,
    ctx,
    writerCtx: { ...ctx, settings: engine.settings?.[writer.name] ?? {} },
    runsDir: engine.runsDir!,
    readerConfig: validate(reader.config, readerRest, 'reader', jobPath),
    writerConfig: validate(writer.config, writerRest, 'writer', jobPath),
  };
}
