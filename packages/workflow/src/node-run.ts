/**
 * One attempt of one node: a virtual node succeeds at once; a sync node
 * loads its job file, fills its parameters for the instance's times, merges
 * the environment's data sources and runs the job with core's `runJob`; a
 * sql node runs its statements on the store (sql-node.ts).
 */
import type { ChannelRunner } from '@ferry/core/engine';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { dirname, join } from 'node:path';
import { ErrorCodes, FerryError, evalDateExpression, redactText, rememberSecrets, substituteSchedulingParams, type CycleTimes, type Logger } from '@ferry/core';
import { prepareJob, runJob, type RunResult } from '@ferry/core/engine';
import { tableSettings } from '@ferry/writer-table';
import { applyDatasources } from './datasources.js';
import { jobIdentity } from './job-identity.js';
import { runSqlNode } from './sql-node.js';

/** The store's writer: a workflow writes into its own workspace's store. */
const TABLE_WRITER = pathToFileURL(createRequire(import.meta.url).resolve('@ferry/writer-table')).href;
import type { Workspace, WorkflowNode } from './workspace.js';

/** What one attempt did. */
export interface AttemptResult {
  ok: boolean;
  rows?: number;
  runDir?: string;
  /** Error code and message when it failed. */
  error?: { code?: string; message: string };
}

const LEFTOVER = /\$\{[^}]*\}|\$\[[^\]]*\]|\$[A-Za-z_][A-Za-z0-9_]*/g;

/**
 * The node's parameters for an instance: each value's scheduling
 * expressions (`$bizdate`, `${yyyymmdd-1}`, `$[hh24miss]`) evaluated on
 * the instance's times. An expression left over is an error naming it.
 */
export function nodeParams(node: WorkflowNode, times: CycleTimes): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(node.params)) {
    const v = substituteSchedulingParams(value, times);
    const left = v.match(LEFTOVER);
    if (left) throw new FerryError(ErrorCodes.PARAM, `node ${node.name}: params.${name}: unknown scheduling parameter ${left.join(', ')} in ${JSON.stringify(value)}`);
    out[name] = v;
  }
  return out;
}

/** Options of one attempt. */
export interface AttemptOptions {
  ws: Workspace;
  env: string;
  project: string;
  node: WorkflowNode;
  times: CycleTimes;
  /** The engine's folder for this attempt. */
  runDir: string;
  log: Logger;
  signal: AbortSignal;
  /** The embedder's built-in plugins; the workflow adds `table` (its own store) itself. */
  plugins?: Record<string, string>;
  /** What started the instance (run, backfill, rerun, scheduler): a backfill refuses incremental jobs. */
  trigger?: string;
  /** Where the job's splits run instead of local threads (see `InstanceRunOptions.channels`). */
  channels?: (job: unknown) => ChannelRunner | undefined;
}

/**
 * Prepares a sync node's job for the instance with core's `prepareJob` (the
 * one `ferry run` uses): the node's parameters and the instance's
 * scheduling expressions, then the environment's data sources.
 */
export async function prepareNodeJob(o: Pick<AttemptOptions, 'ws' | 'env' | 'node' | 'times'>): Promise<{ job: unknown; params: Record<string, string>; template: unknown }> {
  const params = nodeParams(o.node, o.times);
  const prepared = await prepareJob(o.node.job!, {
    params,
    expressions: (body, bracket) => evalDateExpression(body, bracket, o.times),
    datasources: (job, file) => applyDatasources(job, o.ws, o.env, file),
  });
  return { job: prepared.job, params, template: prepared.template };
}

/** Runs one attempt; never throws for a failed job (the result says why). */
export async function runNodeAttempt(o: AttemptOptions): Promise<AttemptResult> {
  if (o.node.type === 'virtual') {
    o.log.info(`virtual node ${o.node.name}: nothing to run`);
    return { ok: true, rows: 0 };
  }
  if (o.node.type === 'sql') {
    try {
      const rows = await runSqlNode({ storeDir: o.ws.storeDir, workspaceDir: o.ws.dir, timeZone: o.ws.timezone, project: o.project, node: o.node, times: o.times, log: o.log, signal: o.signal });
      return { ok: true, rows };
    } catch (err) {
      const e = err as FerryError;
      o.log.warn(`sql node ${o.node.name} failed: ${redactText(e.message)}`);
      return { ok: false, error: { code: e.code, message: redactText(e.message) } };
    }
  }
  let prepared: Awaited<ReturnType<typeof prepareNodeJob>>;
  let channels: ChannelRunner | undefined;
  try {
    prepared = await prepareNodeJob(o);
    channels = o.channels?.(prepared.job);
  } catch (err) {
    const e = err as FerryError;
    o.log.warn(`cannot prepare ${o.node.job}: ${e.message}`);
    return { ok: false, error: { code: e.code, message: redactText(e.message) } };
  }
  rememberSecrets(prepared.job);
  o.log.info(
    `job ${o.node.job} with ${
      Object.entries(prepared.params)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ') || 'no params'
    }; project ${o.project}`,
  );
  mkdirSync(o.runDir, { recursive: true });
  const result: RunResult = await runJob(prepared.job, {
    params: prepared.params,
    expressions: (body, bracket) => evalDateExpression(body, bracket, o.times),
    plugins: { table: TABLE_WRITER, ...o.plugins },
    settings: { table: { ...tableSettings(o.ws.storeDir, o.project) } },
    baseDir: dirname(o.node.job!),
    runDir: o.runDir,
    source: o.node.job,
    job: jobIdentity(o.node.job!, o.ws.dir),
    stateTemplate: prepared.template,
    ...(o.trigger === 'backfill'
      ? {
          refuseState: `a backfill of ${o.times.bizdate} cannot use the saved high-water mark (it belongs to the latest run, not to that date); run the node's job by hand with --full-refresh, or give the job a where on \${bizdate} instead of "incremental"`,
        }
      : {}),
    ...(channels ? { channels } : {}),
    signal: o.signal,
    log: o.log,
  });
  const summary = `${result.status}: ${result.recordsRead} read, ${result.recordsWritten} written, ${result.dirtyRecords} dirty, ${(result.elapsedMs / 1000).toFixed(1)} s (engine log ${join(result.runDir, 'run.log')})`;
  if (result.status === 'succeeded') {
    o.log.info(summary);
    return { ok: true, rows: result.recordsWritten, runDir: result.runDir };
  }
  o.log.warn(`${summary}: ${result.error?.message ?? 'unknown error'}`);
  return { ok: false, runDir: result.runDir, error: { code: result.error?.code, message: result.error?.message ?? 'the job failed' } };
}
