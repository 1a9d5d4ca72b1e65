/**
 * Runs one workflow instance (workflow, business date, environment): nodes in
 * dependency order, independent ones in parallel up to a bound, a node only
 * after all its parents in the run succeeded; a failed node's descendants
 * stay `not run` (upstream failed). Automatic retries follow each node's
 * `retries`/`retryInterval` and rerun policy. Every state change is recorded
 * in the store (see instance-state.ts).
 */
import type { ChannelRunner } from '@ferry/core/engine';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { cycleTimesForBizdate, ErrorCodes, FerryError, isUsageError, createLogger, redactText, silentLogger, type CycleTimes, type Logger } from '@ferry/core';
import { openStateStore, type StateStore } from './state-store.js';
import { formatDuration } from './durations.js';
import { effectiveInstance, InstanceState, newOwner, type InstanceRecord, type NodeRecord, type RunOwner } from './instance-state.js';
import { runNodeAttempt, type AttemptResult } from './node-run.js';
import { scheduledTimeOfDay } from './schedule.js';
import { requireEnvironment, requireWorkflow, type Workflow, type WorkflowNode, type Workspace } from './workspace.js';
import { abortableSleep } from './sleep.js';

/** Nodes of one instance run at once by default. */
export const DEFAULT_NODE_PARALLEL = 2;

/** The instance's times: a business date, and the scheduled time when known. */
export interface InstanceTimesInput {
  bizdate: string;
  /** T (`yyyymmddhh24miss`); default bizdate + 1 day at the workflow's scheduled time of day. */
  cyctime?: string;
  scheduledAt?: Date;
}

export interface InstanceRunOptions {
  /** Environment (default dev). */
  env?: string;
  /** Nodes to run (default all); parents outside this set do not hold them back. */
  nodes?: string[];
  /**
   * Nodes outside `nodes` whose RECORDED state still gates their children
   * (a rerun keeps a descendant its policy protects: its children run only
   * if it had succeeded).
   */
  gate?: string[];
  /** Nodes run at once (default 2). */
  maxParallel?: number;
  /** What started the run: run, backfill, rerun, scheduler. */
  trigger?: string;
  signal?: AbortSignal;
  /** Progress lines (node started, succeeded, failed...). Node logs go to their files. */
  log?: Logger;
  /** The embedder's built-in plugins (short name -> module) for the nodes' jobs; `table` is always there. */
  plugins?: Record<string, string>;
  /** For a node's job, where its splits run instead of local threads (the CLI: the worker queue of `setting.workers`); undefined: threads. */
  channels?: (job: unknown) => ChannelRunner | undefined;
  /** Called after each node state change. */
  onNode?: (node: string, rec: NodeRecord) => void;
  /** How to wait between retries (default setTimeout, cut short by the signal); intervals come from the workspace. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** What a run of an instance did. */
export interface InstanceResult {
  ok: boolean;
  env: string;
  workflow: string;
  bizdate: string;
  cyctime: string;
  /** Every node of the instance after the run. */
  nodes: Record<string, NodeRecord>;
}

/** The instance's CycleTimes: T defaults to bizdate + 1 at the workflow's scheduled time of day. */
export function instanceTimes(wf: Workflow, t: InstanceTimesInput): CycleTimes {
  if (t.cyctime) return { bizdate: t.bizdate, cyctime: t.cyctime };
  return cycleTimesForBizdate(t.bizdate, wf.schedule ? scheduledTimeOfDay(wf.schedule.cron) : '00:00:00');
}

/** Errors a retry cannot fix (the job or its config is wrong) or must not repeat (a cancel). */
const notRetried = (code: string | undefined) => isUsageError(code) || code === ErrorCodes.ABORTED;

/** Where a node's log lives: `<store>/logs/<env>/<workflow>/<bizdate>/<node>.log`. */
export function nodeLogPath(ws: Workspace, env: string, workflow: string, bizdate: string, node: string): string {
  return join(ws.storeDir, 'logs', env, workflow, bizdate, `${node}.log`);
}

/**
 * Runs one instance of `workflow`. Accepts the times and options as one
 * object (`{bizdate, cyctime?, env, ...}`) or as two. Resolves with every
 * node's state; `ok` is false when a node in the run failed or did not run.
 * Throws a FerryError WORKFLOW when another live run holds a node.
 */
export async function runWorkflowInstance(ws: Workspace, workflow: string, timesIn: InstanceTimesInput & InstanceRunOptions, more: InstanceRunOptions = {}): Promise<InstanceResult> {
  const opts: InstanceTimesInput & InstanceRunOptions = { ...timesIn, ...more };
  const env = opts.env ?? 'dev';
  const { project } = requireEnvironment(ws, env);
  const wf = requireWorkflow(ws, workflow);
  const planned = instanceTimes(wf, opts);
  const scope = opts.nodes ? wf.order.filter((n) => opts.nodes!.includes(n)) : [...wf.order];
  for (const n of opts.nodes ?? []) if (!wf.nodes[n]) throw new FerryError(ErrorCodes.NOT_FOUND, `node ${n} not found in workflow ${wf.name} (nodes: ${wf.order.join(', ')})`);
  const progress = opts.log ?? silentLogger;
  const signal = opts.signal ?? new AbortController().signal;
  const sleep = opts.sleep ?? abortableSleep;
  const maxParallel = Math.max(1, opts.maxParallel ?? DEFAULT_NODE_PARALLEL);

  const store: StateStore = openStateStore(ws.storeDir);
  const state = new InstanceState(store);
  const { owner, release } = newOwner();
  try {
    const { busy, record } = state.claim(
      { env, workflow, bizdate: planned.bizdate, cyctime: planned.cyctime, keepCyctime: opts.cyctime === undefined, trigger: opts.trigger ?? 'run', nodes: wf.order },
      scope,
      owner,
      (n) => nodeLogPath(ws, env, workflow, planned.bizdate, n),
    );
    // T is fixed when the instance is created: a later run or rerun of it keeps it (unless the caller names T, as the scheduler does).
    const times: CycleTimes = { bizdate: planned.bizdate, cyctime: record.cyctime };
    if (busy.length > 0) {
      throw new FerryError(
        ErrorCodes.WORKFLOW,
        `${workflow} bizdate ${planned.bizdate} (${env}): ${busy.map((b) => `${b.node} is already ${record.nodes[b.node]?.state} in process ${b.owner.pid} on ${b.owner.host}`).join('; ')}`,
      );
    }
    const nodes: Record<string, NodeRecord> = { ...record.nodes };
    const set = (n: string, patch: Partial<NodeRecord>, clear: (keyof NodeRecord)[] = []) => {
      const next: NodeRecord = { ...nodes[n]!, ...patch };
      for (const k of clear) delete next[k];
      const changed = next.state !== nodes[n]!.state;
      nodes[n] = next;
      state.updateNode(env, workflow, times.bizdate, n, owner, patch, clear);
      if (changed) opts.onNode?.(n, next);
    };
    await runDag({
      ws,
      env,
      project,
      wf,
      times,
      scope,
      gate: opts.gate ?? [],
      nodes,
      set,
      owner,
      maxParallel,
      signal,
      sleep,
      progress,
      plugins: opts.plugins,
      channels: opts.channels,
      trigger: opts.trigger,
    });
    const ok = scope.every((n) => nodes[n]!.state === 'succeeded');
    return { ok, env, workflow, bizdate: times.bizdate, cyctime: times.cyctime, nodes };
  } finally {
    release();
    await store.close();
  }
}

interface DagRun {
  ws: Workspace;
  env: string;
  project: string;
  wf: Workflow;
  times: CycleTimes;
  scope: string[];
  gate: string[];
  nodes: Record<string, NodeRecord>;
  set: (n: string, patch: Partial<NodeRecord>, clear?: (keyof NodeRecord)[]) => void;
  owner: RunOwner;
  maxParallel: number;
  signal: AbortSignal;
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
  progress: Logger;
  plugins?: Record<string, string>;
  channels?: (job: unknown) => ChannelRunner | undefined;
  trigger?: string;
}

/** The scheduling loop: start every ready node while a slot is free, settle blocked ones. */
async function runDag(r: DagRun): Promise<void> {
  const pending = new Set(r.scope);
  const running = new Map<string, Promise<void>>();
  const gating = (n: string) => r.wf.nodes[n]!.depends.filter((p) => r.scope.includes(p) || r.gate.includes(p));
  while (pending.size > 0 || running.size > 0) {
    let changed = false;
    for (const n of r.wf.order) {
      if (!pending.has(n)) continue;
      if (r.signal.aborted) {
        pending.delete(n);
        r.set(n, { state: 'not run', reason: 'cancelled before it started' }, ['owner']);
        changed = true;
        continue;
      }
      const parents = gating(n);
      const blocked = parents.find((p) => !pending.has(p) && !running.has(p) && r.nodes[p]!.state !== 'succeeded');
      if (blocked) {
        pending.delete(n);
        const why = r.nodes[blocked]!.state;
        r.set(n, { state: 'not run', reason: `upstream ${why === 'failed' ? 'failed' : 'did not succeed'}: ${blocked} ${why}` }, ['owner', 'startedAt', 'endedAt']);
        r.progress.warn(`${r.wf.name}.${n} (${r.times.bizdate}) not run: upstream ${blocked} ${why}`);
        changed = true;
        continue;
      }
      if (running.size >= r.maxParallel) continue;
      if (parents.every((p) => r.nodes[p]!.state === 'succeeded' && !pending.has(p) && !running.has(p))) {
        pending.delete(n);
        const p = runNode(r, r.wf.nodes[n]!).finally(() => running.delete(n));
        running.set(n, p);
        changed = true;
      }
    }
    if (!changed && running.size > 0) await Promise.race(running.values());
    else if (!changed && pending.size > 0) throw new Error(`workflow runner stalled with ${[...pending].join(', ')} pending`);
  }
}

/** Runs a node with its automatic retries and records every step. */
async function runNode(r: DagRun, node: WorkflowNode): Promise<void> {
  const logPath = r.nodes[node.name]!.logPath ?? nodeLogPath(r.ws, r.env, r.wf.name, r.times.bizdate, node.name);
  mkdirSync(dirname(logPath), { recursive: true });
  const log = createLogger({ file: logPath, write: () => {}, timeZone: r.ws.timezone });
  const startedAt = new Date().toISOString();
  const label = `${r.wf.name}.${node.name} (${r.times.bizdate}, ${r.env})`;
  appendFileSync(logPath, `\n=== ${label} execution ${r.nodes[node.name]!.executions ?? 1}, T=${r.times.cyctime}, pid ${process.pid} ===\n`);
  r.set(node.name, { state: 'running', startedAt, attempts: 0, logPath }, ['endedAt', 'rows', 'reason', 'runDir']);
  r.progress.info(`${label} running (log ${logPath})`);
  const maxAttempts = node.rerun === 'never' ? 1 : 1 + node.retries;
  // The engine's periodic `progress:` lines go to the node log and, with the node's name, to the terminal.
  const attemptLog: Logger = {
    ...log,
    info: (m) => {
      log.info(m);
      if (m.startsWith('progress: ')) r.progress.info(`${label} ${m}`);
    },
  };
  let result: AttemptResult = { ok: false, error: { message: 'not run' } };
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    if (attempt > 1) {
      log.info(`retry ${attempt - 1} of ${node.retries} in ${formatDuration(node.retryIntervalMs)}`);
      r.progress.info(`${label} retry ${attempt - 1}/${node.retries} in ${formatDuration(node.retryIntervalMs)}`);
      await r.sleep(node.retryIntervalMs, r.signal);
      if (r.signal.aborted) break;
    }
    r.set(node.name, { attempts: attempt });
    const runDir = join(r.ws.storeDir, 'runs', 'workflow', r.env, r.wf.name, r.times.bizdate, `${node.name}-${Date.now()}-${attempt}`);
    try {
      result = await runNodeAttempt({
        ws: r.ws,
        env: r.env,
        project: r.project,
        node,
        times: r.times,
        runDir,
        log: attemptLog,
        signal: r.signal,
        plugins: r.plugins,
        channels: r.channels,
        trigger: r.trigger,
      });
    } catch (err) {
      // A bug in the engine or a plugin: record it on the node rather than losing the instance.
      result = { ok: false, error: { message: redactText((err as Error)?.stack ?? String(err)) } };
      log.warn(`internal error: ${(err as Error)?.stack ?? String(err)}`);
    }
    if (result.ok || r.signal.aborted || notRetried(result.error?.code)) break;
  }
  const endedAt = new Date().toISOString();
  if (result.ok) {
    r.set(node.name, { state: 'succeeded', endedAt, rows: result.rows ?? 0, ...(result.runDir ? { runDir: result.runDir } : {}) }, ['owner']);
    r.progress.info(`${label} succeeded${node.type !== 'virtual' ? `, ${result.rows ?? 0} rows` : ''}`);
    log.info('node succeeded');
  } else {
    const reason = r.signal.aborted ? `cancelled: ${result.error?.message ?? ''}` : (result.error?.message ?? 'failed');
    r.set(node.name, { state: 'failed', endedAt, reason, ...(result.runDir ? { runDir: result.runDir } : {}) }, ['owner']);
    r.progress.warn(`${label} failed: ${reason.split('\n')[0]}`);
    log.warn(`node failed: ${reason}`);
  }
}

/** The recorded instance with interrupted nodes shown as such, or undefined. */
export async function readInstance(ws: Workspace, env: string, workflow: string, bizdate: string): Promise<InstanceRecord | undefined> {
  const store = openStateStore(ws.storeDir);
  try {
    const rec = new InstanceState(store).get(env, workflow, bizdate);
    return rec ? effectiveInstance(rec) : undefined;
  } finally {
    await store.close();
  }
}

/** Every recorded instance of a workflow in `env`, by business date, interrupted nodes shown as such. */
export async function listInstances(ws: Workspace, env: string, workflow: string): Promise<InstanceRecord[]> {
  const store = openStateStore(ws.storeDir);
  try {
    return new InstanceState(store).list(env, workflow).map(effectiveInstance);
  } finally {
    await store.close();
  }
}
